"""The frame every calculation runs in, for a set of as-of dates: the temp tables of the dates
(`_calc_dates`), the reporting units (`_calc_units`, `_calc_grid`), each based indicator's base
year (`_calc_growth_base`), the helper macros, the optional inputs; and the plans' parameters
the marts and the indicator SQL read (the pledge threshold). marts.py and engine.py both build
on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import duckdb
import pandas as pd

from ..city import CITY, UNLOCATED
from ..db import column_names
from .catalogue import Indicator, Plan
from .registry import COMPUTATIONS, OPTIONAL_INPUTS

DEFAULT_PLEDGE_THRESHOLD_WAN = 1000.0


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


def _periods(plans: Sequence[Plan], indicator_id: str | None) -> list[tuple[int, int]]:
    """(base year, target year) of the plans that define `indicator_id`; without an id, or
    when no plan defines it, of every plan's growth rates (then of the plans themselves)."""
    if indicator_id is not None:
        own = sorted(
            {
                (ind.base_year or p.base_year, ind.target.year if ind.target else p.target_year)
                for p in plans
                for ind in p.indicators + p.companions
                if ind.id == indicator_id
            }
        )
        if own:
            return own
    return (
        sorted(
            {
                (ind.base_year or p.base_year, (ind.target.year if ind.target else p.target_year))
                for p in plans
                for ind in p.indicators
                if ind.kind == "growth_rate"
            }
        )
        or sorted({(p.base_year, p.target_year) for p in plans})
        or [(2020, 2025)]
    )


def growth_base_year(plans: Sequence[Plan], as_of: date, indicator_id: str | None = None) -> int:
    """Base year B of an indicator measured from a base year (a growth rate, a count since
    the base year) on D.

    Per indicator: only the plans that define `indicator_id` decide, so that a new plan's
    base year (the action plan's 2024 for ip_transfer_licence_cagr) never moves another
    indicator's (pledge_*_cagr stay on the 14th plan's 2020). Among those plans: the one
    whose period (base year, target year] holds the year of D; else the latest base year
    before it; else the earliest (D not after any base year -> NULL, flag base_period).
    """
    periods = _periods(plans, indicator_id)
    y = as_of.year
    inside = [b for b, t in periods if b < y <= t]
    if inside:
        return max(inside)
    before = [b for b, _ in periods if b < y]
    return max(before) if before else min(b for b, _ in periods)


def based_ids() -> list[str]:
    """Ids the registry marks as measured from a base year."""
    return [i for i, c in COMPUTATIONS.items() if c.based]


def prepare(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: Iterable[date],
    plans: Sequence[Plan],
    growth_base: dict[date, int] | None = None,
) -> list[date]:
    """Temp tables of the dates, reporting units and base years; helper macros; the optional inputs.

    `_calc_growth_base (indicator_id, as_of, base_year)` has a row per date for every id the
    registry marks `based`. `growth_base` (date -> year), when given, is that base for every
    such id (progress.py measures a plan's indicators from the plan's own base year);
    otherwise each id gets its own, from the plans defining it (growth_base_year).
    """
    dates = sorted({d for d in as_of_dates})
    if not dates:
        raise ValueError("no as-of dates")
    ids = based_ids()
    rows = [
        (ind_id, d, growth_base[d] if growth_base else growth_base_year(plans, d, ind_id))
        for ind_id in ids
        for d in dates
    ]
    con.register("_calc_dates_df", pd.DataFrame({"as_of": pd.to_datetime(dates).date}))
    con.register("_calc_bases_df", pd.DataFrame(rows, columns=["indicator_id", "as_of", "base_year"]))
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _calc_dates AS SELECT CAST(as_of AS DATE) AS as_of FROM _calc_dates_df"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _calc_growth_base AS "
            "SELECT CAST(indicator_id AS VARCHAR) AS indicator_id, CAST(as_of AS DATE) AS as_of, "
            "CAST(base_year AS INTEGER) AS base_year FROM _calc_bases_df"
        )
    finally:
        con.unregister("_calc_dates_df")
        con.unregister("_calc_bases_df")
    optional_inputs(con)
    # Reporting units: every unit of stg_districts except the city itself; the unlocated bucket always
    # (ingestion resolves in-Yantai-but-unknown records there even if districts.csv forgot it).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _calc_units AS
            SELECT DISTINCT code AS district_code FROM stg_districts WHERE code IS NOT NULL AND code <> '{CITY}'
            UNION SELECT '{UNLOCATED}'"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _calc_grid AS SELECT d.as_of, u.district_code FROM _calc_dates d, _calc_units u"
    )
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


def optional_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """Temp views `_calc_in_<name>` over staged tables a warehouse may lack or hold without
    some columns (registry.OPTIONAL_INPUTS): missing columns read NULL, a missing table
    reads as no rows. Indicators on them are then NULL with flag no_data."""
    for view, (table, cols) in OPTIONAL_INPUTS.items():
        present = set(column_names(con, table))
        select = ", ".join(f"CAST({'s.' + c if c in present else 'NULL'} AS {t}) AS {c}" for c, t in cols)
        source = f"FROM main.{table} AS s" if present else "WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} {source}")
