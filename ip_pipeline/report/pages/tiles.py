"""The districts at a glance: a tile map (a schematic, no boundaries) of each headline indicator
that has district values, two a row, 未定位 listed beside each, never placed."""

from __future__ import annotations

import pandas as pd

from ..layout import Document
from ..texts import Texts
from ..tilemap import tile_map

GUTTER = 0.3  # inches between the two maps of a row
MAP_HEIGHT = 2.15  # inches: 3 rows of squares, the title, the scale


def mapped(items: list[tuple[str, pd.DataFrame, bool]]) -> list[tuple[str, pd.DataFrame]]:
    """(indicator id, its districts) of those with district values: `items` are (id, districts,
    city_only) — a city-only indicator has no districts to map."""
    return [(i, d) for i, d, city_only in items if not city_only and not d.dropna(subset=["value"]).empty]


def district_tiles(doc: Document, items: list[tuple[str, pd.DataFrame]], t: Texts, intro: str) -> int:
    """A page (or more) of tile maps; returns how many maps were drawn."""
    if not items:
        return 0
    s, c = t.style.size, t.style.colour
    # the rest of a page that has room for the heading and two rows of maps, else a page of its own
    if doc.pages and doc.room() >= 0.9 + 2 * (MAP_HEIGHT + 0.15):
        doc.spacer(0.3)
    else:
        doc.new_page()
    doc.heading(t("tilemap.heading"))
    doc.paragraph(intro, size=s["small"] + 0.5, colour=c["muted"], after=0.04)
    doc.paragraph(t("tilemap.schematic_note"), size=s["small"] + 0.3, colour=c["muted"], after=0.12)
    width = (doc.width - GUTTER) / 2
    top = doc.y
    for n, (indicator_id, districts) in enumerate(items):
        if n % 2 == 0:
            doc.ensure(MAP_HEIGHT)
            top = doc.y
        x = doc.left + (n % 2) * (width + GUTTER)
        ax = doc.fig.add_axes(
            [x / doc.W, (doc.H - top - MAP_HEIGHT) / doc.H, width / doc.W, (MAP_HEIGHT - 0.1) / doc.H]
        )
        tile_map(ax, districts, indicator_id, t)
        if n % 2 == 1 or n == len(items) - 1:
            doc.y = top + MAP_HEIGHT + 0.15
    return len(items)
