"""`indicator_values`: every indicator of every plan, plus the contract's
companions, for the city and every reporting unit, on the given as-of dates
(INDICATORS.md). Also refreshes the marts behind them for those dates:
`high_value_patent_criteria`, `pledge_totals`, `satisfaction_estimates`, and
`pledge_items` (whole table, it does not depend on D).

Conventions (where the contract leaves room):
- numerator/denominator: counts carry the count as numerator and no
  denominator; valid_trademarks carries the count (value = count/10,000);
  ratios carry both; growth rates carry x_Y and x_B; the survey estimate
  carries Σw·s and Σw; a published satisfaction score carries neither.
- vintage: newest snapshot_at of the sources the indicator reads (vintage.py).
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

import duckdb
import pandas as pd

from . import schema
from .catalogue import Plan, load_plans
from ..faults import maybe_fail
from .engine import evaluate, first_definition, indicator_ids
from .registry import DEFAULT_UNITS
from .transaction import atomic
from .vintage import vintages

# Marts persisted per as_of (temp table -> warehouse table).
PER_DATE_MARTS = {
    "_calc_hv": "high_value_patent_criteria",
    "_calc_pledge_totals": "pledge_totals",
    "_calc_satisfaction": "satisfaction_estimates",
}


def _meta(plans: Sequence[Plan], ids: Sequence[str], vint: dict[str, str | None]) -> pd.DataFrame:
    units = []
    for ind_id in ids:
        ind = first_definition(plans, ind_id)
        units.append(ind.unit if ind else DEFAULT_UNITS.get(ind_id))
    return pd.DataFrame({"indicator_id": list(ids), "unit": units, "vintage": [vint[i] for i in ids]}, dtype=object)


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection, as_of_dates: list[date], plans: list[Plan] | None = None
) -> int:
    """Delete then insert `indicator_values` (and the per-date marts) for the dates, in one
    transaction. Returns the number of indicator_values rows written."""
    if not as_of_dates:
        return 0
    plans = list(plans) if plans is not None else load_plans()
    ids = indicator_ids(plans)
    with atomic(con):
        evaluate(con, as_of_dates, plans, ids)
        schema.ensure(con, "indicator_values", *PER_DATE_MARTS.values())
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
        for temp, table in PER_DATE_MARTS.items():
            cols = ", ".join(schema.columns(table))
            con.execute(f"DELETE FROM {table} WHERE as_of IN (SELECT as_of FROM _calc_dates)")
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp}")
        con.execute("CREATE OR REPLACE TABLE pledge_items AS SELECT * FROM _calc_pledge_items")
        maybe_fail("indicators:before_commit")
    return int(written)
