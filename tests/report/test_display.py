"""What a reader sees agrees with the engine's tables (BULLETIN.md, PROGRESS.md "Displayed values and
verdicts agree"): the cover's counts by verdict, no internal table name in English, marks and labels."""

from __future__ import annotations

import re

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
