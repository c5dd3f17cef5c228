"""Run the pipeline through Dagster — the same Definitions the UI loads — and explain failures.

`run` = one run of `refresh_job` over every monthly partition (a single-run
backfill: one process, set-based SQL over all months) then the report of the
last complete month in Asia/Shanghai (the running month only when `--to` names it). A failure is summarised in one paragraph naming the asset,
check or file and why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from .current_months import first_month_to_run
from .reports import report_is_current, report_pdfs
from ..definitions import build_definitions
from .instance import get_instance
from ..integrity import (damaged_storage, looks_like_sqlite_damage, looks_like_warehouse_damage, storage_advice,
                        warehouse_advice)
from .partitions import monthly_partitions
from ..paths import Home
from ..runlock import RUN_LOCK, home_run_lock  # noqa: F401  (re-exported)


@dataclass
class RunOutcome:
    success: bool
    run_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    report: Path | None = None
    files: list[Path] = field(default_factory=list)  # `backfill --reports`: every file the builds wrote
    months: tuple[str, str] | None = None
    current: tuple[str, str] | None = None  # months left out: their inputs had not changed
    backup: Path | None = None  # the verified backup generation made after the run
    # said once per run: a source folder that does not exist, no backup made, …
    notes: list[str] = field(default_factory=list)

    def message(self) -> str:
        return " ".join(self.problems)


def empty_source_notes(home: Home) -> list[str]:
    """One line per source whose landing folder does not exist (and that is not read from a
    database): an empty source, its indicators no_data (SOURCES.md). A source that had data
    and lost its folder is a shrink to zero, held by staging, and is not an empty source."""
    from ..ingest.contracts import SOURCE_NAMES, load_contract
    from ..ingest.database import configured_url
    from ..ingest.staging import empty_source_note

    notes = []
    for name in SOURCE_NAMES:
        contract = load_contract(name)
        if not configured_url(contract) and not (home.landing / contract.folder).is_dir():
            notes.append(empty_source_note(contract))
    return notes


def _previous_month(key: str) -> str:
    keys = monthly_partitions.get_partition_keys(current_time=None)
    return keys[keys.index(key) - 1]


def partition_range(first: str | None = None, last: str | None = None, today: date | None = None) -> tuple[str, str]:
    keys = monthly_partitions.get_partition_keys(current_time=None)
    if not keys:
        raise ValueError("no monthly partitions yet")
    start = f"{first}-01" if first else keys[0]
    end = f"{last}-01" if last else keys[-1]
    if start not in keys or end not in keys:
        raise ValueError(f"months must lie between {keys[0][:7]} and {keys[-1][:7]}")
    if start > end:
        raise ValueError(f"--from {start[:7]} is after --to {end[:7]}")
    return start, end


def report_partition(end: str, last: str | None = None, today: date | None = None) -> str:
    """The month the run reports on: the last complete month in Asia/Shanghai (the month still running has
    partial data: every month-on-month change would be nought), unless `last` asks for a month."""
    from ..report.months import is_running_month, last_complete_month

    if last is not None or not is_running_month(end[:7], today):
        return end
    return f"{last_complete_month(today)}-01"


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Readable sentences: failed steps (with the Failure's description) and failed blocking checks."""
    out: list[str] = []
    not_run: set[str] = set()
    for ev in result.all_events:
        if ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = ev.step_failure_data.error
            if err is not None and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the failed check itself is reported below, with its reason
            user = getattr(ev.step_failure_data, "user_failure_data", None)
            text = (user.description if user and user.description else None) or (err.message.strip() if err else "failed")
            # The innermost cause is what a person can act on.
            cause = err
            while cause is not None and cause.cause is not None:
                cause = cause.cause
            if cause is not None and cause is not err and not (user and user.description):
                text = cause.message.strip()
            out.append(f"Step {ev.step_key} failed: {text.splitlines()[0] if text else 'failed'}")
        elif ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = ev.event_specific_data
            if not data.passed and data.severity == dg.AssetCheckSeverity.ERROR:
                desc = data.description or ""
                meta = data.metadata.get("message")
                detail = (meta.value if meta is not None else desc) or "failed"
                out.append(f"Check {data.check_name} on {data.asset_key.to_user_string()} failed: {detail}")
        elif ev.event_type in (dg.DagsterEventType.STEP_SKIPPED, dg.DagsterEventType.ENGINE_EVENT):
            match = re.match(r"Dependencies for step (\S+) ", ev.message or "")
            if ev.event_type == dg.DagsterEventType.STEP_SKIPPED and ev.step_key:
                not_run.add(ev.step_key)
            elif match:
                not_run.add(match.group(1))
    if not_run and out:
        out.append(f"Not run because of it: {', '.join(sorted(not_run))}; the published indicators are unchanged.")
    return out


def _run_config(verbose: bool) -> dict:
    # Dagster's console logger is for engineers; the CLI prints one summary unless --debug.
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}}}


def run_pipeline(home: Home, *, first: str | None = None, last: str | None = None, report: bool = True,
                 job_name: str = "refresh_job", verbose: bool = False, backup: bool = True) -> RunOutcome:
    with home_run_lock(home):
        try:
            outcome = _run_pipeline(home, first=first, last=last, report=report, job_name=job_name, verbose=verbose)
        except Exception as exc:  # noqa: BLE001 - a damaged file is named; anything else is raised
            problem = damage_paragraph(home, exc)
            if problem is None:
                raise
            return RunOutcome(success=False, problems=[problem])
        if not outcome.success and any(looks_like_warehouse_damage(p) for p in outcome.problems):
            outcome.problems.append(warehouse_advice(home))
        if outcome.success and backup:
            make_run_backup(home, outcome)
        return outcome


def damage_paragraph(home: Home, exc: BaseException) -> str | None:
    """The one paragraph for a run stopped by a damaged warehouse or Dagster storage (None: other)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if looks_like_warehouse_damage(text):
        return f"Run failed before it started: {text}. {warehouse_advice(home)}"
    if looks_like_sqlite_damage(exc):
        return f"Run failed before it started: {text}. {storage_advice(home, damaged_storage(home))}"
    return None


def make_run_backup(home: Home, outcome: RunOutcome) -> None:
    """A verified backup generation after a successful run; a failure to make one is said, and
    does not undo the run (its results are committed)."""
    from ..backups import DamagedDatabase, make_backup

    try:
        outcome.backup = make_backup(home).path
    except DamagedDatabase as exc:
        outcome.notes.append(f"No backup was made: {exc}. {warehouse_advice(home)}")
    except Exception as exc:  # noqa: BLE001 - disk full, permissions: the run itself succeeded
        outcome.notes.append(f"No backup was made: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}.")


CLI_TAG = "ip_pipeline/trigger"


def release_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed, and free the pool slots of, command-line runs that died without finishing.

    A CLI run killed hard (SIGKILL, OOM, power cut) stays STARTED in the instance and keeps its
    `warehouse` pool slot: the next run would wait for that slot forever. Every CLI run holds the
    home's run lock while it lives, so once we hold it, a CLI run not finished is a dead one.
    Runs launched by the daemon do not take the lock and are left to its run monitoring."""
    alive = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    dead = instance.get_runs(filters=dg.RunsFilter(statuses=alive, tags={CLI_TAG: "cli"}))
    for run in dead:
        instance.report_run_failed(run, message="The ip-pipeline process running it died (killed?); "
                                                "marked failed and its warehouse slot freed by the next run.")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [r.run_id for r in dead]


def _run_pipeline(home: Home, *, first: str | None, last: str | None, report: bool, job_name: str,
                  verbose: bool) -> RunOutcome:
    instance = get_instance(home)
    release_dead_cli_runs(instance)
    defs = build_definitions(str(home.root))
    start, end = partition_range(first, last)
    outcome = RunOutcome(success=True, months=(start[:7], end[:7]), notes=empty_source_notes(home))
    run_from = start
    if first is None and last is None and job_name == "refresh_job":
        # The nightly run: months whose inputs are unchanged since the last run are left out
        # of it (current_months.py); a backfill always covers the range it is given.
        run_from = first_month_to_run(home, instance, start, end, job_name)
        if run_from != start:
            outcome.current = (start[:7], _previous_month(run_from)[:7]) if run_from > start else None
    job = defs.resolve_job_def(job_name)
    result = job.execute_in_process(
        instance=instance,
        run_config=_run_config(verbose),
        raise_on_error=False,
        tags={"dagster/asset_partition_range_start": run_from, "dagster/asset_partition_range_end": end,
              "ip_pipeline/trigger": "cli"},
    )
    outcome.run_ids.append(result.run_id)
    problems = failures(result)
    if not result.success or problems:
        outcome.success = False
        outcome.problems = problems or [f"Run {result.run_id} failed."]
        return outcome
    report_key = report_partition(end, last)
    if report and report_is_current(home, report_key[:7]):
        # Built from exactly what the warehouse now holds, today: a run would only say so.
        outcome.report = report_pdfs(home, report_key[:7])[0]
    elif report:
        rep = defs.resolve_job_def("report_only_job").execute_in_process(
            instance=instance, partition_key=report_key, raise_on_error=False, run_config=_run_config(verbose),
            tags={"ip_pipeline/trigger": "cli"})
        outcome.run_ids.append(rep.run_id)
        if not rep.success:
            outcome.success = False
            outcome.problems = failures(rep) or [f"Report run {rep.run_id} failed."]
            return outcome
        outcome.report = report_pdfs(home, report_key[:7])[0]
    return outcome


def last_complete_month(today: date | None = None) -> str:
    """YYYY-MM of the month before the current one (in Yantai)."""
    from ..dates import today_in_yantai

    t = today or today_in_yantai()
    y, m = (t.year - 1, 12) if t.month == 1 else (t.year, t.month - 1)
    return f"{y:04d}-{m:02d}"


def run_report_archive(home: Home, *, first: str | None = None, last: str | None = None,
                       verbose: bool = False) -> RunOutcome:
    """`ip-pipeline backfill --reports`: the archive of past bulletins, one Dagster run of
    monthly_report_job over the months (indicators first, recomputed only where stale), each
    month built as it was published (published_values where the history has it, never rewritten).
    Default range: the first partition to the last complete month."""
    from .reports import ARCHIVE_TAG, written_files

    with home_run_lock(home):
        instance = get_instance(home)
        release_dead_cli_runs(instance)
        defs = build_definitions(str(home.root))
        start, end = partition_range(first, last or last_complete_month())
        outcome = RunOutcome(success=True, months=(start[:7], end[:7]))
        result = defs.resolve_job_def("monthly_report_job").execute_in_process(
            instance=instance, run_config=_run_config(verbose), raise_on_error=False,
            tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end,
                  CLI_TAG: "cli", ARCHIVE_TAG: "1"},
        )
        outcome.run_ids.append(result.run_id)
        problems = failures(result)
        if not result.success or problems:
            outcome.success = False
            outcome.problems = problems or [f"Run {result.run_id} failed."]
            return outcome
        months = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
        for key in months:
            outcome.files += written_files(home, key[:7])
        return outcome
