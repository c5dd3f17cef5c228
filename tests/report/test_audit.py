"""The report audit on a bulletin built in the test: it passes on a normal build, and names the table and row
when the warehouse or a file was changed after the figures were read; a bulletin that fails is not published."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from ip_pipeline.defs.reports import bulletin_audit_result
from ip_pipeline.report import staging
from ip_pipeline.report.audit import audit_report
from ip_pipeline.report.audit_record import audit_record
from ip_pipeline.report.staging import build_audited

from .conftest import CITY, build_warehouse

MONTH = "2025-06"
AS_OF = date(2025, 6, 30)
# (case, authority, type, opened, value 万元, penalty 万元): a court's fine in the source is never a 罚没款
CASES = [
    ("A1", "administrative", "patent_dispute", date(2025, 3, 1), 100.0, 20.5),
    ("A2", "administrative", "trademark_infringement", date(2025, 5, 1), 50.0, 10.0),
    ("C1", "customs", "trademark_counterfeit", date(2025, 4, 1), 30.0, 7.25),
    ("J1", "judicial", "trademark_counterfeit", date(2025, 6, 1), 80.0, 60.2),
]


def _with_enforcement(home: Path) -> Path:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute("DROP TABLE stg_enforcement")
        con.execute("""CREATE TABLE stg_enforcement (case_no VARCHAR, authority_type VARCHAR, case_type VARCHAR,
                       opened_date DATE, value_wan DOUBLE, penalty_wan DOUBLE, party VARCHAR, district_code VARCHAR)""")
        con.executemany(
            "INSERT INTO stg_enforcement VALUES (?, ?, ?, ?, ?, ?, 'x', '370602')", [c for c in CASES]
        )
    finally:
        con.close()
    return home


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One bulletin (both editions) built, audited and published once for the module."""
    home = _with_enforcement(build_warehouse(tmp_path_factory.mktemp("audit_home")))
    result = build_audited(home, MONTH, ("zh", "en"))
    return home, result


def _file(result, suffix: str) -> Path:
    return next(f for f in result.files if f.suffix == suffix)


def _set_city_value(warehouse: Path, indicator_id: str, value: float) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "UPDATE indicator_values SET value = ? WHERE indicator_id = ? AND as_of = ? AND district_code = ?",
            [value, indicator_id, AS_OF, CITY],
        )
    finally:
        con.close()


def test_a_normally_built_bulletin_reconciles_and_is_published(built):
    home, result = built
    assert result.published and result.findings == []
    assert {f.name for f in result.files} >= {f"ip_indicators_{MONTH}_{lang}.pdf" for lang in ("zh", "en")}
    folder = home / "reports" / MONTH
    assert {f.parent for f in result.files} == {folder}
    assert {f.suffix for f in result.files} >= {".pdf", ".xlsx"}
    assert not (folder / staging.STAGING).exists()
    record = audit_record(home, MONTH)
    assert record["passed"] and record["published"]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        (n,) = con.execute("SELECT count(*) FROM published_values WHERE report_month = ?", [MONTH]).fetchone()
    finally:
        con.close()
    assert n > 0  # a published bulletin's values are recorded


def test_a_warehouse_value_changed_after_the_build_is_named(built, tmp_path):
    home, result = built
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(home / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    (shown,) = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = 'hv_patents_per_10k' AND as_of = ? "
        "AND district_code = ?",
        [AS_OF, CITY],
    ).fetchone()
    con.close()
    _set_city_value(warehouse, "hv_patents_per_10k", shown + 1.0)

    found = audit_report(warehouse, _file(result, ".pdf"), _file(result, ".xlsx"), "zh")

    assert {f.row for f in found} == {"hv_patents_per_10k"}
    tables = {f.table for f in found}
    assert any("指标一览" in t for t in tables)  # the XLSX summary sheet
    assert any("p1" in t for t in tables)  # page 1 of the PDF
    xlsx_finding = next(f for f in found if "指标一览" in f.table)
    assert f"{shown + 1.0:.2f}" in xlsx_finding.expected and f"{shown:.2f}" in xlsx_finding.found


def test_a_total_that_is_not_the_sum_of_its_rows_is_named(built, tmp_path):
    home, result = built
    xlsx = tmp_path / "tampered.xlsx"
    wb = openpyxl.load_workbook(_file(result, ".xlsx"))
    ws = wb["知识产权保护"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "海关":
            row[6].value = 17.25  # the customs penalty: the PDF's 海关 row and city total no longer agree
        if row[0].value == "司法审判" and row[2].value:
            row[6].value = 60.2  # an amount on a row where none applies
    wb.save(xlsx)

    found = audit_report(home / "warehouse.duckdb", _file(result, ".pdf"), xlsx, "zh")

    by_row = {(f.table.split(": ", 1)[1], f.row.split(" ")[0]) for f in found}
    assert ("PDF protection by authority", "海关") in by_row
    assert ("PDF protection by authority", "全市") in by_row
    assert any(t == "XLSX 知识产权保护" and r == "司法审判" for t, r in by_row)
    total = next(f for f in found if f.row == "全市")
    assert total.expected == "47.8万元"  # 20.5 + 10.0 + 17.25 at the page's precision
    assert total.found.endswith("37.8")  # the page prints the amount, its unit is in the column label


def test_a_bulletin_that_fails_the_audit_leaves_the_previous_one_in_place(built, tmp_path, monkeypatch):
    home, _ = built
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    folder = copy / "reports" / MONTH
    pdf = folder / f"ip_indicators_{MONTH}_zh.pdf"
    before = pdf.read_bytes()
    con = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    (published_at,) = con.execute(
        "SELECT max(published_at) FROM published_values WHERE report_month = ?", [MONTH]
    ).fetchone()
    con.close()
    real_audit = staging.audit_report

    def audit_after_a_change(warehouse, pdf_path, xlsx_path, lang, published_month=None):
        # the warehouse changes between the build's reading and the audit's checking
        _set_city_value(warehouse, "gbt29490_enterprises", 999.0)
        return real_audit(warehouse, pdf_path, xlsx_path, lang, published_month)

    monkeypatch.setattr(staging, "audit_report", audit_after_a_change)

    result = build_audited(copy, MONTH, ("zh",))

    assert not result.published
    assert {f.row for f in result.findings} == {"gbt29490_enterprises"}
    assert pdf.read_bytes() == before  # readers still have the previous bulletin
    assert result.files == [f for f in result.files if f.parent == folder] and pdf in result.files
    assert all(f.parent == folder / staging.REJECTED and f.exists() for f in result.rejected)
    record = json.loads((folder / staging.AUDIT_FILE).read_text(encoding="utf-8"))
    assert record["published"] is False and record["findings"][0]["row"] == "gbt29490_enterprises"
    con = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    (after,) = con.execute(
        "SELECT max(published_at) FROM published_values WHERE report_month = ?", [MONTH]
    ).fetchone()
    con.close()
    assert after == published_at  # an unpublished bulletin's values are not recorded as published

    # the asset check on monthly_report reads the same record: an ERROR that says the bulletin was not published
    check = bulletin_audit_result(copy, [MONTH])
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["published"].value is False and "not published" in check.description
    assert "gbt29490_enterprises" in check.description  # the row a reader can look up
    assert bulletin_audit_result(home, [MONTH]).passed is True


def test_an_archive_bulletin_is_audited_against_what_its_month_published(built, tmp_path):
    home, _ = built
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    (published,) = con.execute(
        "SELECT value FROM published_values WHERE report_month = ? AND indicator_id = 'gbt29490_enterprises' "
        "AND as_of = ? AND district_code = ?",
        [MONTH, AS_OF, CITY],
    ).fetchone()
    con.close()
    _set_city_value(copy / "warehouse.duckdb", "gbt29490_enterprises", published + 50)  # a later revision

    result = build_audited(copy, MONTH, ("zh",), record=False, as_published=True)

    # the archive shows the month as published; the audit reads the same history, so nothing is rejected
    assert result.published and result.findings == []
    # and the same files checked against today's values name the revised row
    found = audit_report(copy / "warehouse.duckdb", _file(result, ".pdf"), _file(result, ".xlsx"), "zh")
    assert {f.row for f in found} == {"gbt29490_enterprises"}


def test_a_charts_tick_labels_are_not_read_as_a_case_type_row(built):
    """pypdf gives a chart's tick labels in drawing order: at scale 10 a later page's axis
    ("0 10000 20000 30000 40000 50000") came before the acceptance heading that closed the case
    type table, was read as a row, and a reconciling bulletin was refused."""
    from ip_pipeline.report.audit import _texts
    from ip_pipeline.report.audit_status import pdf_pages
    from ip_pipeline.report.audit_tables import audit_protection_totals
    from ip_pipeline.report.pages.protection import AUTHORITIES

    _, result = built
    pdf = next(f for f in result.files if f.suffix == ".pdf" and f.stem.endswith("_en"))
    t = _texts("en")
    wb = openpyxl.load_workbook(next(f for f in result.files if f.name == pdf.stem + ".xlsx"))
    pages = pdf_pages(pdf)
    assert audit_protection_totals(wb, pages, t, AUTHORITIES) == []
    heading = t("protection.acceptance_heading")
    at = next(i for i, p in enumerate(pages) if heading in p)
    ticks = "0 10000 20000 30000 40000 50000"
    pages[at] = pages[at].replace(heading, f"{ticks}\n{heading}", 1)
    assert audit_protection_totals(wb, pages, t, AUTHORITIES) == []
