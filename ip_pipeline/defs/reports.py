"""The monthly report asset: one PDF (Chinese and English) and XLSX per month partition."""

import hashlib
from pathlib import Path

import dagster as dg

from ..partitions import monthly_partitions, today_in_yantai
from ..db import connect
from ..paths import REPORT_TEMPLATES_DIR, Home
from ..resources import WAREHOUSE_POOL, Warehouse
from .indicators import indicator_progress, inputs_fingerprint
from .ingestion import OWNER

LANGS = ("zh", "en")
REPORT_CODE_DIR = Path(__file__).resolve().parent.parent / "report"


def report_fingerprint(con, month: str) -> str:
    """A report is rebuilt only when something it shows could differ: the indicator inputs,
    the report's code and templates, or the day (source ages and the running month move daily)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{month};{today_in_yantai().isoformat()};{inputs_fingerprint(con)}".encode())
    for folder in (REPORT_TEMPLATES_DIR, REPORT_CODE_DIR):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.suffix in {".py", ".yaml", ".yml", ".json"}:
                h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def report_pdfs(home: Home, month: str) -> list[Path]:
    return [home.reports / month / f"ip_indicators_{month}_{lang}.pdf" for lang in LANGS]


def _is_current(home: Home, month: str, fingerprint: str) -> bool:
    stamp = home.reports / month / ".fingerprint"
    return stamp.exists() and stamp.read_text() == fingerprint and all(p.exists() for p in report_pdfs(home, month))


def report_is_current(home: Home, month: str) -> bool:
    """Whether the month's report exists and was built from what the warehouse holds today."""
    if not home.warehouse.exists():
        return False
    con = connect(home.warehouse, read_only=True)
    try:
        return _is_current(home, month, report_fingerprint(con, month))
    finally:
        con.close()


@dg.asset(
    partitions_def=monthly_partitions,
    deps=[indicator_progress],
    pool=WAREHOUSE_POOL,  # reads the warehouse: a DuckDB read-only open fails while another process writes
    group_name="reports",
    kinds={"pdf"},
    owners=[OWNER],
    description="月度知识产权指标报告 — the monthly PDF for leaders (Chinese, with a full English edition) and an "
                "XLSX with the same tables. Files: `<home>/reports/<YYYY-MM>/ip_indicators_<YYYY-MM>_zh.pdf` and "
                "`…_en.pdf`, the XLSX `ip_indicators_<YYYY-MM>_<lang>.xlsx` and a page-1 preview "
                "`ip_indicators_<YYYY-MM>_<lang>_p1.png` beside them (<home> is $IP_PIPELINE_HOME). "
                "The CLI reports the last complete month by default; a final evaluation of an ended plan is "
                "`ip-pipeline report --plan ID --final` → `<home>/reports/final/<plan_id>/plan_final_<plan_id>_<lang>.pdf`.",
)
def monthly_report(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    month = context.partition_key[:7]
    folder = warehouse.paths.reports / month
    stamp = folder / ".fingerprint"
    with warehouse.connection(read_only=True) as con:
        fingerprint = report_fingerprint(con, month)
    pdfs = report_pdfs(warehouse.paths, month)
    if _is_current(warehouse.paths, month, fingerprint):
        return dg.MaterializeResult(metadata={
            "month": dg.MetadataValue.text(month), "status": dg.MetadataValue.text("unchanged: not rebuilt"),
            "pdf_zh": dg.MetadataValue.path(str(pdfs[0])), "pdf_en": dg.MetadataValue.path(str(pdfs[1]))})
    from ..report import build_report  # matplotlib and fonts: loaded only when a report is built

    built = {lang: build_report(warehouse.paths.root, month, lang=lang) for lang in LANGS}
    finals = _final_evaluations(warehouse.paths, month, context)
    stamp.write_text(fingerprint)
    zh = built["zh"]
    metadata = {
        "month": dg.MetadataValue.text(month),
        "status": dg.MetadataValue.text("built"),
        "pdf_zh": dg.MetadataValue.path(str(zh.pdf)),
        "pdf_en": dg.MetadataValue.path(str(built["en"].pdf)),
        "xlsx": dg.MetadataValue.path(str(zh.xlsx)),
        "pdf_bytes": dg.MetadataValue.int(zh.pdf.stat().st_size),
    }
    for plan_id, pdf in finals.items():
        metadata[f"final_{plan_id}"] = dg.MetadataValue.path(str(pdf))
    return dg.MaterializeResult(metadata=metadata)


def _final_evaluations(home: Home, month: str, context) -> dict[str, Path]:
    """The final evaluation (终期评估) of every plan that has ended by the month: built beside the monthly report
    in `<home>/reports/final/<plan_id>/`, so the office has it without asking (`report --plan ID --final`)."""
    from ..report.data import ReportDataError, ended_by, month_bounds
    from ..report.final import build_final_report
    from ..indicators.catalogue import load_plans

    _, month_end = month_bounds(month)
    out: dict[str, Path] = {}
    for plan in load_plans():
        if not ended_by(plan, month_end):
            continue
        try:
            for lang in LANGS:
                result = build_final_report(home.root, plan.id, lang=lang)
                if lang == "zh":
                    out[plan.id] = result.pdf
        except ReportDataError as exc:  # e.g. no data after the target year yet
            context.log.info(f"final evaluation of {plan.id} not built: {exc}")
    return out
