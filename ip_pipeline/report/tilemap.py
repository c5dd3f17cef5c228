"""A district tile map: one equal square per reporting unit, placed roughly where the unit lies.

It is a schematic, not a map: no boundaries are drawn (a map with administrative boundaries
published in China needs an approved base map, 审图号). Where each square goes is data
(reports/tile_layout.csv: code,row,col,short_zh,short_en), not code. The unlocated bucket and
any unit the layout does not place are listed beside the squares, never placed.

Squares are coloured by value (a sequential scale, light to dark, with its legend) or by status
(the report's status fills, each with its symbol, so both read in black and white).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.patches import Rectangle

from ..city import CITY, UNLOCATED
from ..paths import REPORT_TEMPLATES_DIR
from .fonts import text_width_pt
from .texts import Texts, is_missing

TILE_LAYOUT_FILE = REPORT_TEMPLATES_DIR / "tile_layout.csv"
GAP = 0.08  # between squares, in square widths


class TileLayoutError(ValueError):
    """The layout file cannot place the units: a repeated code or square, the city or 未定位 placed."""


@dataclass(frozen=True)
class Tile:
    code: str
    row: int
    col: int
    short_zh: str
    short_en: str

    def short(self, lang: str) -> str:
        return self.short_zh if lang == "zh" else self.short_en


@dataclass
class TileMap:
    """What was drawn: each placed unit's square (gid = its code), and the units listed apart."""

    tiles: dict[str, Rectangle]
    apart: list[str]


def load_tile_layout(path: Path = TILE_LAYOUT_FILE) -> tuple[Tile, ...]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tiles: list[Tile] = []
    seen_codes: set[str] = set()
    seen_cells: dict[tuple[int, int], str] = {}
    for n, r in enumerate(rows, start=2):  # line 1 is the header
        try:
            tile = Tile(
                r["code"].strip(), int(r["row"]), int(r["col"]), r["short_zh"].strip(), r["short_en"].strip()
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TileLayoutError(
                f"{path.name} line {n}: needs code,row,col,short_zh,short_en with whole-number row and col"
            ) from None
        if tile.code in (CITY, UNLOCATED):
            raise TileLayoutError(f"{path.name} line {n}: {tile.code} is not a place and is never a tile")
        if tile.code in seen_codes:
            raise TileLayoutError(f"{path.name} line {n}: unit {tile.code} has a second tile")
        cell = (tile.row, tile.col)
        if cell in seen_cells:
            raise TileLayoutError(
                f"{path.name} line {n}: row {tile.row}, col {tile.col} already holds {seen_cells[cell]}"
            )
        seen_codes.add(tile.code)
        seen_cells[cell] = tile.code
        tiles.append(tile)
    return tuple(tiles)


def _ink_on(fill: str) -> str:
    r, g, b = to_rgb(fill)
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#1f2933"


def tile_map(
    ax: Axes,
    units: pd.DataFrame,
    indicator_id: str,
    t: Texts,
    colour_by: str = "value",
    layout: tuple[Tile, ...] | None = None,
    title: bool = True,
) -> TileMap:
    """Draw `units` (district_code, name_zh, name_en, value[, status]) as tiles into `ax`.

    `colour_by="value"`: a sequential scale from the lowest to the highest placed value, with its
    legend; `"status"`: each unit's `status` fill and symbol. A placed unit without a value is a
    light hatched square marked 无数据.
    """
    if colour_by not in ("value", "status"):
        raise ValueError(f"colour_by must be 'value' or 'status', not {colour_by!r}")
    c, size = t.style.colour, t.style.size["chart"]
    layout = load_tile_layout() if layout is None else layout
    by_code = {str(r.district_code): r for r in units.itertuples()} if len(units) else {}
    placed = {tl.code for tl in layout}
    values = [
        float(by_code[tl.code].value)
        for tl in layout
        if tl.code in by_code and not is_missing(by_code[tl.code].value)
    ]
    scale = LinearSegmentedColormap.from_list("tile_scale", [c["scale_low"], c["scale_high"]])
    norm = (
        Normalize(min(values), max(values) if max(values) > min(values) else min(values) + 1)
        if values
        else None
    )

    ax.set_axis_off()
    ax.set_aspect("equal")
    tiles: dict[str, Rectangle] = {}
    statuses_shown: list[str] = []
    labels: list[tuple[float, float, str, str, str]] = []  # drawn once the square's size is known
    for tl in layout:
        r = by_code.get(tl.code)
        value = None if r is None or is_missing(r.value) else float(r.value)
        x, y = tl.col, -tl.row
        hatch, symbol = None, ""
        if colour_by == "status":
            status = getattr(r, "status", None) if r is not None else None
            st = t.style.status(status if isinstance(status, str) else None)
            fill, ink, symbol = st["fill"], st["ink"], st["symbol"]
            key = status if isinstance(status, str) else "not_available"
            if key not in statuses_shown:
                statuses_shown.append(key)
        elif value is None:
            fill, ink, hatch = c["band"], c["muted"], "////"
        else:
            fill = scale(norm(value))
            ink = _ink_on(fill)
        square = Rectangle(
            (x + GAP / 2, y + GAP / 2),
            1 - GAP,
            1 - GAP,
            facecolor=fill,
            edgecolor=c["rule"] if hatch else "none",
            linewidth=0.4,
            hatch=hatch,
        )
        square.set_gid(tl.code)
        ax.add_patch(square)
        tiles[tl.code] = square
        label = t.number(value, indicator_id) if value is not None else t("tilemap.no_value")
        labels.append((x, y, tl.short(t.lang), f"{symbol} {label}".strip(), ink))

    rows = max(tl.row for tl in layout) + 1 if layout else 1
    cols = max(tl.col for tl in layout) + 1 if layout else 1
    # Listed beside, never placed: 未定位 and any unit the layout has no square for.
    apart_codes = [code for code in by_code if code not in placed and code != CITY]
    apart_codes.sort(key=lambda code: (code == UNLOCATED, code))  # the unlocated bucket last
    lines = []
    for code in apart_codes:
        r = by_code[code]
        value = None if is_missing(r.value) else float(r.value)
        lines.append(
            t(
                "tilemap.apart_item",
                name=t.district(code, r.name_zh, r.name_en),
                value=t.number(value, indicator_id) if value is not None else t("tilemap.no_value"),
            )
        )
    if lines:
        ax.text(
            cols + 0.25,
            -rows + 1,
            t("tilemap.apart") + "\n" + "\n".join(lines),
            ha="left",
            va="bottom",
            fontsize=size - 0.5,
            color=c["muted"],
            linespacing=1.4,
        )
    ax.set_xlim(-0.05, cols + (2.4 if lines else 0.05))
    legend = colour_by == "status" or norm is not None
    ax.set_ylim(-rows + 1 - (0.55 if legend else 0.05), 1.05)
    fit = _fitting_size(ax, size, [name for _, _, name, _, _ in labels] + [v for _, _, _, v, _ in labels])
    for x, y, name, value_text, ink in labels:
        ax.text(x + 0.5, y + 0.64, name, ha="center", va="center", fontsize=fit, color=ink)
        ax.text(x + 0.5, y + 0.3, value_text, ha="center", va="center", fontsize=fit - 0.5, color=ink)

    if colour_by == "value" and norm is not None:
        _scale_legend(ax, scale, norm, indicator_id, t, rows)
    elif colour_by == "status":
        _status_legend(ax, statuses_shown, t, rows)
    if title:
        ax.set_title(
            t("tilemap.title", name=t.name(indicator_id)),
            fontsize=size + 0.5,
            color=c["ink"],
            loc="left",
            pad=3,
        )
    return TileMap(tiles=tiles, apart=apart_codes)


def _fitting_size(ax: Axes, size: float, words: list[str]) -> float:
    """The type size (at most `size`) at which the longest label fits inside a square."""
    fig = ax.figure
    pos = ax.get_position()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # aspect "equal": one data unit is the smaller of the two scales
    unit_pt = 72 * min(
        pos.width * fig.get_figwidth() / (x1 - x0), pos.height * fig.get_figheight() / (y1 - y0)
    )
    room = unit_pt * (1 - GAP) * 0.9
    widest = max([text_width_pt(w, 1.0) for w in words] + [1e-9])
    return max(4.0, min(size, room / widest))


def _scale_legend(ax: Axes, scale, norm: Normalize, indicator_id: str, t: Texts, rows: int) -> None:
    """A strip of five steps from the lowest to the highest value, the ends labelled."""
    c, size = t.style.colour, t.style.size["chart"] - 0.5
    steps, x0 = 5, 1.0  # room on the left for the lowest value's label
    y = -rows + 1 - 0.45
    for i in range(steps):
        v = norm.vmin + (norm.vmax - norm.vmin) * i / (steps - 1)
        ax.add_patch(Rectangle((x0 + i * 0.5, y), 0.5, 0.18, facecolor=scale(norm(v)), edgecolor="none"))
    ax.text(
        x0 - 0.04,
        y + 0.09,
        t.number(norm.vmin, indicator_id),
        ha="right",
        va="center",
        fontsize=size,
        color=c["muted"],
    )
    ax.text(
        x0 + steps * 0.5 + 0.04,
        y + 0.09,
        t.value_as_catalogued(norm.vmax, indicator_id),  # the squares' numbers are in this unit
        ha="left",
        va="center",
        fontsize=size,
        color=c["muted"],
    )


def _status_legend(ax: Axes, statuses: list[str], t: Texts, rows: int) -> None:
    c, size = t.style.colour, t.style.size["chart"] - 0.5
    items = [f"{t.style.status(s)['symbol']} {t.status(s)}" for s in statuses]
    text = "\n".join("   ".join(items[i : i + 3]) for i in range(0, len(items), 3))
    ax.text(0, -rows + 1 - 0.05, text, ha="left", va="top", fontsize=size, color=c["ink"], linespacing=1.3)
