"""Page 1: the title band, the headline, the plan score and status counts, an ended plan's verdict in a
box, the summary table of the plan's indicators and the status legend."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd

from ..fonts import text_width_pt, wrap
from ..footnotes import Footnotes
from ..layout import Cell, Column, Document
from ..model import FinalEvaluation, IndicatorSection, ReportData
from ..peers import peer_cell
from ..texts import DASH, Texts, is_missing
from .common import STATUSES, status_of, summary_columns, summary_rows, verdict_of
from .legend import legend, legend_height


def report_month(t: Texts, data: ReportData) -> str:
    """`2026年11月`, or for a month still running `2026年12月（截至12月1日）`."""
    label = t.month(data.month)
    if data.partial:
        label += t("report.partial", month=data.as_of.month, day=data.as_of.day, date=t.date(data.as_of))
    return label


def headline(data: ReportData, t: Texts) -> str:
    """One sentence on where the city stands: the plan in force, then any plan that has ended."""
    parts = []
    if data.in_force:
        counts = pd.Series([status_of(sec) for sec in data.sections]).value_counts()
        groups = [
            ("good", ("target_achieved", "on_track")),
            ("mid", ("needs_acceleration",)),
            ("bad", ("limited_progress", "deterioration")),
            ("na", ("not_available",)),
        ]
        said = [
            t(f"cover.headline_{g}" + ("_one" if k == 1 else ""), k=k)
            for g, sts in groups
            if (k := int(sum(counts.get(x, 0) for x in sts)))
        ]
        parts.append(
            t(
                "cover.headline",
                date=t.date(data.as_of),
                plan=t.plan_short(),
                n=len(data.sections),
                parts=t("cover.headline_sep").join(said),
            )
            + t("cover.headline_end")
        )
    else:
        parts.append(t("cover.headline_no_plan", date=t.date(data.as_of)))
    for f in data.finals[:1]:
        parts.append(
            t(
                "cover.headline_final",
                plan=t.plan_short(f.plan),
                year=f.plan.target_year,
                n=f.n_targets,
                k=f.n_achieved,
                missed=f.n_targets - f.n_achieved - f.n_missing,
            )
        )
    return ("" if t.lang == "zh" else " ").join(parts)


def cover(
    doc: Document, data: ReportData, t: Texts, notes: Footnotes, generated: datetime
) -> list[list[str]]:
    c, s = t.style.colour, t.style.size
    doc.new_page(running_header=False)
    band = 1.75
    doc.rect(0, 0, doc.W, band, c["header_fill"])
    title = t("report.title")
    title_size = min(s["title"], s["title"] * doc.width * 72 / text_width_pt(title, s["title"]))
    doc.text_at(doc.left, 0.5, title, title_size, c["header_ink"], weight="bold")
    doc.text_at(doc.left, 0.98, report_month(t, data), s["h1"], c["header_ink"])
    plan_line = (
        t("report.plan", name=t.plan_name())
        if data.in_force
        else t("report.plan_ended", name=t.plan_name(), year=data.plan.target_year)
    )
    others = [v.plan for v in data.other_plans]
    if others:
        plan_line += t("report.plan_also", names=t.join([t.plan_short(p) for p in others]))
    doc.text_at(doc.left, 1.3, plan_line, s["subtitle"] - 1.5, "#c9d6e8")
    doc.y = band + 0.22
    meta = [
        t("report.as_of", date=t.date(data.as_of)),
        t("report.vintage", vintage=data.vintage or DASH),
        t.generated(generated),
    ]
    doc.text_at(doc.left, doc.y, "    ·    ".join(meta), s["small"] + 0.5, c["muted"])
    doc.y += 0.3
    doc.paragraph(headline(data, t), size=s["h2"], after=0.1)
    if data.in_force:
        _score_panel(doc, data, t)
    for f in data.finals[:1]:
        _final_box(doc, f, t)

    doc.heading(t("cover.summary_heading") if data.in_force else t("cover.summary_heading_ended"))
    target_year = data.plan.target_year
    rows, plain = [], []
    # the nation and the province beside the city, in a column of their own where a row's year has a
    # published figure (the figures of the row's own year, never a neighbouring year's; else blank)
    peer_cells = [peer_cell(data.peers, sec.id, row_year(sec), t) for sec in data.sections]
    with_peers = any(peer_cells)
    for sec, peer_text in zip(data.sections, peer_cells):
        for i, cells in enumerate(summary_rows(sec, t, notes, with_status=data.in_force)):
            if with_peers:
                cells = [*cells, peer_text if i == 0 else ""]
            rows.append(cells)
            if i == 0:
                plain.append([x.text if isinstance(x, Cell) else x for x in cells])
    columns = summary_columns(t, target_year)
    if with_peers:
        # the indicator's name gives up the room (it wraps a line more), so no other column narrows
        # enough to break a word
        columns[0] = replace(columns[0], width=columns[0].width - 0.8)
        columns.append(Column(t("peers.column"), 0.9, "right", nowrap=t.lang == "zh"))
    # English words are longer: with the extra column its type steps down half a point
    size = t.style.size["table"] - (0.5 if with_peers and t.lang != "zh" else 0.0)
    doc.table(columns, rows, size=size, min_row=0.28)
    doc.paragraph(t("cover.footnote_hint"), size=s["small"], colour=c["muted"])
    if doc.room() > legend_height(compact=True):
        doc.spacer(0.05)
        legend(doc, t, compact=doc.room() < legend_height(compact=False))
    return plain


def row_year(sec: IndicatorSection) -> int | None:
    """The year of the value page 1 shows for `sec`: a flow judged on a complete year, that year."""
    if sec.judged_year is not None and sec.judged_value is not None:
        return sec.judged_year
    return sec.as_of.year if sec.as_of is not None else None


def _final_box(doc: Document, f: FinalEvaluation, t: Texts) -> None:
    c, s = t.style.colour, t.style.size
    tf = t.for_plan(f.plan)
    met = [tf.name(r.id) for r in f.rows if r.final_status == "target_achieved"]
    missed = [tf.name(r.id) for r in f.rows if r.final_status == "target_missed"]
    lines = wrap_lines(
        t(
            "cover.final_box",
            plan=t.plan_short(f.plan),
            date=t.date(f.as_of),
            met=t.join(met) or t("cover.final_box_none"),
            missed=t.join(missed) or t("cover.final_box_none"),
        ),
        doc,
        s["body"],
    )
    h = 0.16 + 0.19 * len(lines)
    doc.ensure(h + 0.1)
    doc.rect(doc.left, doc.y, doc.width, h, "#fbf1e6")
    doc.rect(doc.left, doc.y, 0.05, h, c["projection"])
    for i, line in enumerate(lines):
        doc.text_at(doc.left + 0.18, doc.y + 0.09 + 0.19 * i, line, s["body"], c["ink"])
    doc.y += h + 0.15


def wrap_lines(text: str, doc: Document, size: float, indent: float = 0.3) -> list[str]:
    return wrap(text, (doc.width - indent) * 72, size)


def status_counts(data: ReportData) -> list[tuple[str, str, int]]:
    """(status, word, count) of the cover's status counts, grouped by the verdict a badge shows: a
    target met before the target year (已提前完成, 已提前达到目标值) is counted under its own word, beside
    已实现目标, so that each count agrees with the badges below it."""
    words = [(status_of(sec), verdict_of(sec) or status_of(sec)) for sec in data.sections]
    out = []
    for st in STATUSES:
        out.append((st, st, sum(1 for s_, w in words if s_ == st and w == st)))
        # verdict words other than the status's own, in order of first appearance
        others = dict.fromkeys(w for s_, w in words if s_ == st and w != st)
        out.extend((st, w, sum(1 for s_, w2 in words if s_ == st and w2 == w)) for w in others)
    return out


def _score_panel(doc: Document, data: ReportData, t: Texts) -> None:
    c, s = t.style.colour, t.style.size
    rows = (len(status_counts(data)) + 1) // 2
    h = 1.05 + 0.2 * max(0, rows - 3)
    top = doc.y
    doc.rect(doc.left, top, doc.width, h, c["zebra"])
    x = doc.left + 0.2
    doc.text_at(x, top + 0.14, t("cover.score_label"), s["h2"], c["ink"], weight="bold")
    score = data.plan_score
    if score and not is_missing(score.get("score")):
        score_text = t.number(score["score"], decimals=2)
        doc.text_at(x, top + 0.4, score_text, 26, c["accent"], weight="bold")
        doc.text_at(
            x + text_width_pt(score_text, 26) / 72 + 0.15,
            top + 0.58,
            t("cover.score_scale"),
            s["small"],
            c["muted"],
        )
        # a −5…5 scale with the score marked
        sx, sw, sy = x, 2.2, top + 0.8
        doc.rect(sx, sy, sw, 0.05, c["band"])
        pos = sx + (max(-5.0, min(5.0, float(score["score"]))) + 5) / 10 * sw
        doc.rect(sx + sw / 2 - 0.005, sy - 0.04, 0.01, 0.13, c["muted"])
        doc.rect(pos - 0.03, sy - 0.05, 0.06, 0.15, c["accent"])
        for v, ha in ((-5, "left"), (0, "center"), (5, "right")):
            doc.text_at(
                sx + (v + 5) / 10 * sw,
                sy + 0.17,
                t.number(v, decimals=0),
                s["small"] - 1,
                c["muted"],
                ha=ha,
                va="center",
            )
        n = score["n"] if score.get("n") is not None else len(data.sections)
        src = (
            t("cover.score_computed", n=n)
            if score["source"] == "computed"
            else t("cover.score_from_table", n=n)
        )
        if score.get("achieved"):
            src = t("cover.plan_achieved") + "  " + src
    else:
        doc.text_at(x, top + 0.45, t("cover.score_missing"), s["h2"], c["muted"])
        src = ""
    # status counts on the right half
    rx = doc.left + doc.width * 0.5
    doc.text_at(rx, top + 0.14, t("cover.status_counts"), s["h2"], c["ink"], weight="bold")
    entries = status_counts(data)
    col_w = doc.width * 0.25
    for i, (st, word, k) in enumerate(entries):
        sty = t.style.status(st)
        bx, by = rx + (i % 2) * col_w, top + 0.42 + (i // 2) * 0.2
        doc.rect(bx, by, 0.17, 0.15, sty["fill"])
        doc.text_at(
            bx + 0.085, by + 0.075, sty["symbol"], s["small"] - 0.5, sty["ink"], ha="center", va="center"
        )
        doc.text_at(
            bx + 0.24,
            by + 0.075,
            f"{t.status(word)}  {k}",
            s["small"] + 0.3,
            c["ink"],
            va="center",
        )
    doc.y = top + h + 0.08
    on = t.plan.status["on_track_ratio"]
    doc.paragraph(
        t("cover.score_explained", on_track=on) + (" " + src if src else ""),
        size=s["small"] + 0.3,
        colour=c["muted"],
        after=0.12,
    )
