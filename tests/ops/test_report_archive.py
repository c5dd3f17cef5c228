"""`ip-pipeline backfill --reports`: the archive of past bulletins, on a tiny sample city —
one Dagster run over the months, every partition materialised (the UI shows them built),
each month's files listed, the published-values history left as it was."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from ip_pipeline.defs.reports import is_archive_run, monthly_report

from .conftest import run_cli

pytestmark = pytest.mark.slow


def test_monthly_report_backfills_in_one_run_and_a_backfill_is_the_archive():
    assert monthly_report.backfill_policy == dg.BackfillPolicy.single_run()
    ctx = lambda tags: SimpleNamespace(run=SimpleNamespace(tags=tags))  # noqa: E731
    assert is_archive_run(ctx({"dagster/backfill": "abcd"}))  # launched from the UI's partition dialog
    assert is_archive_run(ctx({"ip_pipeline/archive": "1"}))
    assert not is_archive_run(ctx({"dagster/partition": "2025-11-01"}))  # the nightly report


def test_backfill_reports_builds_the_archive_of_past_months(tmp_path: Path):
    home = tmp_path / "city"
    assert run_cli("sample", "--home", str(home), "--scale", "0.02", "--no-progress").returncode == 0
    done = run_cli("run", "--home", str(home), "--no-report", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    # The October bulletin was published; its history must survive the archive.
    done = run_cli("report", "--home", str(home), "--month", "2025-10", timeout=600)
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute(
            "UPDATE published_values SET value = value + 100 WHERE report_month = '2025-10' "
            "AND indicator_id = 'valid_trademarks'"
        )
        before = con.execute("SELECT * FROM published_values ORDER BY ALL").fetchall()
    finally:
        con.close()

    done = run_cli(
        "backfill", "--home", str(home), "--reports", "--from", "2025-09", "--to", "2025-10", timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Report archive built (2025-09 … 2025-10): 4 PDFs" in out
    listed = [Path(line.strip()) for line in out.splitlines() if line.startswith("  ")]
    for month in ("2025-09", "2025-10"):
        for lang in ("zh", "en"):
            for name in (
                f"ip_indicators_{month}_{lang}.pdf",
                f"ip_indicators_{month}_{lang}.xlsx",
                f"ip_indicators_{month}_{lang}_p1.png",
            ):
                path = home / "reports" / month / name
                assert path in listed and path.stat().st_size > 0, name
    assert "ui HOME_DIR=" in out

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT * FROM published_values ORDER BY ALL").fetchall() == before
    finally:
        con.close()
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run = instance.get_runs(dg.RunsFilter(job_name="monthly_report_job"), limit=1)[0]
        assert run.tags["ip_pipeline/archive"] == "1"
        assert run.tags["dagster/asset_partition_range_start"] == "2025-09-01"
        keys = instance.get_materialized_partitions(dg.AssetKey("monthly_report"))
        assert {"2025-09-01", "2025-10-01"} <= set(keys)
