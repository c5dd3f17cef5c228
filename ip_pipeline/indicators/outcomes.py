"""`plan_outcomes`: the final evaluation (终期评估) of every plan that has ended
(PROGRESS.md, "The plan's lifecycle"; SQL in assets/sql/progress/plan_outcomes.sql).

For each plan ended by the as-of date D (D after 31 Dec of its target year T), its
indicator_progress and plan_scores rows for 31 Dec T are recomputed (the R and status
class "as of 31 Dec T", and the plan's final line), then one plan_outcomes row is
written per indicator with a target × unit: the value on 31 Dec T (full target year for
flows and growth rates), base, target, achieved, attainment v/v_T, change_share
(v − v₀)/(v_T − v₀), R, status, final_status and the data vintage.

Choices where the spec leaves room:
- `achieved` is judged on the value alone, by the target's comparison (and the limit
  tolerance), not by the progress status: a level target met from a zero base is
  achieved although its status is not_available (no growth rate exists).
- `achieved` is NULL (final_status not_available) when the value is missing, and for an
  improvement target also when the base is missing; for a district of a cumulative
  target (no implied share of the city's count) too.
- growth targets: attainment = observed rate / g*; change_share NULL (no level change).
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

import duckdb
import pandas as pd

from . import schema, sql
from .catalogue import Plan, load_plans
from .progress import SPEC_COLUMNS, _labels, _spec, _temp_from_frame, write_progress
from .transaction import atomic
from .vintage import vintages


def ended_plans(plans: Sequence[Plan], as_of: date) -> list[Plan]:
    """The plans that have ended by D (their final evaluation exists from then on)."""
    return [p for p in plans if p.ended_by(as_of)]


def write_outcomes(con: duckdb.DuckDBPyConnection, ended: Sequence[Plan], context: Sequence[Plan]) -> int:
    """Inside the caller's transaction: rewrite the final evaluation of the `ended` plans."""
    schema.ensure(con, "plan_outcomes")
    if not ended:
        return 0
    for plan in ended:  # one plan at a time: each has its own last day
        write_progress(con, [plan.end_date], [plan], context)
    # _prog_* now describe the last plan only: the spec and labels of all of them for the SQL.
    _temp_from_frame(con, "_prog_spec", _spec(ended), SPEC_COLUMNS)
    _temp_from_frame(con, "_prog_labels", _labels(ended), dict(plan_id="VARCHAR", status="VARCHAR", zh="VARCHAR", en="VARCHAR"))
    _temp_from_frame(con, "_outc_plans", pd.DataFrame({"plan_id": [p.id for p in ended],
                                                       "as_of": [p.end_date for p in ended]}),
                     {"plan_id": "VARCHAR", "as_of": "DATE"})
    ids = sorted({i.id for p in ended for i in p.targeted()})
    vint = vintages(con, ids)
    _temp_from_frame(con, "_outc_vintage", pd.DataFrame({"indicator_id": ids, "vintage": [vint[i] for i in ids]},
                                                        dtype=object),
                     {"indicator_id": "VARCHAR", "vintage": "VARCHAR"})
    con.execute("DELETE FROM plan_outcomes WHERE plan_id IN (SELECT plan_id FROM _outc_plans)")
    cols = ", ".join(schema.columns("plan_outcomes"))
    con.execute(f"INSERT INTO plan_outcomes ({cols})\n{sql.load_sql('progress/plan_outcomes')}")
    return int(con.execute("SELECT count(*) FROM plan_outcomes WHERE plan_id IN (SELECT plan_id FROM _outc_plans)")
               .fetchall()[0][0])


def compute_plan_outcomes(
    con: duckdb.DuckDBPyConnection, as_of: date, plans: list[Plan] | None = None,
    only: Sequence[str] | None = None,
) -> int:
    """Final evaluation of every plan ended by `as_of` (or of those of them in `only`), in
    one transaction; also rewrites their indicator_progress and plan_scores on 31 Dec T.
    Returns the number of plan_outcomes rows written."""
    plans = list(plans) if plans is not None else load_plans()
    ended = [p for p in ended_plans(plans, as_of) if only is None or p.id in only]
    with atomic(con):
        return write_outcomes(con, ended, plans)
