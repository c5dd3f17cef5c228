"""The report's tables as a workbook: the same numbers as the PDF, unrounded, with display formats."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..city import CITY
from ..exports import safe_cell
from ..indicators.rules import same_day_last_year
from .data_quality import has_no_data
from .footnotes import Footnotes, section_flags
from .model import CRITERIA, ReportData
from .peers import comparison_headers, comparison_rows, load_national_targets
from .texts import Texts, is_missing

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def _fmt(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def cell_value(v: Any) -> Any:
    if v is None or is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, (list, tuple)) or (
        hasattr(v, "__len__") and not isinstance(v, (str, bytes, date, datetime))
    ):
        return safe_cell(", ".join(str(x) for x in list(v)))
    return safe_cell(v)  # text that a spreadsheet would run as a formula gets a leading apostrophe


def add_sheet(
    wb: Workbook,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    formats: dict[int, str] | None = None,
    widths: dict[int, float] | None = None,
    note: str | None = None,
):
    ws = wb.create_sheet(title[:31])
    ws.append(headers)
    for cell in ws[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append([cell_value(v) for v in row])
    for col, fmt in (formats or {}).items():
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=col).number_format = fmt
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(
            i, max(10, min(40, len(str(h)) * 2 + 2))
        )
    ws.freeze_panes = "A2"
    if note:
        ws.cell(row=ws.max_row + 2, column=1, value=note).font = Font(italic=True, color="616E7C")
    return ws


def add_comparison_sheet(wb: Workbook, rows: list[list[Any]], t: Texts):
    return add_sheet(
        wb,
        t("peers.sheet"),
        comparison_headers(t),
        rows,
        formats={5: "#,##0.00", 6: "#,##0.00"},
        widths={1: 26, 2: 34, 8: 40},
        note=t("peers.sheet_note"),
    )


def write_workbook(path: Path, data: ReportData, t: Texts, notes: Footnotes) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    x = lambda k: t(f"xlsx.{k}")  # noqa: E731 (a local one-line formatter)

    # Summary: the cover table
    rows = []
    for sec in data.sections:
        p = sec.progress or {}
        flags = section_flags(sec.flags, sec.progress)
        rows.append(
            [
                sec.id,
                t.name(sec.id),
                sec.value,
                t.unit(sec.id),
                sec.indicator.target.value if sec.indicator.target else None,
                t.status(p.get("verdict") or p.get("status") or "not_available") if data.in_force else None,
                None if is_missing(sec.value) or is_missing(sec.prev_value) else sec.value - sec.prev_value,
                None
                if is_missing(sec.value) or is_missing(sec.year_ago_value)
                else sec.value - sec.year_ago_value,
                p.get("score"),
                sec.as_of,
                notes.mark(flags),
                ", ".join(flags),
                t.period(sec.as_of, sec.ytd) if sec.as_of else None,
                None
                if is_missing(sec.value) or is_missing(sec.year_ago_value) or not sec.year_ago_value
                else sec.value / sec.year_ago_value - 1,
                # the status of a flow judged on its last complete year is that year's, not the year to date's
                t("periods.full_year", year=sec.judged_year) if sec.judged_year else None,
                sec.judged_value,
            ]
        )
    ws = add_sheet(
        wb,
        x("summary"),
        [
            x("col_indicator_id"),
            t("cover.col_indicator"),
            t("cover.col_value"),
            x("col_unit"),
            t("cover.col_target", year=data.plan.target_year),
            t("cover.col_status"),
            t("cover.col_mom"),
            t("cover.col_yoy"),
            x("col_score"),
            x("col_as_of"),
            x("col_mark"),
            x("col_flags"),
            t("cover.col_period"),
            x("col_yoy_pct"),
            x("col_judged_period"),
            x("col_judged_value"),
        ],
        rows,
        widths={1: 28, 2: 44},
    )
    for r, sec in enumerate(data.sections, start=2):
        for col in (3, 5, 7, 8):
            ws.cell(row=r, column=col).number_format = _fmt(t.style.decimals(sec.id))
        if sec.ytd and sec.as_of and not is_missing(sec.value):
            # a year-to-date value says so in its cell, as the PDF's year-to-date row does; the
            # value stays a number (the full year's, which the status judges, is in its own column)
            label = t.period(sec.as_of, True, rate=t.unit_zh(sec.id) == "%").replace('"', "")
            ws.cell(row=r, column=3).number_format = f'{_fmt(t.style.decimals(sec.id))}" ({label})"'
        ws.cell(row=r, column=9).number_format = "0.00"
        ws.cell(row=r, column=10).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=14).number_format = "0.0%"
    score = data.plan_score or {}
    info = ws.max_row + 2
    for i, (k, v) in enumerate(
        [
            (t("cover.score_label"), score.get("score")),
            (t("report.as_of", date=""), data.as_of),
            (t("report.vintage", vintage=""), data.vintage),
        ]
    ):
        ws.cell(row=info + i, column=2, value=k.strip(" ：:")).font = Font(bold=True)
        ws.cell(row=info + i, column=3, value=cell_value(v))
    ws.cell(row=info, column=3).number_format = "0.00"
    ws.cell(row=info + 1, column=3).number_format = "yyyy-mm-dd"

    # Monthly series with the plan's path
    rows = []
    for sec in data.sections:
        s = (
            sec.series.merge(sec.path, on="as_of", how="left")
            if not sec.path.empty
            else sec.series.assign(expected_value=None)
        )
        for r in s.itertuples():
            rows.append([sec.id, t.name(sec.id), r.as_of, r.value, r.expected_value])
    add_sheet(
        wb,
        x("series"),
        [
            x("col_indicator_id"),
            t("cover.col_indicator"),
            x("col_as_of"),
            t("figures.value"),
            t("figures.expected"),
        ],
        rows,
        formats={3: "yyyy-mm-dd", 4: "#,##0.0000", 5: "#,##0.0000"},
        widths={1: 28, 2: 44},
    )

    # Districts
    rows = []
    for sec in data.sections:
        for r in sec.districts.sort_values("district_code").itertuples():
            rows.append(
                [
                    sec.id,
                    t.name(sec.id),
                    sec.as_of,
                    r.district_code,
                    t.district(r.district_code, r.name_zh, r.name_en),
                    r.value,
                    r.numerator,
                    r.denominator,
                    ", ".join(list(r.flags)) if r.flags is not None else None,
                ]
            )
    add_sheet(
        wb,
        x("districts"),
        [
            x("col_indicator_id"),
            t("cover.col_indicator"),
            x("col_as_of"),
            x("col_district_code"),
            t("hv.col_district"),
            t("figures.value"),
            x("col_numerator"),
            x("col_denominator"),
            x("col_flags"),
        ],
        rows,
        formats={3: "yyyy-mm-dd", 6: "#,##0.0000"},
        widths={1: 28, 2: 44, 5: 30},
    )

    # High-value criteria
    rows = []
    if data.criteria is not None:
        for r in data.criteria.to_dict("records"):
            rows.append(
                [
                    data.criteria_as_of,
                    r["district_code"],
                    t.district(r["district_code"], r["name_zh"], r["name_en"]),
                    r["total"],
                    r["multi"],
                    *[r[k] for k in CRITERIA],
                ]
            )
        tot = data.criteria[list(CRITERIA) + ["total", "multi"]].sum()
        rows.append(
            [data.criteria_as_of, CITY, x("city"), tot["total"], tot["multi"], *[tot[k] for k in CRITERIA]]
        )
    add_sheet(
        wb,
        x("criteria"),
        [
            x("col_as_of"),
            x("col_district_code"),
            t("hv.col_district"),
            t("hv.col_patents"),
            "≥2",
            *[t(f"hv.criteria.{k}") for k in CRITERIA],
        ],
        rows,
        formats={1: "yyyy-mm-dd"},
        widths={3: 30},
        note=None if rows else t("hv.missing"),
    )

    # Data quality
    rows = []
    for r in data.sources.to_dict("records"):
        # a source that never delivered says so where its reasons would be (its snapshot time is empty)
        reasons = (
            t("quality.no_data_yet")
            if has_no_data(r)
            else "; ".join(f"{t.reason(k, r['source'])} ×{n}" for k, n in (r.get("top_reasons") or []))
        )
        rows.append(
            [
                r["source"],
                t.source_title(r["source"], r["title_zh"], r["title_en"]),
                r.get("snapshot_at"),
                r.get("raw_rows"),
                r.get("staged_rows"),
                r.get("duplicate_rows"),
                r.get("quarantined_rows"),
                reasons,
                "; ".join(f"{k} ×{n}" for k, n in (r.get("top_reasons") or [])),
            ]
        )
    add_sheet(
        wb,
        x("quality"),
        [
            "source",
            t("quality.col_source"),
            t("quality.col_snapshot"),
            t("quality.col_received"),
            t("quality.col_accepted"),
            t("quality.col_duplicates"),
            t("quality.col_quarantined"),
            t("quality.col_reasons"),
            x("col_reason_codes"),
        ],
        rows,
        formats={3: "yyyy-mm-dd hh:mm"},
        widths={2: 30, 3: 18, 8: 60, 9: 60},
        note=None if rows else t("quality.no_sources"),
    )
    # A WARN check that warned is not a pass (data.checks' outcome).
    rows = (
        []
        if data.checks is None
        else [
            [
                r.table_name,
                r.check_name,
                r.severity,
                (r.outcome == "passed") if getattr(r, "outcome", None) not in (None, "not_run") else None,
                r.evaluated_at,
            ]
            for r in data.checks.itertuples()
        ]
    )
    add_sheet(
        wb,
        x("checks"),
        [
            t("quality.col_table"),
            x("col_check"),
            x("col_severity"),
            t("quality.col_passed"),
            x("col_evaluated"),
        ],
        rows,
        formats={5: "yyyy-mm-dd hh:mm"},
        widths={1: 24, 2: 40, 5: 18},
        note=None if data.checks is not None else (data.checks_note or t("quality.no_checks")),
    )

    # Revisions (all of them; the PDF lists the largest)
    rows = [
        [
            r.indicator_id,
            t.name(r.indicator_id),
            r.district_code,
            x("city") if r.district_code == CITY else t.district(r.district_code, r.name_zh, r.name_en),
            r.as_of,
            r.old,
            r.new,
            r.change,
        ]
        for r in data.revisions.itertuples()
    ]
    note = None
    if data.previous_report_month is None:
        note = t("revisions.first")
    elif not rows:
        note = t("revisions.none", prev=t.month(data.previous_report_month))
    add_sheet(
        wb,
        x("revisions"),
        [
            x("col_indicator_id"),
            t("revisions.col_indicator"),
            x("col_district_code"),
            t("revisions.col_district"),
            t("revisions.col_as_of"),
            t("revisions.col_old"),
            t("revisions.col_new"),
            t("revisions.col_change"),
        ],
        rows,
        formats={5: "yyyy-mm-dd", 6: "#,##0.0000", 7: "#,##0.0000", 8: "#,##0.0000"},
        widths={1: 28, 2: 44, 4: 24},
        note=note,
    )

    # The final evaluation of each ended plan (终期评估)
    for f in data.finals:
        tf = t.for_plan(f.plan)
        rows = [
            [
                r.id,
                tf.name(r.id),
                tf.unit(r.id),
                r.base_value,
                r.value,
                r.target_value,
                tf.status(r.final_status),
                r.change_share,
                r.ratio,
                tf.status(r.status) if r.status else None,
                f.as_of,
            ]
            for r in f.rows
        ]
        add_sheet(
            wb,
            f"{t('final.heading_short')} {f.plan.target_year}",
            [
                x("col_indicator_id"),
                t("cover.col_indicator"),
                x("col_unit"),
                t("final.col_base"),
                t("final.col_value", year=f.plan.target_year),
                t("final.col_target"),
                t("final.col_verdict"),
                t("final.col_share"),
                t("figures.ratio"),
                t("final.col_r_class"),
                x("col_as_of"),
            ],
            rows,
            formats={4: "#,##0.00", 5: "#,##0.00", 6: "#,##0.00", 8: "0.0%", 9: "0.00", 11: "yyyy-mm-dd"},
            widths={1: 28, 2: 44},
            note=t(
                "final.verdict",
                date=t.date(f.as_of),
                n=f.n_targets,
                k=f.n_achieved,
                missed=f.n_targets - f.n_achieved - f.n_missing,
            ),
        )

    # Other indicators still published (no target)
    rows = [
        [
            sec.id,
            t.name(sec.id),
            sec.value,
            t.unit(sec.id),
            sec.as_of,
            None
            if is_missing(sec.value) or is_missing(sec.year_ago_value)
            else sec.value - sec.year_ago_value,
            None
            if is_missing(sec.value) or is_missing(sec.year_ago_value) or not sec.year_ago_value
            else sec.value / sec.year_ago_value - 1,
        ]
        for sec in data.monitored
    ]
    if rows:
        add_sheet(
            wb,
            t("monitored.heading"),
            [
                x("col_indicator_id"),
                t("cover.col_indicator"),
                t("cover.col_value"),
                x("col_unit"),
                x("col_as_of"),
                t("cover.col_yoy"),
                t("xlsx.col_yoy_pct"),
            ],
            rows,
            formats={3: "#,##0.00", 5: "yyyy-mm-dd", 6: "#,##0.00", 7: "0.0%"},
            widths={1: 28, 2: 44},
        )

    # Protection: cases by authority and type (counts and sums only; never a party)
    pr = data.protection
    if pr is None or pr.by_type is None:  # the source has never delivered a case: the sheet says so
        add_sheet(
            wb,
            t("xlsx.protection"),
            [t("protection.col_authority"), t("protection.col_type"), t("protection.col_cases")],
            [],
            note=t("protection.missing"),
        )
    elif not pr.by_type.empty:
        label = lambda group, k: t(f"protection.{group}.{k}") if t.has(f"protection.{group}.{k}") else k  # noqa: E731 (a local one-line formatter)
        rows = [
            [
                label("authority", r.authority_type),
                label("case_type", r.case_type),
                r.cases,
                r.cases_prev,
                r.value_wan,
                r.value_wan_prev,
                r.penalty_wan,
                r.penalty_wan_prev,
            ]
            for r in pr.by_type.itertuples()
        ]
        prev = t.period(same_day_last_year(pr.as_of), True)
        add_sheet(
            wb,
            t("xlsx.protection"),
            [
                t("protection.col_authority"),
                t("protection.col_type"),
                t("protection.col_cases") + f" {t.period(pr.as_of, True)}",
                t("protection.col_cases_prev", period=prev),
                t("protection.col_value") + t("xlsx.wan"),
                t("protection.col_value") + t("xlsx.wan") + f" ({prev})",
                t("protection.col_penalty") + t("xlsx.wan"),
                t("protection.col_penalty") + t("xlsx.wan") + f" ({prev})",
            ],
            rows,
            formats={5: "#,##0.00", 6: "#,##0.00", 7: "#,##0.00", 8: "#,##0.00"},
            widths={1: 16, 2: 20},
            note=t("protection.note"),
        )

    add_sheet(
        wb,
        x("flags"),
        [x("col_mark"), x("col_flags"), x("col_meaning")],
        [list(i) for i in notes.items()],
        widths={2: 28, 3: 90},
        note=None if notes.items() else t("method.flags_none"),
    )
    # the nation and the province: each figure the charts and page 1 used, beside the city's year-end value
    city = {sec.id: sec.series for sec in [*data.sections, *data.companions, *data.monitored]}
    add_comparison_sheet(wb, comparison_rows(data.peers, city, t, load_national_targets()), t)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # readers never see a half-written workbook
    return path
