"""`ip-pipeline backfill` over 2021-01 … 2025-12: one run over the range, and idempotent."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from .conftest import run_cli

pytestmark = pytest.mark.slow

CANONICAL = "SELECT * EXCLUDE (vintage) FROM indicator_values ORDER BY ALL"


def _dump(home: Path, out: Path) -> bytes:
    """indicator_values in a canonical order, every column but `vintage`, as CSV bytes."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute(f"COPY ({CANONICAL}) TO '{out}' (HEADER, DELIMITER ',')")
        stats = con.execute(
            "SELECT count(DISTINCT as_of), min(as_of), max(as_of), count(*) FROM indicator_values"
        ).fetchall()[0]
    finally:
        con.close()
    assert stats[0] == 60 and str(stats[1]) == "2021-01-31" and str(stats[2]) == "2025-12-31", stats
    return out.read_bytes()


def _backfill(home: Path) -> None:
    res = run_cli("backfill", "--home", str(home), "--from", "2021-01", "--to", "2025-12", timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Run succeeded (2021-01 … 2025-12)" in res.stdout


def _last_values_metadata(home: Path) -> tuple[dg.DagsterRun, dict]:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run = instance.get_runs(dg.RunsFilter(job_name="refresh_job"), limit=1)[0]
        ev = instance.get_latest_materialization_event(dg.AssetKey("indicator_values"))
        return run, {k: v.value for k, v in ev.asset_materialization.metadata.items()}


def test_backfill_range_is_one_run_and_idempotent(sample_home: Path, tmp_path: Path):
    _backfill(sample_home)
    first = _dump(sample_home, tmp_path / "first.csv")
    run, meta = _last_values_metadata(sample_home)
    # One run over the whole range (BackfillPolicy.single_run): the range tags, 60 as-of dates.
    assert run.tags["dagster/asset_partition_range_start"] == "2021-01-01"
    assert run.tags["dagster/asset_partition_range_end"] == "2025-12-01"
    assert meta["as_of_dates"] == 60 and meta["recomputed_dates"] == 60

    # Twice: nothing changed, nothing recomputed, the same bytes.
    _backfill(sample_home)
    assert _dump(sample_home, tmp_path / "second.csv") == first
    assert _last_values_metadata(sample_home)[1]["recomputed_dates"] == 0

    # Forced recomputation of every month (as after a code change): still the same bytes.
    con = duckdb.connect(str(sample_home / "warehouse.duckdb"))
    try:
        con.execute("DELETE FROM indicator_runs")
    finally:
        con.close()
    _backfill(sample_home)
    assert _last_values_metadata(sample_home)[1]["recomputed_dates"] == 60
    assert _dump(sample_home, tmp_path / "third.csv") == first


def test_backfill_rejects_a_bad_range(sample_home: Path):
    res = run_cli("backfill", "--home", str(sample_home), "--from", "2025-12", "--to", "2021-01")
    assert res.returncode != 0 and "after" in res.stderr
    res = run_cli("backfill", "--home", str(sample_home), "--from", "2019-01", "--to", "2021-01")
    assert res.returncode != 0 and "between" in res.stderr
