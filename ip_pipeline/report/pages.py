"""The report's sections, laid out on A4 pages: cover, one section per indicator, high-value patents,
data quality, revisions and method."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from ..city import CITY
from ..indicators import rules
from ..indicators.rules import same_day_last_year
from . import charts
from .data_quality import has_no_data
from .fonts import text_width_pt
from .footnotes import Footnotes, section_flags
from .frames import is_absent
from .layout import Cell, Column, Document
from .model import CRITERIA, FinalEvaluation, FinalRow, IndicatorSection, ReportData
from .narrative import commentary, growth_fraction
from .texts import DASH, Texts, is_missing

STATUSES = (
    "target_achieved",
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deterioration",
    "not_available",
)


def badge(t: Texts, status: str | None, verdict: str | None = None) -> Cell:
    """The status's colour and symbol, with the engine's verdict word where it has one (a target met
    before the target year says 已提前达到目标值, not 已实现目标)."""
    st = t.style.status(status)
    return Cell(f"{st['symbol']} {t.status(verdict or status)}", fill=st["fill"], ink=st["ink"], badge=True)


BASE_MARK = "*"  # a base computed by this system from the records, not given by the plan
SYMBOLS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def target_words(t: Texts, target, indicator_id: str) -> str:
    """`10.34 件`; `≥ 30.0%` for a growth target; `> 18.00万件` for 超过; `显著提升` for an improvement target."""
    return t.target(target, indicator_id)


def target_text(t: Texts, sec: IndicatorSection) -> str:
    return target_words(t, sec.indicator.target, sec.id)


def is_additive(sec: IndicatorSection) -> bool:
    """A count whose district values add up to the city's: the city line is then the mean per unit, not the total."""
    d = sec.districts.dropna(subset=["value"])
    if sec.value is None or len(d) < 2 or d["denominator"].notna().any():
        return False
    return abs(float(d["value"].sum()) - sec.value) <= 0.02 * max(abs(sec.value), 1e-9)


def status_of(sec: IndicatorSection) -> str | None:
    return (sec.progress or {}).get("status") or "not_available"


def verdict_of(sec: IndicatorSection) -> str | None:
    """indicator_progress.verdict: the status as a reader is told it on the date."""
    return (sec.progress or {}).get("verdict")


# -- cover ------------------------------------------------------------------------------
def report_month(t: Texts, data: ReportData) -> str:
    """`2026年11月`, or for a month still running `2026年12月（截至12月1日）`."""
    label = t.month(data.month)
    if data.partial:
        label += t("report.partial", month=data.as_of.month, day=data.as_of.day, date=t.date(data.as_of))
    return label


def period_of(t: Texts, sec: IndicatorSection, judged: bool = False) -> str:
    if judged and sec.judged_year is not None:
        return t("periods.full_year", year=sec.judged_year)
    if sec.indicator.kind == "growth_rate":
        return t("periods.cagr", year=sec.indicator.base_year or t.plan.base_year)
    if sec.as_of is None:
        return DASH
    if sec.ytd:
        return t.period(sec.as_of, True, rate=t.unit_zh(sec.id) == "%")
    return t(
        "periods.stock_short",
        month=sec.as_of.month,
        day=sec.as_of.day,
        year=sec.as_of.year,
        month_name=t.strings["months_en"][sec.as_of.month - 1][:3],
    )


def summary_rows(sec: IndicatorSection, t: Texts, notes: Footnotes, with_status: bool = True):
    """The cover's row(s) for one indicator, each of one period: a flow judged on its last complete year gets
    that year's row (value, target, status) and, under it, the year-to-date row compared with a year earlier."""
    marks = notes.mark(section_flags(sec.flags, sec.progress))
    status = badge(t, status_of(sec), verdict_of(sec)) if with_status else Cell(DASH)
    if sec.judged_year is not None and sec.judged_value is not None:
        main = [
            t.name(sec.id),
            t.value(sec.judged_value, sec.id) + marks,
            period_of(t, sec, judged=True),
            target_text(t, sec),
            status,
            DASH,
            t.change(sec.judged_value, sec.judged_prev_value, sec.id),
        ]
        sub = [
            Cell(
                "　" + t("cover.ytd_row_rate" if t.unit_zh(sec.id) == "%" else "cover.ytd_row"),
                ink=t.style.colour["muted"],
            ),
            t.value(sec.value, sec.id),
            period_of(t, sec),
            DASH,
            Cell(t("cover.ytd_no_status"), ink=t.style.colour["muted"]),
            t.change(sec.value, sec.prev_value, sec.id, pct=False),
            t.change(sec.value, sec.year_ago_value, sec.id),
        ]
        return [main, sub]
    mom = t.change(sec.value, sec.prev_value, sec.id, pct=False)
    if sec.ytd and sec.as_of is not None and sec.as_of.month == 1:
        mom = DASH  # January starts a new year: nothing to compare within the year
    return [
        [
            t.name(sec.id),
            t.value(sec.value, sec.id) + marks,
            period_of(t, sec),
            target_text(t, sec),
            status,
            mom,
            t.change(sec.value, sec.year_ago_value, sec.id),
        ]
    ]


def summary_columns(t: Texts, target_year: int | None) -> list[Column]:
    zh = t.lang == "zh"  # English words are longer: there the period and target wrap, the changes get room
    return [
        Column(t("cover.col_indicator"), 2.1 if zh else 2.2),
        Column(t("cover.col_value"), 1.2, "right", nowrap=True),
        Column(t("cover.col_period"), 1.1 if zh else 0.9, nowrap=zh),
        Column(
            t("cover.col_target", year=target_year) if target_year else t("cover.col_target_none"),
            0.9 if zh else 1.1,
            "right",
            nowrap=zh,
        ),
        Column(t("cover.col_status"), 1.35, nowrap=True),
        Column(t("cover.col_mom"), 1.2 if zh else 1.0, "right"),
        Column(t("cover.col_yoy"), 1.5 if zh else 1.4, "right"),
    ]


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
    for sec in data.sections:
        for i, cells in enumerate(summary_rows(sec, t, notes, with_status=data.in_force)):
            rows.append(cells)
            if i == 0:
                plain.append([x.text if isinstance(x, Cell) else x for x in cells])
    doc.table(summary_columns(t, target_year), rows, min_row=0.28)
    doc.paragraph(t("cover.footnote_hint"), size=s["small"], colour=c["muted"])
    if doc.room() > 1.2:
        doc.spacer(0.05)
        _legend(doc, t, compact=doc.room() < 1.9)
    return plain


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
    from .fonts import wrap

    return wrap(text, (doc.width - indent) * 72, size)


def _delta(a, b):
    return None if is_missing(a) or is_missing(b) else float(a) - float(b)


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


def _legend(doc: Document, t: Texts, compact: bool = False) -> None:
    s = t.style.size
    on, needs = t.plan.status["on_track_ratio"], t.plan.status["needs_acceleration_ratio"]
    doc.heading(t("cover.legend_heading"), level=2, keep_with=1.0)
    if compact:  # two statuses a row: the legend keeps to page 1
        order = [
            "on_track",
            "needs_acceleration",
            "limited_progress",
            "deterioration",
            "target_achieved",
            "not_available",
        ]
        rows = [
            [
                badge(t, a),
                t(f"method.rules.{a}", on_track=on, needs=needs),
                badge(t, b),
                t(f"method.rules.{b}", on_track=on, needs=needs),
            ]
            for a, b in zip(order[::2], order[1::2])
        ]
        rows[-1][1] = t("cover.legend_achieved")
        rows[-1][3] = t("cover.legend_na")
        doc.table(
            [
                Column(t("cover.col_status"), 1.4, nowrap=True),
                Column(t("method.status_rules"), 2.0),
                Column(t("cover.col_status"), 1.4, nowrap=True),
                Column(t("method.status_rules"), 2.0),
            ],
            rows,
            size=s["small"] + 0.3,
            zebra=False,
            min_row=0.22,
        )
        return
    rows = [[badge(t, st), t(f"method.rules.{st}", on_track=on, needs=needs)] for st in STATUSES]
    doc.table(
        [Column(t("cover.col_status"), 1.5, nowrap=True), Column(t("method.status_rules"), 5.0)],
        rows,
        size=s["small"] + 0.3,
        zebra=False,
        min_row=0.22,
    )


# -- final evaluation of an ended plan ------------------------------------------------------------
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
    doc: Document, f: FinalEvaluation, t: Texts, heading: str | None = None, charts_grid: bool = True
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
        mini_grid(doc, f, t)
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


def mini_grid(doc: Document, f: FinalEvaluation, t: Texts, per_row: int = 3, h: float = 1.32) -> None:
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
            charts.final_mini(ax, r, t, f.plan)
        doc.y = top + h + 0.05


def other_plans(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> None:
    """Further plans in force on the date (the 2025–2027 action plan beside the 14th FYP in 2025)."""
    s = t.style.size
    for view in data.other_plans:
        tp = t.for_plan(view.plan)
        doc.ensure(2.5)
        doc.heading(tp("cover.other_plan_heading", plan=tp.plan_short(view.plan)))
        doc.paragraph(tp.plan_name(view.plan), size=s["small"] + 0.5, colour=tp.style.colour["muted"])
        score = view.plan_score
        if score and not is_missing(score.get("score")):
            doc.paragraph(
                tp("cover.other_plan_score", score=tp.number(score["score"], decimals=2)), size=s["body"]
            )
        rows = []
        for sec in view.sections:
            rows += summary_rows(sec, tp, notes)
        doc.table(summary_columns(tp, view.plan.target_year), rows, min_row=0.28)


# -- indicator sections -------------------------------------------------------------------
from ..city import UNLOCATED  # noqa: E402 (beside the sections that use it)


def indicator_section(
    doc: Document, n: int, sec: IndicatorSection, t: Texts, notes: Footnotes, in_force: bool = True
) -> None:
    s, c = t.style.size, t.style.colour
    # A section starts a page unless the previous one left room for most of it (a city-only indicator
    # has no district chart: two share a page rather than leave half of one empty).
    no_districts = sec.indicator.city_only or sec.districts.dropna(subset=["value"]).empty
    need = 4.7 if no_districts else 7.4
    if not doc.pages or doc.room() < need:
        doc.new_page()
    else:
        doc.spacer(0.2)
    doc.heading(t("section.indicator", n=n, name=t.name(sec.id)))
    doc.paragraph(t.definition(sec.id), size=s["small"] + 0.5, colour=c["muted"], after=0.12)
    p = sec.progress or {}
    flags = section_flags(sec.flags, sec.progress)
    marks = notes.mark(flags)
    ty = sec.indicator.target.year if sec.indicator.target else t.plan.target_year
    judged = sec.judged_year is not None and sec.judged_value is not None
    shown = sec.judged_value if judged else sec.value
    if in_force and sec.indicator.target is not None:
        cols = [
            Column(t("figures.value"), 1.05, "right", nowrap=True),
            Column(t("cover.col_period"), 1.0),
            Column(t("figures.expected"), 0.9, "right"),
            Column(gap_head(t, sec.id), 0.85, "right"),
            Column(t("figures.g_obs"), 0.85, "right"),
            Column(t("figures.g_req"), 0.85, "right"),
            Column(t("figures.ratio"), 0.7, "right"),
            Column(t("figures.projection", year=ty), 0.9, "right"),
            Column(t("cover.col_status"), 1.3, nowrap=True),
        ]
        g_obs, g_req = (
            growth_fraction(p.get("g_obs"), sec.indicator.kind),
            growth_fraction(p.get("g_req"), sec.indicator.kind),
        )
        row = [
            t.value(shown, sec.id) + marks,
            period_of(t, sec, judged=judged),
            t.short(p.get("expected_value"), sec.id),
            gap_cell(t, sec.id, p.get("gap")),
            t.percent(g_obs),
            t.percent(g_req),
            t.number(p.get("ratio"), decimals=2),
            _projection(t, sec, p.get("projection")),
            badge(t, status_of(sec), verdict_of(sec)),
        ]
    else:
        cols = [
            Column(t("figures.value"), 1.2, "right", nowrap=True),
            Column(t("cover.col_period"), 1.4),
            Column(t("cover.col_mom"), 1.2, "right"),
            Column(t("cover.col_yoy"), 1.4, "right"),
        ]
        row = [
            t.value(sec.value, sec.id) + marks,
            period_of(t, sec),
            t.change(sec.value, sec.prev_value, sec.id, pct=False),
            t.change(sec.value, sec.year_ago_value, sec.id),
        ]
    doc.table(cols, [row], min_row=0.3)
    if judged:
        doc.paragraph(
            t(
                "section.judged_note",
                year=sec.judged_year,
                value=t.value(sec.judged_value, sec.id),
                ytd=t.value(sec.value, sec.id),
                period=period_of(t, sec),
            ),
            size=s["small"] + 0.3,
            colour=c["muted"],
        )
    flag_text = [f"{notes.mark([f])}{notes.explain(f)}" for f in flags]
    doc.heading(t("section.analysis"), level=2, keep_with=0.5)
    doc.paragraph(commentary(sec, t, flag_text, in_force=in_force), after=0.15)

    if not has_series(sec):  # nothing to draw: one line, never an empty chart with axes
        doc.paragraph(t("section.series_none"), colour=c["muted"])
        return
    doc.heading(t("section.series_title"), level=2, keep_with=2.6)
    ax = doc.axes(2.1 if no_districts else 2.7, pad_left=0.55, pad_right=0.1, pad_bottom=0.5)
    charts.series_chart(ax, sec, t, in_force=in_force)
    doc.spacer(0.3)

    if sec.indicator.city_only:
        doc.paragraph(t("section.districts_city_only"), size=s["small"] + 0.3, colour=c["muted"])
        return
    doc.heading(t("section.districts_title", date=t.date(sec.as_of)), level=2, keep_with=1.0)
    d = sec.districts
    valued = d.dropna(subset=["value"])
    if valued.empty:
        doc.paragraph(t("section.districts_none"), colour=c["muted"])
        return
    labels = [t.district(r.district_code, r.name_zh, r.name_en) for r in valued.itertuples()]
    max_label = 2.0  # inches; a longer name is set smaller (never below 5.5 pt) so every bar keeps one line
    label_sizes = [
        max(5.5, min(s["chart"], s["chart"] * max_label * 72 / max(text_width_pt(lb, s["chart"]), 1)))
        for lb in labels
    ]
    label_w = min(max(text_width_pt(lb, sz) for lb, sz in zip(labels, label_sizes)) / 72, max_label)
    height = min(0.19 * len(valued) + 0.75, doc.room() - 0.3)
    ax = doc.axes(max(height, 1.2), pad_left=label_w + 0.15, pad_right=0.1, pad_bottom=0.35)
    charts.district_bars(ax, valued, sec.value, sec.id, t, additive=is_additive(sec))
    by_label = dict(zip(labels, label_sizes))
    for tick in ax.get_yticklabels():
        tick.set_fontsize(by_label.get(tick.get_text(), s["chart"]))
    nulls = d[d["value"].isna()]
    if not nulls.empty:
        doc.spacer(0.08)
        names = t.join([t.district(r.district_code, r.name_zh, r.name_en) for r in nulls.itertuples()])
        doc.paragraph(t("section.districts_null", names=names), size=s["small"], colour=c["muted"])


def gap_head(t: Texts, indicator_id: str) -> str:
    """The gap column's label; a rate's gap is a difference of percentages, in percentage points."""
    if t.unit_zh(indicator_id) != "%":
        return t("figures.gap")
    unit = rules.gap_unit("%", t.lang)
    return t("figures.gap") + (f"（{unit}）" if t.lang == "zh" else f" ({unit})")


def gap_cell(t: Texts, indicator_id: str, gap) -> str:
    """The gap to the planned path; a rate's in points (its unit in the column's label, no %)."""
    if t.unit_zh(indicator_id) == "%":
        return t.number(gap, indicator_id, signed=True)
    return t.short(gap, indicator_id, signed=True)


def has_series(sec: IndicatorSection) -> bool:
    """The city has at least one value to draw (an indicator whose sources never delivered has none)."""
    return not sec.series.dropna(subset=["value"]).empty


def _projection(t: Texts, sec: IndicatorSection, proj) -> str:
    """A share cannot be projected past its limit (100%): the projection is shown at the cap."""
    lim = sec.indicator.limit
    if not is_missing(proj) and lim is not None and float(proj) > lim:
        return t.short(lim, sec.id) + t("figures.capped")
    return t.short(proj, sec.id)


def monitored(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> None:
    """Indicators still published that no plan in force judges: value, period, the changes; no target, no status."""
    if not data.monitored:
        return
    s, c = t.style.size, t.style.colour
    doc.ensure(2.0)
    doc.spacer(0.2)
    doc.heading(t("monitored.heading"))
    doc.paragraph(t("monitored.intro"), size=s["small"] + 0.3, colour=c["muted"])
    cols = [
        Column(t("cover.col_indicator"), 2.6),
        Column(t("cover.col_value"), 1.2, "right", nowrap=True),
        Column(t("cover.col_period"), 1.3),
        Column(t("cover.col_mom"), 1.0, "right"),
        Column(t("cover.col_yoy"), 1.5, "right"),
    ]
    rows = []
    for sec in data.monitored:
        full = summary_rows(sec, t, notes, with_status=False)[0]
        rows.append([full[0], full[1], full[2], full[5], full[6]])
    doc.table(cols, rows, min_row=0.26)


# -- protection (enforcement) ---------------------------------------------------------------------
AUTHORITIES = ("administrative", "judicial", "customs")
CASE_TYPES = (
    "patent_dispute",
    "patent_counterfeit",
    "trademark_infringement",
    "trademark_counterfeit",
    "other",
)


def _pct_change(now, before) -> str:
    if is_missing(now) or is_missing(before) or float(before) == 0:
        return DASH
    v = (float(now) - float(before)) / float(before) * 100
    return (f"{v:+.1f}%").replace("-", "−")


def protection(doc: Document, data: ReportData, t: Texts) -> None:
    """Cases by authority and type, case values and penalties, with 同比; the acceptance rate. No personal data."""
    s, c = t.style.size, t.style.colour
    pr = data.protection
    doc.ensure(3.0)
    if doc.room() < 6.5:
        doc.new_page()
    else:
        doc.spacer(0.2)
    doc.heading(t("protection.heading"))
    if pr is None:
        doc.paragraph(t("protection.missing"), colour=c["muted"])
        return
    df = pr.by_type
    period = t.period(pr.as_of, True)
    prev_period = t.period(same_day_last_year(pr.as_of), True)
    if df is None:  # the source has never delivered a case
        doc.paragraph(t("protection.missing"), colour=c["muted"])
    elif df.empty:
        doc.paragraph(t("protection.none", period=period), colour=c["muted"])
    else:
        tot = df[
            ["cases", "cases_prev", "value_wan", "value_wan_prev", "penalty_wan", "penalty_wan_prev"]
        ].sum(min_count=1)
        doc.paragraph(
            t(
                "protection.summary",
                period=period,
                cases=f"{int(tot['cases']):,}",
                yoy=_pct_change(tot["cases"], tot["cases_prev"]) if pr.has_prev else DASH,
                value=_amount(t, tot["value_wan"]),
                penalty=_amount(t, tot["penalty_wan"]),
            )
        )
        doc.heading(t("protection.by_authority", period=period), level=2)
        # one unit a column (never 万元 beside 亿元), chosen by the column's largest amount: the total
        vu, pu = amount_unit(t, tot["value_wan"]), amount_unit(t, tot["penalty_wan"])
        cols = [
            Column(t("protection.col_authority"), 1.6),
            Column(t("protection.col_cases"), 0.8, "right"),
            Column(t("protection.col_cases_prev", period=prev_period), 1.1, "right"),
            Column(t("protection.col_yoy"), 0.8, "right"),
            Column(t("protection.col_value") + unit_label(t, vu), 1.1, "right"),
            Column(t("protection.col_penalty") + unit_label(t, pu), 1.1, "right"),
        ]
        rows = []
        for a in AUTHORITIES + tuple(sorted(set(df["authority_type"]) - set(AUTHORITIES))):
            g = df[df["authority_type"] == a]
            if g.empty:
                continue
            sm = g.sum(numeric_only=True, min_count=1)
            rows.append(
                [
                    t(f"protection.authority.{a}")
                    if t.has(f"protection.authority.{a}")
                    else t("protection.authority.other"),
                    f"{int(sm['cases']):,}",
                    f"{int(sm['cases_prev']):,}" if pr.has_prev else DASH,
                    _pct_change(sm["cases"], sm["cases_prev"]) if pr.has_prev else DASH,
                    amount_in(t, sm["value_wan"], vu),
                    t("protection.no_penalty")
                    if not rules.penalty_applies(a)
                    else amount_in(t, sm["penalty_wan"], pu),
                ]
            )
        rows.append(
            [
                Cell(t("xlsx.city"), bold=True),
                Cell(f"{int(tot['cases']):,}", bold=True),
                f"{int(tot['cases_prev']):,}" if pr.has_prev else DASH,
                _pct_change(tot["cases"], tot["cases_prev"]) if pr.has_prev else DASH,
                amount_in(t, tot["value_wan"], vu),
                amount_in(t, tot["penalty_wan"], pu),
            ]
        )
        doc.table(cols, rows, min_row=0.26)
        doc.heading(t("protection.by_type", period=period), level=2)
        cols = (
            [Column(t("protection.col_type"), 1.8)]
            + [Column(t(f"protection.authority.{a}"), 1.0, "right") for a in AUTHORITIES]
            + [Column(t("protection.col_cases"), 0.8, "right"), Column(t("protection.col_yoy"), 0.8, "right")]
        )
        rows = []
        for ct in CASE_TYPES + tuple(sorted(set(df["case_type"]) - set(CASE_TYPES))):
            g = df[df["case_type"] == ct]
            if g.empty:
                continue
            per = {a: int(g[g["authority_type"] == a]["cases"].sum()) for a in AUTHORITIES}
            key = f"protection.case_type.{ct}"
            rows.append(
                [t(key) if t.has(key) else t("protection.case_type.other")]
                + [f"{per[a]:,}" for a in AUTHORITIES]
                + [
                    f"{int(g['cases'].sum()):,}",
                    _pct_change(g["cases"].sum(), g["cases_prev"].sum()) if pr.has_prev else DASH,
                ]
            )
        doc.table(cols, rows, min_row=0.26)
        if pr.monthly is not None and not pr.monthly.empty and doc.room() > 3.2:
            doc.heading(t("chart.monthly_cases"), level=2, keep_with=2.2)
            ax = doc.axes(2.2, pad_left=0.45, pad_right=0.1, pad_bottom=0.45)
            charts.monthly_cases(ax, pr.monthly, pr.year, t)
            doc.spacer(0.15)
    doc.heading(t("protection.acceptance_heading"), level=2)
    acc = pr.acceptance
    if acc is None or is_missing(acc.value):
        doc.paragraph(t("protection.acceptance_missing"), colour=c["muted"])
    else:
        doc.paragraph(
            t(
                "protection.acceptance",
                period=t.period(acc.as_of, acc.ytd, rate=True),
                value=t.percent(acc.value / 100, 1),
                yoy=t.change(acc.value, acc.year_ago_value, acc.id),
            )
        )
    doc.paragraph(t("protection.note"), size=s["small"], colour=c["muted"])


# (unit word zh/en, divisor of 万元, decimals)
AMOUNT_UNITS = {
    "yi": ("亿元", None, 10000.0, 2),
    "wan": ("万元", None, 1.0, 1),
    "million": (None, "CNY million", 100.0, 2),
    "yuan": (None, "CNY", 0.0001, 0),
}


def amount_unit(t: Texts, largest_wan) -> str:
    """The unit of a column of amounts, from its largest (the total): 亿元 from one 亿 up, else 万元;
    in English CNY million from a million up, else CNY."""
    big = 0.0 if is_missing(largest_wan) else abs(float(largest_wan))
    if t.lang == "zh":
        return "yi" if big >= 10000 else "wan"
    return "million" if big >= 100 else "yuan"


def unit_label(t: Texts, unit: str) -> str:
    zh, en, _, _ = AMOUNT_UNITS[unit]
    return f"（{zh}）" if t.lang == "zh" else f" ({en})"


def amount_in(t: Texts, wan, unit: str) -> str:
    """An amount in its column's unit (the unit is in the column's label)."""
    if is_missing(wan):
        return DASH
    _, _, divisor, decimals = AMOUNT_UNITS[unit]
    return t.number(float(wan) / divisor, decimals=decimals)


def _amount(t: Texts, wan) -> str:
    if is_missing(wan):
        return DASH
    v = float(wan)
    if t.lang == "zh":
        return (
            t.number(v / 10000, decimals=2) + "亿元" if abs(v) >= 10000 else t.number(v, decimals=1) + "万元"
        )
    yuan = v * 10000
    return "CNY " + (
        t.number(yuan / 1e6, decimals=2) + " million" if abs(yuan) >= 1e6 else t.number(yuan, decimals=0)
    )


# -- high-value patents -----------------------------------------------------------------------
def high_value(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> list[list[str]]:
    s, c = t.style.size, t.style.colour
    if doc.room() < 5.0:
        doc.new_page()
    else:
        doc.spacer(0.25)
    doc.heading(t("hv.heading"))
    crit = data.criteria
    hv = next((sec for sec in data.sections if sec.id == "hv_patents_per_10k"), None)
    rows_out: list[list[str]] = []
    no_values = hv is None or (
        hv.value is None and hv.districts.dropna(subset=["value", "numerator"], how="all").empty
    )
    if (crit is None or crit.empty) and no_values:  # patents never delivered: one line, no table of dashes
        doc.paragraph(t("section.series_none"), colour=c["muted"])
        return rows_out
    if crit is None or crit.empty:
        doc.paragraph(t("hv.missing"), colour=c["muted"])
    else:
        city = crit[list(CRITERIA) + ["total", "multi"]].sum()
        doc.heading(t("hv.criteria_title", date=t.date(data.criteria_as_of)), level=2, keep_with=2.0)
        counts = [(t(f"hv.criteria.{k}"), int(city[k])) for k in CRITERIA]
        label_w = max(text_width_pt(lb, s["chart"]) for lb, _ in counts) / 72
        ax = doc.axes(1.9, pad_left=label_w + 0.15, pad_right=0.2, pad_bottom=0.35)
        charts.criteria_bars(ax, counts, int(city["total"]), t)
        doc.spacer(0.12)
        doc.paragraph(t("hv.total", n=f"{int(city['total']):,}", multi=f"{int(city['multi']):,}"))
    doc.spacer(0.1)
    doc.heading(t("hv.districts_title"), level=2, keep_with=1.5)
    short = {k: t(f"hv.criteria_short.{k}") for k in CRITERIA}
    cols = [
        Column(t("hv.col_district"), 2.0),
        Column(t("hv.col_patents"), 1.0, "right"),
        Column(t("hv.col_population"), 0.95, "right"),
        Column(t("hv.col_per10k"), 0.9, "right"),
    ]
    cols += [Column(short[k], 0.85, "right") for k in CRITERIA]
    by_code = {} if crit is None else {r["district_code"]: r for r in crit.to_dict("records")}
    units = []
    if hv is not None:
        units = [(CITY, t("xlsx.city"), hv.value, hv.numerator, hv.denominator, hv.flags)]
        ranked = hv.districts.assign(_apart=hv.districts["district_code"] == UNLOCATED)
        for r in ranked.sort_values(
            ["_apart", "value"], ascending=[True, False], na_position="last"
        ).itertuples():
            name = t.district(r.district_code, r.name_zh, r.name_en)
            if r.district_code == UNLOCATED:
                name = t("section.unlocated_apart", name=name)
            units.append(
                (
                    r.district_code,
                    name,
                    r.value,
                    r.numerator,
                    r.denominator,
                    list(r.flags) if r.flags is not None else [],
                )
            )
    body = []
    for code, name, value, num, den, flags in units:
        crow = (
            by_code.get(code)
            if code != CITY
            else (None if crit is None else crit[list(CRITERIA) + ["total"]].sum().to_dict())
        )
        pop = None if is_missing(den) else float(den) / 10000
        cells = [
            Cell(name, bold=code == CITY),
            t.number(num, decimals=0),
            t.number(pop, decimals=2),
            t.number(value, "hv_patents_per_10k") + notes.mark(flags),
        ]
        cells += [t.number(None if crow is None else crow.get(k), decimals=0) for k in CRITERIA]
        body.append(cells)
        rows_out.append([x.text if isinstance(x, Cell) else x for x in cells])
    if body:
        doc.table(cols, body, size=s["table"] - 0.3)
    return rows_out


# -- data quality ---------------------------------------------------------------------------------
def quality(doc: Document, data, t: Texts, generated: datetime, heading: str | None = None) -> None:
    s, c = t.style.size, t.style.colour
    doc.new_page()
    doc.heading(heading or t("quality.heading"))
    doc.heading(t("quality.sources_title"), level=2)
    src = data.sources
    if src.empty:
        doc.paragraph(t("quality.no_sources"), colour=c["muted"])
    else:
        cols = [
            Column(t("quality.col_source"), 1.6),
            Column(t("quality.col_snapshot"), 1.05),
            Column(t("quality.col_age"), 0.8, "right", nowrap=True),
            Column(t("quality.col_received"), 0.72, "right", nowrap=True),
            Column(t("quality.col_accepted"), 0.72, "right", nowrap=True),
            Column(t("quality.col_duplicates"), 0.72, "right", nowrap=True),
            Column(t("quality.col_quarantined"), 0.72, "right", nowrap=True),
            Column(t("quality.col_reasons"), 2.1),
        ]
        rows, empty = [], []
        for r in src.to_dict("records"):
            title = t.source_title(r["source"], r["title_zh"], r["title_en"])
            snap = r.get("snapshot_at")
            if has_no_data(r):  # never delivered (absent folder, header-only files): said as such, no age
                empty.append(title)
                rows.append(
                    [
                        title,
                        Cell(t("quality.no_data_yet"), ink=c["muted"]),
                        DASH,
                        t.number(r.get("raw_rows") or 0, decimals=0),
                        t.number(r.get("staged_rows") or 0, decimals=0),
                        DASH,
                        DASH,
                        DASH,
                    ]
                )
                continue
            # snapshot times are UTC wall-clock, as `generated` is once made naive
            now = generated.astimezone(UTC).replace(tzinfo=None) if generated.tzinfo else generated
            age = None if is_absent(snap) else (now - pd.Timestamp(snap).to_pydatetime()).days
            stale = age is not None and not is_missing(r.get("cadence_days")) and age > int(r["cadence_days"])
            age_cell = (
                Cell(f"{age:,}" + (f" {t('quality.stale_mark')}" if stale else ""), bold=stale)
                if age is not None
                else DASH
            )
            reasons = r.get("top_reasons") or []
            top = t.style.limit("top_reasons")
            reason_text = t.join([f"{t.reason(k, r['source'])} ×{n:,}" for k, n in reasons[:top]])
            if len(reasons) > top:
                reason_text += f"; {t('quality.more', n=len(reasons) - top)}"
            rows.append(
                [
                    title,
                    DASH if age is None else pd.Timestamp(snap).strftime("%Y-%m-%d %H:%M"),
                    age_cell,
                    t.number(r.get("raw_rows"), decimals=0),
                    t.number(r.get("staged_rows"), decimals=0),
                    t.number(r.get("duplicate_rows"), decimals=0),
                    t.number(r.get("quarantined_rows"), decimals=0),
                    reason_text or DASH,
                ]
            )
        doc.table(cols, rows, size=s["table"] - 0.3)
        if empty:
            doc.paragraph(t("quality.empty_sources", names=t.join(empty)), size=s["small"] + 0.3)
        doc.paragraph(t("quality.freshness_note"), size=s["small"], colour=c["muted"])
    doc.spacer(0.1)
    doc.heading(t("quality.checks_title"), level=2)
    if data.checks is None:
        doc.paragraph(
            t("quality.checks_unreadable", error=data.checks_note)
            if data.checks_note
            else t("quality.no_checks"),
            colour=c["muted"],
        )
        return
    cols = [
        Column(t("quality.col_table"), 1.6),
        Column(t("quality.col_passed"), 0.7, "right"),
        Column(t("quality.col_failed"), 0.7, "right"),
        Column(t("quality.col_failed_checks"), 4.0),
    ]
    rows = []
    for table, g in data.checks.groupby("table_name", sort=True):
        # data.checks' outcome: a check that warned is listed beside the failed ones, never counted as passed.
        passed = g["outcome"] == "passed" if "outcome" in g else g["passed"].fillna(False).astype(bool)
        failed = g[~passed]
        names = t.join([t.check(r.check_name, r.severity) for r in failed.itertuples()])
        rows.append(
            [
                t.table_title(str(table)),
                f"{int(passed.sum()):,}",
                Cell(f"{len(failed):,}", bold=len(failed) > 0),
                names or DASH,
            ]
        )
    doc.table(cols, rows)


# -- revisions ---------------------------------------------------------------------------------------
def revisions(doc: Document, data: ReportData, t: Texts) -> None:
    s, c = t.style.size, t.style.colour
    doc.spacer(0.25)
    doc.heading(t("revisions.heading"), keep_with=1.0)
    if data.previous_report_month is None:
        doc.paragraph(t("revisions.first"), colour=c["muted"])
        return
    prev = t.month(data.previous_report_month)
    rev = data.revisions
    if rev.empty:
        doc.paragraph(t("revisions.none", prev=prev))
        return
    doc.paragraph(t("revisions.intro", prev=prev, n=len(rev)))
    limit = t.style.limit("revisions_rows")
    cols = [
        Column(t("revisions.col_indicator"), 2.6),
        Column(t("revisions.col_district"), 1.3),
        Column(t("revisions.col_as_of"), 0.95),
        Column(t("revisions.col_old"), 0.85, "right"),
        Column(t("revisions.col_new"), 0.85, "right"),
        Column(t("revisions.col_change"), 0.85, "right"),
    ]
    rows = []
    for r in rev.head(limit).itertuples():
        unit = (
            t("xlsx.city") if r.district_code == CITY else t.district(r.district_code, r.name_zh, r.name_en)
        )
        rows.append(
            [
                t.name(r.indicator_id),
                unit,
                str(r.as_of),
                t.number(r.old, r.indicator_id),
                t.number(r.new, r.indicator_id),
                t.number(r.change, r.indicator_id, signed=True),
            ]
        )
    doc.table(cols, rows)
    if len(rev) > limit:
        doc.paragraph(t("revisions.truncated", shown=limit, n=len(rev)), size=s["small"], colour=c["muted"])


# -- method ---------------------------------------------------------------------------------------------
def method(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> None:
    s, c = t.style.size, t.style.colour
    if doc.room() < 4.0:
        doc.new_page()
    else:
        doc.spacer(0.25)
    doc.heading(t("method.heading"))
    doc.heading(t("method.definitions"), level=2)
    rows = [[t.name(sec.id), t.definition(sec.id)] for sec in data.sections]
    doc.table(
        [Column(t("cover.col_indicator"), 2.3), Column(t("method.definitions"), 4.6)],
        rows,
        size=s["table"] - 0.2,
    )
    doc.heading(t("method.progress"), level=2)
    doc.paragraph(t("method.progress_text"))
    for key in ("g_obs", "g_req", "ratio", "expected", "projection"):
        doc.formula(t.raw(f"method.formulas.{key}"))
    doc.formula(t.raw("method.symbols"), size=s["small"] + 0.3)
    doc.paragraph(t("method.growth_targets"))
    doc.paragraph(t("method.score"))
    doc.formula(t.raw("method.formulas.score"))
    doc.paragraph(t("method.scope"))
    doc.paragraph(t("method.pp"))
    doc.paragraph(t("method.lifecycle"))
    doc.spacer(0.05)
    doc.heading(t("method.flags_heading"), level=2)
    items = notes.items()
    if not items:
        doc.paragraph(t("method.flags_none"), colour=c["muted"])
    else:
        # the flag's key stays in the XLSX; the page says what it means
        doc.table(
            [Column(t("xlsx.col_mark"), 0.5, "center"), Column(t("xlsx.col_meaning"), 6.4)],
            [[m, meaning] for m, _, meaning in items],
            size=s["table"] - 0.2,
        )
    if data.notes:
        doc.heading(t("method.notes_heading"), level=2)
        # a note is said once, however many reads it came from (one per plan, per section)
        for line in dict.fromkeys(t(key, **values) for key, values in data.notes):
            doc.paragraph("· " + line, size=s["small"] + 0.5)
