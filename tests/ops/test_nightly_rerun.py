"""A nightly `ip-pipeline run` with nothing new leaves the current months out of its Dagster
run (the selection rule, defs/nightly.py); a changed landing file brings the whole range back."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ip_pipeline.defs.partitions import monthly_partitions

from .conftest import run_cli

pytestmark = pytest.mark.slow


def _last_refresh_range(home: Path) -> tuple[str, str]:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run = instance.get_runs(dg.RunsFilter(job_name="refresh_job"), limit=1)[0]
        if "dagster/partition" in run.tags:  # one month: Dagster's own partition tag
            return run.tags["dagster/partition"], run.tags["dagster/partition"]
        return run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]


def _values(home: Path) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT * EXCLUDE (vintage) FROM indicator_values ORDER BY ALL").fetchall()
    finally:
        con.close()


def _run(home: Path) -> str:
    res = run_cli("run", "--home", str(home), timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_unchanged_inputs_run_only_the_last_month_and_a_changed_file_runs_them_all(sample_home: Path):
    keys = monthly_partitions.get_partition_keys()
    first_out = _run(sample_home)
    assert "were current" not in first_out
    assert _last_refresh_range(sample_home) == (keys[0], keys[-1])
    values = _values(sample_home)

    again = _run(sample_home)
    assert f"Months {keys[0][:7]} … {keys[-2][:7]} were current" in again
    assert _last_refresh_range(sample_home) == (keys[-1], keys[-1])
    assert _values(sample_home) == values  # nothing lost, nothing changed

    # New content in one landing file: every month is run again.
    patents = sorted((sample_home / "landing" / "patents").glob("*.csv"))[0]
    lines = patents.read_text(encoding="utf-8-sig").splitlines()
    patents.write_text("\n".join(lines + [lines[-1]]) + "\n", encoding="utf-8")  # a repeated row
    changed = _run(sample_home)
    assert "were current" not in changed
    assert _last_refresh_range(sample_home) == (keys[0], keys[-1])
