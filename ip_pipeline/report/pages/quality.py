"""The data-quality page: each source's latest snapshot, its age, rows received, accepted, duplicated
and quarantined with the main reasons, and the latest outcome of the quality checks by table."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from ..data_quality import has_no_data
from ..frames import is_absent
from ..layout import Cell, Column, Document
from ..texts import DASH, Texts, is_missing


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
