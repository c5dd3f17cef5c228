"""The monthly report asset: one PDF (Chinese and English) and XLSX per month partition."""

import json
from pathlib import Path

import dagster as dg

from ..indicators import rules
from ..indicators.catalogue import load_plans
from ..paths import Home
from ..report.months import report_stem
from .indicators import indicator_progress
from .ingestion import OWNER
from .markdown import records_table
from .partitions import monthly_partitions
from .resources import WAREHOUSE_POOL, Warehouse
from .versions import report_version

LANGS = ("zh", "en")


def report_fingerprint(con, month: str, archive: bool = False) -> str:
    """A bulletin is rebuilt only when what it reads of the month could differ, or its code
    and templates (report/inputs.py: the running month, whose figures are partial, daily)."""
    from ..report.inputs import bulletin_fingerprint

    return bulletin_fingerprint(con, month, as_published=archive)


def report_pdfs(home: Home, month: str) -> list[Path]:
    return [home.reports / month / f"{report_stem(month, lang)}.pdf" for lang in LANGS]


FILES_MANIFEST = ".files.json"


def write_files_manifest(home: Home, month: str, files: list[Path]) -> Path:
    """The files the month's build wrote (what build_report returned), for the CLI's closing list."""
    target = home.reports / month / FILES_MANIFEST
    target.write_text(json.dumps([str(f) for f in files], ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def written_files(home: Home, month: str) -> list[Path]:
    """The files the month's last build wrote (from its manifest), those still on disk."""
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
    return (
        stamp.exists()
        and stamp.read_text() == fingerprint
        and all(p.exists() for p in report_pdfs(home, month))
    )


def month_report_current(home: Home, month: str) -> bool:
    """The month's published bulletin was built from the inputs the warehouse holds now (and its
    files are there): what the monthly_report asset itself tests before it builds."""
    from ..db import connect

    if not home.warehouse.exists():
        return False
    con = connect(home.warehouse, read_only=True)
    try:
        return _is_current(home, month, report_fingerprint(con, month))
    finally:
        con.close()


ARCHIVE_TAG = "ip_pipeline/archive"  # a run that builds the archive of past bulletins


def is_archive_run(context) -> bool:
    """A backfill (from the UI: Dagster's backfill tag; from the CLI: `backfill --reports`) builds
    the archive: each month as it was published, published_values left as they are."""
    tags = context.run.tags if context.run else {}
    return tags.get(ARCHIVE_TAG) == "1" or "dagster/backfill" in tags


def build_month(warehouse: Warehouse, month: str, archive: bool) -> tuple[str, list[Path]]:
    """Build (or leave, when current) one month's report; returns (status, files)."""
    folder = warehouse.paths.reports / month
    stamp = folder / ".fingerprint"
    with warehouse.connection(read_only=True) as con:
        fingerprint = report_fingerprint(con, month, archive) + (":archive" if archive else "")
    if _is_current(warehouse.paths, month, fingerprint):
        return "unchanged: not rebuilt", written_files(warehouse.paths, month)
    from ..report.staging import build_audited  # matplotlib and fonts: loaded only when a report is built

    # The archive never rewrites the history of what was published (record=False) and shows
    # a month's values as its report published them where that history exists.
    # The bulletin is built into a staging folder and audited; one that does not reconcile is not
    # published (the previous files stay) and is not stamped current, so the next run builds it again.
    built = build_audited(warehouse.paths.root, month, LANGS, record=not archive, as_published=archive)
    if not built.published:
        return (
            f"not published: the audit found {len(built.findings)} figure(s) that do not reconcile",
            built.files,
        )
    write_files_manifest(warehouse.paths, month, built.files)
    stamp.write_text(fingerprint)
    return ("built (archive)" if archive else "built"), built.files


@dg.asset(
    partitions_def=monthly_partitions,
    # A backfill of many months from the UI is one run (one process, fonts loaded once), like the CLI's.
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[indicator_progress],
    code_version=report_version(),
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
    months = [k[:7] for k in context.partition_keys]
    archive = is_archive_run(context)
    if len(months) == 1:
        month = months[0]
        status, files = build_month(warehouse, month, archive)
        pdfs = report_pdfs(warehouse.paths, month)
        meta = {
            "month": dg.MetadataValue.text(month),
            "status": dg.MetadataValue.text(status),
            # a bulletin that fails the audit is not published: the previous one stays (check bulletin_reconciles)
            "published": dg.MetadataValue.bool(not status.startswith("not published")),
            "pdf_zh": dg.MetadataValue.path(str(pdfs[0])),
            "pdf_en": dg.MetadataValue.path(str(pdfs[1])),
        }
        xlsx = [f for f in files if f.suffix == ".xlsx"]
        if xlsx:
            meta["xlsx"] = dg.MetadataValue.path(str(xlsx[0]))
        if pdfs[0].exists():
            meta["pdf_bytes"] = dg.MetadataValue.int(pdfs[0].stat().st_size)
        if not status.startswith("unchanged"):  # the final evaluations read the same inputs as the month
            for plan_id, built in final_evaluations(warehouse, month, context).items():
                meta[f"final_{plan_id}"] = dg.MetadataValue.path(str(built[0]))
                files += built
            write_files_manifest(warehouse.paths, month, files)
        meta["files"] = dg.MetadataValue.md(_files_md(files))
        return dg.MaterializeResult(metadata=meta)
    rows = []
    for month in months:
        status, files = build_month(warehouse, month, archive)
        context.log.info(f"report {month}: {status}")
        rows.append(f"| {month} | {status} | {len(files)} | `{warehouse.paths.reports / month}` |")
    table = "\n".join(["| month | status | files | folder |", "|---|---|---:|---|", *rows])
    return dg.MaterializeResult(
        metadata={
            "months": dg.MetadataValue.text(f"{months[0]} … {months[-1]} ({len(months)})"),
            "archive": dg.MetadataValue.bool(archive),
            "reports": dg.MetadataValue.md(table),
        }
    )


def final_evaluations(warehouse: Warehouse, month: str, context) -> dict[str, list[Path]]:
    """The final evaluation (终期评估) of every plan that has ended by the month: built beside the monthly report
    in `<home>/reports/final/<plan_id>/`, so the office has it without asking (`report --plan ID --final`).
    A plan's evaluation is built again only when its outcomes changed (report/inputs.py); it is built into a
    staging folder and replaces the published one only when it reconciles with plan_outcomes (staging.py)."""
    # the report stack: as build_report above
    from ..report.final import final_dir
    from ..report.inputs import outcomes_fingerprint
    from ..report.model import ReportDataError
    from ..report.months import month_bounds
    from ..report.staging import build_final_audited

    home = warehouse.paths
    _, month_end = month_bounds(month)
    out: dict[str, list[Path]] = {}
    for plan in load_plans():
        if not rules.ended_by(plan, month_end):
            continue
        folder = final_dir(home.root, plan.id)
        stamp = folder / ".fingerprint"
        with warehouse.connection(read_only=True) as con:
            fingerprint = outcomes_fingerprint(con, plan.id, plan.target_year)
        files = [folder / f"plan_final_{plan.id}_{lang}.{ext}" for lang in LANGS for ext in ("pdf", "xlsx")]
        if stamp.exists() and stamp.read_text() == fingerprint and all(f.exists() for f in files):
            # its audit record (.audit.json) from the build stays what the check reports
            context.log.info(f"final evaluation of {plan.id}: outcomes unchanged, not rebuilt")
            out[plan.id] = [
                f for lang in LANGS for f in folder.glob(f"plan_final_{plan.id}_{lang}*") if f.is_file()
            ]
            continue
        try:  # zh first: its PDF leads the list
            result = build_final_audited(home.root, plan.id, LANGS)
        except ReportDataError as exc:  # e.g. no data after the target year yet
            context.log.info(f"final evaluation of {plan.id} not built: {exc}")
            continue
        if result.files:
            out[plan.id] = result.files
        if result.published:
            stamp.write_text(fingerprint)  # only a published build is skipped next night
        else:  # the check bulletin_reconciles reports what does not agree; the next night tries again
            context.log.warning(
                f"final evaluation of {plan.id} not published: {len(result.findings)} figure(s) do not "
                f"reconcile with plan_outcomes (the rejected files are in {folder / '.rejected'})"
            )
    return out


@dg.asset_check(
    asset=monthly_report,
    name="bulletin_reconciles",
    blocking=True,
    pool=WAREHOUSE_POOL,  # reads the warehouse, as the report does
    description="The report audit (report/audit.py): the built PDF and XLSX read back; key indicators equal the "
    "warehouse at their displayed precision, totals equal the sums of their rows, no 不适用 row has an amount, "
    "every status and verdict word is indicator_progress's; the final evaluation of an ended plan agrees with "
    "plan_outcomes (verdict, final value, target, gap). A bulletin or a final evaluation that fails is not "
    "published: the previous one stays in place.",
)
def bulletin_reconciles(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    tags = context.run.tags if context.run else {}
    first = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_start")
    last = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end")
    months = (
        [k[:7] for k in monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))]
        if first and last
        else []
    )
    result = bulletin_audit_result(warehouse.paths.root, months)
    context.log.info(result.description or "")
    return result


def bulletin_audit_result(home: Path, months: list[str]) -> dg.AssetCheckResult:
    """The check's result from the months' audit records (written by the build, before publishing)."""
    from ..report.audit_final import final_audit_records
    from ..report.audit_record import audit_record

    records = {m: audit_record(home, m) for m in months}
    findings = [f | {"month": m} for m, r in records.items() if r for f in r["findings"]]
    # the final evaluations of ended plans, built with the month's report: read back against plan_outcomes
    finals = final_audit_records(home)
    findings += [f | {"month": f"final {plan_id}"} for plan_id, r in finals.items() for f in r["findings"]]
    unpublished = [m for m, r in records.items() if r and not r["published"]]
    unaudited = [m for m, r in records.items() if r is None]
    finals_unpublished = [p for p, r in finals.items() if r.get("published") is False]
    if findings:
        message = (
            f"{len(findings)} figure(s) do not reconcile; "
            + (
                f"not published: {', '.join(unpublished)} "
                "(the previous bulletin is left in place; the rejected files are in `<month>/.rejected/`): "
                if unpublished
                else f"final evaluation not published: {', '.join(finals_unpublished)} (the previous one is "
                "left in place; the rejected files are in `final/<plan>/.rejected/`): "
                if finals_unpublished
                else "the final evaluation disagrees with plan_outcomes: "
            )
            + "; ".join(
                f"{f['month']} {f['table']} · {f['row']}: expected {f['expected']}, found {f['found']}"
                for f in findings[:3]
            )
            + (f"; … {len(findings) - 3} more" if len(findings) > 3 else "")
        )
    else:
        message = f"the bulletin reconciles ({', '.join(months) or 'no month in this run'})"
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        description=message[:1000],
        metadata={
            "message": dg.MetadataValue.md(message),
            "published": dg.MetadataValue.bool(not unpublished),
            "unpublished_months": dg.MetadataValue.json(unpublished),
            "unaudited_months": dg.MetadataValue.json(unaudited),
            "final_evaluations": dg.MetadataValue.json(
                {p: r.get("passed", False) for p, r in finals.items()}
            ),
            "findings": dg.MetadataValue.md(records_table(findings[:50], total=len(findings)))
            if findings
            else dg.MetadataValue.text("none"),
        },
    )
