"""Publishing a month's bulletin only when it reconciles: build into a staging folder, audit, then move into place.

A bulletin that fails the audit (report/audit.py) never replaces the one readers have: its files go to
`<month>/.rejected/` for inspection, the previous files stay where they were, and `<month>/.audit.json`
says what did not reconcile and that the new build was not published.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..paths import Home
from .audit import Finding, audit_report
from .audit_record import AUDIT_FILE
from .build import ReportResult, build_report, report_dir
from .parallel import side_by_side
from .published import record_published

STAGING = ".staging"
REJECTED = ".rejected"


@dataclass(frozen=True)
class AuditedBuild:
    """The outcome of one month's build: published or not, the findings, and the files readers now see."""

    month: str
    published: bool
    findings: list[Finding]
    files: list[Path]  # the published files (the new ones, or the previous ones left in place)
    rejected: list[Path]  # the new files that did not reconcile (empty when published)


def build_and_audit(
    home: Path, month: str, lang: str, as_published: bool, out_dir: Path
) -> tuple[ReportResult, list[Finding]]:
    """One edition built into `out_dir` (nothing recorded) and read back by the audit."""
    r = build_report(home, month, lang=lang, record=False, as_published=as_published, out_dir=out_dir)
    return r, audit_report(Home.of(home).warehouse, r.pdf, r.xlsx, lang, month if as_published else None)


def build_audited(
    home: Path, month: str, langs: tuple[str, ...], record: bool = True, as_published: bool = False
) -> AuditedBuild:
    """Build every language into `<month>/.staging/`, audit each, and publish all of them or none."""
    paths = Home.of(home)
    folder = report_dir(paths.root, month)
    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    # the editions side by side, each built and audited in its own process (parallel.py)
    done = side_by_side(build_and_audit, [(paths.root, month, lang, as_published, staging) for lang in langs])
    built: dict[str, ReportResult] = {lang: r for lang, (r, _) in zip(langs, done)}
    findings = [f for _, found in done for f in found]
    staged = [f for r in built.values() for f in r.files]
    if findings:
        rejected_dir = folder / REJECTED
        shutil.rmtree(rejected_dir, ignore_errors=True)
        staging.replace(rejected_dir)
        rejected = [rejected_dir / f.name for f in staged]
        previous = [folder / f.name for f in staged if (folder / f.name).exists()]
        _write_record(folder, month, False, findings, previous, rejected)
        return AuditedBuild(month, False, findings, previous, rejected)
    files = []
    for f in staged:
        target = folder / f.name
        f.replace(target)  # one rename per file, on the same filesystem: readers never see half a file
        files.append(target)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(folder / REJECTED, ignore_errors=True)
    if record:  # only a published bulletin's values are history the next month's revisions compare with
        r = built[langs[0]]
        record_published(paths.warehouse, month, r.published, r.generated)
    _write_record(folder, month, True, [], files, [])
    return AuditedBuild(month, True, [], files, [])


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
