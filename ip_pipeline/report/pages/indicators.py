"""The indicator pages: one section per indicator of the plan (figures, commentary, the monthly series,
the districts), the tables of other plans in force and the indicators still monitored."""

from __future__ import annotations

import pandas as pd

from ...indicators import rules
from .. import charts
from ..fonts import text_width_pt
from ..footnotes import Footnotes, section_flags
from ..layout import Column, Document
from ..model import IndicatorSection, ReportData
from ..narrative import commentary, growth_fraction
from ..peers import load_national_targets
from ..texts import Texts, is_missing
from .common import badge, period_of, status_of, summary_columns, summary_rows, verdict_of


def indicator_section(
    doc: Document,
    n: int,
    sec: IndicatorSection,
    t: Texts,
    notes: Footnotes,
    in_force: bool = True,
    peers: pd.DataFrame | None = None,
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
    charts.series_chart(
        ax, sec, t, in_force=in_force, peers=peers, national_target=load_national_targets().get(sec.id)
    )
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


def is_additive(sec: IndicatorSection) -> bool:
    """A count whose district values add up to the city's: the city line is then the mean per unit, not the total."""
    d = sec.districts.dropna(subset=["value"])
    if sec.value is None or len(d) < 2 or d["denominator"].notna().any():
        return False
    return abs(float(d["value"].sum()) - sec.value) <= 0.02 * max(abs(sec.value), 1e-9)


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
