"""A nightly `ip-pipeline run` with nothing new leaves the current months and the unchanged
sources out of its Dagster run (the selection rule, defs/nightly.py): a quiet night runs the
freshness checks alone; a changed landing file brings the whole range back, with the ingest of
that source and of the sources that take units from it, not of the others."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ip_pipeline.defs.partitions import monthly_partitions

from .conftest import run_cli

pytestmark = pytest.mark.slow


def _last_refresh(home: Path) -> tuple[tuple[str, str] | None, set[str]]:
    """(the partition range of the last refresh_job run, None without one; the steps it started)."""
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run = instance.get_runs(dg.RunsFilter(job_name="refresh_job"), limit=1)[0]
        steps = {
            r.event_log_entry.step_key
            for r in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
        }
        if "dagster/partition" in run.tags:  # one month: Dagster's own partition tag
            return (run.tags["dagster/partition"], run.tags["dagster/partition"]), steps
        if "dagster/asset_partition_range_start" not in run.tags:
            return None, steps
        return (
            run.tags["dagster/asset_partition_range_start"],
            run.tags["dagster/asset_partition_range_end"],
        ), steps


def _planned_events(home: Path) -> tuple[int, int]:
    """(materialisation-planned events of the last refresh_job run, the assets it materialised)."""
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run = instance.get_runs(dg.RunsFilter(job_name="refresh_job"), limit=1)[0]
        planned = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=100_000
        ).records
        done = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=100_000
        ).records
        return len(planned), len({r.event_log_entry.dagster_event.asset_key for r in done})


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


def test_unchanged_inputs_run_only_the_freshness_checks_and_a_changed_file_runs_its_source(sample_home: Path):
    keys = monthly_partitions.get_partition_keys()
    first_out = _run(sample_home)
    assert "were current" not in first_out
    months, steps = _last_refresh(sample_home)
    assert months == (keys[0], keys[-1])
    # one planned event per asset of the run, not one per month and asset (defs/instance.py)
    planned, assets = _planned_events(sample_home)
    assert 0 < planned <= assets
    every_ingest = {s for s in steps if s.startswith("ingest_")}
    assert len(every_ingest) == 9 and "reference_tables" in steps
    values = _values(sample_home)

    again = _run(sample_home)
    assert "every month was current" in again
    assert "No source changed since the last run" in again
    assert "bulletin is current (its inputs have not changed): not built again" in again
    months, steps = _last_refresh(sample_home)
    assert months is None  # no monthly asset in the run
    assert steps == {"source_freshness_checks"}
    assert _values(sample_home) == values  # nothing lost, nothing changed

    # New content in one landing file: every month is run again, and the ingest of patents and of
    # transfers (a recordal without code or address takes its unit from the patent it names).
    patents = sorted((sample_home / "landing" / "patents").glob("*.csv"))[0]
    lines = patents.read_text(encoding="utf-8-sig").splitlines()
    patents.write_text("\n".join(lines + [lines[-1]]) + "\n", encoding="utf-8")  # a repeated row
    changed = _run(sample_home)
    assert "were current" not in changed
    assert "(a new snapshot, or units taken from one): patents, transfers;" in changed
    months, steps = _last_refresh(sample_home)
    assert months == (keys[0], keys[-1])
    assert {s for s in steps if s.startswith("ingest_")} == {"ingest_patents", "ingest_transfers"}
    assert "reference_tables" not in steps
    assert {
        "marts",
        "indicator_values",
        "indicator_progress",
        "plan_outcomes",
        "source_freshness_checks",
    } <= steps
