"""A month's bulletin is built again only when what it reads changed; a plan's final evaluation
only when its outcomes did. Both language editions are built side by side (report/parallel.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ip_pipeline.defs.reports import build_month, report_pdfs
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.report.inputs import bulletin_fingerprint, outcomes_fingerprint

from .conftest import CITY, PLAN_ID, add_quality_results, build_warehouse

MONTH = "2025-06"


def _files(home: Path) -> dict[str, tuple[int, bytes]]:
    folder = home / "reports" / MONTH
    return {
        p.name: (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".pdf", ".xlsx")
    }


def _execute(home: Path, sql: str, params: list) -> None:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute(sql, params)
    finally:
        con.close()


def test_a_bulletin_is_built_again_only_when_its_inputs_changed(tmp_path: Path):
    home = build_warehouse(tmp_path / "home")
    warehouse = Warehouse(home=str(home))
    status, files = build_month(warehouse, MONTH, archive=False)
    assert status == "built"
    assert all(p.exists() for p in report_pdfs(warehouse.paths, MONTH))  # zh and en, built side by side
    first = _files(home)
    assert len(first) == 4  # PDF and XLSX of each language

    status, again = build_month(warehouse, MONTH, archive=False)
    assert status == "unchanged: not rebuilt"
    assert _files(home) == first  # not rewritten: same times, same bytes
    assert sorted(again) == sorted(files)

    # a value after the month: nothing the bulletin of June reads
    _execute(
        home,
        "INSERT INTO indicator_values SELECT * REPLACE (DATE '2025-07-31' AS as_of) "
        "FROM indicator_values WHERE as_of = DATE '2025-06-30'",
        [],
    )
    assert build_month(warehouse, MONTH, archive=False)[0] == "unchanged: not rebuilt"
    assert _files(home) == first

    # a revised value of May: the bulletin shows it
    _execute(
        home,
        "UPDATE indicator_values SET value = value * 1.01 WHERE as_of = DATE '2025-05-31' AND district_code = ?",
        [CITY],
    )
    status, _ = build_month(warehouse, MONTH, archive=False)
    assert status == "built"
    rebuilt = _files(home)
    assert all(rebuilt[name][0] > first[name][0] for name in first)


def test_a_final_evaluation_reads_its_plans_outcomes_only(tmp_path: Path):
    home = build_warehouse(tmp_path / "home")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        before = outcomes_fingerprint(con, PLAN_ID, 2025)
        june = bulletin_fingerprint(con, MONTH)
        # a value after the plan's end changes neither the plan's outcomes nor June's bulletin
        con.execute(
            "INSERT INTO indicator_values SELECT * REPLACE (DATE '2026-01-31' AS as_of) "
            "FROM indicator_values WHERE as_of = DATE '2025-06-30'"
        )
        assert outcomes_fingerprint(con, PLAN_ID, 2025) == before
        assert bulletin_fingerprint(con, MONTH) == june
        # a progress row of the plan at its end does
        con.execute(
            "UPDATE indicator_progress SET ratio = coalesce(ratio, 0) + 0.01 WHERE plan_id = ? AND as_of = ?",
            [PLAN_ID, date(2025, 6, 30)],
        )
        assert outcomes_fingerprint(con, PLAN_ID, 2025) != before
        assert bulletin_fingerprint(con, MONTH) != june
    finally:
        con.close()


def test_a_check_evaluated_again_with_the_same_outcome_is_no_new_input(tmp_path: Path):
    home = build_warehouse(tmp_path / "home")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        add_quality_results(con)
        before = bulletin_fingerprint(con, MONTH)
        # the same warning, later, with another count of failures (an incremental evaluation)
        con.execute(
            "INSERT INTO quality_results VALUES ('stg_patents', 'grant_after_filing', 'WARN', false, 1, "
            "TIMESTAMP '2025-07-02 02:00', '1 row')"
        )
        assert bulletin_fingerprint(con, MONTH) == before
        # a check that now fails: the data page says so
        con.execute(
            "INSERT INTO quality_results VALUES ('stg_patents', 'application_no_unique', 'ERROR', false, 2, "
            "TIMESTAMP '2025-07-02 02:00', '2 rows')"
        )
        assert bulletin_fingerprint(con, MONTH) != before
    finally:
        con.close()


def test_new_peer_figures_rebuild_the_bulletin_and_the_final_evaluation(tmp_path: Path):
    """The nation's and the province's figures are drawn on both: a new release is a new input."""
    home = build_warehouse(tmp_path / "home")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute(
            "CREATE TABLE stg_peers (year INTEGER, level VARCHAR, indicator_id VARCHAR, value DOUBLE, "
            "source VARCHAR)"
        )
        con.execute("INSERT INTO stg_peers VALUES (2024, 'national', 'hv_patents_per_10k', 11.9, 'CNIPA')")
        bulletin, final = bulletin_fingerprint(con, MONTH), outcomes_fingerprint(con, PLAN_ID, 2025)
        con.execute("INSERT INTO stg_peers VALUES (2024, 'provincial', 'hv_patents_per_10k', 9.8, 'SDIPO')")
        assert bulletin_fingerprint(con, MONTH) != bulletin
        assert outcomes_fingerprint(con, PLAN_ID, 2025) != final
    finally:
        con.close()
