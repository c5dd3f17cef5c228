"""Indicator assets: monthly partitions, one as-of date each, computed set-based in one
step for however many months a run asks for (a backfill is one run, one process)."""

import hashlib
from datetime import date

import dagster as dg

from ..db import table_exists
from ..indicators.catalogue import load_plans
from ..ingest.contracts import SOURCE_NAMES, load_reference_tables
from ..dates import as_of_for_partition
from .partitions import monthly_partitions
from ..paths import CATALOGUE_DIR, SQL_DIR
from .resources import WAREHOUSE_POOL, Warehouse
from .ingestion import OWNER

# The steps recorded in indicator_runs, each with the as-of dates it computed and from what inputs.
VALUES_STEP, PROGRESS_STEP = "values", "progress"
INDICATOR_STEPS = (VALUES_STEP, PROGRESS_STEP)

STAGED = [f"stg_{n}" for n in SOURCE_NAMES] + [f"stg_{t}" for t in load_reference_tables()]


def inputs_fingerprint(con) -> str:
    """What the indicators depend on: every source snapshot, the catalogue and the SQL.
    Equal fingerprints mean an as-of date need not be recomputed (the no-op nightly run)."""
    h = hashlib.blake2b(digest_size=16)
    if table_exists(con, "source_snapshots"):
        for src, fp in con.execute("SELECT source, fingerprint FROM source_snapshots ORDER BY source").fetchall():
            h.update(f"{src}={fp};".encode())
    for folder in (CATALOGUE_DIR, SQL_DIR):
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                h.update(f.relative_to(folder).as_posix().encode() + f.read_bytes())
    return h.hexdigest()


def _ensure_runs_table(con) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS indicator_runs (as_of DATE, step VARCHAR, inputs VARCHAR, "
                "computed_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (as_of, step))")


def current_dates(con, step: str, fingerprint: str) -> set[date]:
    """As-of dates `step` last computed from inputs with this fingerprint (needs indicator_runs)."""
    return {r[0] for r in con.execute("SELECT as_of FROM indicator_runs WHERE step = ? AND inputs = ?",
                                      [step, fingerprint]).fetchall()}


def stale_dates(con, dates: list[date], step: str, fingerprint: str) -> list[date]:
    _ensure_runs_table(con)
    done = current_dates(con, step, fingerprint)
    return [d for d in dates if d not in done]


def mark_done(con, dates: list[date], step: str, fingerprint: str) -> None:
    if not dates:  # nothing recomputed (a no-op rerun): executemany refuses an empty list
        return
    _ensure_runs_table(con)
    con.executemany("INSERT OR REPLACE INTO indicator_runs (as_of, step, inputs) VALUES (?, ?, ?)",
                    [[d, step, fingerprint] for d in dates])


def partition_dates(context: dg.AssetExecutionContext) -> list[date]:
    return [as_of_for_partition(k) for k in context.partition_keys]


def _recompute_stale(context: dg.AssetExecutionContext, con, step: str, compute) -> tuple[dict, list[date]]:
    """Recompute the run's as-of dates whose inputs changed since they were last computed."""
    dates = partition_dates(context)
    fp = inputs_fingerprint(con)
    todo = stale_dates(con, dates, step, fp)
    written = compute(con, todo, load_plans()) if todo else 0
    mark_done(con, todo, step, fp)
    return {
        "as_of_dates": dg.MetadataValue.int(len(dates)),
        "recomputed_dates": dg.MetadataValue.int(len(todo)),
        "rows_written": dg.MetadataValue.int(int(written or 0)),
        "inputs_fingerprint": dg.MetadataValue.text(fp),
    }, dates


def latest_values_markdown(con, as_of: date, compute_status: bool = True) -> str:
    """The city's values on the run's latest as-of date against the targets of the plans in force,
    names beside ids, numbers by unit and the status filled (defs/markdown.py)."""
    from .markdown import latest_values_markdown as table

    return table(con, as_of, compute_status)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=STAGED,
    pool=WAREHOUSE_POOL,
    group_name="indicators",
    kinds={"duckdb"},
    owners=[OWNER],
    description="每项指标 × 截止日期 × 报告单位 — one row per indicator, as-of date (month end, or today for the "
                "running month) and reporting unit (the city 370600 and every unit), by the rules of docs/INDICATORS.md. "
                "This table is the interface that reports, exports and acceptance tests read.",
)
def indicator_values(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from ..indicators.values import compute_indicator_values

    with warehouse.connection() as con:
        meta, dates = _recompute_stale(context, con, VALUES_STEP, compute_indicator_values)
        total = con.execute("SELECT count(*) FROM indicator_values WHERE as_of IN (SELECT unnest(?::DATE[]))",
                            [dates]).fetchall()[0][0]
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
    from ..indicators.progress import compute_indicator_progress

    with warehouse.connection() as con:
        meta, dates = _recompute_stale(context, con, PROGRESS_STEP, compute_indicator_progress)
        meta["latest_city_values"] = dg.MetadataValue.md(latest_values_markdown(con, max(dates), False))
        meta["latest_city_status"] = dg.MetadataValue.json(dict(con.execute(
            "SELECT status, count(*) FROM indicator_progress WHERE as_of = ? AND district_code = '370600' GROUP BY 1",
            [max(dates)]).fetchall()))
    return dg.MaterializeResult(metadata=meta)
