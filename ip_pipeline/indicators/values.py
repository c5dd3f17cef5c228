"""`indicator_values`: every indicator of every plan, plus the contract's
companions, for the city and every reporting unit, on the given as-of dates
(INDICATORS.md). Computed alone, it also refreshes the marts behind them for those
dates (marts.py); in the pipeline the marts assets write them first.

Conventions (where the contract leaves room):
- numerator/denominator: counts carry the count as numerator and no
  denominator; valid_trademarks carries the count (value = count/10,000);
  ratios carry both; growth rates carry x_Y and x_B; the survey estimate
  carries Σw·s and Σw; a published satisfaction score carries neither.
- vintage: newest snapshot_at of the sources the indicator reads (vintage.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from ..db import table_exists
from ..faults import maybe_fail
from . import schema
from .calc_frame import first_definition
from .catalogue import Plan, load_plans
from .engine import evaluate, indicator_ids
from .marts import persist_temp_marts
from .registry import DEFAULT_UNITS
from .transaction import atomic
from .vintage import vintages


def _meta(plans: Sequence[Plan], ids: Sequence[str], vint: dict[str, str | None]) -> pd.DataFrame:
    units = []
    for ind_id in ids:
        ind = first_definition(plans, ind_id)
        units.append(ind.unit if ind else DEFAULT_UNITS.get(ind_id))
    return pd.DataFrame(
        {"indicator_id": list(ids), "unit": units, "vintage": [vint[i] for i in ids]}, dtype=object
    )


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: list[date],
    plans: list[Plan] | None = None,
    persisted_marts: bool = False,
) -> int:
    """Delete then insert `indicator_values` for the dates, in one transaction. Returns the
    number of indicator_values rows written. The marts are evaluated for the dates and
    persisted with them, or (`persisted_marts`) read from the marts tables, which the marts
    assets have just written for these dates (marts.py)."""
    if not as_of_dates:
        return 0
    plans = list(plans) if plans is not None else load_plans()
    ids = indicator_ids(plans)
    with atomic(con):
        evaluate(con, as_of_dates, plans, ids, persisted_marts=persisted_marts)
        schema.ensure(con, "indicator_values")
        meta = _meta(plans, ids, vintages(con, ids))
        con.register("_calc_meta_df", meta)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _calc_meta AS "
            "SELECT CAST(indicator_id AS VARCHAR) AS indicator_id, CAST(unit AS VARCHAR) AS unit, "
            "CAST(vintage AS VARCHAR) AS vintage FROM _calc_meta_df"
        )
        con.unregister("_calc_meta_df")
        con.execute("DELETE FROM indicator_values WHERE as_of IN (SELECT as_of FROM _calc_dates)")
        con.execute(
            """INSERT INTO indicator_values
               SELECT v.indicator_id, v.as_of, v.district_code, v.value, v.numerator, v.denominator,
                      m.unit, v.flags, m.vintage
               FROM _calc_values AS v JOIN _calc_meta AS m USING (indicator_id)"""
        )
        written = con.execute(
            "SELECT count(*) FROM indicator_values WHERE as_of IN (SELECT as_of FROM _calc_dates)"
        ).fetchall()[0][0]
        if not persisted_marts:
            persist_temp_marts(con)
        maybe_fail("indicators:before_commit")
    return int(written)


def restamp_vintage(
    con: duckdb.DuckDBPyConnection, as_of_dates: list[date], plans: list[Plan] | None = None
) -> int:
    """Months kept without a recompute (no changed row can reach them) get the vintage a full
    recompute would write: the newest snapshot of the sources each indicator reads."""
    if not as_of_dates or not table_exists(con, "indicator_values"):
        return 0
    plans = list(plans) if plans is not None else load_plans()
    ids = indicator_ids(plans)
    meta = _meta(plans, ids, vintages(con, ids))[["indicator_id", "vintage"]]
    con.register("_restamp_meta_df", meta)
    con.register("_restamp_dates_df", pd.DataFrame({"as_of": pd.to_datetime(sorted(as_of_dates)).date}))
    try:
        con.execute(
            """UPDATE indicator_values AS v SET vintage = CAST(m.vintage AS VARCHAR)
               FROM _restamp_meta_df AS m
               WHERE v.indicator_id = m.indicator_id
                 AND v.as_of IN (SELECT CAST(as_of AS DATE) FROM _restamp_dates_df)
                 AND v.vintage IS DISTINCT FROM CAST(m.vintage AS VARCHAR)"""
        )
    finally:
        con.unregister("_restamp_meta_df")
        con.unregister("_restamp_dates_df")
    return len(as_of_dates)
