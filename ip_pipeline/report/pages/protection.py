"""The protection page: enforcement cases by authority and by case type with the change on a year
earlier, case values and penalties, monthly cases, and the civil acceptance rate. No personal data."""

from __future__ import annotations

from ...indicators import rules
from ...indicators.rules import same_day_last_year
from .. import charts
from ..layout import Cell, Column, Document
from ..model import ReportData
from ..texts import DASH, Texts, is_missing
from .amounts import amount_in, amount_text, amount_unit, unit_label

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
    doc.section(6.5, gap=0.2)
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
                value=amount_text(t, tot["value_wan"]),
                penalty=amount_text(t, tot["penalty_wan"]),
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
