"""The marts as warehouse tables: per-record and per-unit facts the indicators read
(ARCHITECTURE.md, "marts"), computed set-based for every as-of date asked for at once.

`refresh_marts` evaluates them (assets/sql/marts/*.sql) for a set of dates and persists
them: the per-date marts by delete-then-insert of those dates, `pledge_items` (it does not
depend on D) as a whole. `use_persisted_marts` points the engine's temp names
(`_calc_hv`, ...) at the persisted rows of the dates being computed, so the indicators read
what the marts assets wrote. No Dagster here (the assets: ip_pipeline/defs/marts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from ..db import table_exists
from . import schema, sql
from .calc_frame import pledge_threshold, prepare
from .catalogue import Plan
from .transaction import atomic


@dataclass(frozen=True)
class Mart:
    name: str  # warehouse table (and asset) name
    temp: str  # the engine's temp name the indicator SQL reads
    key: tuple[str, ...]  # unique key (the asset check)
    per_date: bool = True  # rows per as_of (else: one table for every date)
    description: str = ""

    @property
    def sql(self) -> str:
        return f"marts/{self.name}"


# In dependency order (high_value_patent_criteria reads pledge_items).
MARTS: tuple[Mart, ...] = (
    Mart(
        "pledge_items",
        "_calc_pledge_items",
        ("registration_no", "item_no"),
        per_date=False,
        description="质押登记的专利/商标 — stg_pledges.items exploded: one row per pledge registration and pledged "
        "patent or trademark number (the link behind high-value criterion 4).",
    ),
    Mart(
        "population_at",
        "_calc_population",
        ("as_of", "district_code"),
        description="常住人口 — the year-end population behind each as-of date and unit (the year of D, else the "
        "latest earlier year, flagged provisional).",
    ),
    Mart(
        "high_value_patent_criteria",
        "_calc_hv",
        ("as_of", "application_no"),
        description="高价值发明专利 — per as-of date, every in-force in-scope invention patent meeting at least one "
        "of the five CNIPA criteria, with the criteria it meets.",
    ),
    Mart(
        "pledge_totals",
        "_calc_pledge_totals",
        ("as_of", "district_code"),
        description="质押登记合计 — per as-of date and unit, pledge registrations and amounts of the year to date "
        "and of the base year to the same day.",
    ),
    Mart(
        "transfer_totals",
        "_calc_transfer_totals",
        ("as_of", "district_code"),
        description="转让许可合计 — per as-of date and unit, transfer and licence recordals of the year to date "
        "and of the base year to the same day, and whether the source covers those years.",
    ),
    Mart(
        "satisfaction_estimates",
        "_calc_satisfaction",
        ("as_of", "district_code"),
        description="满意度调查估计 — the survey's weighted mean, standard error, 95% CI, responses and Kish "
        "effective sample size on each as-of date.",
    ),
)
MART_NAMES = tuple(m.name for m in MARTS)
BY_NAME = {m.name: m for m in MARTS}


def _drop_temp(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """Drop a temp VIEW or TABLE of that name if one exists (the other kind may replace it)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = ?"
        if kind == "VIEW"
        else "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
        [name],
    ).fetchone()[0]
    if found:
        con.execute(f"DROP {kind} temp.main.{name}")


def build_temp_marts(con: duckdb.DuckDBPyConnection, plans: Sequence[Plan]) -> None:
    """Every mart into its temp table, for the dates of `_calc_dates` (calc_frame.prepare)."""
    params = {"pledge_threshold_wan": pledge_threshold(plans)}
    for m in MARTS:
        _drop_temp(con, m.temp, "VIEW")
        sql.materialise(con, m.temp, m.sql, **params)


def persist_temp_marts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The temp marts into their warehouse tables, for the dates of `_calc_dates` (inside the
    caller's transaction). Returns the rows written per mart."""
    schema.ensure(con, *[m.name for m in MARTS if m.name in schema.TABLES])
    written: dict[str, int] = {}
    for m in MARTS:
        if not m.per_date:
            con.execute(f"CREATE OR REPLACE TABLE {m.name} AS SELECT * FROM {m.temp}")
            written[m.name] = con.execute(f"SELECT count(*) FROM {m.name}").fetchone()[0]
            continue
        cols = ", ".join(schema.columns(m.name))
        con.execute(f"DELETE FROM {m.name} WHERE as_of IN (SELECT as_of FROM _calc_dates)")
        con.execute(f"INSERT INTO {m.name} ({cols}) SELECT {cols} FROM {m.temp}")
        written[m.name] = con.execute(f"SELECT count(*) FROM {m.temp}").fetchone()[0]
    return written


def refresh_marts(
    con: duckdb.DuckDBPyConnection, as_of_dates: Sequence[date], plans: Sequence[Plan]
) -> dict[str, int]:
    """Compute and persist every mart for the dates, in one transaction (set-based: one
    statement per mart for all dates)."""
    if not as_of_dates:
        return {}
    with atomic(con):
        prepare(con, as_of_dates, plans)
        build_temp_marts(con, plans)
        return persist_temp_marts(con)


def use_persisted_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Temp views with the engine's names over the persisted marts of the dates of `_calc_dates`."""
    for m in MARTS:
        where = " WHERE as_of IN (SELECT as_of FROM _calc_dates)" if m.per_date else ""
        _drop_temp(con, m.temp, "TABLE")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {m.temp} AS SELECT * FROM main.{m.name}{where}")


def marts_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return all(table_exists(con, m.name) for m in MARTS)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        m.name: (
            con.execute(f"SELECT count(*) FROM {m.name}").fetchone()[0] if table_exists(con, m.name) else 0
        )
        for m in MARTS
    }


def _where(mart: Mart, dates: Sequence[date] | None) -> tuple[str, list]:
    if dates is None or not mart.per_date:
        return "", []
    return " WHERE as_of IN (SELECT unnest(?::DATE[]))", [list(dates)]


def key_duplicates(
    con: duckdb.DuckDBPyConnection, mart: Mart, dates: Sequence[date] | None = None, sample: int = 5
) -> tuple[int, list[dict]]:
    """How many key values occur more than once in a mart (on `dates`, None: every date), and a few."""
    keys = ", ".join(mart.key)
    where, params = _where(mart, dates)
    dup = f"SELECT {keys}, count(*) AS n FROM {mart.name}{where} GROUP BY ALL HAVING count(*) > 1"
    n = con.execute(f"SELECT count(*) FROM ({dup})", params).fetchone()[0]
    cur = con.execute(f"{dup} ORDER BY ALL LIMIT {int(sample)}", params)
    cols = [d[0] for d in cur.description]
    return int(n), [dict(zip(cols, r)) for r in cur.fetchall()]


def null_keys(con: duckdb.DuckDBPyConnection, mart: Mart, dates: Sequence[date] | None = None) -> int:
    cond = " OR ".join(f"{k} IS NULL" for k in mart.key)
    where, params = _where(mart, dates)
    where = f"{where} AND ({cond})" if where else f" WHERE {cond}"
    return int(con.execute(f"SELECT count(*) FROM {mart.name}{where}", params).fetchone()[0])
