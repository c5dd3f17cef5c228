"""A table's wrapping columns are at least as wide as their widest word (BULLETIN.md "Layout": no
English word broken without a hyphenation rule): found on page 1 of the English bulletin at scale
10, where seven-figure values and the 全国/全省 column left "enterpris-es" and "Shando-ng"."""

from __future__ import annotations

from dataclasses import replace

from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report.fonts import widest_unbreakable_pt, wrap
from ip_pipeline.report.layout import Cell, Column, Document
from ip_pipeline.report.pages.common import summary_columns
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import Texts


def _page_one_columns() -> tuple[list[Column], float]:
    """Page 1's key-indicator columns of the English edition with the 全国/全省 column, and their
    type size (cover.py)."""
    plans = load_plans()
    t = Texts("en", plans[0], load_style(), plans=plans)
    columns = summary_columns(t, 2027)
    columns[0] = replace(columns[0], width=columns[0].width - 0.8)
    return [*columns, Column(t("peers.column"), 0.9, "right")], t.style.size["table"] - 0.5


ROW = [
    "Newly cultivated city IP advantage enterprises",
    "1,724,929 marks①②",
    "30 Nov",
    "20 enterprises (cumulative)",
    Cell("★ Achieved ahead of schedule", badge=True),
    "0 enterprises",
    "+162 enterprises (+90.5%)",
    "16.0",
]


def _document() -> Document:
    return Document(load_style(), "", "", "", lambda n, total: f"{n}/{total}")


def test_no_column_is_narrower_than_its_widest_word():
    doc = _document()
    columns, size = _page_one_columns()
    widths = doc._widths(columns, [ROW], size, 0.06)
    assert abs(sum(widths) - doc.width) < 1e-6  # the table still spans the text width
    for col, cell, w in zip(columns, ROW, widths):
        text = cell.text if isinstance(cell, Cell) else cell
        if col.nowrap:
            continue
        room = (w - 2 * 0.06) * 72
        assert widest_unbreakable_pt(text, size) <= room, (col.header, w)
        # every line the table draws is made of whole words of the cell
        for line in wrap(text, room, size):
            assert set(line.split()) <= set(text.split()), (col.header, line)


def test_a_table_too_narrow_for_its_words_keeps_its_shares():
    doc = _document()
    size = doc.style.size["table"]
    columns = [Column(f"c{i}", 1.0) for i in range(12)]
    row = ["Telecommunications"] * 12  # twelve long words cannot all stand whole across the page
    widths = doc._widths(columns, [row], size, 0.06)
    assert max(widths) - min(widths) < 1e-9 and abs(sum(widths) - doc.width) < 1e-6
