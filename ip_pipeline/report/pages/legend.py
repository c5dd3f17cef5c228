"""The status legend: each status with its rule, and beside 已实现目标 the words of a target met before
the target year. Page 1 draws it where it fits whole; the method section always has it."""

from __future__ import annotations

from ...indicators import rules
from ..layout import Column, Document
from ..texts import Texts
from .common import STATUSES, badge

# the legend's rows: each status, and beside 已实现目标 the words of a target met before the target year
LEGEND = ("target_achieved", *rules.EARLY_LABELS, *STATUSES[1:])


def legend_height(compact: bool) -> float:
    """Inches the legend needs (heading, column labels, a row a status or two): it is drawn whole or not at all."""
    rows = (len(LEGEND) + 1) // 2 if compact else len(LEGEND)
    return 0.55 + 0.24 * (rows + 1)


def legend(doc: Document, t: Texts, compact: bool = False) -> None:
    s = t.style.size
    on, needs = t.plan.status["on_track_ratio"], t.plan.status["needs_acceleration_ratio"]
    # an early word wears the colour and symbol of the status it is a verdict of (as its badge does)
    cell = {w: badge(t, "target_achieved", w) if w in rules.EARLY_LABELS else badge(t, w) for w in LEGEND}
    doc.heading(t("cover.legend_heading"), level=2, keep_with=1.0)
    if compact:  # two statuses a row: the legend keeps to page 1
        rule = {w: t(f"method.rules.{w}", on_track=on, needs=needs) for w in LEGEND}
        rule |= {"target_achieved": t("cover.legend_achieved"), "not_available": t("cover.legend_na")}
        order = [
            "on_track",
            "needs_acceleration",
            "limited_progress",
            "deterioration",
            "target_achieved",
            "not_available",
            *rules.EARLY_LABELS,
        ]
        rows = [[cell[a], rule[a], cell[b], rule[b]] for a, b in zip(order[::2], order[1::2])]
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
    rows = [[cell[w], t(f"method.rules.{w}", on_track=on, needs=needs)] for w in LEGEND]
    doc.table(
        [Column(t("cover.col_status"), 1.5, nowrap=True), Column(t("method.status_rules"), 5.0)],
        rows,
        size=s["small"] + 0.3,
        zebra=False,
        min_row=0.22,
    )
