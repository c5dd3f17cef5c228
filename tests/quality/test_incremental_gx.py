"""GX validates what changed: after a delta, row-level expectations run on the rows that came and
went, table-level ones on the whole table, and every verdict and unexpected count equals a full
validation of the same snapshot, also for a warning that an earlier, unchanged row still fails.
The background validation (from the ingest step, on a Parquet snapshot) gives the same result."""

from __future__ import annotations

from pathlib import Path

import pytest

from ip_pipeline.db import connect
from ip_pipeline.defs.quality_checks import run_table_check
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import stage_source
from ip_pipeline.quality import background
from ip_pipeline.quality.suites import load_suite, row_level_positions
from tests.ingest.conftest import PATENT_HEADER, app_no, patent, write_csv, write_reference

TABLE = "stg_patents"


def _bad_check_digit(n: str) -> str:
    return n[:-1] + ("0" if n[-1] != "0" else "1")


def _day1() -> list[list]:
    rows = []
    for i in range(60):
        rows.append(
            patent(
                app=app_no(2020, 1, 500 + i),
                filed=f"2020-{1 + i % 12:02d}-1{i % 9}",
                granted=f"2021-{1 + i % 12:02d}-0{1 + i % 9}",
                address=["山东省烟台市莱山区港城大道1号", "北京市海淀区中关村1号", "山东省烟台市某路1号"][
                    i % 3
                ],
            )
        )
    # warn failures that stay: a grant before its filing, a wrong check digit (an ingestion warning)
    rows.append(patent(app=app_no(2020, 1, 900), filed="2020-05-01", granted="2019-01-01"))
    rows.append(patent(app=_bad_check_digit(app_no(2020, 1, 901)), filed="2020-05-02", granted="2021-01-01"))
    return rows


def _day2() -> list[list]:
    return [
        # revised: a lapse recorded late, before its filing (a warn failure that comes), and one fixed
        patent(
            app=app_no(2020, 1, 503),
            filed="2020-04-13",
            granted="2021-04-04",
            status="失效",
            lapsed="2019-06-30",
        ),
        patent(
            app=app_no(2020, 1, 504),
            filed="2020-05-14",
            granted="2021-05-05",
            address="山东省烟台市芝罘区南大街2号",
        ),
        patent(app=app_no(2024, 1, 1), filed="2024-03-01", granted=""),
        patent(app=_bad_check_digit(app_no(2024, 1, 2)), filed="2024-03-02", granted="2024-09-01"),
        patent(app=app_no(2024, 1, 3), filed="2024-03-03", granted="2024-09-02", address="北京市朝阳区1号"),
    ]


def _day3() -> list[list]:
    return [
        patent(app=app_no(2020, 1, 900), filed="2020-05-01", granted="2020-06-01"),  # the old warning fixed
        patent(
            app=app_no(2024, 1, 4), filed="2024-04-01", granted="2024-10-01", address="山东省烟台市某路9号"
        ),
    ]


def _stage(home: Path) -> None:
    con = connect(home / "warehouse.duckdb")
    try:
        stage_reference(con, home / "landing")
        stage_source(con, load_contract("patents"), home / "landing")
    finally:
        con.close()


def _verdicts(result) -> dict:
    return {
        "passed": result.passed,
        "evaluated": result.evaluated,
        "rows": result.rows,
        "failures": sorted(
            (
                f.rule,
                f.expectation,
                f.severity,
                f.unexpected_count,
                None if f.unexpected_percent is None else round(f.unexpected_percent, 9),
            )
            for f in result.failures
        ),
        "row_counts": {
            k: (v["element_count"], v["missing_count"], v["unexpected_count"])
            for k, v in result.extra["row_counts"].items()
        },
    }


@pytest.fixture(autouse=True)
def small_tables_too(monkeypatch):
    """The sample here is small; production validates tables under 20,000 rows whole."""
    monkeypatch.setenv("IP_PIPELINE_GX_INCREMENTAL_MIN_ROWS", "0")


def test_incremental_validation_equals_a_full_one(tmp_path: Path):
    home = tmp_path / "home"
    write_reference(home / "landing")
    wh = Warehouse(home=str(home))
    write_csv(home / "landing" / "patents" / "2024-01-01.csv", PATENT_HEADER, _day1())
    _stage(home)
    first = run_table_check(TABLE, wh)
    assert first.extra["validation"] == "full"
    assert any(f.expectation == "expect_column_pair_values_a_to_be_greater_than_b" for f in first.failures)
    suite = load_suite(TABLE)
    assert len(first.extra["row_counts"]) == len(row_level_positions(suite)) > 10

    for name, rows in (("2024-01-02.csv", _day2()), ("2024-01-03.csv", _day3())):
        write_csv(home / "landing" / "patents" / name, PATENT_HEADER, rows)
        _stage(home)
        inc = run_table_check(TABLE, wh)
        assert inc.extra["validation"] == "incremental", inc.extra
        assert inc.extra["incremental"]["added_rows"] < inc.rows / 5
        full = run_table_check(TABLE, wh, use_cache=False, incremental=False)
        assert full.extra["validation"] == "full"
        assert _verdicts(inc) == _verdicts(full), name
    # after day 3 the grant-before-filing row is fixed, the lapse-before-filing one remains
    rules = {f.rule for f in inc.failures}
    assert "lapse after filing (lapse_date >= filing_date)" in rules
    assert "grant after filing (grant_date >= filing_date)" not in rules


def test_the_background_validation_reads_a_parquet_snapshot_and_agrees(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("IP_PIPELINE_GX_WORKERS", "1")
    monkeypatch.setenv(
        "IP_PIPELINE_GX_BACKGROUND_MIN_ROWS", "0"
    )  # production sends only tables of 500k rows and more
    home = tmp_path / "home"
    write_reference(home / "landing")
    wh = Warehouse(home=str(home))
    write_csv(home / "landing" / "patents" / "2024-01-01.csv", PATENT_HEADER, _day1())
    _stage(home)
    run_table_check(TABLE, wh)
    write_csv(home / "landing" / "patents" / "2024-01-02.csv", PATENT_HEADER, _day2())
    con = connect(home / "warehouse.duckdb")
    try:
        stage_reference(con, home / "landing")
        stage_source(con, load_contract("patents"), home / "landing")
        assert background.submit(con, home, TABLE, "gx_expectation_suite")
    finally:
        con.close()
    assert list((home / "cache" / "gx" / TABLE).glob("*/frame.parquet"))
    got = run_table_check(TABLE, wh)
    assert got.extra["read_from"] == "parquet snapshot" and got.extra["validation"] == "incremental"
    full = run_table_check(TABLE, wh, use_cache=False, incremental=False)
    assert _verdicts(got) == _verdicts(full)


def test_a_gx_worker_ends_with_its_run_process(tmp_path: Path):
    """A run killed mid-way (SIGKILL) leaves no validation worker behind."""
    import os
    import subprocess
    import sys
    import time

    code = (
        "import os, signal, sys\n"
        "from ip_pipeline.quality import background\n"
        "pid = background._executor().submit(os.getpid).result()\n"
        "print(pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "IP_PIPELINE_GX_WORKERS": "1"},
    )
    worker = int(p.stdout.split()[0])
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker, 9)
    raise AssertionError(f"the worker {worker} outlived its killed parent")
