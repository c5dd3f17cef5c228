"""The monthly report as a reader and a printer see it: names, numbers, fonts, pages (spec: the report brief)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import duckdb
import pypdf
import pytest

from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report.fonts import missing_glyphs
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import Texts

from .conftest import CITY, PERSONAL_NAME, PERSONAL_NAME_EN

LANGS = ("zh", "en")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def plan():
    return load_plans()[0]


def needs_binary(name: str) -> str:
    exe = shutil.which(name)
    if exe:
        return exe
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} (poppler-utils) is required in CI")
    pytest.skip(f"{name} not installed (apt-get install poppler-utils); required when CI=true")


def test_report_files_are_written_where_the_brief_says(reports, report_home):
    for lang, result in reports.items():
        folder = report_home / "reports" / "2025-06"
        assert result.pdf == folder / f"ip_indicators_2025-06_{lang}.pdf"
        assert result.xlsx.parent == folder and result.xlsx.suffix == ".xlsx"
        assert result.png_first_page is not None and result.png_first_page.parent == folder
        assert result.png_first_page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", LANGS)
def test_every_indicator_name_is_in_the_pdf_text(reports, lang):
    text = squash(pdf_text(reports[lang].pdf))
    for ind in plan().indicators:
        name = ind.name_zh if lang == "zh" else ind.name_en
        assert squash(name) in text, name


@pytest.mark.parametrize("lang", LANGS)
def test_cover_table_values_are_the_warehouse_values_formatted_as_printed(reports, report_home, lang):
    t = Texts(lang, plan(), load_style())
    con = duckdb.connect(str(report_home / "warehouse.duckdb"), read_only=True)
    try:
        db = dict(
            con.execute(
                "SELECT indicator_id, value FROM indicator_values WHERE as_of = DATE '2025-06-30' AND district_code = ?",
                [CITY],
            ).fetchall()
        )
    finally:
        con.close()
    cover = squash(pypdf.PdfReader(str(reports[lang].pdf)).pages[0].extract_text())
    rows = reports[lang].cover_rows
    assert len(rows) == len(plan().indicators)
    for ind, row in zip(plan().indicators, rows):
        printed = t.value(db[ind.id], ind.id)
        assert row[1].startswith(printed), (ind.id, row[1], printed)
        # columns: name, value (with footnote marks), period, target, status, month and year-on-year changes
        for cell in row[1:4] + row[5:7]:
            assert squash(cell) in cover, (ind.id, cell)
        assert squash(row[4].split(" ", 1)[1]) in cover  # the status label beside its symbol


def test_english_report_is_a_full_translation(reports):
    text = pdf_text(reports["en"].pdf)
    assert not CJK.findall(text), sorted(set(CJK.findall(text)))[:20]
    assert not CJK.findall(reports["en"].rendered_text)


def test_chinese_report_uses_chinese_labels(reports):
    text = squash(pdf_text(reports["zh"].pdf))
    for label in ("主要指标一览", "规划综合得分", "数据质量", "方法说明", "数据修订"):
        assert label in text


@pytest.mark.parametrize("lang", LANGS)
def test_every_rendered_character_is_in_the_fonts_cmap(reports, lang):
    result = reports[lang]
    assert result.rendered_text
    assert missing_glyphs(result.rendered_text) == set()
    assert missing_glyphs(pdf_text(result.pdf)) == set()


@pytest.mark.parametrize("lang", LANGS)
def test_pdffonts_lists_only_the_embedded_wenquanyi_font(reports, lang):
    exe = needs_binary("pdffonts")
    out = subprocess.run([exe, str(reports[lang].pdf)], capture_output=True, text=True, check=True).stdout
    fonts = [line for line in out.splitlines()[2:] if line.strip()]
    assert fonts, out
    for line in fonts:
        assert "WenQuanYi" in line, line
        cols = line.split()
        # columns: name type... encoding emb sub uni object ID — `emb` is the 5th from the end
        assert cols[-5] == "yes", line


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_a4_and_renders_with_pdftoppm(reports, lang, tmp_path):
    exe = needs_binary("pdftoppm")
    reader = pypdf.PdfReader(str(reports[lang].pdf))
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    subprocess.run(
        [exe, "-png", "-r", "30", str(reports[lang].pdf), str(tmp_path / "p")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pngs = sorted(tmp_path.glob("p*.png"))
    assert len(pngs) == len(reader.pages) >= 13
    assert all(p.stat().st_size > 1000 for p in pngs)


@pytest.mark.parametrize("lang", LANGS)
def test_no_personal_name_appears(reports, lang):
    import openpyxl

    text = pdf_text(reports[lang].pdf) + reports[lang].rendered_text
    wb = openpyxl.load_workbook(reports[lang].xlsx)
    cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    for name in (PERSONAL_NAME, PERSONAL_NAME_EN):
        assert name not in text and name not in cells


def test_quarantine_reasons_and_freshness_are_reported(reports):
    text = squash(pdf_text(reports["en"].pdf))
    assert squash("bad_format:application_no ×120") in text
    assert squash("bad_date:opened_date ×4") in text
    assert squash("Chinese patents and legal status") in text
    assert "stale" in text  # the enforcement snapshot is older than its 35-day cadence


def test_missing_quality_results_is_a_note_not_an_error(reports):
    assert squash("No quality check results yet") in squash(pdf_text(reports["en"].pdf))
    assert squash("尚无质量检查结果") in squash(pdf_text(reports["zh"].pdf))


def test_flags_get_footnote_marks_explained_in_the_method(reports):
    text = squash(pdf_text(reports["en"].pdf))
    assert "①" in reports["en"].cover_rows[0][1]  # hv_patents_per_10k: provisional denominator in 2025
    assert squash("the year's population is not published yet") in text
    assert squash("2024 data is used") in text  # lagged:2024


def test_district_breakdown_uses_english_names_in_english(reports):
    text = squash(pdf_text(reports["en"].pdf))
    assert "Zhifu" in text and squash("Yantai Hi-tech Zone") in text
    assert "芝罘区" in pdf_text(reports["zh"].pdf)
