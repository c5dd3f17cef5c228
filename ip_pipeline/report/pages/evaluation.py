"""The final evaluation of an ended plan: each indicator's value at the end of the target year against
its target, the notes on bases and revised outcomes, and the small multiples of the year-end values."""

from __future__ import annotations

import pandas as pd

from .. import charts
from ..layout import Cell, Column, Document
from ..model import FinalEvaluation, FinalRow
from ..texts import DASH, Texts, is_missing
from .common import badge, target_words

BASE_MARK = "*"  # a base computed by this system from the records, not given by the plan


def final_columns(t: Texts, year: int) -> list[Column]:
    return [
        Column(t("cover.col_indicator"), 2.7),
        Column(t("final.col_base"), 0.9, "right", nowrap=True),
        Column(t("final.col_value", year=year), 0.95, "right", nowrap=True),
        Column(t("final.col_target"), 0.85, "right", nowrap=True),
        Column(t("final.col_verdict"), 1.25, nowrap=True),
        Column(t("final.col_share"), 0.9, "right"),
        Column(t("final.col_r_class"), 1.1),
    ]


def final_row_cells(r: FinalRow, t: Texts) -> list:
    growth = r.indicator.target is not None and r.indicator.target.kind == "growth"
    target = target_words(t, r.indicator.target, r.id)
    share = DASH if is_missing(r.change_share) else t.percent(r.change_share, 0)
    r_class = DASH if not r.status else t.status(r.status)
    if not is_missing(r.ratio):
        r_class += (
            f"（R={t.number(r.ratio, decimals=2)}）"
            if t.lang == "zh"
            else f" (R = {t.number(r.ratio, decimals=2)})"
        )
    value = t.value_against(r.value, r.target_value, r.id, r.final_status == "target_missed")
    if r.revision:
        value += "※"
    base = DASH if growth else t.value(r.base_value, r.id) + (BASE_MARK if r.base_computed else "")
    return [
        t.name(r.id),
        base,
        value,
        target,
        badge(t, r.final_status),
        share,
        r_class,
    ]


def final_summary(
    doc: Document,
    f: FinalEvaluation,
    t: Texts,
    heading: str | None = None,
    charts_grid: bool = True,
    peers: pd.DataFrame | None = None,
) -> list[list[str]]:
    """The ended plan's verdict: every indicator's value at the end of the target year against its target."""
    s, c = t.style.size, t.style.colour
    t = t.for_plan(f.plan)
    doc.new_page()
    doc.heading(heading or t("final.heading", plan=t.plan_name(f.plan)))
    doc.paragraph(
        t(
            "final.verdict",
            date=t.date(f.as_of),
            n=f.n_targets,
            k=f.n_achieved,
            missed=f.n_targets - f.n_achieved - f.n_missing,
        )
        + (t("final.verdict_na", na=f.n_missing) if f.n_missing else "")
        + (t("final.verdict_score", score=t.number(f.score, decimals=2)) if not is_missing(f.score) else ""),
        size=s["h2"],
        after=0.1,
    )
    doc.paragraph(t("final.how"), size=s["small"] + 0.3, colour=c["muted"], after=0.1)
    rows = [final_row_cells(r, t) for r in f.rows]
    doc.table(final_columns(t, f.plan.target_year), rows, min_row=0.28)
    revision_notes(doc, f, t)
    if charts_grid and f.rows:
        doc.heading(
            t("final.series_heading", base=f.plan.base_year, year=f.plan.target_year), level=2, keep_with=2.5
        )
        # the key to the peer lines above the charts it explains, never left alone on the next page
        if peers is not None and peers["indicator_id"].isin([r.id for r in f.rows]).any():
            doc.paragraph(t("peers.mini_key"), size=s["small"], colour=c["muted"], after=0.04)
        mini_grid(doc, f, t, peers=peers)
    return [[x.text if isinstance(x, Cell) else x for x in row] for row in rows]


def base_year_value(r: FinalRow, year: int) -> float | None:
    """The value computed from the records at the end of the base year (from the year-end series)."""
    s = r.series
    if s is None or s.empty:
        return None
    at = s[pd.to_datetime(s["as_of"]).dt.year == year]
    return None if at.empty or is_missing(at.iloc[0]["value"]) else float(at.iloc[0]["value"])


def base_notes(f: FinalEvaluation, t: Texts) -> list[str]:
    """The bases a reader must not take for the plan's: one computed by this system (marked *), and an
    official base the records recompute differently (4.06 published, 4.07 from the records), with the
    one the evaluation uses (PROGRESS.md: the plan's official base where it gives one)."""
    out = []
    if any(r.base_computed for r in f.rows):
        out.append(BASE_MARK + " " + t("final.base_computed", year=f.plan.base_year))
    for r in f.rows:
        if r.base_computed or r.base_value is None or is_missing(r.base_value):
            continue
        computed = base_year_value(r, r.indicator.base_year or f.plan.base_year)
        if computed is None or t.number(computed, r.id) == t.number(r.base_value, r.id):
            continue
        out.append(
            t(
                "final.base_differs",
                name=t.name(r.id),
                year=f.plan.base_year,
                computed=t.value(computed, r.id),
                official=t.value(r.base_value, r.id),
            )
        )
    return out


def revision_notes(doc: Document, f: FinalEvaluation, t: Texts) -> None:
    """PROGRESS.md: an outcome recomputed after the target year's data was revised is footnoted; so
    is a base computed here, or recomputed differently from the plan's (base_notes)."""
    s, c = t.style.size, t.style.colour
    for text in base_notes(f, t):
        doc.paragraph(text, size=s["small"], colour=c["muted"], after=0.02)
    for r in f.rows:
        rev = r.revision
        if not rev:
            continue
        when = rev.get("revised_at")
        when = t.date(pd.Timestamp(when).date()) if when is not None else DASH
        text = t(
            "final.revised",
            name=t.name(r.id),
            old=t.value(rev.get("previous_value"), r.id),
            new=t.value(rev.get("value"), r.id),
            date=when,
        )
        if rev.get("previous_final_status") and rev.get("previous_final_status") != rev.get("final_status"):
            text += t(
                "final.revised_verdict",
                old=t.status(rev["previous_final_status"]),
                new=t.status(rev.get("final_status")),
            )
        else:
            text += t("final.revised_end")
        doc.paragraph("※ " + text, size=s["small"], colour=c["muted"], after=0.02)


def mini_grid(
    doc: Document,
    f: FinalEvaluation,
    t: Texts,
    per_row: int = 3,
    h: float = 1.32,
    peers: pd.DataFrame | None = None,
) -> None:
    """Small multiples: each indicator's year-end values from the base year to T against its target
    (set smaller, down to 1.05 in a row, so that they stay on the page with their table)."""
    n_rows = -(-len(f.rows) // per_row)
    fit = (doc.room() - 0.1) / max(n_rows, 1) - 0.05
    if fit >= 1.05:
        h = min(h, fit)
    for i in range(0, len(f.rows), per_row):
        chunk = f.rows[i : i + per_row]
        doc.ensure(h + 0.1)
        top = doc.y
        w = (doc.width - 0.3 * (per_row - 1)) / per_row
        for j, r in enumerate(chunk):
            x = doc.left + j * (w + 0.3)
            ax = doc.fig.add_axes(
                [(x + 0.35) / doc.W, (doc.H - top - h + 0.25) / doc.H, (w - 0.4) / doc.W, (h - 0.6) / doc.H]
            )
            charts.final_mini(ax, r, t, f.plan, peers=peers)
        doc.y = top + h + 0.05
