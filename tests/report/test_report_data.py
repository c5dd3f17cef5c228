"""Workbook, revisions, missing tables and the command line of the monthly report."""

from __future__ import annotations

import argparse
import math

import duckdb
import openpyxl
import pypdf
import pytest
import yaml

from ip_pipeline.cli.report import add_cli
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report import ReportDataError, build_report
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import STRINGS_FILE, Texts

from .conftest import CITY, add_quality_results, build_warehouse


def pdf_text(path) -> str:
    """The PDF's text with whitespace removed (table cells wrap)."""
    return "".join("".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(str(path)).pages)


def sq(text: str) -> str:
    return "".join(text.split())


def db_rows(home, sql, params=()):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_holds_the_same_numbers_as_the_pdf(reports, report_home, lang):
    wb = openpyxl.load_workbook(reports[lang].xlsx)
    ws = wb.worksheets[0]
    by_id = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    db = dict(
        db_rows(
            report_home,
            "SELECT indicator_id, value FROM indicator_values "
            "WHERE as_of = DATE '2025-06-30' AND district_code = ?",
            [CITY],
        )
    )
    from ip_pipeline.report.style import load_style

    style = load_style()
    from ip_pipeline.indicators.catalogue import load_plans

    for ind, cover_row in zip(load_plans()[0].indicators, reports[lang].cover_rows):
        value = by_id[ind.id][2]
        assert math.isclose(value, db[ind.id], rel_tol=1e-12)
        printed = f"{value:,.{style.decimals(ind.id)}f}".replace("-", "−")
        if (
            lang == "en" and ind.unit == "万件"
        ):  # "12.92 10k marks" would be misread: the English edition writes 129,195 marks
            printed = f"{value * 10000:,.0f} marks"
        assert cover_row[1].startswith(printed)
    districts = wb.worksheets[2]
    n = sum(1 for r in districts.iter_rows(min_row=2, values_only=True) if r[0] == "hv_patents_per_10k")
    assert n == 14  # every reporting unit, the unlocated one included


def test_published_values_are_recorded_per_report_month(reports, report_home):
    (n,) = db_rows(report_home, "SELECT count(*) FROM published_values WHERE report_month = '2025-06'")[0]
    (expected,) = db_rows(
        report_home, "SELECT count(*) FROM indicator_values WHERE as_of <= DATE '2025-06-30'"
    )[0]
    assert n == expected  # built twice (zh, en): delete-then-insert keeps one copy


def test_revisions_list_past_values_that_changed_since_last_months_report(tmp_path):
    home = build_warehouse(tmp_path / "h")
    first = build_report(home, "2025-05", lang="en")
    assert sq("first report with recorded published values") in pdf_text(first.pdf)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    old = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = 'valid_trademarks' "
        "AND as_of = DATE '2025-03-31' AND district_code = ?",
        [CITY],
    ).fetchone()[0]
    con.execute(
        "UPDATE indicator_values SET value = value + 0.25 WHERE indicator_id = 'valid_trademarks' "
        "AND as_of = DATE '2025-03-31' AND district_code = ?",
        [CITY],
    )
    con.close()
    second = build_report(home, "2025-06", lang="en")
    text = pdf_text(second.pdf)
    assert sq("these past values were revised (1 in all)") in text
    assert f"{old:,.2f}" in text and f"{old + 0.25:,.2f}" in text and "+0.25" in text
    ws = openpyxl.load_workbook(second.xlsx)["Revisions"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(rows) == 1
    ind, _, code, _, as_of, before, after, change = rows[0]
    assert (ind, code, as_of.date().isoformat()) == ("valid_trademarks", CITY, "2025-03-31")
    assert math.isclose(before, old) and math.isclose(after, old + 0.25) and math.isclose(change, 0.25)
    months = db_rows(home, "SELECT DISTINCT report_month FROM published_values ORDER BY 1")
    assert [m for (m,) in months] == ["2025-05", "2025-06"]


def test_quality_checks_show_the_latest_result_of_each_check(tmp_path):
    home = build_warehouse(tmp_path / "h")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    add_quality_results(con)
    con.close()
    text = pdf_text(build_report(home, "2025-06", lang="en", record=False).pdf)
    assert sq("grant_after_filing (WARN)") in text  # failed on 1 July, passed on 1 June: the latest counts
    # the staged trademarks' row, named in words (a reader never meets stg_trademarks)
    plans = load_plans()
    title = Texts("en", plans[0], load_style(), plans=plans).table_title("stg_trademarks")
    assert "trademark" in title.lower() and sq(title) in text
    assert sq("stg_trademarks") not in text


def test_a_warehouse_with_only_indicator_values_still_gives_a_report(tmp_path):
    home = build_warehouse(tmp_path / "h")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for table in (
        "indicator_progress",
        "plan_scores",
        "high_value_patent_criteria",
        "source_snapshots",
        "stg_districts",
        "quarantine_enforcement",
        "quarantine_patents",
    ):
        con.execute(f"DROP TABLE {table}")
    con.close()
    result = build_report(home, "2025-06", lang="en", record=False)
    text = pdf_text(result.pdf)
    # the missing progress is said once, in words (no internal table name in English)
    assert text.count(sq("No plan progress assessment for the month yet")) == 1
    assert sq("No source snapshots recorded") in text
    assert sq("No breakdown by criterion this month") in text
    assert sq("No overall score yet") in text
    assert not db_rows(home, "SELECT * FROM information_schema.tables WHERE table_name = 'published_values'")


def test_a_month_without_values_is_a_clear_error(report_home, tmp_path):
    with pytest.raises(ReportDataError, match="no rows for 2030-01"):
        build_report(report_home, "2030-01")
    with pytest.raises(ReportDataError, match="no warehouse"):
        build_report(tmp_path / "empty", "2025-06")
    with pytest.raises(ReportDataError, match="YYYY-MM"):
        build_report(report_home, "June")


def cli(argv):
    parser = argparse.ArgumentParser(prog="ip-pipeline")
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prints_the_pdf_path(report_home, capsys):
    assert cli(["report", "--home", str(report_home), "--month", "2025-06", "--lang", "en"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith("ip_indicators_2025-06_en.pdf")


def test_cli_missing_warehouse_or_month_is_one_line_and_exit_2(report_home, tmp_path, capsys):
    assert cli(["report", "--home", str(tmp_path), "--month", "2025-06"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no warehouse" in err
    assert cli(["report", "--home", str(report_home), "--month", "2031-02"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_every_string_has_both_languages():
    doc = yaml.safe_load(STRINGS_FILE.read_text(encoding="utf-8"))
    bad = []

    def walk(node, path):
        if isinstance(node, dict) and ("zh" in node or "en" in node):
            if set(node) != {"zh", "en"} or not all(isinstance(v, str) and v for v in node.values()):
                bad.append(path)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")

    walk(doc, "")
    assert bad == []
