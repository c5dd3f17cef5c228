"""DuckDB allows one writer process: two runs started at once both finish, one after the
other, and neither meets the warehouse's file lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from .conftest import REPO, bin_path, child_env, run_cli

pytestmark = pytest.mark.slow

LOCK_ERRORS = ("Could not set lock", "Conflicting lock", "database is locked", "IO Error", "already exists")


def _runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        return [r.dagster_run for r in instance.get_run_records(dg.RunsFilter(job_name="refresh_job"))]


def _run_window(home: Path, run: dg.DagsterRun) -> tuple[float, float]:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        rec = instance.get_run_record_by_id(run.run_id)
        return rec.start_time, rec.end_time


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=REPO,
        env=child_env(),
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_all(procs: list[subprocess.Popen], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    try:
        return [p.wait(timeout=max(1.0, deadline - time.monotonic())) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                import os
                import signal

                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_two_cli_runs_at_once_run_one_after_the_other(sample_home: Path, tmp_path: Path):
    """A fresh home, two `ip-pipeline run` processes at the same moment: the fcntl lock under
    <home> makes the second wait; both succeed; their runs do not overlap in time."""
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    cmd = [bin_path("ip-pipeline"), "run", "--no-report", "--home", str(sample_home)]
    codes = _wait_all([_start(cmd, logs[0]), _start(cmd, logs[1])], timeout=600)
    out = [p.read_text(errors="replace") for p in logs]
    assert codes == [0, 0], out
    for text in out:
        assert "Run succeeded" in text
        assert not any(e in text for e in LOCK_ERRORS), text
    assert sum("waiting for it to finish" in t for t in out) == 1, out

    runs = _runs(sample_home)
    assert len(runs) == 2 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    (s1, e1), (s2, e2) = sorted(_run_window(sample_home, r) for r in runs)
    assert e1 <= s2, "the second run started before the first finished"


DIRECT = textwrap.dedent("""
    import sys
    from ip_pipeline.definitions import build_definitions
    from ip_pipeline.defs.instance import get_instance
    from ip_pipeline.paths import Home
    home = Home.of(sys.argv[1])
    job = build_definitions(str(home.root)).resolve_job_def("refresh_job")
    r = job.execute_in_process(instance=get_instance(home), raise_on_error=False, tags={
        "dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-12-01"})
    sys.exit(0 if r.success else 1)
""")


def test_the_pool_alone_serialises_warehouse_steps_of_concurrent_runs(sample_home: Path, tmp_path: Path):
    """Without the CLI's lock (as for runs the daemon launches), the `warehouse` pool with limit 1
    still lets only one step at a time open DuckDB: both runs succeed, and a step of one waited."""
    first = run_cli("run", "--no-report", "--home", str(sample_home), timeout=600)  # the instance exists
    assert first.returncode == 0, first.stderr
    (sample_home / "warehouse.duckdb").unlink()  # make both runs do real work again
    for p in sample_home.glob("warehouse.duckdb.wal"):
        p.unlink()
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    cmd = [sys.executable, "-c", DIRECT, str(sample_home)]
    codes = _wait_all([_start(cmd, logs[0]), _start(cmd, logs[1])], timeout=600)
    out = [p.read_text(errors="replace") for p in logs]
    assert codes == [0, 0], out
    with dg.DagsterInstance.from_config(str(sample_home / "dagster_home")) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="refresh_job"), limit=2)
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        blocked = [
            e
            for r in runs
            for e in instance.all_logs(r.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
            if "blocked by limit for pool warehouse" in (e.message or "")
        ]
        failures = [
            e for r in runs for e in instance.all_logs(r.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        ]
    assert not failures
    assert blocked, "no step ever waited for the warehouse pool"
