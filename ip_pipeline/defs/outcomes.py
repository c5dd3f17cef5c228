"""The final evaluation of ended plans (`plan_outcomes`, PROGRESS.md "The plan's lifecycle").

Partitioned like the indicators so it runs in the same single-run backfill: a run
judges every plan that has ended by the run's latest as-of date. A plan's outcome is
recomputed when the inputs changed since it was last computed — the `indicator_runs`
fingerprint of the indicators, recorded per plan as step `outcomes:<plan_id>` on 31 Dec
of its target year — so a revision of the target year's data (late filings,
corrections) gives a new outcome, and a no-op nightly run leaves it alone.
"""

import dagster as dg

from ..city import CITY
from ..db import table_exists
from ..indicators import schema
from ..indicators.catalogue import load_plans
from ..indicators.outcomes import achieved_violations, compute_plan_outcomes, ended_plans, row_violations
from .indicators import (
    indicator_progress,
    indicator_values,
    inputs_fingerprint,
    mark_done,
    partition_dates,
    stale_dates,
)
from .ingestion import OWNER
from .resources import WAREHOUSE_POOL, Warehouse

OUTCOMES_STEP = "outcomes"  # indicator_runs.step is "outcomes:<plan_id>", as_of = 31 Dec of T
ROWS_CHECK = "plan_outcomes_one_row_per_target_and_unit"
ACHIEVED_CHECK = "plan_outcomes_achieved_agrees_with_target"
SAMPLE_ROWS = 20


def outcome_step(plan_id: str) -> str:
    return f"{OUTCOMES_STEP}:{plan_id}"


@dg.asset(
    partitions_def=indicator_values.partitions_def,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[indicator_values, indicator_progress],
    pool=WAREHOUSE_POOL,
    group_name="indicators",
    kinds={"duckdb"},
    owners=[OWNER],
    description="终期评估 — the final evaluation of every plan whose target year has ended (docs/PROGRESS.md, "
    '"The plan\'s lifecycle"): per indicator with a target and unit, the value on 31 Dec of the '
    "target year, the target, achieved or missed, attainment, share of the needed change, R and status "
    "class; the plan's final line is plan_scores on that day.",
)
def plan_outcomes(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    plans = load_plans()
    latest = max(partition_dates(context))
    ended = ended_plans(plans, latest)
    with warehouse.connection() as con:
        schema.ensure(con, "plan_outcomes")  # readers find the table even before a plan has ended
        fp = inputs_fingerprint(con)
        have = {r[0] for r in con.execute("SELECT DISTINCT plan_id FROM plan_outcomes").fetchall()}
        todo = [
            p for p in ended if p.id not in have or stale_dates(con, [p.end_date], outcome_step(p.id), fp)
        ]
        written = compute_plan_outcomes(con, latest, plans, only=[p.id for p in todo]) if todo else 0
        for p in todo:
            mark_done(con, [p.end_date], outcome_step(p.id), fp)
        summary = {
            f"{p}: {s}": n
            for p, s, n in con.execute(
                "SELECT plan_id, final_status, count(*) FROM plan_outcomes WHERE district_code = ? "
                "GROUP BY ALL ORDER BY ALL",
                [CITY],
            ).fetchall()
        }
        rows = con.execute("SELECT count(*) FROM plan_outcomes").fetchall()[0][0]
        verdicts = con.execute(
            "SELECT plan_id, indicator_id, value, target_value, final_label_zh FROM plan_outcomes "
            "WHERE district_code = ? ORDER BY plan_id, indicator_id",
            [CITY],
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "latest_as_of": dg.MetadataValue.text(latest.isoformat()),
            "ended_plans": dg.MetadataValue.json([p.id for p in ended]),
            "recomputed_plans": dg.MetadataValue.json([p.id for p in todo]),
            "rows_written": dg.MetadataValue.int(int(written)),
            "inputs_fingerprint": dg.MetadataValue.text(fp),
            "city_final_status": dg.MetadataValue.json(summary),
            "rows": dg.MetadataValue.int(int(rows)),
            "city_verdicts": dg.MetadataValue.md(_verdicts_markdown(verdicts)),
        }
    )


def _verdicts_markdown(rows) -> str:
    """The city's final verdicts, one line per indicator of each ended plan (what the office reads first)."""
    if not rows:
        return "_(no plan has ended by the latest as-of date)_"
    num = lambda v: "—" if v is None else f"{v:,.2f}"  # noqa: E731
    lines = ["| plan | indicator | value on 31 Dec of T | target | verdict |", "|---|---|---:|---:|---|"]
    lines += [f"| {p} | {i} | {num(v)} | {num(t)} | {w or '—'} |" for p, i, v, t, w in rows]
    return "\n".join(lines)


def _latest_as_of(con):
    if not table_exists(con, "indicator_values"):
        return None
    return con.execute("SELECT max(as_of) FROM indicator_values").fetchall()[0][0]


def _result(violations: list[dict], what: str, checked: int) -> dg.AssetCheckResult:
    message = (
        f"plan_outcomes: {what} holds on {checked} rows."
        if not violations
        else f"plan_outcomes FAILED '{what}': {len(violations)} problems, e.g. {violations[:3]}"
    )
    return dg.AssetCheckResult(
        passed=not violations,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "violations": len(violations),
            "rows_checked": checked,
            "sample": dg.MetadataValue.json(
                [{k: str(v) for k, v in r.items()} for r in violations[:SAMPLE_ROWS]]
            ),
        },
        description=message[:1000],
    )


def _checked(con) -> int:
    return (
        con.execute("SELECT count(*) FROM plan_outcomes").fetchall()[0][0]
        if table_exists(con, "plan_outcomes")
        else 0
    )


@dg.asset_check(
    asset=plan_outcomes,
    name=ROWS_CHECK,
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="One row per indicator with a target × reporting unit of every plan ended by the latest "
    "as-of date (city-only indicators: the city alone), as of 31 Dec of the target year.",
)
def plan_outcomes_rows_check(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        latest = _latest_as_of(con)
        if latest is None:
            return _result([], "one row per target and unit (no indicator_values yet)", 0)
        if not table_exists(con, "plan_outcomes"):
            found = (
                [dict(problem="plan_outcomes does not exist")]
                if any(p.ended_by(latest) for p in load_plans())
                else []
            )
            return _result(found, "one row per target and unit", 0)
        try:
            found = row_violations(con, load_plans(), latest)
        except Exception as exc:  # noqa: BLE001  a rule that cannot run is a failed rule, said plainly
            found = [dict(problem=f"could not be evaluated: {type(exc).__name__}: {exc}")]
        return _result(found, "one row per target and unit", _checked(con))


@dg.asset_check(
    asset=plan_outcomes,
    name=ACHIEVED_CHECK,
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="`achieved` agrees with the value against the target and its comparison (ge/gt/le/lt, "
    "improvement: d·(v − v₀) > 0, a limit target within the tolerance is met), NULL when the "
    "value is missing; final_status says the same.",
)
def plan_outcomes_achieved_check(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        if not table_exists(con, "plan_outcomes"):
            return _result([], "achieved agrees with value vs target", 0)
        try:
            found = achieved_violations(con, load_plans())
        except Exception as exc:  # noqa: BLE001  a rule that cannot run is a failed rule, said plainly
            found = [dict(problem=f"could not be evaluated: {type(exc).__name__}: {exc}")]
        return _result(found, "achieved agrees with value vs target", _checked(con))


OUTCOME_CHECKS = [plan_outcomes_rows_check, plan_outcomes_achieved_check]
