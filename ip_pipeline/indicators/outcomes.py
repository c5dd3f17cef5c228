"""`plan_outcomes`: the final evaluation (终期评估) of every plan that has ended
(PROGRESS.md, "The plan's lifecycle"; SQL in assets/sql/progress/plan_outcomes.sql).

For each plan ended by the as-of date D (D after 31 Dec of its target year T), its
indicator_progress and plan_scores rows for 31 Dec T are recomputed (the R and status
class "as of 31 Dec T", and the plan's final line), then one plan_outcomes row is
written per indicator with a target × unit: the value on 31 Dec T (full target year for
flows and growth rates), base, target, achieved, attainment v/v_T, change_share
(v − v₀)/(v_T − v₀), R, status, final_status and the data vintage.

A recomputed outcome whose value or final status changed is also recorded in
`plan_outcome_revisions` (before and after), for the report's footnote on a revision.

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

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd

from ..city import CITY, UNLOCATED
from . import schema, sql
from .catalogue import Plan, load_plans
from .progress import SPEC_COLUMNS, city_only, status_labels, target_spec, temp_from_frame, write_progress
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
    temp_from_frame(con, "_prog_spec", target_spec(ended), SPEC_COLUMNS)
    temp_from_frame(
        con,
        "_prog_labels",
        status_labels(ended),
        dict(plan_id="VARCHAR", status="VARCHAR", zh="VARCHAR", en="VARCHAR"),
    )
    temp_from_frame(
        con,
        "_outc_plans",
        pd.DataFrame({"plan_id": [p.id for p in ended], "as_of": [p.end_date for p in ended]}),
        {"plan_id": "VARCHAR", "as_of": "DATE"},
    )
    ids = sorted({i.id for p in ended for i in p.targeted()})
    vint = vintages(con, ids)
    temp_from_frame(
        con,
        "_outc_vintage",
        pd.DataFrame({"indicator_id": ids, "vintage": [vint[i] for i in ids]}, dtype=object),
        {"indicator_id": "VARCHAR", "vintage": "VARCHAR"},
    )
    schema.ensure(con, "plan_outcome_revisions")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _outc_old AS SELECT * FROM plan_outcomes "
        "WHERE plan_id IN (SELECT plan_id FROM _outc_plans)"
    )
    con.execute("DELETE FROM plan_outcomes WHERE plan_id IN (SELECT plan_id FROM _outc_plans)")
    cols = ", ".join(schema.columns("plan_outcomes"))
    sql.execute(con, f"INSERT INTO plan_outcomes ({cols})", "progress/plan_outcomes")
    # A changed outcome (value or verdict) is kept beside the new one: the report footnotes it.
    con.execute(
        """INSERT INTO plan_outcome_revisions
           SELECT n.plan_id, n.indicator_id, n.district_code, n.as_of, o.value, n.value, o.final_status,
                  n.final_status, o.vintage, n.vintage, current_timestamp::TIMESTAMP
           FROM plan_outcomes AS n
           JOIN _outc_old AS o USING (plan_id, indicator_id, district_code)
           WHERE n.plan_id IN (SELECT plan_id FROM _outc_plans)
             AND (n.value IS DISTINCT FROM o.value OR n.final_status IS DISTINCT FROM o.final_status
                  OR n.as_of IS DISTINCT FROM o.as_of)"""
    )
    return int(
        con.execute(
            "SELECT count(*) FROM plan_outcomes WHERE plan_id IN (SELECT plan_id FROM _outc_plans)"
        ).fetchall()[0][0]
    )


def compute_plan_outcomes(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    plans: list[Plan] | None = None,
    only: Sequence[str] | None = None,
) -> int:
    """Final evaluation of every plan ended by `as_of` (or of those of them in `only`), in
    one transaction; also rewrites their indicator_progress and plan_scores on 31 Dec T.
    Returns the number of plan_outcomes rows written."""
    plans = list(plans) if plans is not None else load_plans()
    ended = [p for p in ended_plans(plans, as_of) if only is None or p.id in only]
    with atomic(con):
        return write_outcomes(con, ended, plans)


# --------------------------------------------------------------------------- checks
# Used by the plan_outcomes asset checks (defs/outcomes.py) and the tests. Each returns
# the violating rows (dicts); an empty list is a pass.


def _units(con: duckdb.DuckDBPyConnection) -> list[str]:
    codes = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT code FROM stg_districts WHERE code IS NOT NULL AND code <> '{CITY}'"
        ).fetchall()
    }
    return sorted(codes | {UNLOCATED})


def row_violations(con: duckdb.DuckDBPyConnection, plans: Sequence[Plan], as_of: date) -> list[dict]:
    """One row per indicator with a target × unit of each plan ended by `as_of`: none missing,
    none extra, none twice; as_of = 31 Dec of the target year."""
    units = _units(con)
    want = {
        (p.id, i.id, u)
        for p in ended_plans(plans, as_of)
        for i in p.targeted()
        for u in ([CITY] if city_only(i) else [CITY, *units])
    }
    ends = {p.id: p.end_date for p in plans}
    ids = sorted({k[0] for k in want})
    if not ids:
        return []
    rows = con.execute(
        f"SELECT plan_id, indicator_id, district_code, as_of, count(*) AS n FROM plan_outcomes "
        f"WHERE plan_id IN ({', '.join('?' * len(ids))}) GROUP BY ALL",
        ids,
    ).fetchall()
    have = {(p, i, u): (d, n) for p, i, u, d, n in rows}
    out = [
        dict(plan_id=p, indicator_id=i, district_code=u, problem="missing")
        for p, i, u in sorted(want - set(have))
    ]
    out += [
        dict(plan_id=p, indicator_id=i, district_code=u, problem="not a target of the plan")
        for p, i, u in sorted(set(have) - want)
    ]
    out += [
        dict(plan_id=k[0], indicator_id=k[1], district_code=k[2], problem=f"{n} rows")
        for k, (_, n) in sorted(have.items())
        if n != 1
    ]
    out += [
        dict(plan_id=k[0], indicator_id=k[1], district_code=k[2], problem=f"as_of {d} is not {ends[k[0]]}")
        for k, (d, _) in sorted(have.items())
        if k[0] in ends and d != ends[k[0]]
    ]
    return out


def achieved_violations(con: duckdb.DuckDBPyConnection, plans: Sequence[Plan]) -> list[dict]:
    """`achieved` agrees with the value against the target and its comparison (Target.met,
    an implementation independent of the SQL; a limit target within the tolerance is met),
    and final_status with `achieved`."""
    targets = {(p.id, i.id): (p, i) for p in plans for i in p.targeted()}
    rows = con.execute(
        "SELECT o.plan_id, o.indicator_id, o.district_code, o.value, o.base_value, o.target_value, o.achieved, "
        "o.final_status, p.g_obs, o.margin FROM plan_outcomes AS o LEFT JOIN indicator_progress AS p "
        "ON p.plan_id = o.plan_id AND p.indicator_id = o.indicator_id AND p.district_code = o.district_code "
        "AND p.as_of = o.as_of"
    ).fetchall()
    out = []
    for plan_id, ind_id, unit, value, base, target_value, achieved, final, g_obs, margin in rows:
        if (plan_id, ind_id) not in targets:
            continue
        plan, ind = targets[(plan_id, ind_id)]
        t = ind.target
        if t.kind == "growth" and ind.kind != "growth_rate":
            value = None if g_obs is None else g_obs * 100
        if t.kind != "improvement":
            # The row's target: the catalogue's for the city, the implied one for a district.
            if unit == CITY and target_value != t.value:
                out.append(
                    dict(
                        plan_id=plan_id,
                        indicator_id=ind_id,
                        district_code=unit,
                        target_value=target_value,
                        problem=f"the plan's target is {t.value}",
                    )
                )
            t = replace(t, value=target_value)
        expected = t.met(value, ind.direction or 1, base, margin)
        tol = float(plan.status.get("limit_tolerance", 0.5))
        if (
            expected is False
            and ind.limit is not None
            and t.value is not None
            and value is not None
            and abs(t.value - ind.limit) <= tol
            and abs(value - ind.limit) <= tol
        ):
            expected = True
        final_expected = {True: "target_achieved", False: "target_missed", None: "not_available"}[expected]
        if achieved != expected or final != final_expected:
            out.append(
                dict(
                    plan_id=plan_id,
                    indicator_id=ind_id,
                    district_code=unit,
                    value=value,
                    target_value=target_value,
                    achieved=achieved,
                    expected=expected,
                    final_status=final,
                )
            )
    return out
