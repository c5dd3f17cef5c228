"""A4 pages composed from matplotlib figures: a cursor that flows headings, text, tables and charts down the page.

Positions are in inches from the page's top-left corner; everything is drawn in
the figure's inch coordinates (`fig.dpi_scale_trans`), so type sizes and rules
are exact on paper. Tables repeat their header row when they break across pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.patheffects import Stroke
from matplotlib.text import Text

from .fonts import text_width_pt, widest_unbreakable_pt, wrap
from .style import Style

PT = 1 / 72  # inch


@dataclass
class Column:
    header: str
    width: float  # share of the table width
    align: str = "left"  # left | right | center
    nowrap: bool = False  # as wide as its widest cell; the other columns share what is left


@dataclass
class Cell:
    text: str
    fill: str | None = None
    ink: str | None = None
    bold: bool = False
    badge: bool = False  # a coloured pill inside the cell (status)


@dataclass
class Document:
    style: Style
    header_left: str
    header_right: str
    footer_left: str
    page_label: Callable[[int, int], str]
    pages: list[Figure] = field(default_factory=list)
    y: float = 0.0

    # -- geometry ------------------------------------------------------------------
    @property
    def W(self) -> float:
        return float(self.style.page["width_in"])

    @property
    def H(self) -> float:
        return float(self.style.page["height_in"])

    @property
    def left(self) -> float:
        return float(self.style.page["margin_left_in"])

    @property
    def width(self) -> float:
        return self.W - self.left - float(self.style.page["margin_right_in"])

    @property
    def bottom(self) -> float:
        return self.H - float(self.style.page["margin_bottom_in"])

    @property
    def fig(self) -> Figure:
        return self.pages[-1]

    def room(self) -> float:
        return self.bottom - self.y

    # -- pages -------------------------------------------------------------------------
    def new_page(self, running_header: bool = True) -> Figure:
        fig = Figure(figsize=(self.W, self.H))
        fig._report_running_header = running_header  # drawn in finish(), once the page count is known
        self.pages.append(fig)
        self.y = float(self.style.page["margin_top_in"]) if running_header else 0.6
        return fig

    def ensure(self, height: float) -> None:
        if not self.pages or self.y + height > self.bottom:
            self.new_page()

    def spacer(self, h: float) -> None:
        self.y += h

    def section(self, needs: float, gap: float = 0.25) -> None:
        """Start a section: on a new page when less than `needs` inches are left (its heading and
        first block stay together), else after a gap on this one."""
        if self.room() < needs:
            self.new_page()
        else:
            self.spacer(gap)

    def finish(self) -> list[Figure]:
        c, s = self.style.colour, self.style.size
        total = len(self.pages)
        for n, fig in enumerate(self.pages, start=1):
            if fig._report_running_header:
                self._text(fig, self.left, 0.42, self.header_left, s["small"], c["muted"], va="baseline")
                self._text(
                    fig,
                    self.left + self.width,
                    0.42,
                    self.header_right,
                    s["small"],
                    c["muted"],
                    ha="right",
                    va="baseline",
                )
                self._rule(fig, 0.5, c["rule"], 0.6)
            self._rule(fig, self.H - 0.55, c["rule"], 0.6)
            self._text(fig, self.left, self.H - 0.38, self.footer_left, s["small"], c["muted"], va="baseline")
            self._text(
                fig,
                self.left + self.width,
                self.H - 0.38,
                self.page_label(n, total),
                s["small"],
                c["muted"],
                ha="right",
                va="baseline",
            )
        return self.pages

    def all_text(self) -> str:
        """Every string drawn on every page (for the glyph-coverage test)."""
        out = []
        for fig in self.pages:
            out += [t.get_text() for t in fig.findobj(Text)]
        return "\n".join(out)

    # -- primitives ------------------------------------------------------------------
    def _text(
        self,
        fig: Figure,
        x: float,
        y_top: float,
        s: str,
        size: float,
        colour: str,
        ha: str = "left",
        va: str = "top",
        weight: str = "normal",
        **kw: Any,
    ) -> Text:
        if weight == "bold":
            # The typeface has no bold face: a hairline outline under the text thickens the glyphs,
            # while the text itself stays real (extractable, searchable) text.
            fig.text(
                x,
                self.H - y_top,
                s,
                fontsize=size,
                color=colour,
                ha=ha,
                va=va,
                transform=fig.dpi_scale_trans,
                path_effects=[Stroke(linewidth=size * 0.045, foreground=colour)],
                **kw,
            )
        return fig.text(
            x,
            self.H - y_top,
            s,
            fontsize=size,
            color=colour,
            ha=ha,
            va=va,
            transform=fig.dpi_scale_trans,
            **kw,
        )

    def _rule(
        self,
        fig: Figure,
        y_top: float,
        colour: str,
        lw: float,
        x0: float | None = None,
        x1: float | None = None,
    ) -> None:
        x0 = self.left if x0 is None else x0
        x1 = self.left + self.width if x1 is None else x1
        fig.add_artist(
            Rectangle(
                (x0, self.H - y_top),
                x1 - x0,
                0,
                transform=fig.dpi_scale_trans,
                edgecolor=colour,
                linewidth=lw,
                fill=False,
            )
        )

    def rect(
        self,
        x: float,
        y_top: float,
        w: float,
        h: float,
        fill: str,
        edge: str | None = None,
        lw: float = 0.0,
        fig: Figure | None = None,
    ) -> None:
        fig = fig or self.fig
        fig.add_artist(
            Rectangle(
                (x, self.H - y_top - h),
                w,
                h,
                transform=fig.dpi_scale_trans,
                facecolor=fill,
                edgecolor=edge or "none",
                linewidth=lw,
            )
        )

    def text_at(self, x: float, y_top: float, s: str, size: float, colour: str | None = None, **kw) -> Text:
        return self._text(self.fig, x, y_top, s, size, colour or self.style.colour["ink"], **kw)

    # -- blocks ------------------------------------------------------------------------
    def heading(self, text: str, level: int = 1, keep_with: float = 1.2) -> None:
        size = self.style.size["h1" if level == 1 else "h2"]
        h = size * PT * 1.9
        self.ensure(h + keep_with)
        c = self.style.colour
        if level == 1:
            self.rect(self.left, self.y + 0.02, 0.06, size * PT * 1.15, c["accent"])
            self.text_at(self.left + 0.14, self.y, text, size, c["ink"], weight="bold")
        else:
            self.text_at(self.left, self.y, text, size, c["accent"], weight="bold")
        self.y += h

    def paragraph(
        self,
        text: str,
        size: float | None = None,
        colour: str | None = None,
        indent: float = 0.0,
        leading: float = 1.55,
        after: float = 0.08,
    ) -> None:
        size = size or self.style.size["body"]
        lines = wrap(text, (self.width - indent) * 72, size)
        step = size * leading * PT
        for line in lines:
            self.ensure(step)
            self.text_at(self.left + indent, self.y, line, size, colour)
            self.y += step
        self.y += after

    def formula(self, tex: str, size: float | None = None, indent: float = 0.25, after: float = 0.06) -> None:
        """One line of typeset math (matplotlib mathtext, drawn in the report's own typeface)."""
        size = size or self.style.size["body"]
        step = size * 2.4 * PT
        self.ensure(step)
        self.text_at(self.left + indent, self.y + step / 2, tex, size * 1.05, va="center", parse_math=True)
        self.y += step + after

    def axes(
        self, height: float, pad_left: float = 0.0, pad_right: float = 0.0, pad_bottom: float = 0.0
    ) -> Axes:
        """An axes box occupying `height` inches of the page at the cursor (pads are inside the box, for tick labels)."""
        self.ensure(height)
        x = self.left + pad_left
        w = self.width - pad_left - pad_right
        ax = self.fig.add_axes(
            [
                x / self.W,
                (self.H - self.y - height + pad_bottom) / self.H,
                w / self.W,
                (height - pad_bottom) / self.H,
            ]
        )
        self.y += height
        return ax

    def _widths(
        self, columns: list[Column], rows: list[list[Cell | str]], size: float, pad_x: float
    ) -> list[float]:
        fixed: dict[int, float] = {}
        for i, col in enumerate(columns):
            if col.nowrap:
                texts = [(r[i].text if isinstance(r[i], Cell) else str(r[i])) for r in rows]
                extra = [(0.25 if isinstance(r[i], Cell) and r[i].badge else 0.0) for r in rows]
                header_word = max(text_width_pt(w, size * 1.05) / 72 for w in col.header.split() or [""])
                widest = max(
                    [text_width_pt(x, size * 1.05) / 72 + e for x, e in zip(texts, extra)]
                    + [0.3, header_word]
                )
                fixed[i] = widest + 2 * pad_x
        weight = sum(col.width for i, col in enumerate(columns) if i not in fixed) or 1.0
        # the wrapping columns keep at least their share of a third of the width: long unbreakable cells
        # in the fixed ones give way (they wrap) rather than squeeze a name to one character a line
        floor = self.width / 3 if len(fixed) < len(columns) else 0.0
        if fixed and self.width - sum(fixed.values()) < floor:
            k = (self.width - floor) / sum(fixed.values())
            fixed = {i: w * k for i, w in fixed.items()}
        free = self.width - sum(fixed.values())
        shares = {i: col.width / weight * free for i, col in enumerate(columns) if i not in fixed}
        shares = self._no_broken_words(columns, rows, size, pad_x, shares)
        return [fixed[i] if i in fixed else shares[i] for i in range(len(columns))]

    @staticmethod
    def _no_broken_words(
        columns: list[Column],
        rows: list[list[Cell | str]],
        size: float,
        pad_x: float,
        widths: dict[int, float],
    ) -> dict[int, float]:
        """The wrapping columns' widths widened to their widest word (BULLETIN.md: no English word
        broken), the width taken from the columns that have room to spare in proportion to it;
        where the table cannot hold every word whole, the shares are left as they were."""
        need = {}
        for i in widths:
            words = [widest_unbreakable_pt(columns[i].header, size * 1.05)]
            for r in rows:
                cell = r[i]
                text = cell.text if isinstance(cell, Cell) else str(cell)
                extra = 0.08 * 72 if isinstance(cell, Cell) and cell.badge else 0.0
                words.append(widest_unbreakable_pt(text, size) + extra)
            need[i] = max(words) / 72 + 2 * pad_x + 0.01
        short = sum(max(0.0, need[i] - w) for i, w in widths.items())
        spare = {i: w - need[i] for i, w in widths.items() if w > need[i]}
        if short == 0 or sum(spare.values()) < short:
            return widths
        k = short / sum(spare.values())
        return {i: (w - spare[i] * k if i in spare else need[i]) for i, w in widths.items()}

    def table(
        self,
        columns: list[Column],
        rows: list[list[Cell | str]],
        size: float | None = None,
        zebra: bool = True,
        min_row: float = 0.0,
    ) -> None:
        size = size or self.style.size["table"]
        c = self.style.colour
        pad_x, pad_y = 0.06, 0.045
        widths = self._widths(columns, rows, size, pad_x)
        line_h = size * 1.32 * PT

        def layout(cells: list[Cell | str]):
            cells = [x if isinstance(x, Cell) else Cell(str(x)) for x in cells]
            wrapped = [
                wrap(cell.text, (w - 2 * pad_x - (0.08 if cell.badge else 0)) * 72, size)
                for cell, w in zip(cells, widths)
            ]
            h = max(len(lines) for lines in wrapped) * line_h + 2 * pad_y
            return cells, wrapped, max(h, min_row)

        header = layout([Cell(col.header, bold=True) for col in columns])

        def draw(cells, wrapped, h, is_header, stripe):
            x = self.left
            if is_header:
                self.rect(self.left, self.y, self.width, h, c["header_fill"])
            elif stripe:
                self.rect(self.left, self.y, self.width, h, c["zebra"])
            for cell, lines, w, col in zip(cells, wrapped, widths, columns):
                ink = c["header_ink"] if is_header else (cell.ink or c["ink"])
                if cell.badge and cell.fill:
                    self.rect(
                        x + pad_x * 0.6, self.y + pad_y * 0.6, w - pad_x * 1.2, h - pad_y * 1.2, cell.fill
                    )
                elif cell.fill:
                    self.rect(x, self.y, w, h, cell.fill)
                if col.align == "right":
                    tx, ha = x + w - pad_x, "right"
                elif col.align == "center" or cell.badge:
                    tx, ha = x + w / 2, "center"
                else:
                    tx, ha = x + pad_x, "left"
                if cell.badge and " " in cell.text and len(lines) == 1:
                    # symbol drawn larger than the label, so it reads at a glance and in grey print
                    symbol, label = cell.text.split(" ", 1)
                    sym_size = size * 1.3
                    gap = size * 0.45
                    total = (text_width_pt(symbol, sym_size) + gap + text_width_pt(label, size)) / 72
                    x0 = x + w / 2 - total / 2
                    self.text_at(x0, self.y + h / 2, symbol, sym_size, ink, va="center")
                    self.text_at(
                        x0 + (text_width_pt(symbol, sym_size) + gap) / 72,
                        self.y + h / 2,
                        label,
                        size,
                        ink,
                        va="center",
                    )
                else:
                    self.text_at(
                        tx,
                        self.y + h / 2,
                        "\n".join(lines),
                        size,
                        ink,
                        ha=ha,
                        va="center",
                        linespacing=1.32,
                        weight="bold" if (cell.bold or is_header) else "normal",
                        multialignment=ha,
                    )
                x += w
            if not is_header:
                self._rule(self.fig, self.y + h, c["rule"], 0.4)

        def start_page_if_needed(h):
            if self.y + h > self.bottom:
                self.new_page()
            if not drawn_header_on.get(id(self.fig)):
                draw(*header, True, False)
                self.y += header[2]
                drawn_header_on[id(self.fig)] = True

        drawn_header_on: dict[int, bool] = {}
        self.ensure(header[2] + (layout(rows[0])[2] if rows else 0))
        start_page_if_needed(0)
        for i, row in enumerate(rows):
            cells, wrapped, h = layout(row)
            if self.y + h > self.bottom:
                self.new_page()
            start_page_if_needed(h)
            draw(cells, wrapped, h, False, zebra and i % 2 == 1)
            self.y += h
        self.y += 0.12
