"""GX validations in a worker process, for a check of a published table that hands its
validation over.

`submit` exports what the check will read as Parquet (validation_plan.export: an immutable
snapshot, no DuckDB lock needed to read it) and hands the validation to one worker process;
the check then takes the finished result (a result made for the same cache key: same snapshot,
same suite and parameters), writes it to `quality_results` and decides as a validation of its
own would; a result for another key, a worker that failed, or no worker at all: the check
validates itself. A source's new snapshot is audited in its ingest step before it is published
(write, audit, publish: defs/ingestion.py), so that validation does not come here.

`IP_PIPELINE_GX_WORKERS` (default 1; 0 turns it off) sets the number of worker processes;
only tables of at least `IP_PIPELINE_GX_BACKGROUND_MIN_ROWS` rows (default 500,000) go to it.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ..settings import GX_THREADS, settings
from .validation_plan import ValidationPlan, cross_table, export, make_plan, run_plan

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pending: dict[tuple[str, str], tuple[str | None, Future]] = {}


def workers() -> int:
    return settings().gx_workers


def _executor() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None and workers() > 0:
        # spawn: a fresh interpreter, nothing of the parent's DuckDB or Dagster threads
        _pool = ProcessPoolExecutor(
            max_workers=workers(),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_watch_parent,
            initargs=(os.getpid(),),
        )
        atexit.register(shutdown)
    return _pool


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
    _pending.clear()


def _watch_parent(parent: int) -> None:
    """In the worker: end when the run's process is gone (killed, say), never linger."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(1.0)

    threading.Thread(target=watch, daemon=True, name="ip-gx-parent-watch").start()


def _work(plan: ValidationPlan):
    os.environ.setdefault(GX_THREADS, "1")
    return run_plan(plan)


def submit(con, home: Path, table: str, check_name: str, expectations_dir: Path | None = None) -> bool:
    """From a writer step, after the table is published: export the check's frames and start the
    validation in the worker. False when it is not started (no worker, a cross-table rule)."""
    if workers() == 0:
        return False
    try:
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
    except Exception:  # noqa: BLE001
        return False
    # Only a table this large goes to the worker: the worker costs a few seconds of CPU to start
    # (a Python with pandas and GX) and the export a pass over the table, which pays only when its
    # validation takes longer than that. Measured on the shared 2-core machine at scale 1 (208k
    # trademarks, 110k patents): the worker on every table gave no wall gain and +8 s CPU.
    if rows < settings().gx_background_min_rows:
        return False
    pool = _executor()
    if pool is None:
        return False
    try:
        plan = make_plan(
            con, table, home, check_name, expectations_dir, docs_dir=home / "quality" / "data_docs"
        )
        if cross_table(plan.suite):
            return False  # its other table may change later in the run: the check validates at its turn
        export(con, plan, home)
        _pending[(str(home), table)] = (plan.key, pool.submit(_work, plan))
        return True
    except Exception as exc:  # a convenience: the check validates itself  # noqa: BLE001 (a failure here is reported, never raised)
        log.warning("background validation of %s not started: %s", table, exc)
        return False


def take(home: Path, table: str, key: str | None):
    """The background result for this table and cache key (waiting for it), else None."""
    entry = _pending.pop((str(home), table), None)
    if entry is None or key is None or entry[0] != key:
        return None
    try:
        return entry[1].result()
    except Exception as exc:  # noqa: BLE001 (a failure here is reported, never raised)
        log.warning("background validation of %s failed (%s); validating in the check", table, exc)
        return None
