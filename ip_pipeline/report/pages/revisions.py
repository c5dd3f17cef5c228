"""The revisions page: published values that changed since the previous month's report."""

from __future__ import annotations

from ...city import CITY
from ..layout import Column, Document
from ..model import ReportData
from ..texts import Texts


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
