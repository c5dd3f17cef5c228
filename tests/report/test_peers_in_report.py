"""The nation and the province in the bulletin: a warehouse without peer figures builds the bulletin
as before (no 全国/全省 column, an empty 对比 sheet); with them, page 1 shows the row's own year's
figures, the workbook lists each figure used beside the city's year-end value, and the method note
names the source. The district tile page is in both editions."""

from __future__ import annotations

import re

import duckdb
import openpyxl
import pypdf

from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report import build_report
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import Texts

from .conftest import build_warehouse

HV = "hv_patents_per_10k"
SHARE = "patent_intensive_va_share"


def sq(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path) -> str:
    return sq("".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages))


def row_of(result, indicator_id: str, lang: str) -> tuple:
    plan = load_plans()[0]
    name = Texts(lang, plan, load_style(), plans=load_plans()).name(indicator_id)
    return next(r for r in result.cover_rows if r[0] == name)


def comparison_sheet(result, title: str):
    wb = openpyxl.load_workbook(result.xlsx, read_only=True)
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def test_without_peer_figures_the_bulletin_is_built_as_before(reports):
    for lang, title in (("zh", "对比"), ("en", "Comparison")):
        result = reports[lang]
        assert all(len(r) == 7 for r in result.cover_rows)  # no 全国/全省 column
        sheet = comparison_sheet(result, title)
        levels = {r[3] for r in sheet[1:] if r and isinstance(r[4], (int, float))}
        # no published figure; only the national targets drawn as reference lines
        assert len(sheet[0]) == 8 and levels == {"全国规划目标" if lang == "zh" else "China's plan target"}
        text = pdf_text(result.pdf)
        assert ("各区市一览（示意图）" if lang == "zh" else sq("Districts at a glance (schematic)")) in text


def test_published_figures_of_the_rows_year_are_set_beside_the_city(tmp_path):
    home = build_warehouse(tmp_path / "h")  # June 2025: a stock's row is of 2025
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute(
            "CREATE TABLE stg_peers (year INTEGER, level VARCHAR, indicator_id VARCHAR, value DOUBLE, "
            "source VARCHAR, _source_file VARCHAR, _row_number BIGINT)"
        )
        con.execute(
            "INSERT INTO stg_peers VALUES "
            "(2021, 'national', ?, 7.5, 'CNIPA, Jan 2022', 'reference/peers.csv', 1), "
            "(2025, 'national', ?, 16.0, 'CNIPA, Jan 2026', 'reference/peers.csv', 2), "
            "(2025, 'provincial', ?, 11.2, 'Shandong IP office', 'reference/peers.csv', 3), "
            "(2024, 'national', ?, 13.1, 'NBS / CNIPA', 'reference/peers.csv', 4)",
            [HV, HV, HV, SHARE],
        )
    finally:
        con.close()
    zh = build_report(home, "2025-06", lang="zh", record=False)
    en = build_report(home, "2025-06", lang="en", record=False)
    assert row_of(zh, HV, "zh")[7] == "16.00 / 11.20"
    # The share's figure is of 2024, not of the row's year: blank, never a neighbouring year's.
    assert row_of(zh, SHARE, "zh")[7] == ""
    assert row_of(en, HV, "en")[7] == "16.00 / 11.20"
    text = pdf_text(zh.pdf)
    assert "全国/全省" in text and sq("CNIPA, Jan 2026") in text  # the column and the method note's source
    assert "China/Shandong" in pdf_text(en.pdf)
    sheet = comparison_sheet(zh, "对比")
    # a whole number comes back from the workbook as an int
    used = {(r[0], r[2], r[3], float(r[4])) for r in sheet[1:] if r and isinstance(r[4], (int, float))}
    assert (HV, 2025, "全国", 16.0) in used and (HV, 2021, "全国", 7.5) in used
    assert (HV, 2025, "全国规划目标", 12.0) in used
    # the city's value at the end of 2021 stands beside the 2021 national figure
    city_2021 = next(r[5] for r in sheet[1:] if r[0] == HV and r[2] == 2021)
    assert isinstance(city_2021, (int, float)) and city_2021 > 0
