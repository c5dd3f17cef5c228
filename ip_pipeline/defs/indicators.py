"""Indicator assets: monthly partitions, one as-of date each, computed set-based in one
step for however many months a run asks for (a backfill is one run, one process). Each
run recomputes only the stale dates on or after the earliest one the changed sources can
affect, and re-stamps the earlier ones (indicators/recompute.py); the marts come from the
marts assets (defs/marts.py) when those are current for the dates."""

from datetime import date

import dagster as dg

from ..city import CITY
from ..dates import as_of_for_partition, today_in_yantai
from ..indicators.catalogue import load_plans
from ..indicators.marts import MART_NAMES
from ..indicators.recompute import Inputs, current_dates, ensure_runs_table, inputs_fingerprint, mark_computed  # noqa: F401
from ..indicators.steps import PROGRESS_STEP, VALUES_STEP, progress_step, values_step
from ..ingest.contracts import SOURCE_NAMES, load_reference_tables
from .ingestion import OWNER
from .markdown import latest_values_markdown
from .partitions import monthly_partitions
from .resources import WAREHOUSE_POOL, Warehouse

# The steps recorded in indicator_runs, each with the as-of dates it computed and from what inputs
# (the marts' own step, "marts", is not one of them: defs/nightly.py reads these two).
INDICATOR_STEPS = (VALUES_STEP, PROGRESS_STEP)

STAGED = [f"stg_{n}" for n in SOURCE_NAMES] + [f"stg_{t}" for t in load_reference_tables()]

# inputs_fingerprint(con) and current_dates(con, step, fp) live in indicators/recompute.py,
# Dagster-free; the nightly rule (defs/nightly.py) and the outcome asset take them from here.


def stale_dates(con, dates: list[date], step: str, fingerprint: str) -> list[date]:
    ensure_runs_table(con)
    done = current_dates(con, step, fingerprint)
    return [d for d in dates if d not in done]


def mark_done(con, dates: list[date], step: str, fingerprint: str | None = None) -> None:
    """Record `dates` as computed from the current inputs (`fingerprint` is today's anyway)."""
    mark_computed(con, dates, step, Inputs.of(con))


def partition_dates(context: dg.AssetExecutionContext) -> list[date]:
    return [as_of_for_partition(k) for k in context.partition_keys]


def _recompute_stale(context: dg.AssetExecutionContext, con, step_fn) -> tuple[dict, list[date]]:
    """Run one recorded step (indicators/steps.py) on the run's dates; its plan as metadata."""
    dates = partition_dates(context)
    inputs = Inputs.of(con)
    plan, written = step_fn(con, dates, today_in_yantai(), load_plans(), inputs)
    meta = {
        "as_of_dates": dg.MetadataValue.int(len(dates)),
        "recomputed_dates": dg.MetadataValue.int(len(plan.recompute)),
        "restamped_dates": dg.MetadataValue.int(len(plan.restamp)),
        "rows_written": dg.MetadataValue.int(int(written or 0)),
        "inputs_fingerprint": dg.MetadataValue.text(inputs.fingerprint),
    }
    if plan.earliest is not None:
        meta["earliest_affected_as_of"] = dg.MetadataValue.text(plan.earliest.isoformat())
    return meta, dates


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[*STAGED, *MART_NAMES],
    pool=WAREHOUSE_POOL,
    group_name="indicators",
    kinds={"duckdb"},
    owners=[OWNER],
    description="每项指标 × 截止日期 × 报告单位 — one row per indicator, as-of date (month end, or today for the "
    f"running month) and reporting unit (the city {CITY} and every unit), by the rules of docs/INDICATORS.md. "
    "This table is the interface that reports, exports and acceptance tests read.",
)
def indicator_values(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        meta, dates = _recompute_stale(context, con, values_step)
        total = con.execute(
            "SELECT count(*) FROM indicator_values WHERE as_of IN (SELECT unnest(?::DATE[]))", [dates]
        ).fetchall()[0][0]
        meta["rows"] = dg.MetadataValue.int(int(total))
        meta["latest_city_values"] = dg.MetadataValue.md(latest_values_markdown(con, max(dates)))
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[indicator_values],
    pool=WAREHOUSE_POOL,
    group_name="indicators",
    kinds={"duckdb"},
    owners=[OWNER],
    description="进度评估 — each plan's indicators against their targets (docs/PROGRESS.md): expected value on the "
    "plan's straight path, gap, observed and required growth, ratio, status, score and projection; "
    "rows only for the dates on which the plan is in force (an ended plan: plan_outcomes).",
)
def indicator_progress(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        meta, dates = _recompute_stale(context, con, progress_step)
        meta["latest_city_values"] = dg.MetadataValue.md(latest_values_markdown(con, max(dates), False))
        meta["latest_city_status"] = dg.MetadataValue.json(
            dict(
                con.execute(
                    "SELECT status, count(*) FROM indicator_progress WHERE as_of = ? AND district_code = ? GROUP BY 1",
                    [max(dates), CITY],
                ).fetchall()
            )
        )
    return dg.MaterializeResult(metadata=meta)
