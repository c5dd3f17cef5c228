"""What a reader sees agrees with the engine's tables (BULLETIN.md, PROGRESS.md "Displayed values and
verdicts agree"): the cover's counts by verdict, no internal table name in English, marks and labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
import pypdf
import pytest

from .conftest import CITY, build_warehouse

AS_OF = "2025-06-30"


def page_text(path, n: int | None = None) -> str:
    pages = pypdf.PdfReader(str(path)).pages
    return "\n".join((p.extract_text() or "") for p in (pages if n is None else pages[:n]))


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """The June 2025 warehouse with the engine's verdict columns; valid_trademarks (a stock's level) has
    reached its target half a year before the target year, so its verdict is 已提前达到目标值."""
    h = build_warehouse(tmp_path_factory.mktemp("display"), with_quality_results=True)
    con = duckdb.connect(str(h / "warehouse.duckdb"))
    try:
        con.execute("ALTER TABLE indicator_progress ADD COLUMN verdict VARCHAR")
        con.execute("ALTER TABLE indicator_progress ADD COLUMN margin DOUBLE")
        con.execute("UPDATE indicator_progress SET verdict = status")
        con.execute(
            "UPDATE indicator_progress SET status = 'target_achieved', verdict = 'reached_early', score = 5 "
            "WHERE indicator_id = 'valid_trademarks' AND as_of = ? AND district_code = ?",
            [AS_OF, CITY],
        )
    finally:
        con.close()
    return h


@pytest.fixture(scope="module")
def built(home):
    from ip_pipeline.report import build_report

    return {lang: build_report(home, "2025-06", lang=lang) for lang in ("zh", "en")}


def _verdicts(home) -> dict[str, str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT indicator_id, verdict FROM indicator_progress WHERE as_of = ? AND district_code = ?",
            [AS_OF, CITY],
        ).fetchall()
    return dict(rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cover_counts_each_verdict_under_its_own_word(home, built, lang):
    from ip_pipeline.indicators.catalogue import load_plans

    plan = load_plans()[0]
    verdicts = _verdicts(home)
    cover = re.sub(r"\s+", " ", page_text(built[lang].pdf, 1))
    early = plan.status_label("reached_early", lang)
    achieved = plan.status_label("target_achieved", lang)
    n_early = sum(1 for v in verdicts.values() if v == "reached_early")
    n_achieved = sum(1 for v in verdicts.values() if v == "target_achieved")
    assert n_early == 1
    assert f"{early} {n_early}" in cover, cover[:1500]
    assert f"{achieved} {n_achieved}" in cover, cover[:1500]


def test_english_edition_names_no_internal_table(built):
    text = page_text(built["en"].pdf)
    for name in ("stg_", "plan_outcomes", "indicator_values", "indicator_progress", "plan_scores"):
        assert name not in text, name


@pytest.mark.parametrize(("lang", "label"), [("zh", "（北京时间）"), ("en", "(Beijing time, UTC+8)")])
def test_generated_time_is_on_beijing_time_and_stored_as_the_same_moment_in_utc(home, built, lang, label):
    cover = page_text(built[lang].pdf, 1)
    m = re.search(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s*" + re.escape(label), cover)
    assert m, cover[:800]
    shown = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        stored = con.execute("SELECT max(published_at) FROM published_values").fetchone()[0]
    # the stored UTC moment, eight hours on, is the printed Beijing time (both builds within minutes)
    assert abs((stored + timedelta(hours=8)) - shown) < timedelta(minutes=10)
    assert abs(stored - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=30)


@pytest.mark.parametrize(
    ("lang", "value", "margin", "expected"),
    [
        ("zh", 82.7, 2.1, "较基期+1.6分，在抽样误差±2.1分以内"),
        ("en", 82.7, 2.1, "within the sampling error of ±2.1"),
        ("zh", 84.4, 2.1, "超出抽样误差±2.1"),
        ("en", 84.4, 2.1, "beyond the sampling error of ±2.1"),
    ],
)
def test_a_rise_is_read_against_the_surveys_margin_of_error(lang, value, margin, expected):
    from ip_pipeline.indicators.catalogue import load_plans
    from ip_pipeline.report.narrative import significance
    from ip_pipeline.report.style import load_style
    from ip_pipeline.report.texts import Texts

    plans = load_plans()
    action = next(p for p in plans if any(i.target and i.target.kind == "improvement" for i in p.indicators))
    t = Texts(lang, action, load_style(), plans=plans)
    text = significance(
        t, "ip_protection_satisfaction", {"value": value, "base_value": 81.1, "margin": margin}
    )
    rise = t.value(value - 81.1, "ip_protection_satisfaction", signed=True)
    assert rise.startswith("+1.6" if value < 83 else "+3.3")
    squash = lambda x: re.sub(r"\s+", "", x)  # noqa: E731
    assert squash(rise) in squash(text) and squash(expected) in squash(text), text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_computed_base_is_marked_and_a_recomputed_official_base_is_explained(lang):
    from types import SimpleNamespace

    import pandas as pd

    from ip_pipeline.indicators.catalogue import load_plans
    from ip_pipeline.report.pages import evaluation
    from ip_pipeline.report.style import load_style
    from ip_pipeline.report.texts import Texts

    plans = load_plans()
    fyp = next(p for p in plans if p.target_year == 2025)
    t = Texts(lang, fyp, load_style(), plans=plans)
    ind = {i.id: i for i in fyp.indicators}

    def row(ind_id, base, computed, base_year_value):
        series = pd.DataFrame(
            {"as_of": pd.to_datetime(["2020-12-31", "2025-12-31"]), "value": [base_year_value, 9.0]}
        )
        return SimpleNamespace(
            id=ind_id, indicator=ind[ind_id], base_value=base, base_computed=computed, series=series,
            value=9.0, target_value=ind[ind_id].target.value, final_status="target_missed",
            change_share=0.5, status="on_track", ratio=1.0, revision=None,
        )  # fmt: skip

    official = row("hv_patents_per_10k", 4.06, False, 4.0712)  # the records recompute 4.07
    same = row("valid_trademarks", 10.6, False, 10.6004)  # equal at the displayed decimals
    computed = row("gbt29490_enterprises", 178.0, True, 178.0)
    f = SimpleNamespace(rows=[official, same, computed], plan=fyp)
    notes = evaluation.base_notes(f, t)
    cells = {r.id: evaluation.final_row_cells(r, t)[1] for r in f.rows}
    assert cells["gbt29490_enterprises"].endswith(evaluation.BASE_MARK)
    assert not cells["hv_patents_per_10k"].endswith(evaluation.BASE_MARK)
    assert notes[0].startswith(evaluation.BASE_MARK)
    differs = [n for n in notes[1:]]
    assert len(differs) == 1 and t.name("hv_patents_per_10k") in differs[0]
    assert "4.07" in differs[0] and "4.06" in differs[0]


def test_footnote_marks_are_numbered_in_order_of_appearance_and_read_in_order():
    from ip_pipeline.indicators.catalogue import load_plans
    from ip_pipeline.report.footnotes import Footnotes
    from ip_pipeline.report.style import load_style
    from ip_pipeline.report.texts import Texts

    plans = load_plans()
    notes = Footnotes(Texts("zh", plans[0], load_style(), plans=plans))
    first = notes.mark(["computed_base"])
    second = notes.mark(["zero_base", "computed_base"])  # the new flag listed first in the cell
    marks = notes.t.style.marks
    assert first == marks[0]
    assert second == marks[0] + marks[1]  # ①②, never ②①
    assert [m for m, _, _ in notes.items()] == [marks[0], marks[1]]


@pytest.mark.parametrize(("lang", "head"), [("zh", "差距（个百分点）"), ("en", "Gap (pp)")])
def test_a_rates_gap_on_its_indicator_page_is_in_percentage_points(built, lang, head):
    from ip_pipeline.indicators.catalogue import load_plans
    from ip_pipeline.report.pages import indicators
    from ip_pipeline.report.style import load_style
    from ip_pipeline.report.texts import Texts

    plans = load_plans()
    t = Texts(lang, plans[0], load_style(), plans=plans)
    rate = "patent_intensive_va_share"
    assert t.unit_zh(rate) == "%"
    assert indicators.gap_head(t, rate) == head
    assert indicators.gap_cell(t, rate, -0.4).startswith("−0.4") and "%" not in indicators.gap_cell(
        t, rate, 1.25
    )
    assert "%" in t.short(1.25, rate)  # what the column printed before: a % beside a difference of rates
    assert indicators.gap_cell(t, "gbt29490_enterprises", -12) == indicators.gap_cell(
        t, "gbt29490_enterprises", -12.0
    )
    assert re.sub(r"\s+", "", head) in re.sub(r"\s+", "", page_text(built[lang].pdf))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_year_to_date_value_in_the_xlsx_says_so_in_its_cell(home, built, lang):
    import openpyxl

    from ip_pipeline.report.data import load_report_data

    data = load_report_data(home / "warehouse.duckdb", "2025-06")
    ytd = {s.id for s in data.sections if s.ytd and s.value is not None}
    assert ytd, "the fixture has a year-to-date flow"
    ws = openpyxl.load_workbook(built[lang].xlsx).worksheets[0]
    seen = set()
    for row in ws.iter_rows(min_row=2):
        if row[0].value in {s.id for s in data.sections}:
            fmt = row[2].number_format
            label = "1—" if lang == "zh" else "Jan–"
            assert (label in fmt) == (row[0].value in ytd), (row[0].value, fmt)
            assert isinstance(row[2].value, float | int)  # still a number
            seen.add(row[0].value)
    assert ytd <= seen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_column_of_amounts_has_one_unit(lang):
    from ip_pipeline.indicators.catalogue import load_plans
    from ip_pipeline.report.pages import amounts
    from ip_pipeline.report.style import load_style
    from ip_pipeline.report.texts import Texts

    plans = load_plans()
    t = Texts(lang, plans[0], load_style(), plans=plans)
    rows = [12816.4, 744.9, 60.2]  # one above 1 亿, two below: the old cells read 1.28亿元 / 744.9万元
    total = sum(rows)
    unit = amounts.amount_unit(t, total)
    cells = [amounts.amount_in(t, v, unit) for v in [*rows, total]]
    assert not any(w in c for c in cells for w in ("万元", "亿元", "CNY", "million"))
    label = amounts.unit_label(t, unit)
    assert label == ("（亿元）" if lang == "zh" else " (CNY million)")
    scale = 10000 if lang == "zh" else 100
    for v, c in zip([*rows, total], cells, strict=True):
        assert float(c.replace(",", "")) == pytest.approx(v / scale, abs=0.006)
    small = amounts.amount_unit(t, 744.9)
    assert amounts.unit_label(t, small) == ("（万元）" if lang == "zh" else " (CNY million)")
