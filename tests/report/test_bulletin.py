"""Issue 13: the bulletin after a plan has ended, one period per row, Chinese-only wording, the final evaluation.

Every warehouse is built in the test (conftest.build_warehouse): the 14th FYP (2020 → 2025) with its
progress rows, plus what each test adds (plan_outcomes, enforcement cases, a partial month).
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import openpyxl
import pandas as pd
import pypdf
import pytest
from matplotlib.figure import Figure

from ip_pipeline.city import CITY, UNLOCATED
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report import build_report, charts
from ip_pipeline.report.data import load_report_data
from ip_pipeline.report.final import build_final_report
from ip_pipeline.report.months import last_complete_month
from ip_pipeline.report.pages.common import summary_rows
from ip_pipeline.report.pages.evaluation import final_row_cells
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import Texts

from .conftest import PERSONAL_NAME, PLAN_ID, add_quality_results, build_warehouse

FYP = PLAN_ID


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def sq(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fyp():
    return next(p for p in load_plans() if p.id == FYP)


def db(home, sql, params=()):
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def city_value(home, ind, d):
    rows = db(
        home,
        "SELECT value FROM indicator_values WHERE indicator_id = ? AND as_of = ? AND district_code = ?",
        [ind, d, CITY],
    )
    return rows[0][0] if rows else None


def drop_progress_after_target(home):
    """PROGRESS.md: no progress row for D after 31 Dec of T (the lifecycle the `plans` branch computes)."""
    db(home, "DELETE FROM indicator_progress WHERE plan_id = ? AND as_of > DATE '2025-12-31'", [FYP])
    db(home, "DELETE FROM plan_scores WHERE plan_id = ? AND as_of > DATE '2025-12-31'", [FYP])


def add_enforcement(home):
    db(home, "DROP TABLE IF EXISTS stg_enforcement")
    db(
        home,
        """CREATE TABLE stg_enforcement (case_no VARCHAR, case_type VARCHAR, authority_type VARCHAR,
                authority VARCHAR, opened_date DATE, closed_date DATE, district_code VARCHAR, value_wan DOUBLE,
                penalty_wan DOUBLE, party VARCHAR, outcome VARCHAR, in_scope BOOLEAN)""",
    )
    rows = []
    for year in (2025, 2026):
        for month in range(1, 13 if year == 2025 else 12):  # December 2025 is outside both periods
            for a, kind in enumerate(("administrative", "judicial", "customs")):
                for k in range(2 if year == 2026 and kind == "administrative" else 1):
                    rows.append(
                        (
                            f"C{year}{month}{a}{k}",
                            ("trademark_counterfeit", "patent_dispute")[month % 2],
                            kind,
                            "某机关",
                            date(year, month, 10),
                            None,
                            "370602",
                            1500.0,
                            None if kind == "judicial" else 300.0,
                            PERSONAL_NAME,
                            "罚款",
                            True,
                        )
                    )
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.executemany("INSERT INTO stg_enforcement VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()


@pytest.fixture(scope="module")
def after_plan(tmp_path_factory):
    """Data to November 2026: the 14th FYP has ended, the 2025–2027 action plan is in force."""
    home = build_warehouse(
        tmp_path_factory.mktemp("after_plan"), last="2026-11", criteria_months=1, with_quality_results=False
    )
    drop_progress_after_target(home)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    add_quality_results(con)
    con.close()
    add_enforcement(home)
    return home


@pytest.fixture(scope="module")
def bulletin(after_plan):
    return {lang: build_report(after_plan, "2026-11", lang=lang, record=False) for lang in ("zh", "en")}


@pytest.fixture(scope="module")
def final_report(after_plan):
    return {lang: build_final_report(after_plan, FYP, lang=lang) for lang in ("zh", "en")}


# -- the plan's lifecycle in the bulletin ------------------------------------------------------------
def test_a_month_after_the_end_of_a_plan_shows_its_final_verdict_and_no_projection(after_plan, bulletin):
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    assert data.plan.id != FYP and data.in_force  # the action plan leads
    final = next(f for f in data.finals if f.plan.id == FYP)
    assert final.as_of == date(2025, 12, 31)
    for row in final.rows:  # each value is the one on 31 Dec 2025, against the target
        assert row.value == pytest.approx(city_value(after_plan, row.id, date(2025, 12, 31)))
        target = row.indicator.target
        assert row.final_status == (
            "target_achieved" if target.met(row.value, 1, row.base_value) else "target_missed"
        )
    text = sq(pdf_text(bulletin["zh"].pdf))
    assert sq(f"{final.n_targets}项有目标的指标中，{final.n_achieved}项已实现目标") in text
    assert "终期评估" in text and "目标未完成" in text
    assert "2025年推算值" not in text and "2025年可达" not in text  # never a projection to a past year
    en = sq(pdf_text(bulletin["en"].pdf))
    assert sq(f"Of {final.n_targets} indicators with a target, {final.n_achieved} met it") in en
    assert "Projected2025value" not in en


def test_the_final_evaluation_reads_plan_outcomes_when_the_table_exists(tmp_path):
    home = build_warehouse(tmp_path / "h", last="2026-02", criteria_months=1)
    drop_progress_after_target(home)
    # the final evaluation's rule (PROGRESS.md): gbt enterprises end 2025 at 391 against 400: missed
    db(
        home,
        """CREATE TABLE plan_outcomes (plan_id VARCHAR, indicator_id VARCHAR, district_code VARCHAR, as_of DATE,
                value DOUBLE, base_value DOUBLE, target_value DOUBLE, achieved BOOLEAN, attainment DOUBLE,
                change_share DOUBLE, ratio DOUBLE, status VARCHAR, final_status VARCHAR, status_label_zh VARCHAR,
                status_label_en VARCHAR, final_label_zh VARCHAR, final_label_en VARCHAR, vintage VARCHAR)""",
    )
    db(
        home,
        "INSERT INTO plan_outcomes VALUES (?, 'gbt29490_enterprises', ?, DATE '2025-12-31', 391, 210, 400, false, "
        "0.9775, 0.9526, 0.97, 'on_track', 'target_missed', '进度正常', 'On track', '目标未完成', 'Target missed', 'v9')",
        [FYP, CITY],
    )
    data = load_report_data(home / "warehouse.duckdb", "2026-02")
    final = next(f for f in data.finals if f.plan.id == FYP)
    assert final.source == "plan_outcomes"
    row = next(r for r in final.rows if r.id == "gbt29490_enterprises")
    assert (row.value, row.final_status, row.change_share) == (391, "target_missed", pytest.approx(0.9526))
    t = Texts("zh", final.plan, load_style(), plans=data.plans)
    cells = [c.text if hasattr(c, "text") else c for c in final_row_cells(row, t)]
    assert "391 家" in cells and "✕ 目标未完成" in cells and "95%" in cells


# -- one period per row ---------------------------------------------------------------------------
def test_a_chart_s_last_point_is_the_report_month_s_value(after_plan):
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    t = Texts("zh", data.plan, load_style(), plans=data.plans)
    for sec in data.sections + [s for v in data.other_plans for s in v.sections]:
        if sec.value is None:
            continue
        fig = Figure(figsize=(6, 3))
        ax = fig.add_axes([0.1, 0.2, 0.8, 0.7])
        charts.series_chart(ax, sec, t, in_force=data.in_force)
        actual = ax.get_lines()[0]
        x, y = actual.get_xdata(), actual.get_ydata()
        assert pd.Timestamp(x[-1]).date() == date(2026, 11, 30), sec.id
        assert y[-1] == pytest.approx(sec.value), sec.id
        import matplotlib.dates as mdates

        assert mdates.num2date(ax.get_xlim()[1]).date() > date(2026, 11, 30)  # the axis reaches the month


def test_a_year_to_date_row_is_compared_with_the_same_period_a_year_earlier(after_plan, bulletin):
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    t = Texts("zh", data.plan, load_style(), plans=data.plans)
    sec = next(s for s in data.monitored if s.id == "pledge_count")  # a 14th-FYP companion, still published
    now, year_ago = (
        city_value(after_plan, "pledge_count", date(2026, 11, 30)),
        city_value(after_plan, "pledge_count", date(2025, 11, 30)),
    )
    assert (sec.value, sec.year_ago_value) == (now, year_ago)
    from ip_pipeline.report.footnotes import Footnotes

    (row,) = summary_rows(sec, t, Footnotes(t))
    assert row[2] == "2026年1—11月累计"
    pct = (now - year_ago) / year_ago * 100
    assert row[6] == f"+{now - year_ago:,.0f} 件（+{pct:.1f}%）"
    en = Texts("en", data.plan, load_style(), plans=data.plans)
    assert en.period(sec.as_of, True) == "Jan–Nov 2026"


def test_a_flow_judged_on_its_complete_year_gets_a_row_for_each_period(after_plan):
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    sec = next(s for s in data.finals[0].rows if s.id == "overseas_invention_grants")  # noqa: F841 (exists)
    plan = fyp()
    from ip_pipeline.report.queries import read_district_names, read_values
    from ip_pipeline.report.sections import build_section

    con = duckdb.connect(str(after_plan / "warehouse.duckdb"), read_only=True)
    try:
        values = read_values(con, 2020, date(2026, 11, 30))
        districts = read_district_names(con, {"stg_districts"}, [])
    finally:
        con.close()
    progress = pd.DataFrame(
        [
            {
                "indicator_id": "overseas_invention_grants",
                "as_of": date(2026, 11, 30),
                "status": "on_track",
                "value": 0.0,
                "flags": ["complete_year:2025"],
            }
        ]
    )
    s = build_section(
        plan.indicator("overseas_invention_grants"), values, progress, districts, date(2026, 11, 1)
    )
    full_2025 = city_value(after_plan, "overseas_invention_grants", date(2025, 12, 31))
    assert (s.judged_year, s.judged_value) == (2025, full_2025)
    t = Texts("zh", plan, load_style())
    from ip_pipeline.report.footnotes import Footnotes

    main, ytd = summary_rows(s, t, Footnotes(t))
    assert main[2] == "2025年全年" and main[1].startswith(f"{full_2025:,.0f} 件")
    assert ytd[2] == "2026年1—11月累计" and ytd[3] == "—"  # the year-to-date row has no target or status
    assert "+1" not in main[5]  # no change of 11 months against 12


def test_a_partial_month_is_labelled_as_of_its_last_day(tmp_path):
    home = build_warehouse(tmp_path / "h", last="2026-03", criteria_months=1)
    db(home, "UPDATE indicator_values SET as_of = DATE '2026-03-15' WHERE as_of = DATE '2026-03-31'")
    result = build_report(home, "2026-03", lang="zh", record=False)
    assert "截至3月15日" in sq(pypdf.PdfReader(str(result.pdf)).pages[0].extract_text())
    assert last_complete_month(date(2026, 12, 1)) == "2026-11"
    assert last_complete_month(date(2027, 1, 1)) == "2026-12"
    from ip_pipeline.defs.runner import report_partition

    assert report_partition("2026-12-01", None, today=date(2026, 12, 1)) == "2026-11-01"
    assert report_partition("2026-12-01", "2026-12", today=date(2026, 12, 1)) == "2026-12-01"  # asked for


def test_unlocated_is_shown_apart_under_the_ranked_districts(after_plan):
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    t = Texts("zh", data.plan, load_style(), plans=data.plans)
    sec = next(
        s
        for v in [data.sections] + [v.sections for v in data.other_plans]
        for s in v
        if s.id == "valid_trademarks"
    )
    fig = Figure(figsize=(6, 4))
    ax = fig.add_axes([0.3, 0.1, 0.6, 0.8])
    charts.district_bars(ax, sec.districts, sec.value, sec.id, t)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels[0] == "未定位（不参与排名）"  # the bottom bar, below the rule
    assert all("未定位" not in lb for lb in labels[1:])
    from ip_pipeline.report.narrative import district_rankings

    leaders, laggards = district_rankings(sec, t, 3)
    assert not any("未定位" in x for x in leaders + laggards)


def test_tied_districts_are_ranked_alike_in_the_text_and_on_the_chart(after_plan):
    """Ties on the value fall back to the district code, in the sentence and in the bars, whatever
    order the warehouse returns the rows in."""
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    t = Texts("zh", data.plan, load_style(), plans=data.plans)
    sec = next(
        s
        for v in [data.sections] + [v.sections for v in data.other_plans]
        for s in v
        if len(s.districts) >= 6
    )
    from dataclasses import replace

    from ip_pipeline.report.narrative import district_rankings

    placed = sec.districts[sec.districts["district_code"] != UNLOCATED].copy()
    placed["value"] = [10.0 if i < 4 else 1.0 for i in range(len(placed))]  # four leaders tie
    orders = []
    for shuffled in (placed, placed.iloc[::-1]):
        tied = replace(sec, districts=shuffled.reset_index(drop=True))
        fig = Figure(figsize=(6, 4))
        ax = fig.add_axes([0.3, 0.1, 0.6, 0.8])
        charts.district_bars(ax, tied.districts, tied.value, tied.id, t)
        top_down = [tick.get_text() for tick in ax.get_yticklabels()][::-1]
        leaders, _ = district_rankings(tied, t, 3)
        named = [x for x in top_down if any(x in lead for lead in leaders)]
        assert named == top_down[: len(leaders)], (top_down, leaders)  # the text names the top bars
        orders.append(top_down)
    assert orders[0] == orders[1]


# -- words ----------------------------------------------------------------------------------------
INTERNAL = [
    r"plan_scores",
    r"plan_outcomes",
    r"indicator_progress",
    r"indicator_values",
    r"stg_\w+",
    r"quarantine_\w+",
    r"quality_results",
    r"source_snapshots",
    r"high_value_patent_criteria",
    r"gx_expectation_suite",
    r"\b(bad_\w+|missing|date_order|conflicting_duplicate|check_digit):?\w*",
    r"provisional_denominator",
    r"computed_base",
    r"complete_year",
    r"small_sample",
    r"lagged",
    r"no_population",
    r"unknown_outcome",
    r"\breference\b",
    r"g_obs",
    r"g_req",
    r"\^\(",
    r"\b[a-z]+_[a-z_]+\b",
]


@pytest.mark.parametrize("which", ["bulletin", "final"])
def test_no_internal_identifier_in_the_chinese_text(bulletin, final_report, which):
    result = bulletin["zh"] if which == "bulletin" else final_report["zh"]
    text = pdf_text(result.pdf)
    found = sorted({m.group(0) for pat in INTERNAL for m in re.finditer(pat, text)})
    assert found == [], found


def test_status_words_agree_between_pdf_xlsx_and_cli(after_plan, bulletin, capsys):
    from ip_pipeline.cli.main import main

    labels = {}
    for plan in load_plans():
        for key, v in plan.status["labels"].items():
            labels.setdefault(key, v["zh"])
    vocabulary = set(labels.values())
    # the PDF: every status badge is a catalogue word
    badges = {
        line.split(" ", 1)[1]
        for line in bulletin["zh"].rendered_text.splitlines()
        if line[:1] in "★●◆▲▼○✕" and " " in line
    }
    assert badges and badges <= vocabulary, badges - vocabulary
    assert "进展正常" not in pdf_text(bulletin["zh"].pdf)
    # the XLSX: the summary's status column
    ws = openpyxl.load_workbook(bulletin["zh"].xlsx).worksheets[0]
    xlsx_words = {r[5] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] and r[5]}
    assert xlsx_words and xlsx_words <= vocabulary
    # the CLI: the same indicator on the same day says the same word as the PDF's table
    assert main(["progress", "--home", str(after_plan), "--as-of", "2025-12-31", "--format", "json"]) == 0
    out = capsys.readouterr().out
    cli = {r["indicator_id"]: r["status_label_zh"] for r in json.loads(out) if r["district_code"] == CITY}
    progress = dict(
        db(
            after_plan,
            "SELECT indicator_id, status FROM indicator_progress WHERE plan_id = ? AND "
            "as_of = DATE '2025-12-31' AND district_code = ?",
            [FYP, CITY],
        )
    )
    t = Texts("zh", fyp(), load_style())
    for ind, status in progress.items():
        assert cli[ind] == t.status(status) == labels[status]


def test_english_units_and_plurals():
    t = Texts("en", fyp(), load_style())
    assert t.change(231, 230, "overseas_invention_grants") == "+1 grant (+0.4%)"
    assert t.value(2, "overseas_invention_grants") == "2 grants"
    assert t.value(17.4, "valid_trademarks") == "174,000 marks"
    assert t.value(126497.78, "pledge_amount_wan") == "CNY 1,265.0 million"
    zh = Texts("zh", fyp(), load_style())
    assert zh.value(126497.78, "pledge_amount_wan") == "12.65亿元"
    assert zh.value(8400, "pledge_amount_wan") == "8,400万元"
    assert zh.change(31.2, 30.0, "pledge_count_cagr") == "+1.2个百分点"


# -- protection -------------------------------------------------------------------------------------
def test_protection_section_counts_cases_by_authority_with_yoy_and_no_party(bulletin, after_plan):
    text = sq(pdf_text(bulletin["zh"].pdf))
    assert "知识产权保护" in text and "行政执法" in text and "海关" in text and "司法审判" in text
    # Jan–Nov 2026 against Jan–Nov 2025: administrative doubled (2 a month against 1)
    data = load_report_data(after_plan / "warehouse.duckdb", "2026-11")
    df = data.protection.by_type
    adm = df[df["authority_type"] == "administrative"][["cases", "cases_prev"]].sum()
    assert adm["cases"] == 2 * adm["cases_prev"] > 0
    assert "+100.0%" in text
    assert sq("暂无数据") in text  # the acceptance rate before engine_ingest's indicator exists
    for lang in ("zh", "en"):
        assert PERSONAL_NAME not in pdf_text(bulletin[lang].pdf) + bulletin[lang].rendered_text


# -- the final-evaluation report ---------------------------------------------------------------------
def test_final_evaluation_pdf_and_xlsx(after_plan, final_report):
    folder = after_plan / "reports" / "final" / FYP
    zh = final_report["zh"]
    assert zh.pdf == folder / f"plan_final_{FYP}_zh.pdf" and zh.xlsx.parent == folder
    assert zh.png_first_page is not None and zh.png_first_page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(folder.glob("*.part"))
    plan = fyp()
    reader = pypdf.PdfReader(str(zh.pdf))
    assert len(reader.pages) >= 1 + len(plan.indicators) + 1  # cover, one page per indicator, appendices
    text = sq(pdf_text(zh.pdf))
    values = {ind.id: city_value(after_plan, ind.id, date(2025, 12, 31)) for ind in plan.indicators}
    met = sum(1 for ind in plan.indicators if ind.target.met(values[ind.id], 1))
    assert sq(f"{len(plan.indicators)}项目标中已实现{met}项") in sq(reader.pages[0].extract_text())
    for ind in plan.indicators:
        assert sq(ind.name_zh) in text
    assert "附录一" in text and "附录二" in text and "分区县" in text
    ws = openpyxl.load_workbook(zh.xlsx).worksheets[0]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] in values]
    assert len(rows) == len(plan.indicators)
    for r in rows:
        assert r[4] == pytest.approx(values[r[0]])
        assert r[6] in ("已实现目标", "目标未完成")
    en = final_report["en"]
    assert sq(f"{met} of {len(plan.indicators)} targets met") in sq(pdf_text(en.pdf))


def test_final_report_of_a_plan_still_in_force_is_a_clear_error(tmp_path):
    from ip_pipeline.report.model import ReportDataError

    home = build_warehouse(tmp_path / "h", last="2025-06", criteria_months=1)
    with pytest.raises(ReportDataError, match="final evaluation needs data after"):
        build_final_report(home, FYP)
    with pytest.raises(ReportDataError, match="no plan"):
        build_final_report(home, "no_such_plan")


def test_a_revised_outcome_is_footnoted(tmp_path):
    home = build_warehouse(tmp_path / "h", last="2026-02", criteria_months=1)
    drop_progress_after_target(home)
    db(
        home,
        """CREATE TABLE plan_outcome_revisions (plan_id VARCHAR, indicator_id VARCHAR, district_code VARCHAR,
                as_of DATE, previous_value DOUBLE, value DOUBLE, previous_final_status VARCHAR, final_status VARCHAR,
                previous_vintage VARCHAR, vintage VARCHAR, revised_at TIMESTAMP)""",
    )
    db(
        home,
        "INSERT INTO plan_outcome_revisions VALUES (?, 'gbt29490_enterprises', ?, DATE '2025-12-31', 401, 391, "
        "'target_achieved', 'target_missed', 'v1', 'v2', TIMESTAMP '2026-02-03 02:00:00')",
        [FYP, CITY],
    )
    text = sq(pdf_text(build_final_report(home, FYP, lang="zh").pdf))
    assert (
        sq(
            "运行《企业知识产权管理规范》企业的目标年末数值因数据修订由401 家改为391 家（2026年2月3日重新计算），"
            "终期结论由“已实现目标”改为“目标未完成”。"
        )
        in text
    )


def test_report_final_from_the_command_line_lists_every_file_it_wrote(after_plan, capsys):
    from ip_pipeline.cli.main import main

    assert main(["report", "--home", str(after_plan), "--plan", FYP, "--final", "--lang", "en"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    folder = after_plan / "reports" / "final" / FYP
    listed = {line.strip() for line in out}
    for name in (f"plan_final_{FYP}_en.pdf", f"plan_final_{FYP}_en.xlsx", f"plan_final_{FYP}_en_p1.png"):
        assert str(folder / name) in listed, out
        assert (folder / name).stat().st_size > 0
    assert out[-1].strip() == str(
        folder / f"plan_final_{FYP}_en.pdf"
    )  # the PDF last, as for a monthly report
