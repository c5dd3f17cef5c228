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
