"""One GX validation of a staged table, as a check runs it: from the cache when nothing changed,
else from the background worker's result, else here; recorded in `quality_results`.

Connections are short: the frames are read, the connection closed, then GX validates, so a
writer elsewhere never waits for GX.
"""

from __future__ import annotations

from pathlib import Path

from . import background
from . import warehouse_io as wio
from .failures import ExpectationFailure, QualityResult
from .validation_plan import load_frames, make_plan, run_plan

GX_SUITE_CHECK = "gx_expectation_suite"
SKIPPED_STATUS = "skipped: unchanged snapshot"


def run_table_check(
    table: str,
    warehouse,
    check_name: str = GX_SUITE_CHECK,
    expectations_dir: Path | None = None,
    use_cache: bool = True,
    log=None,
    incremental: bool = True,
    read_table: str | None = None,
    snapshot: tuple[str | None, str | None] | None = None,
) -> QualityResult:
    """Validate one staged table against its suite and record the result.

    An unchanged snapshot skips validation (the last passed result stands). A snapshot whose
    changed rows staging kept is validated incrementally (validation_plan.py); a validation the
    ingest step started in the background (background.py) is taken when it is for the same key.
    `read_table`/`snapshot`: validate a candidate snapshot held in another table before it is
    published (its source and fingerprint), under the suite of `table`."""
    home = warehouse.paths.root
    docs_dir = warehouse.paths.quality / "data_docs"

    def plan_of(con, inc: bool, witnesses: bool = True):
        return make_plan(
            con,
            table,
            home,
            check_name,
            expectations_dir,
            docs_dir,
            incremental=inc,
            read_table=read_table,
            snapshot=snapshot,
            witnesses_for_all=witnesses,
        )

    result = None
    with wio.connection(warehouse, read_only=True) as con:
        plan = plan_of(con, incremental)
        previous = wio.last_passed(con, table, check_name) if use_cache and plan.key else None
        if previous and previous["details"].get("cache_key") == plan.key:
            result = _skipped(table, previous, plan.key)
            background.take(home, table, None)
    if result is None and read_table is None and incremental:
        result = background.take(home, table, plan.key)
    if result is None:
        # frames read, connection closed, then validated
        with wio.connection(warehouse, read_only=True) as con:
            plan = plan_of(con, incremental)
            frames = load_frames(plan, con)
        result = run_plan(plan, frames=frames)
        del frames
        if result is None:  # some part could not be evaluated on its rows: the whole table
            with wio.connection(warehouse, read_only=True) as con:
                plan = plan_of(con, False, witnesses=False)
                frames = load_frames(plan, con)
            result = run_plan(plan, frames=frames)
            del frames
    if log is not None:
        log.info(result.message)
    with wio.connection(warehouse, read_only=False) as con:
        wio.write_result(con, table, check_name, result)
    return result


def _skipped(table: str, previous: dict, key: str) -> QualityResult:
    failures = [ExpectationFailure.from_dict(d) for d in previous["failed_expectations"]]
    d = previous["details"]
    msg = f"{table}: {SKIPPED_STATUS} since {previous['evaluated_at']:%Y-%m-%d %H:%M}; last result: {d.get('message', '')}"
    return QualityResult(
        table=table,
        passed=True,
        failures=failures,
        evaluated=d.get("evaluated_expectations", 0),
        rows=d.get("rows"),
        message=msg,
        data_docs=d.get("data_docs"),
        skipped=True,
        cache_key=key,
        extra={
            k: d[k]
            for k in (
                "fingerprint",
                "source",
                "columns_read",
                "previous_row_count",
                "base_key",
                "row_counts",
                "not_applicable",
            )
            if k in d
        }
        | {"validated_at": str(previous["evaluated_at"])},
    )
