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


FILES_MANIFEST = ".files.json"


def write_files_manifest(home: Home, month: str, files: list[Path]) -> Path:
    """The files the month's build wrote (what build_report returned), for the CLI's closing list."""
    import json

    target = home.reports / month / FILES_MANIFEST
    target.write_text(json.dumps([str(f) for f in files], ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def written_files(home: Home, month: str) -> list[Path]:
    """The files the month's last build wrote (from its manifest), those still on disk."""
    import json

    manifest = home.reports / month / FILES_MANIFEST
    try:
        files = [Path(f) for f in json.loads(manifest.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        return [p for p in report_pdfs(home, month) if p.exists()]
    return [f for f in files if f.exists()]


def _files_md(files: list[Path]) -> str:
    return "\n".join(f"- `{f}`" for f in files)


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
                "XLSX with the same tables, written to <home>/reports/<YYYY-MM>/.",
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
            "pdf_zh": dg.MetadataValue.path(str(pdfs[0])), "pdf_en": dg.MetadataValue.path(str(pdfs[1])),
            "files": dg.MetadataValue.md(_files_md(written_files(warehouse.paths, month)))})
    from ..report import build_report  # matplotlib and fonts: loaded only when a report is built

    built = {lang: build_report(warehouse.paths.root, month, lang=lang) for lang in LANGS}
    files = [f for lang in LANGS for f in built[lang].files]
    write_files_manifest(warehouse.paths, month, files)
    stamp.write_text(fingerprint)
    zh = built["zh"]
    return dg.MaterializeResult(metadata={
        "month": dg.MetadataValue.text(month),
        "status": dg.MetadataValue.text("built"),
        "pdf_zh": dg.MetadataValue.path(str(zh.pdf)),
        "pdf_en": dg.MetadataValue.path(str(built["en"].pdf)),
        "xlsx": dg.MetadataValue.path(str(zh.xlsx)),
        "pdf_bytes": dg.MetadataValue.int(zh.pdf.stat().st_size),
        "files": dg.MetadataValue.md(_files_md(files)),
    })
