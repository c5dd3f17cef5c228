"""Evaluate indicators for a set of as-of dates in one pass, into temp tables.

Everything is set-based over the temp table `_calc_dates`: the marts
(`_calc_hv`, `_calc_pledge_totals`, `_calc_satisfaction`, `_calc_population`,
`_calc_pledge_items`) and then every indicator SQL, into `_calc_values`
(indicator_id, as_of, district_code, value, numerator, denominator, flags).
values.py publishes it; progress.py evaluates extra dates (base years, complete
years) the same way without publishing them.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Iterable, Sequence

import duckdb
import pandas as pd

from . import sql
from .catalogue import Indicator, Plan
from .registry import CITY, COMPANION_IDS, COMPUTATIONS, UNLOCATED

log = logging.getLogger(__name__)

DEFAULT_PLEDGE_THRESHOLD_WAN = 1000.0

# Marts in dependency order: (temp table, SQL file).
MARTS = (
    ("_calc_pledge_items", "marts/pledge_items"),
    ("_calc_population", "marts/population_at"),
    ("_calc_hv", "marts/high_value_patent_criteria"),
    ("_calc_pledge_totals", "marts/pledge_totals"),
    ("_calc_satisfaction", "marts/satisfaction_estimates"),
)


def indicator_ids(plans: Sequence[Plan]) -> list[str]:
    """Every indicator and companion of every plan, plus the contract's companions, first-seen order."""
    ids: list[str] = []
    for plan in plans:
        for ind in plan.indicators + plan.companions:
            if ind.id not in ids:
                ids.append(ind.id)
    ids += [c for c in COMPANION_IDS if c not in ids]
    return ids


def first_definition(plans: Sequence[Plan], indicator_id: str) -> Indicator | None:
    """Unit, parameters: the first plan (file-name order) that defines an id decides."""
    for plan in plans:
        try:
            return plan.indicator(indicator_id)
        except KeyError:
            continue
    return None


def pledge_threshold(plans: Sequence[Plan]) -> float:
    ind = first_definition(plans, "hv_patents_per_10k")
    value = (ind.parameters if ind else {}).get("pledge_threshold_wan", DEFAULT_PLEDGE_THRESHOLD_WAN)
    return float(value)


def growth_base_year(plans: Sequence[Plan], as_of: date) -> int:
    """Base year B of the growth rates on D.

    Choice (several plans): the plan whose period (base year, target year]
    holds the year of D; else the latest base year before it; else the earliest
    (D not after any base year -> the value is NULL, flag base_period).
    """
    periods = sorted(
        {
            (ind.base_year or p.base_year, (ind.target.year if ind.target else p.target_year))
            for p in plans
            for ind in p.indicators
            if ind.kind == "growth_rate"
        }
    ) or sorted({(p.base_year, p.target_year) for p in plans}) or [(2020, 2025)]
    y = as_of.year
    inside = [b for b, t in periods if b < y <= t]
    if inside:
        return max(inside)
    before = [b for b, _ in periods if b < y]
    return max(before) if before else min(b for b, _ in periods)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """A table or view of the main schema (temp tables do not count)."""
    return (
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
        ).fetchall()[0][0]
        > 0
    )


def prepare(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: Iterable[date],
    plans: Sequence[Plan],
    growth_base: dict[date, int] | None = None,
) -> list[date]:
    """Temp tables of the dates, reporting units and growth base years; helper macros."""
    dates = sorted({d for d in as_of_dates})
    if not dates:
        raise ValueError("no as-of dates")
    bases = growth_base or {d: growth_base_year(plans, d) for d in dates}
    frame = pd.DataFrame({"as_of": pd.to_datetime(dates).date, "base_year": [bases[d] for d in dates]})
    con.register("_calc_dates_df", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _calc_dates AS SELECT CAST(as_of AS DATE) AS as_of FROM _calc_dates_df")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _calc_growth_base AS "
            "SELECT CAST(as_of AS DATE) AS as_of, CAST(base_year AS INTEGER) AS base_year FROM _calc_dates_df"
        )
    finally:
        con.unregister("_calc_dates_df")
    # Reporting units: every unit of stg_districts except the city itself; 370699 always
    # (ingestion resolves in-Yantai-but-unknown records there even if districts.csv forgot it).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _calc_units AS
            SELECT DISTINCT code AS district_code FROM stg_districts WHERE code IS NOT NULL AND code <> '{CITY}'
            UNION SELECT '{UNLOCATED}'"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _calc_grid AS SELECT d.as_of, u.district_code FROM _calc_dates d, _calc_units u")
    # An in-scope record whose code is not a reporting unit (cannot happen after staging) counts as 未定位.
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO _calc_unit_of(code) AS
            CASE WHEN code IN (SELECT district_code FROM _calc_units) THEN code ELSE '{UNLOCATED}' END"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO _calc_flags(l) AS "
        "CAST(list_sort(list_distinct(list_filter(l, lambda f: f IS NOT NULL))) AS VARCHAR[])"
    )
    return dates


def build_marts(con: duckdb.DuckDBPyConnection, plans: Sequence[Plan]) -> None:
    params = {"pledge_threshold_wan": pledge_threshold(plans)}
    for table, name in MARTS:
        sql.materialise(con, table, name, **params)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: Iterable[date],
    plans: Sequence[Plan],
    ids: Sequence[str] | None = None,
    growth_base: dict[date, int] | None = None,
) -> list[date]:
    """Compute `ids` (default: all of the plans) for the dates into temp table `_calc_values`."""
    dates = prepare(con, as_of_dates, plans, growth_base)
    build_marts(con, plans)
    wanted = list(ids) if ids is not None else indicator_ids(plans)
    known = [i for i in wanted if i in COMPUTATIONS]
    for unknown in sorted(set(wanted) - set(known)):
        log.warning("indicator %s has no computation in the registry; skipped", unknown)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _calc_values (
               indicator_id VARCHAR, as_of DATE, district_code VARCHAR, value DOUBLE,
               numerator DOUBLE, denominator DOUBLE, flags VARCHAR[])"""
    )
    for ind_id in known:
        comp = COMPUTATIONS[ind_id]
        text = sql.load_sql(f"indicators/{comp.sql}")
        con.execute(f"INSERT INTO _calc_values\n{text}", sql.bind(text, dict(comp.params)))
    return dates
