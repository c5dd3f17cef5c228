"""build_report: read the warehouse, lay out the PDF, write the XLSX and a PNG of page 1, record what was published."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages

from ..dates import now_utc
from ..faults import maybe_fail
from ..paths import Home
from .data import load_report_data
from .fonts import FAMILY, rc_params, register
from .footnotes import Footnotes
from .layout import Document
from .model import ReportData
from .months import report_stem
from .pages.cover import cover, report_month
from .pages.evaluation import final_summary
from .pages.high_value import high_value
from .pages.indicators import indicator_section, monitored, other_plans
from .pages.method import method
from .pages.protection import protection
from .pages.quality import quality
from .pages.revisions import revisions
from .pages.tiles import district_tiles, mapped
from .published import record_published
from .style import load_style
from .texts import Texts
from .xlsx import write_workbook

log = logging.getLogger(__name__)

# Formulas are typeset with matplotlib's mathtext in the report's own typeface (no second font embedded);
# only strings marked `parse_math=True` are parsed.
MATH_RC = {f"mathtext.{k}": FAMILY for k in ("rm", "it", "bf", "sf", "tt", "cal")}
MATH_RC.update({"mathtext.fontset": "custom", "mathtext.fallback": None})


@dataclass(frozen=True)
class WrittenReport:
    """The files one report build wrote (a monthly bulletin or a final evaluation)."""

    pdf: Path
    xlsx: Path
    png_first_page: Path | None

    @property
    def files(self) -> list[Path]:
        """Every file this build wrote: the PDF, the XLSX and the PNG of page 1 (when rendered)."""
        return [p for p in (self.pdf, self.xlsx, self.png_first_page) if p is not None]


@dataclass(frozen=True)
class ReportResult(WrittenReport):
    # Every string drawn on the pages, for the glyph-coverage check; not part of the files.
    rendered_text: str = field(default="", repr=False, compare=False)
    cover_rows: tuple = field(default=(), repr=False, compare=False)
    # What record_published would keep, when the build left the recording to its caller (record=False).
    published: object = field(default=None, repr=False, compare=False)
    generated: datetime | None = field(default=None, repr=False, compare=False)


def report_dir(home: Path, month: str) -> Path:
    return Home.of(home).reports / month


def build_report(
    home: Path,
    month: str,
    lang: str = "zh",
    plan_id: str | None = None,
    record: bool = True,
    as_published: bool = False,
    out_dir: Path | None = None,
) -> ReportResult:
    """Write `home/reports/<month>/ip_indicators_<month>_<lang>.pdf`, the XLSX beside it and a PNG of page 1.

    Reads `home/warehouse.duckdb` read-only; at the end, in one short read-write
    connection, records the month's published values (unless `record=False`) so
    the next month's report can list revisions. `as_published=True` (the archive of
    past bulletins) shows the values the month's report published where the history has them.
    `out_dir` writes the files elsewhere (a staging folder, audited before the files are moved into place).
    """
    paths = Home.of(home)
    data = load_report_data(paths.warehouse, month, plan_id=plan_id, as_published=as_published)
    style = load_style()
    t = Texts(lang, data.plan, style, plans=data.plans)
    out_dir = out_dir or report_dir(paths.root, month)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(month, lang)
    pdf_path, xlsx_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.xlsx"
    generated = now_utc()  # printed on Beijing time (Texts.generated), stored as UTC

    register(paths.root / "cache" / "fonts")
    with matplotlib.rc_context({**rc_params(), **MATH_RC}):
        notes = Footnotes(t)
        doc, cover_rows = _compose(data, t, notes, generated)
        _save_pdf(doc, pdf_path, data, t)
        png = first_page_png(pdf_path, doc, out_dir / f"{stem}_p1.png", style.page["png_dpi"])
    write_workbook(xlsx_path, data, t, notes)
    if record:
        record_published(paths.warehouse, month, data.published, generated)
    return ReportResult(
        pdf_path,
        xlsx_path,
        png,
        rendered_text=doc.all_text(),
        cover_rows=tuple(map(tuple, cover_rows)),
        published=data.published,
        generated=generated,
    )


def _compose(data: ReportData, t: Texts, notes: Footnotes, generated: datetime) -> tuple[Document, list]:
    doc = Document(
        style=t.style,
        header_left=f"{t('report.short_title')} · {report_month(t, data)}",
        header_right=t.plan_name(),
        footer_left=t("report.as_of", date=t.date(data.as_of)),
        page_label=lambda n, total: t("report.page", n=n, total=total),
    )
    cover_rows = cover(doc, data, t, notes, generated)
    # the plan in force leads (cover); an ended plan follows as its final evaluation; a second plan in force
    # (the action plan beside the 14th FYP in 2025) gets its table after the lead plan's indicators
    for f in data.finals[:1]:
        final_summary(doc, f, t, peers=data.peers)
    # the districts at a glance, before the indicators' own pages
    district_tiles(
        doc,
        mapped([(sec.id, sec.districts, sec.indicator.city_only) for sec in data.sections]),
        t,
        t("tilemap.intro", date=t.date(data.as_of)),
    )
    for n, sec in enumerate(data.sections, start=1):
        indicator_section(doc, n, sec, t, notes, in_force=data.in_force, peers=data.peers)
    if data.other_plans:
        doc.spacer(0.2)
        other_plans(doc, data, t, notes)
    monitored(doc, data, t, notes)
    protection(doc, data, t)
    high_value(doc, data, t, notes)
    revisions(doc, data, t)
    quality(doc, data, t, generated)
    method(doc, data, t, notes)
    doc.finish()
    return doc, cover_rows


def _save_pdf(doc: Document, path: Path, data: ReportData, t: Texts) -> None:
    tmp = path.with_suffix(".pdf.part")
    with PdfPages(
        tmp,
        metadata={
            "Title": f"{t('report.title')} {t.month(data.month)}",
            "Subject": t.plan_name(),
            "Creator": "ip_pipeline.report",
        },
    ) as pdf:
        for n, fig in enumerate(doc.pages):
            pdf.savefig(fig)
            if n == 0:
                maybe_fail("report:mid_write")
    tmp.replace(path)  # readers never see a half-written report


def first_page_png(pdf: Path, doc: Document, target: Path, dpi: int) -> Path | None:
    exe = shutil.which("pdftoppm")
    if exe:
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "p"
            done = subprocess.run(
                [exe, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                capture_output=True,
                timeout=120,
            )
            if done.returncode == 0 and prefix.with_suffix(".png").exists():
                shutil.move(str(prefix.with_suffix(".png")), target)
                return target
            log.warning("pdftoppm failed (%s); rendering the cover with matplotlib", done.stderr[:200])
    try:
        doc.pages[0].savefig(target, dpi=dpi)
        return target
    except Exception as exc:  # a preview is a convenience, never a reason to fail the report  # noqa: BLE001 (a failure here is reported, never raised)
        log.warning("could not render the first page: %s", exc)
        return None
