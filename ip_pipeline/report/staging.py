"""Publishing a report only when it reconciles: build into a staging folder, audit, then move into place.

Both the month's bulletin (report/audit.py) and a plan's final evaluation (report/audit_final.py) take this
path. A build that fails its audit never replaces the files readers have: its files go to `.rejected/` in
the report's folder for inspection, the previous files stay where they were, and the folder's `.audit.json`
says what did not reconcile and that the new build was not published.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..paths import Home
from .audit import Finding, audit_report
from .audit_final import audit_final_report, write_final_record
from .audit_record import AUDIT_FILE
from .build import ReportResult, WrittenReport, build_report, report_dir
from .final import FinalReportResult, build_final_report, final_dir
from .parallel import side_by_side
from .published import record_published

STAGING = ".staging"
REJECTED = ".rejected"


@dataclass(frozen=True)
class Audited:
    """What an audited build leaves: published or not, the findings, and the files readers now see."""

    published: bool
    findings: list[Finding]
    files: list[Path]  # the published files (the new ones, or the previous ones left in place)
    rejected: list[Path]  # the new files that did not reconcile (empty when published)


@dataclass(frozen=True)
class AuditedBuild(Audited):
    """One month's bulletin, audited."""

    month: str


def build_and_audit(
    home: Path, month: str, lang: str, as_published: bool, out_dir: Path
) -> tuple[ReportResult, list[Finding]]:
    """One edition built into `out_dir` (nothing recorded) and read back by the audit."""
    r = build_report(home, month, lang=lang, record=False, as_published=as_published, out_dir=out_dir)
    return r, audit_report(Home.of(home).warehouse, r.pdf, r.xlsx, lang, month if as_published else None)


def fresh_staging(folder: Path) -> Path:
    """The report folder's staging folder, emptied of any build that did not finish."""
    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def publish_or_reject(
    folder: Path, staged: list[Path], findings: list[Finding]
) -> tuple[list[Path], list[Path]]:
    """Move the staged files into `folder` when the audit found nothing, else into `folder/.rejected/`.
    Returns (the files readers now see, the rejected files); the staging folder is gone either way."""
    staging = folder / STAGING
    if findings:
        rejected_dir = folder / REJECTED
        shutil.rmtree(rejected_dir, ignore_errors=True)
        staging.replace(rejected_dir)
        previous = [folder / f.name for f in staged if (folder / f.name).exists()]
        return previous, [rejected_dir / f.name for f in staged]
    files = []
    for f in staged:
        target = folder / f.name
        f.replace(target)  # one rename per file, on the same filesystem: readers never see half a file
        files.append(target)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(folder / REJECTED, ignore_errors=True)
    return files, []


def build_audited(
    home: Path, month: str, langs: tuple[str, ...], record: bool = True, as_published: bool = False
) -> AuditedBuild:
    """Build every language into `<month>/.staging/`, audit each, and publish all of them or none."""
    paths = Home.of(home)
    folder = report_dir(paths.root, month)
    staging = fresh_staging(folder)
    # the editions side by side, each built and audited in its own process (parallel.py)
    done = side_by_side(build_and_audit, [(paths.root, month, lang, as_published, staging) for lang in langs])
    built: dict[str, ReportResult] = {lang: r for lang, (r, _) in zip(langs, done)}
    findings = [f for _, found in done for f in found]
    staged = [f for r in built.values() for f in r.files]
    files, rejected = publish_or_reject(folder, staged, findings)
    published = not findings
    # only a published bulletin's values are history the next month's revisions compare with
    if published and record:
        r = built[langs[0]]
        record_published(paths.warehouse, month, r.published, r.generated)
    _write_record(folder, month, published, findings, files, rejected)
    return AuditedBuild(published, findings, files, rejected, month=month)


@dataclass(frozen=True)
class AuditedFinal(Audited):
    """One plan's final evaluation, audited."""

    plan_id: str
    built: list[WrittenReport]  # each language's build as staged (its paths are in the staging folder)


def build_and_audit_final(
    home: Path, plan_id: str, lang: str, out_dir: Path
) -> tuple[FinalReportResult, list[Finding]]:
    """One edition of the final evaluation built into `out_dir` and read back against plan_outcomes."""
    r = build_final_report(home, plan_id, lang=lang, out_dir=out_dir)
    return r, audit_final_report(Home.of(home).warehouse, r.pdf, lang, plan_id)


def build_final_audited(home: Path, plan_id: str, langs: tuple[str, ...]) -> AuditedFinal:
    """Build every language of the plan's final evaluation into `final/<plan_id>/.staging/`, audit each, and
    publish all of them or none; `.audit.json` beside them records the outcome (bulletin_reconciles reads it).
    Raises ReportDataError (nothing staged is left) when the evaluation cannot be built."""
    paths = Home.of(home)
    folder = final_dir(paths.root, plan_id)
    staging = fresh_staging(folder)
    try:
        done = side_by_side(build_and_audit_final, [(paths.root, plan_id, lang, staging) for lang in langs])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    findings = [f for _, found in done for f in found]
    staged = [f for r, _ in done for f in r.files]
    files, rejected = publish_or_reject(folder, staged, findings)
    write_final_record(paths.root, plan_id, findings, files, published=not findings, rejected=rejected)
    return AuditedFinal(not findings, findings, files, rejected, plan_id=plan_id, built=[r for r, _ in done])


def _write_record(
    folder: Path,
    month: str,
    published: bool,
    findings: list[Finding],
    files: list[Path],
    rejected: list[Path],
) -> None:
    record = {
        "month": month,
        "passed": not findings,
        "published": published,
        "findings": [f.as_dict() for f in findings],
        "files": [str(f) for f in files],
        "rejected": [str(f) for f in rejected],
    }
    (folder / AUDIT_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
