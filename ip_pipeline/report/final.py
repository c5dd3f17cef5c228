"""`ip-pipeline report --plan ID --final`: the final evaluation (终期评估) of a plan whose target year has ended.

A PDF and an XLSX of their own, in `<home>/reports/final/<plan_id>/`: a cover with the verdict (how many
targets were met), one page per indicator (the series from the base year to T, the target, the gap and the
districts' contributions), then data-quality and method appendices. Written like the monthly report:
`*.part` first, then renamed, and a PNG of page 1 beside the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from openpyxl import Workbook

from ..city import UNLOCATED
from ..dates import now_utc
from ..indicators import rules
from ..paths import Home
from . import charts
from .build import MATH_RC, WrittenReport, first_page_png
from .charts import frame_axes
from .evaluation import load_final_evaluation
from .fonts import rc_params, register, text_width_pt
from .layout import Cell, Column, Document
from .model import FinalEvaluation, FinalRow
from .pages.common import badge, target_words
from .pages.evaluation import final_columns, final_row_cells, revision_notes
from .pages.quality import quality
from .pages.tiles import district_tiles, mapped
from .peers import comparison_rows, load_national_targets, load_peers, method_sentence, peer_lines
from .style import load_style
from .texts import DASH, Texts, is_missing
from .xlsx import add_comparison_sheet, add_sheet, cell_value


@dataclass(frozen=True)
class FinalReportResult(WrittenReport):
    rendered_text: str = field(default="", repr=False, compare=False)
    rows: tuple = field(default=(), repr=False, compare=False)


def final_dir(home: Path, plan_id: str) -> Path:
    return Home.of(home).reports / "final" / plan_id


def build_final_report(
    home: Path, plan_id: str, lang: str = "zh", out_dir: Path | None = None
) -> FinalReportResult:
    """One edition of the plan's final evaluation, written into `out_dir` (default: its published folder;
    report/staging.py builds it into a staging folder and publishes it only when it reconciles)."""
    paths = Home.of(home)
    final, plans, sources, checks, checks_note, notes = load_final_evaluation(paths.warehouse, plan_id)
    peers = load_peers(paths.warehouse)
    style = load_style()
    t = Texts(lang, final.plan, style, plans=plans)
    out = out_dir or final_dir(paths.root, plan_id)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"plan_final_{plan_id}_{lang}"
    pdf_path, xlsx_path = out / f"{stem}.pdf", out / f"{stem}.xlsx"
    generated = now_utc()
    register(paths.root / "cache" / "fonts")
    with matplotlib.rc_context({**rc_params(), **MATH_RC}):
        doc = Document(
            style=style,
            header_left=f"{t('final.cover_title')} · {t.plan_short()}",
            header_right=t.plan_name(),
            footer_left=t("report.as_of", date=t.date(final.as_of)),
            page_label=lambda n, total: t("report.page", n=n, total=total),
        )
        rows = _cover(doc, final, t, generated)
        district_tiles(
            doc,
            mapped([(r.id, r.districts, r.indicator.city_only) for r in final.rows]),
            t,
            t("tilemap.intro_final", year=final.plan.target_year),
        )
        for n, r in enumerate(final.rows, start=1):
            _indicator_page(doc, n, r, final, t, peers)
        ctx = SimpleNamespace(sources=sources, checks=checks, checks_note=checks_note)
        quality(doc, ctx, t, generated, heading=t("final.quality_heading"))
        _method(doc, final, t, notes, peers)
        doc.finish()
        tmp = pdf_path.with_suffix(".pdf.part")
        with PdfPages(
            tmp,
            metadata={"Title": f"{t('final.cover_title')} {t.plan_name()}", "Creator": "ip_pipeline.report"},
        ) as pdf:
            for fig in doc.pages:
                pdf.savefig(fig)
        tmp.replace(pdf_path)  # readers never see a half-written report
        png = first_page_png(pdf_path, doc, out / f"{stem}_p1.png", style.page["png_dpi"])
    _workbook(xlsx_path, final, t, sources, peers)
    return FinalReportResult(
        pdf_path, xlsx_path, png, rendered_text=doc.all_text(), rows=tuple(map(tuple, rows))
    )


def _cover(doc: Document, f: FinalEvaluation, t: Texts, generated: datetime) -> list[list[str]]:
    c, s = t.style.colour, t.style.size
    doc.new_page(running_header=False)
    band = 1.75
    doc.rect(0, 0, doc.W, band, c["header_fill"])
    doc.text_at(doc.left, 0.5, t("final.cover_title"), s["title"], c["header_ink"], weight="bold")
    name = t.plan_name()
    size = min(s["h1"], s["h1"] * doc.width * 72 / max(text_width_pt(name, s["h1"]), 1))
    doc.text_at(doc.left, 0.98, name, size, c["header_ink"])
    doc.text_at(
        doc.left,
        1.3,
        t("final.cover_dates", base=f.plan.base_year, year=f.plan.target_year),
        s["subtitle"] - 1.5,
        "#c9d6e8",
    )
    doc.y = band + 0.25
    doc.text_at(
        doc.left,
        doc.y,
        "    ·    ".join(
            [
                t("report.as_of", date=t.date(f.as_of)),
                t("report.vintage", vintage=f.vintage or DASH),
                t.generated(generated),
            ]
        ),
        s["small"] + 0.5,
        c["muted"],
    )
    doc.y += 0.35
    # the verdict, large
    top = doc.y
    doc.rect(doc.left, top, doc.width, 1.0, c["zebra"])
    doc.text_at(
        doc.left + 0.2,
        top + 0.18,
        t("final.cover_verdict", n=f.n_targets, k=f.n_achieved),
        22,
        c["accent"],
        weight="bold",
    )
    missed = f.n_targets - f.n_achieved - f.n_missing
    line = t("final.cover_missed", missed=missed) + (
        ("；" if t.lang == "zh" else "; ") + t("final.cover_na", na=f.n_missing) if f.n_missing else ""
    )
    if not is_missing(f.score):
        line += ("；" if t.lang == "zh" else "; ") + t(
            "final.verdict_score", score=t.number(f.score, decimals=2)
        ).lstrip("；; ")
    doc.text_at(doc.left + 0.2, top + 0.66, line, s["h2"], c["ink"])
    doc.y = top + 1.15
    doc.paragraph(t("final.how"), size=s["small"] + 0.3, colour=c["muted"], after=0.12)
    rows = [final_row_cells(r, t) for r in f.rows]
    doc.table(final_columns(t, f.plan.target_year), rows, min_row=0.3)
    revision_notes(doc, f, t)
    doc.paragraph(
        t("final.source_table") if f.source == "plan_outcomes" else t("final.source_computed"),
        size=s["small"],
        colour=c["muted"],
    )
    shares = [r for r in f.rows if not is_missing(r.change_share)]
    height = min(0.24 * len(shares) + 0.5, doc.room() - 0.4)  # set closer to stay on the cover
    if shares and height >= 0.12 * len(shares) + 0.4:
        doc.heading(t("final.share_heading"), level=2, keep_with=height)
        label_w = max(text_width_pt(t.name(r.id), s["chart"]) for r in shares) / 72
        ax = doc.axes(height, pad_left=min(label_w, 3.2) + 0.15, pad_right=0.3, pad_bottom=0.35)
        charts.share_bars(ax, shares, t)
    return [[x.text if isinstance(x, Cell) else x for x in row] for row in rows]


def _indicator_page(
    doc: Document, n: int, r: FinalRow, f: FinalEvaluation, t: Texts, peers: pd.DataFrame | None = None
) -> None:
    c, s = t.style.colour, t.style.size
    # a page per indicator; two city-only indicators (no district table) share one rather than leave halves empty
    if r.indicator.city_only and doc.pages and getattr(doc, "_last_city_only", False) and doc.room() > 4.9:
        doc.spacer(0.3)
    else:
        doc.new_page()
    doc._last_city_only = r.indicator.city_only
    doc.heading(t("section.indicator", n=n, name=t.name(r.id)))
    doc.paragraph(t.definition(r.id), size=s["small"] + 0.5, colour=c["muted"], after=0.1)
    year = f.plan.target_year
    target = target_words(t, r.indicator.target, r.id)
    if r.value is None or r.final_status == "not_available":
        verdict = t("final.ind_verdict_na", year=year)
    elif r.final_status == "target_achieved":
        verdict = t("final.ind_verdict_achieved", year=year, value=t.value(r.value, r.id), target=target)
    else:
        # The engine's gap to the target (plan_outcomes.target_gap), never printed as 0 beside 目标未完成.
        gap = r.gap if r.gap is not None else (None if r.target_value is None else r.value - r.target_value)
        gap_text = t.value(abs(gap) if gap is not None else None, r.id, point=t.unit_zh(r.id) == "%")
        shown = rules.gap_decimals(gap, t.style.decimals(r.id), True)
        if gap is not None and shown != t.style.decimals(r.id):
            gap_text = t.number(abs(gap), decimals=shown) + gap_text[len(t.number(abs(gap), r.id)) :]
        verdict = t(
            "final.ind_verdict_missed",
            year=year,
            value=t.value_against(r.value, r.target_value, r.id, True),
            target=target,
            gap=gap_text,
        )
    sep = "" if t.lang == "zh" else " "
    if not is_missing(r.change_share) and r.base_value is not None:
        verdict += sep + t(
            "final.ind_share", base=t.value(r.base_value, r.id), share=t.percent(r.change_share, 0)
        )
    if not is_missing(r.ratio) and r.status:
        verdict += sep + t("final.ind_r", r=t.number(r.ratio, decimals=2), status=t.status(r.status))
    doc.table(
        [Column(t("final.col_verdict"), 1.4, nowrap=True), Column(t("section.analysis"), 5.4)],
        [[badge(t, r.final_status), verdict]],
        min_row=0.35,
    )
    if r.monthly.dropna(subset=["value"]).empty and r.series.dropna(subset=["value"]).empty:
        doc.paragraph(t("section.series_none"), colour=c["muted"])  # one line, never empty axes
        return
    doc.heading(t("section.series_title"), level=2, keep_with=2.6)
    ax = doc.axes(1.8 if r.indicator.city_only else 2.6, pad_left=0.55, pad_right=0.1, pad_bottom=0.45)
    _series(ax, r, f, t, peers)
    doc.spacer(0.25)
    # year-end values and the gap to the target
    ser = r.series
    cols = [Column(t("final.col_year"), 0.8)] + [Column(str(d.year), 0.8, "right") for d in ser["as_of"]]
    vals = [t("final.ind_series")] + [t.short(v, r.id) for v in ser["value"]]
    gaps = [_gap_head(t, r)] + [_gap_cell(t, r, v) for v in ser["value"]]
    doc.table(cols, [vals, gaps], size=s["table"] - 0.3)
    if r.indicator.city_only:
        doc.spacer(-0.05)
        doc.paragraph(t("section.districts_city_only"), size=s["small"], colour=c["muted"], after=0.0)
        return
    doc.heading(t("final.districts_title", year=year), level=2, keep_with=1.2)
    d = r.districts
    if d.empty:
        doc.paragraph(t("final.no_districts"), colour=c["muted"])
        return
    d = d.assign(_apart=d["district_code"] == UNLOCATED).sort_values(
        ["_apart", "value", "district_code"], ascending=[True, False, True], na_position="last"
    )
    additive = d["contribution"].notna().any()
    cols = [
        Column(t("hv.col_district"), 2.4),
        Column(t("final.col_district_base", year=f.plan.base_year), 1.0, "right"),
        Column(t("final.col_district_base", year=year), 1.0, "right"),
        Column(t("final.col_change"), 1.0, "right"),
    ]
    if additive:
        cols.append(Column(t("final.col_contribution"), 1.1, "right"))
    rows = []
    for x in d.itertuples():
        name = t.district(x.district_code, x.name_zh, x.name_en)
        if x.district_code == UNLOCATED:
            name = t("section.unlocated_apart", name=name)
        row = [
            name,
            t.short(x.base_value, r.id),
            t.short(x.value, r.id),
            t.short(x.change, r.id, signed=True),
        ]
        if additive:
            row.append(
                DASH if is_missing(x.contribution) or x.contribution is None else t.percent(x.contribution, 1)
            )
        rows.append(row)
    doc.table(cols, rows, size=s["table"] - 0.3)
    if not additive:
        doc.paragraph(t("final.districts_ratio_note"), size=s["small"], colour=c["muted"])


def _series(ax, r: FinalRow, f: FinalEvaluation, t: Texts, peers: pd.DataFrame | None = None) -> None:
    c, size = t.style.colour, t.style.size["chart"]
    frame_axes(ax, t)
    ax.grid(axis="y", color=c["band"], linewidth=0.6)
    handles = []
    m = r.monthly.dropna(subset=["value"])
    if not m.empty:
        handles += ax.plot(
            pd.to_datetime(m["as_of"]), m["value"], color=c["accent"], linewidth=1.3, label=t("chart.actual")
        )
    ye = r.series.dropna(subset=["value"])
    if not ye.empty:
        handles += ax.plot(
            pd.to_datetime(ye["as_of"]),
            ye["value"],
            "o",
            color=c["accent"],
            markersize=3.5,
            label=t("chart.full_year_points"),
        )
        last = float(ye["value"].iloc[-1])
        shown = rules.display_decimals(
            last, r.target_value, t.style.decimals(r.id), r.final_status == "target_missed", _comparison(r)
        )
        ax.annotate(
            t.number(last, decimals=shown),
            (pd.Timestamp(ye["as_of"].iloc[-1]), ye["value"].iloc[-1]),
            textcoords="offset points",
            xytext=(-5, 6),
            ha="right",
            fontsize=size,
            color=c["accent"],
        )
    if r.target_value is not None:
        handles.append(
            ax.axhline(
                r.target_value,
                color=c["target"],
                linewidth=1.0,
                linestyle=(0, (4, 2)),
                label=f"{t('chart.target')} {t.value(r.target_value, r.id)}",
            )
        )
    if r.base_value is not None:
        handles += ax.plot(
            [pd.Timestamp(date(f.plan.base_year, 12, 31))],
            [r.base_value],
            "s",
            color=c["path"],
            markersize=5,
            label=f"{t('chart.base')} {t.number(r.base_value, r.id)}",
        )
    if peers is not None:
        handles += peer_lines(
            ax,
            peers,
            r.id,
            t,
            lambda y: pd.Timestamp(date(y, 12, 31)),
            load_national_targets().get(r.id),
        )
    ax.set_xlim(pd.Timestamp(date(f.plan.base_year, 10, 1)), pd.Timestamp(date(f.plan.target_year + 1, 2, 1)))
    charts.year_end_ticks(ax, f.plan.base_year, f.plan.target_year, t)
    ax.set_ylabel(t("chart.value_axis", unit=t.unit(r.id)), fontsize=size, color=c["muted"])
    ax.margins(y=0.15)
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncol=min(len(handles), 4),
            frameon=False,
            fontsize=size,
        )
    if r.indicator.kind == "flow":
        ax.text(0.0, 1.02, t("chart.ytd_note"), transform=ax.transAxes, fontsize=size - 0.5, color=c["muted"])


def _method(doc: Document, f: FinalEvaluation, t: Texts, notes, peers: pd.DataFrame | None = None) -> None:
    s, c = t.style.size, t.style.colour
    doc.section(4.0)
    doc.heading(t("final.method_heading"))
    doc.paragraph(t("method.lifecycle"))
    doc.paragraph(t("final.how"))
    doc.heading(t("method.definitions"), level=2)
    doc.table(
        [Column(t("cover.col_indicator"), 2.3), Column(t("method.definitions"), 4.6)],
        [[t.name(r.id), t.definition(r.id)] for r in f.rows],
        size=s["table"] - 0.2,
    )
    doc.heading(t("method.progress"), level=2)
    doc.paragraph(t("method.progress_text"))
    for key in ("g_obs", "g_req", "ratio"):
        doc.formula(t.raw(f"method.formulas.{key}"))
    doc.formula(t.raw("method.symbols"), size=s["small"] + 0.3)
    doc.paragraph(t("method.score"))
    doc.formula(t.raw("method.formulas.score"))
    doc.paragraph(t("method.scope"))
    if peers is not None:
        peers_text = method_sentence(peers, load_national_targets(), {r.id for r in f.rows}, t)
        if peers_text:
            doc.paragraph(peers_text)
    doc.paragraph(
        t("final.source_table") if f.source == "plan_outcomes" else t("final.source_computed"),
        size=s["small"],
        colour=c["muted"],
    )


def _workbook(
    path: Path, f: FinalEvaluation, t: Texts, sources: pd.DataFrame, peers: pd.DataFrame | None = None
) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    x = lambda k: t(f"xlsx.{k}")  # noqa: E731 (a local one-line formatter)
    year = f.plan.target_year
    rows = [
        [
            r.id,
            t.name(r.id),
            t.unit(r.id),
            r.base_value,
            r.value,
            r.target_value,
            t.status(r.final_status),
            r.attainment,
            r.change_share,
            r.ratio,
            t.status(r.status) if r.status else None,
            f.as_of,
        ]
        for r in f.rows
    ]
    add_sheet(
        wb,
        t("final.heading_short"),
        [
            x("col_indicator_id"),
            t("cover.col_indicator"),
            x("col_unit"),
            t("final.col_base"),
            t("final.col_value", year=year),
            t("final.col_target"),
            t("final.col_verdict"),
            t("xlsx.col_attainment"),
            t("final.col_share"),
            t("figures.ratio"),
            t("final.col_r_class"),
            x("col_as_of"),
        ],
        rows,
        formats={
            4: "#,##0.00",
            5: "#,##0.00",
            6: "#,##0.00",
            8: "0.0%",
            9: "0.0%",
            10: "0.00",
            12: "yyyy-mm-dd",
        },
        widths={1: 28, 2: 44},
    )
    ws = wb[t("final.heading_short")]
    ws.cell(row=ws.max_row + 2, column=2, value=t("final.cover_verdict", n=f.n_targets, k=f.n_achieved))
    if not is_missing(f.score):
        ws.cell(row=ws.max_row + 1, column=2, value=t("cover.score_label"))
        ws.cell(row=ws.max_row, column=3, value=cell_value(f.score)).number_format = "0.00"
    rows = [[r.id, t.name(r.id), d, v] for r in f.rows for d, v in zip(r.series["as_of"], r.series["value"])]
    add_sheet(
        wb,
        t("final.ind_series"),
        [x("col_indicator_id"), t("cover.col_indicator"), x("col_as_of"), t("figures.value")],
        rows,
        formats={3: "yyyy-mm-dd", 4: "#,##0.0000"},
        widths={1: 28, 2: 44},
    )
    rows = [
        [
            r.id,
            t.name(r.id),
            d.district_code,
            t.district(d.district_code, d.name_zh, d.name_en),
            d.base_value,
            d.value,
            d.change,
            d.contribution,
        ]
        for r in f.rows
        for d in r.districts.itertuples()
    ]
    add_sheet(
        wb,
        x("districts"),
        [
            x("col_indicator_id"),
            t("cover.col_indicator"),
            x("col_district_code"),
            t("hv.col_district"),
            t("final.col_district_base", year=f.plan.base_year),
            t("final.col_district_base", year=year),
            t("final.col_change"),
            t("final.col_contribution"),
        ],
        rows,
        formats={5: "#,##0.0000", 6: "#,##0.0000", 7: "#,##0.0000", 8: "0.0%"},
        widths={1: 28, 2: 44, 4: 30},
    )
    rows = [
        [
            r["source"],
            t.source_title(r["source"], r["title_zh"], r["title_en"]),
            r.get("snapshot_at"),
            r.get("raw_rows"),
            r.get("staged_rows"),
            r.get("quarantined_rows"),
        ]
        for r in sources.to_dict("records")
    ]
    add_sheet(
        wb,
        x("quality"),
        [
            "source",
            t("quality.col_source"),
            t("quality.col_snapshot"),
            t("quality.col_received"),
            t("quality.col_accepted"),
            t("quality.col_quarantined"),
        ],
        rows,
        formats={3: "yyyy-mm-dd hh:mm"},
        widths={2: 30, 3: 18},
    )
    if peers is not None:
        city = {r.id: r.series for r in f.rows}
        add_comparison_sheet(wb, comparison_rows(peers, city, t, load_national_targets()), t)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _comparison(r: FinalRow) -> str:
    return getattr(r.indicator.target, "comparison", None) or "ge"


def _gap_head(t: Texts, r: FinalRow) -> str:
    """The gap row's label; a rate's gap is in percentage points (rules.gap_unit), said once here."""
    unit = t.unit_zh(r.id)
    if unit != "%":
        return t("final.col_gap")
    return t("final.col_gap") + (
        f"（{rules.gap_unit(unit, 'zh')}）" if t.lang == "zh" else f" ({rules.gap_unit(unit, 'en')})"
    )


def _gap_cell(t: Texts, r: FinalRow, v) -> str:
    """A year's value minus the target, never 0 beside a value that misses it (rules.gap_decimals)."""
    if is_missing(v) or r.target_value is None:
        return DASH
    gap = float(v) - r.target_value
    if t.unit_zh(r.id) != "%":
        return t.short(gap, r.id, signed=True)
    missed = rules.meets(float(v), r.target_value, _comparison(r)) is False
    return t.number(gap, signed=True, decimals=rules.gap_decimals(gap, t.style.decimals(r.id), missed))
