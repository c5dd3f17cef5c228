"""The report's sections, laid out on A4 pages: cover, one section per indicator, high-value patents,
data quality, revisions and method."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from . import charts
from .data import CITY, CRITERIA, IndicatorSection, ReportData
from .fonts import text_width_pt
from .footnotes import Footnotes, section_flags
from .layout import Cell, Column, Document
from .narrative import commentary, growth_fraction
from .texts import DASH, Texts, is_missing

STATUSES = ("target_achieved", "on_track", "needs_acceleration", "limited_progress", "deterioration", "not_available")


def badge(t: Texts, status: str | None) -> Cell:
    st = t.style.status(status)
    return Cell(f"{st['symbol']} {t.status(status)}", fill=st["fill"], ink=st["ink"], badge=True)


def target_text(t: Texts, sec: IndicatorSection) -> str:
    target = sec.indicator.target
    if target is None:
        return DASH
    text = t.value(target.value, sec.id)
    return f"≥ {text}" if target.kind == "growth" else text


def is_additive(sec: IndicatorSection) -> bool:
    """A count whose district values add up to the city's: the city line is then the mean per unit, not the total."""
    d = sec.districts.dropna(subset=["value"])
    if sec.value is None or len(d) < 2 or d["denominator"].notna().any():
        return False
    return abs(float(d["value"].sum()) - sec.value) <= 0.02 * max(abs(sec.value), 1e-9)


def status_of(sec: IndicatorSection) -> str | None:
    return (sec.progress or {}).get("status") or "not_available"


# -- cover ------------------------------------------------------------------------------
def cover(doc: Document, data: ReportData, t: Texts, notes: Footnotes, generated: datetime) -> list[list[str]]:
    c, s = t.style.colour, t.style.size
    doc.new_page(running_header=False)
    band = 1.75
    doc.rect(0, 0, doc.W, band, c["header_fill"])
    title = t("report.title")
    title_size = min(s["title"], s["title"] * doc.width * 72 / text_width_pt(title, s["title"]))
    doc.text_at(doc.left, 0.5, title, title_size, c["header_ink"], weight="bold")
    doc.text_at(doc.left, 0.98, t.month(data.month), s["h1"], c["header_ink"])
    doc.text_at(doc.left, 1.3, t("report.plan", name=t.plan_name()), s["subtitle"] - 1.5, "#c9d6e8")
    doc.y = band + 0.22
    meta = [t("report.as_of", date=t.date(data.as_of)), t("report.vintage", vintage=data.vintage or DASH),
            t("report.generated", ts=generated.strftime("%Y-%m-%d %H:%M"))]
    doc.text_at(doc.left, doc.y, "    ·    ".join(meta[:2]), s["small"] + 0.5, c["muted"])
    doc.y += 0.22
    doc.text_at(doc.left, doc.y, meta[2], s["small"] + 0.5, c["muted"])
    doc.y += 0.32
    _score_panel(doc, data, t)

    doc.heading(t("cover.summary_heading"))
    target_year = data.plan.target_year
    cols = [Column(t("cover.col_indicator"), 3.3), Column(t("cover.col_value"), 1.35, "right", nowrap=True),
            Column(t("cover.col_target", year=target_year), 1.15, "right", nowrap=True),
            Column(t("cover.col_status"), 1.45, nowrap=True),
            Column(t("cover.col_mom"), 0.75, "right"), Column(t("cover.col_yoy"), 0.75, "right")]
    rows, plain = [], []
    for sec in data.sections:
        value = t.value(sec.value, sec.id) + notes.mark(section_flags(sec.flags, sec.progress))
        mom = t.number(_delta(sec.value, sec.prev_value), sec.id, signed=True)
        yoy = t.number(_delta(sec.value, sec.year_ago_value), sec.id, signed=True)
        cells = [t.name(sec.id), value, target_text(t, sec), badge(t, status_of(sec)), mom, yoy]
        rows.append(cells)
        plain.append([x.text if isinstance(x, Cell) else x for x in cells])
    doc.table(cols, rows, min_row=0.3)
    doc.paragraph(t("cover.footnote_hint"), size=s["small"], colour=c["muted"])
    doc.spacer(0.05)
    _legend(doc, t)
    return plain


def _delta(a, b):
    return None if is_missing(a) or is_missing(b) else float(a) - float(b)


def _score_panel(doc: Document, data: ReportData, t: Texts) -> None:
    c, s = t.style.colour, t.style.size
    h = 1.05
    top = doc.y
    doc.rect(doc.left, top, doc.width, h, c["zebra"])
    x = doc.left + 0.2
    doc.text_at(x, top + 0.14, t("cover.score_label"), s["h2"], c["ink"], weight="bold")
    score = data.plan_score
    if score and not is_missing(score.get("score")):
        score_text = t.number(score["score"], decimals=2)
        doc.text_at(x, top + 0.4, score_text, 26, c["accent"], weight="bold")
        doc.text_at(x + text_width_pt(score_text, 26) / 72 + 0.15, top + 0.58, t("cover.score_scale"), s["small"],
                    c["muted"])
        # a −5…5 scale with the score marked
        sx, sw, sy = x, 2.2, top + 0.8
        doc.rect(sx, sy, sw, 0.05, c["band"])
        pos = sx + (max(-5.0, min(5.0, float(score["score"]))) + 5) / 10 * sw
        doc.rect(sx + sw / 2 - 0.005, sy - 0.04, 0.01, 0.13, c["muted"])
        doc.rect(pos - 0.03, sy - 0.05, 0.06, 0.15, c["accent"])
        for v, ha in ((-5, "left"), (0, "center"), (5, "right")):
            doc.text_at(sx + (v + 5) / 10 * sw, sy + 0.17, t.number(v, decimals=0), s["small"] - 1, c["muted"], ha=ha,
                        va="center")
        src = (t("cover.score_computed") if score["source"] == "computed"
               else t("cover.score_from_table", n=score["n"] if score.get("n") is not None else len(data.sections)))
        if score.get("achieved"):
            src = t("cover.plan_achieved") + "  " + src
    else:
        doc.text_at(x, top + 0.45, t("cover.score_missing"), s["h2"], c["muted"])
        src = ""
    # status counts on the right half
    rx = doc.left + doc.width * 0.5
    doc.text_at(rx, top + 0.14, t("cover.status_counts"), s["h2"], c["ink"], weight="bold")
    counts = pd.Series([status_of(sec) for sec in data.sections]).value_counts()
    col_w = doc.width * 0.25
    for i, st in enumerate(STATUSES):
        sty = t.style.status(st)
        bx, by = rx + (i % 2) * col_w, top + 0.42 + (i // 2) * 0.2
        doc.rect(bx, by, 0.17, 0.15, sty["fill"])
        doc.text_at(bx + 0.085, by + 0.075, sty["symbol"], s["small"] - 0.5, sty["ink"], ha="center", va="center")
        doc.text_at(bx + 0.24, by + 0.075, f"{t.status(st)}  {int(counts.get(st, 0))}", s["small"] + 0.3,
                    c["ink"], va="center")
    doc.y = top + h + 0.08
    if src:
        doc.text_at(doc.left, doc.y, src, s["small"], c["muted"])
    doc.y += 0.3


def _legend(doc: Document, t: Texts) -> None:
    c, s = t.style.colour, t.style.size
    on, needs = t.plan.status["on_track_ratio"], t.plan.status["needs_acceleration_ratio"]
    doc.heading(t("cover.legend_heading"), level=2, keep_with=1.0)
    rows = [[badge(t, st), t(f"method.rules.{st}", on_track=on, needs=needs)] for st in STATUSES]
    doc.table([Column(t("cover.col_status"), 1.5, nowrap=True), Column(t("method.status_rules"), 5.0)], rows,
              size=s["small"] + 0.3, zebra=False, min_row=0.24)


# -- indicator sections -------------------------------------------------------------------
def indicator_section(doc: Document, n: int, sec: IndicatorSection, t: Texts, notes: Footnotes) -> None:
    s, c = t.style.size, t.style.colour
    doc.new_page()
    doc.heading(t("section.indicator", n=n, name=t.name(sec.id)))
    doc.paragraph(t.definition(sec.id), size=s["small"] + 0.5, colour=c["muted"], after=0.12)
    p = sec.progress or {}
    flags = section_flags(sec.flags, sec.progress)
    marks = notes.mark(flags)
    ty = sec.indicator.target.year if sec.indicator.target else t.plan.target_year
    cols = [Column(t("figures.value"), 1.05, "right", nowrap=True), Column(t("figures.expected"), 1.0, "right"),
            Column(t("figures.gap"), 0.9, "right"), Column(t("figures.g_obs"), 0.95, "right"),
            Column(t("figures.g_req"), 0.95, "right"), Column(t("figures.ratio"), 0.8, "right"),
            Column(t("figures.projection", year=ty), 1.0, "right"), Column(t("cover.col_status"), 1.3, nowrap=True)]
    g_obs, g_req = growth_fraction(p.get("g_obs"), sec.indicator.kind), growth_fraction(p.get("g_req"), sec.indicator.kind)
    row = [t.value(sec.value, sec.id) + marks, t.short(p.get("expected_value"), sec.id),
           t.short(p.get("gap"), sec.id, signed=True), t.percent(g_obs), t.percent(g_req),
           t.number(p.get("ratio"), decimals=2), t.short(p.get("projection"), sec.id), badge(t, status_of(sec))]
    doc.table(cols, [row], min_row=0.3)
    flag_text = [f"{notes.mark([f])}{notes.explain(f)}" for f in flags]
    doc.heading(t("section.analysis"), level=2, keep_with=0.5)
    doc.paragraph(commentary(sec, t, flag_text), after=0.15)

    doc.heading(t("section.series_title"), level=2, keep_with=2.8)
    ax = doc.axes(2.9, pad_left=0.55, pad_right=0.1, pad_bottom=0.5)
    charts.series_chart(ax, sec, t)
    doc.spacer(0.3)

    doc.heading(t("section.districts_title", date=t.date(sec.as_of)), level=2, keep_with=1.0)
    if sec.indicator.city_only:
        doc.paragraph(t("section.districts_city_only"), colour=c["muted"])
        return
    d = sec.districts
    valued = d.dropna(subset=["value"])
    if valued.empty:
        doc.paragraph(t("section.districts_none"), colour=c["muted"])
        return
    labels = [t.district(r.district_code, r.name_zh, r.name_en) for r in valued.itertuples()]
    max_label = 2.0  # inches; a longer name is set smaller (never below 5.5 pt) so every bar keeps one line
    label_sizes = [max(5.5, min(s["chart"], s["chart"] * max_label * 72 / max(text_width_pt(lb, s["chart"]), 1)))
                   for lb in labels]
    label_w = min(max(text_width_pt(lb, sz) for lb, sz in zip(labels, label_sizes)) / 72, max_label)
    height = min(0.19 * len(valued) + 0.6, doc.room() - 0.3)
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


# -- high-value patents -----------------------------------------------------------------------
def high_value(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> list[list[str]]:
    s, c = t.style.size, t.style.colour
    doc.new_page()
    doc.heading(t("hv.heading"))
    crit = data.criteria
    hv = next((sec for sec in data.sections if sec.id == "hv_patents_per_10k"), None)
    rows_out: list[list[str]] = []
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
    cols = [Column(t("hv.col_district"), 2.0), Column(t("hv.col_patents"), 1.0, "right"),
            Column(t("hv.col_population"), 0.95, "right"), Column(t("hv.col_per10k"), 0.9, "right")]
    cols += [Column(short[k], 0.85, "right") for k in CRITERIA]
    by_code = {} if crit is None else {r["district_code"]: r for r in crit.to_dict("records")}
    units = []
    if hv is not None:
        units = [(CITY, t("xlsx.city"), hv.value, hv.numerator, hv.denominator, hv.flags)]
        for r in hv.districts.sort_values("value", ascending=False, na_position="last").itertuples():
            units.append((r.district_code, t.district(r.district_code, r.name_zh, r.name_en), r.value,
                          r.numerator, r.denominator, list(r.flags) if r.flags is not None else []))
    body = []
    for code, name, value, num, den, flags in units:
        crow = by_code.get(code) if code != CITY else (None if crit is None else crit[list(CRITERIA) + ["total"]].sum().to_dict())
        pop = None if is_missing(den) else float(den) / 10000
        cells = [Cell(name, bold=code == CITY), t.number(num, decimals=0), t.number(pop, decimals=2),
                 t.number(value, "hv_patents_per_10k") + notes.mark(flags)]
        cells += [t.number(None if crow is None else crow.get(k), decimals=0) for k in CRITERIA]
        body.append(cells)
        rows_out.append([x.text if isinstance(x, Cell) else x for x in cells])
    if body:
        doc.table(cols, body, size=s["table"] - 0.3)
    return rows_out


# -- data quality ---------------------------------------------------------------------------------
def quality(doc: Document, data: ReportData, t: Texts, generated: datetime) -> None:
    s, c = t.style.size, t.style.colour
    doc.new_page()
    doc.heading(t("quality.heading"))
    doc.heading(t("quality.sources_title"), level=2)
    src = data.sources
    if src.empty:
        doc.paragraph(t("quality.no_sources"), colour=c["muted"])
    else:
        cols = [Column(t("quality.col_source"), 1.6), Column(t("quality.col_snapshot"), 1.05),
                Column(t("quality.col_age"), 0.8, "right", nowrap=True),
                Column(t("quality.col_received"), 0.72, "right", nowrap=True),
                Column(t("quality.col_accepted"), 0.72, "right", nowrap=True),
                Column(t("quality.col_duplicates"), 0.72, "right", nowrap=True),
                Column(t("quality.col_quarantined"), 0.72, "right", nowrap=True), Column(t("quality.col_reasons"), 2.1)]
        rows = []
        for r in src.to_dict("records"):
            snap = r.get("snapshot_at")
            age = None if is_missing(snap) or snap is None else (generated - pd.Timestamp(snap).to_pydatetime()).days
            stale = age is not None and not is_missing(r.get("cadence_days")) and age > int(r["cadence_days"])
            age_cell = Cell(f"{age:,}" + (f" {t('quality.stale_mark')}" if stale else ""), bold=stale) if age is not None else DASH
            reasons = r.get("top_reasons") or []
            top = t.style.limit("top_reasons")
            reason_text = "; ".join(f"{k} ×{n:,}" for k, n in reasons[:top])
            if len(reasons) > top:
                reason_text += f"; {t('quality.more', n=len(reasons) - top)}"
            rows.append([r["title_zh"] if t.lang == "zh" else r["title_en"],
                         DASH if age is None else pd.Timestamp(snap).strftime("%Y-%m-%d %H:%M"), age_cell,
                         t.number(r.get("raw_rows"), decimals=0), t.number(r.get("staged_rows"), decimals=0),
                         t.number(r.get("duplicate_rows"), decimals=0), t.number(r.get("quarantined_rows"), decimals=0),
                         reason_text or DASH])
        doc.table(cols, rows, size=s["table"] - 0.3)
        doc.paragraph(t("quality.freshness_note"), size=s["small"], colour=c["muted"])
    doc.spacer(0.1)
    doc.heading(t("quality.checks_title"), level=2)
    if data.checks is None:
        doc.paragraph(t("quality.checks_unreadable", error=data.checks_note) if data.checks_note else t("quality.no_checks"),
                      colour=c["muted"])
        return
    cols = [Column(t("quality.col_table"), 1.6), Column(t("quality.col_passed"), 0.7, "right"),
            Column(t("quality.col_failed"), 0.7, "right"), Column(t("quality.col_failed_checks"), 4.0)]
    rows = []
    for table, g in data.checks.groupby("table_name", sort=True):
        failed = g[~g["passed"].fillna(False).astype(bool)]
        names = "; ".join(f"{r.check_name} ({r.severity})" for r in failed.itertuples())
        rows.append([str(table), f"{int(g['passed'].fillna(False).astype(bool).sum()):,}", Cell(f"{len(failed):,}", bold=len(failed) > 0),
                     names or DASH])
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
    cols = [Column(t("revisions.col_indicator"), 2.6), Column(t("revisions.col_district"), 1.3),
            Column(t("revisions.col_as_of"), 0.95), Column(t("revisions.col_old"), 0.85, "right"),
            Column(t("revisions.col_new"), 0.85, "right"), Column(t("revisions.col_change"), 0.85, "right")]
    rows = []
    for r in rev.head(limit).itertuples():
        unit = t("xlsx.city") if r.district_code == CITY else t.district(r.district_code, r.name_zh, r.name_en)
        rows.append([t.name(r.indicator_id), unit, str(r.as_of), t.number(r.old, r.indicator_id),
                     t.number(r.new, r.indicator_id), t.number(r.change, r.indicator_id, signed=True)])
    doc.table(cols, rows)
    if len(rev) > limit:
        doc.paragraph(t("revisions.truncated", shown=limit, n=len(rev)), size=s["small"], colour=c["muted"])


# -- method ---------------------------------------------------------------------------------------------
def method(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> None:
    s, c = t.style.size, t.style.colour
    doc.new_page()
    doc.heading(t("method.heading"))
    doc.heading(t("method.definitions"), level=2)
    rows = [[t.name(sec.id), t.definition(sec.id)] for sec in data.sections]
    doc.table([Column(t("cover.col_indicator"), 2.3), Column(t("method.definitions"), 4.6)], rows,
              size=s["table"] - 0.2)
    doc.heading(t("method.progress"), level=2)
    doc.paragraph(t("method.progress_text"))
    doc.paragraph(t("method.score"))
    doc.paragraph(t("method.scope"))
    doc.spacer(0.05)
    doc.heading(t("method.flags_heading"), level=2)
    items = notes.items()
    if not items:
        doc.paragraph(t("method.flags_none"), colour=c["muted"])
    else:
        doc.table([Column(t("xlsx.col_mark"), 0.5, "center"), Column(t("xlsx.col_flags"), 1.8),
                   Column(t("xlsx.col_meaning"), 4.6)], [list(i) for i in items], size=s["table"] - 0.2)
    if data.notes:
        doc.heading(t("method.notes_heading"), level=2)
        for key, values in data.notes:
            doc.paragraph("· " + t(key, **values), size=s["small"] + 0.5)
