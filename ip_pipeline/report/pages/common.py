"""Shared page furniture: status badges, target words, the period a value covers, and the summary rows
of an indicator that the cover, other plans' tables and the monitored indicators share."""

from __future__ import annotations

from ...indicators import progress
from ..footnotes import Footnotes, section_flags
from ..layout import Cell, Column
from ..model import IndicatorSection
from ..texts import DASH, Texts

# The statuses of a plan in force, in the engine's order; target_missed is a final verdict only.
STATUSES = tuple(s for s in progress.STATUSES if s != "target_missed")


def badge(t: Texts, status: str | None, verdict: str | None = None) -> Cell:
    """The status's colour and symbol, with the engine's verdict word where it has one (a target met
    before the target year says 已提前达到目标值, not 已实现目标)."""
    st = t.style.status(status)
    return Cell(f"{st['symbol']} {t.status(verdict or status)}", fill=st["fill"], ink=st["ink"], badge=True)


def target_words(t: Texts, target, indicator_id: str) -> str:
    """`10.34 件`; `≥ 30.0%` for a growth target; `> 18.00万件` for 超过; `显著提升` for an improvement target."""
    return t.target(target, indicator_id)


def target_text(t: Texts, sec: IndicatorSection) -> str:
    return target_words(t, sec.indicator.target, sec.id)


def status_of(sec: IndicatorSection) -> str | None:
    return (sec.progress or {}).get("status") or "not_available"


def verdict_of(sec: IndicatorSection) -> str | None:
    """indicator_progress.verdict: the status as a reader is told it on the date."""
    return (sec.progress or {}).get("verdict")


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
