"""The command line's side of a run: it executes in process exactly what the nightly schedule
launches (defs/nightly.py: one selection rule) and keeps only what a command line needs — the
home's run lock, the one-paragraph error, the backup after a successful run.

`run` = the night's refresh (refresh_job from the first month whose inputs may have changed to
the running month, a single-run backfill: one process, set-based SQL over all months) then the
report of the last complete month in Asia/Shanghai, a run of monthly_report_job for that month
(the monthly_report asset decides whether the report must be built again). A failure is
summarised in one paragraph naming the asset, check or file and why, from the run's events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from ..db import connect, table_exists
from ..definitions import build_definitions
from ..ingest.changes import relocated_since
from ..ingest.contracts import SOURCE_NAMES, load_contract
from ..ingest.database import configured_url
from ..ingest.empty_sources import sources_with_data
from ..ingest.staging import empty_source_note
from ..ops.backups import DamagedDatabase, make_backup
from ..ops.integrity import (
    damaged_storage,
    looks_like_sqlite_damage,
    looks_like_warehouse_damage,
    storage_advice,
    warehouse_advice,
)
from ..ops.runlock import RUN_LOCK, home_run_lock  # noqa: F401  (re-exported)
from ..paths import Home
from ..report.months import is_running_month, last_complete_month
from .instance import get_instance
from .jobs import TRIGGER_TAG
from .landing import record_observations
from .nightly import NightlyRequest, nightly_request, report_request
from .partitions import monthly_partitions
from .reports import ARCHIVE_TAG, report_pdfs, written_files


@dataclass
class RunOutcome:
    success: bool
    run_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    report: Path | None = None
    files: list[Path] = field(default_factory=list)  # `backfill --reports`: every file the builds wrote
    months: tuple[str, str] | None = None
    current: tuple[str, str] | None = None  # months left out: their inputs had not changed
    # the sources the night read again: a new snapshot, or units taken from one (None: every one)
    read_again: tuple[str, ...] | None = None
    indicators_run: bool = True  # False: every month was current, no indicator step ran
    backup: Path | None = None  # the verified backup generation made after the run
    backup_reused: bool = False  # the warehouse had not changed since that generation was made
    backup_tables: tuple[int, int] = (
        0,
        0,
    )  # table files written, and kept (linked) from the previous generation
    # said once per run: a source folder that does not exist, no backup made, …
    notes: list[str] = field(default_factory=list)

    def message(self) -> str:
        return " ".join(self.problems)


def empty_source_notes(home: Home) -> list[str]:
    """One line per empty source (ingest/empty_sources.py: no published snapshot ever had a
    row), its indicators no_data: a landing folder that does not exist, or (once loaded) a folder
    or database table that never delivered a row (an empty folder, header-only files)."""
    loaded, had_rows = _snapshot_rows(home)
    notes = []
    for name in SOURCE_NAMES:
        contract = load_contract(name)
        if name in had_rows:
            continue
        if configured_url(contract):
            if name in loaded:
                notes.append(empty_source_note(contract, "its database table has no rows"))
        elif not (home.landing / contract.folder).is_dir():
            notes.append(empty_source_note(contract))
        elif name in loaded:
            notes.append(
                empty_source_note(
                    contract, f"{contract.folder}/ has no rows (no files, or header-only files)"
                )
            )
    return notes


def _snapshot_rows(home: Home) -> tuple[set[str], set[str]]:
    """(sources with a loaded snapshot, sources that are not empty sources), from the warehouse."""
    if not home.warehouse.is_file():
        return set(), set()
    try:
        con = connect(home.warehouse, read_only=True)
    except Exception:  # noqa: BLE001 - a note is a courtesy: a locked or damaged warehouse is said elsewhere
        return set(), set()
    try:
        if not table_exists(con, "source_snapshots_history"):
            return set(), set()
        loaded = {
            r[0] for r in con.execute("SELECT DISTINCT source FROM source_snapshots_history").fetchall()
        }
        return loaded, sources_with_data(con)
    finally:
        con.close()


def partition_range(first: str | None = None, last: str | None = None) -> tuple[str, str]:
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
    if last is not None or not is_running_month(end[:7], today):
        return end
    return f"{last_complete_month(today)}-01"


def _planned_steps(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance | None) -> set[str]:
    run = result.dagster_run
    if instance is None or not run.execution_plan_snapshot_id:
        return set()
    snap = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return set(snap.step_keys_to_execute or [s.key for s in snap.steps])


def failures(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance | None = None) -> list[str]:
    """Readable sentences from the run's events: failed steps (with the Failure's description),
    failed blocking checks, and the steps that did not run because of them (skipped, or never
    started: the steps of the run's plan without a STEP_START event)."""
    out: list[str] = []
    started: set[str] = set()
    skipped: set[str] = set()
    for ev in result.all_events:
        if ev.event_type == dg.DagsterEventType.STEP_START and ev.step_key:
            started.add(ev.step_key)
        elif ev.event_type == dg.DagsterEventType.STEP_SKIPPED and ev.step_key:
            skipped.add(ev.step_key)
        elif ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = ev.step_failure_data.error
            if err is not None and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the failed check itself is reported below, with its reason
            user = getattr(ev.step_failure_data, "user_failure_data", None)
            text = (user.description if user and user.description else None) or (
                err.message.strip() if err else "failed"
            )
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
    not_run = skipped | (_planned_steps(result, instance) - started)
    if not_run and out:
        out.append(
            f"Not run because of it: {', '.join(sorted(not_run))}; the published indicators are unchanged."
        )
    return out


def _run_config(verbose: bool) -> dict:
    # Dagster's console logger is for engineers; the CLI prints one summary unless --debug.
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}}}


def run_pipeline(
    home: Home,
    *,
    first: str | None = None,
    last: str | None = None,
    report: bool = True,
    job_name: str = "refresh_job",
    verbose: bool = False,
    backup: bool = True,
) -> RunOutcome:
    with home_run_lock(home):
        try:
            outcome = run_pipeline_under_lock(
                home, first=first, last=last, report=report, job_name=job_name, verbose=verbose
            )
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
    try:
        made = make_backup(home, reuse_unchanged=True)
        outcome.backup, outcome.backup_reused = made.path, made.reused
        outcome.backup_tables = (made.written, made.linked)
    except DamagedDatabase as exc:
        outcome.notes.append(f"No backup was made: {exc}. {warehouse_advice(home)}")
    except Exception as exc:  # noqa: BLE001 - disk full, permissions: the run itself succeeded
        outcome.notes.append(
            f"No backup was made: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}."
        )


def release_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed, and free the pool slots of, command-line runs that died without finishing.

    A CLI run killed hard (SIGKILL, OOM, power cut) stays STARTED in the instance and keeps its
    `warehouse` pool slot: the next run would wait for that slot forever. Every CLI run holds the
    home's run lock while it lives, so once we hold it, a CLI run not finished is a dead one.
    Runs launched by the daemon do not take the lock and are left to its run monitoring."""
    alive = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    dead = instance.get_runs(filters=dg.RunsFilter(statuses=alive, tags={TRIGGER_TAG: "cli"}))
    for run in dead:
        instance.report_run_failed(
            run,
            message="The ip-pipeline process running it died (killed?); "
            "marked failed and its warehouse slot freed by the next run.",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [r.run_id for r in dead]


def execute(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    request: NightlyRequest,
    verbose: bool,
    extra_tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run `request` in this process as the daemon would launch it: its job (or the request's
    asset selection of it), partitions and tags."""
    job = defs.resolve_job_def(request.job_name)
    if request.asset_keys is not None:
        checks = request.check_keys
        job = job.get_subset(
            asset_selection=set(request.asset_keys),
            asset_check_selection=set(checks) if checks is not None else None,
        )
    tags = {**request.tags, **(extra_tags or {})}
    if not request.partitioned:  # no monthly asset selected: a run without a partition
        return job.execute_in_process(
            instance=instance, run_config=_run_config(verbose), raise_on_error=False, tags=tags
        )
    if request.start == request.end:
        tags = {k: v for k, v in tags.items() if not k.startswith("dagster/asset_partition_range")}
        return job.execute_in_process(
            instance=instance,
            run_config=_run_config(verbose),
            raise_on_error=False,
            partition_key=request.start,
            tags=tags,
        )
    return job.execute_in_process(
        instance=instance, run_config=_run_config(verbose), raise_on_error=False, tags=tags
    )


def _execute_into(
    outcome: RunOutcome,
    defs,
    instance,
    request: NightlyRequest,
    verbose: bool,
    extra_tags: dict[str, str] | None = None,
) -> bool:
    result = execute(defs, instance, request, verbose, extra_tags)
    outcome.run_ids.append(result.run_id)
    problems = failures(result, instance)
    if not result.success or problems:
        outcome.success = False
        outcome.problems = problems or [f"Run {result.run_id} failed."]
        return False
    return True


def run_pipeline_under_lock(
    home: Home, *, first: str | None, last: str | None, report: bool, job_name: str, verbose: bool
) -> RunOutcome:
    """The run itself, for a caller that holds the home's run lock (run_pipeline, the rebuild)."""
    instance = get_instance(home)
    release_dead_cli_runs(instance)
    defs = build_definitions(str(home.root))
    if first is None and last is None and job_name == "refresh_job":
        # The night's refresh, by the rule the nightly schedule uses (defs/nightly.py).
        request = nightly_request(home, instance, graph=defs.resolve_asset_graph())
        if request.look is not None:
            record_observations(instance, request.look)
    else:  # a backfill always covers the range it is given
        start, end = partition_range(first, last)
        request = NightlyRequest(job_name, start, end, "cli")
    outcome = RunOutcome(
        success=True,
        months=(request.start[:7], request.end[:7]),
        current=request.current,
        read_again=request.sources_selected,
        indicators_run=request.assets is None or "indicator_values" in request.assets,
    )
    if request.current:
        outcome.months = (request.current[0], request.end[:7])
    since = _warehouse_clock(home)
    executed = _execute_into(outcome, defs, instance, request, verbose)
    outcome.notes = empty_source_notes(home) + outcome.notes  # as the run left the warehouse
    if not executed:
        return outcome
    outcome.notes += _relocation_notes(home, since)
    if report:
        month = report_partition(request.end, last)[:7]
        follow = report_request(home, instance, month, look=request.look)
        if follow is None:  # its indicators and every input of its bulletin as at its build
            outcome.notes.append(
                f"The {month} bulletin is current (its inputs have not changed): not built again"
            )
        elif not _execute_into(outcome, defs, instance, follow, verbose):
            return outcome
        outcome.report = report_pdfs(home, month)[0]
    return outcome


def _warehouse_clock(home: Home):
    """The warehouse's clock now (source_changes.recorded_at is on it); None without a warehouse."""
    if not Path(home.warehouse).exists():
        return None
    try:
        con = connect(home.warehouse, read_only=True, wait_s=5)
    except Exception:  # busy or damaged: the run itself says so; the note is only a courtesy  # noqa: BLE001 (a failure here is reported, never raised)
        return None
    try:
        return con.execute("SELECT current_timestamp::TIMESTAMP").fetchone()[0]
    finally:
        con.close()


def _relocation_notes(home: Home, since) -> list[str]:
    """How many records this run moved to another unit or scope (a new address rule or district
    table): revisions like any other, said in the run's summary so nobody misses them."""
    if not Path(home.warehouse).exists():
        return []
    try:
        con = connect(home.warehouse, read_only=True, wait_s=5)
    except Exception:  # as above  # noqa: BLE001 (a failure here is reported, never raised)
        return []
    try:
        moved = relocated_since(con, since or "1970-01-01")
    finally:
        con.close()
    if not moved:
        return []
    per_source = ", ".join(f"{s} {n:,}" for s, n in moved.items())
    return [
        f"{sum(moved.values()):,} records moved to another unit or in/out of scope ({per_source}): "
        f"a revision, recorded in source_changes.relocated_rows"
    ]


def run_report(home: Home, month: str, verbose: bool = False) -> RunOutcome:
    """`ip-pipeline report`: a run of monthly_report_job for the month that materialises its
    monthly_report asset (PDF zh/en, XLSX) from the indicators as they are, under the run lock."""
    with home_run_lock(home):
        instance = get_instance(home)
        release_dead_cli_runs(instance)
        defs = build_definitions(str(home.root))
        outcome = RunOutcome(success=True, months=(month, month))
        request = NightlyRequest(
            "monthly_report_job", f"{month}-01", f"{month}-01", "cli", assets=("monthly_report",)
        )
        if _execute_into(outcome, defs, instance, request, verbose):
            outcome.report = report_pdfs(home, month)[0]
        return outcome


def run_report_archive(
    home: Home, *, first: str | None = None, last: str | None = None, verbose: bool = False
) -> RunOutcome:
    """`ip-pipeline backfill --reports`: the archive of past bulletins, one Dagster run of
    monthly_report_job over the months (indicators first, recomputed only where stale), each
    month built as it was published (published_values where the history has it, never rewritten).
    Default range: the first partition to the last complete month."""
    with home_run_lock(home):
        instance = get_instance(home)
        release_dead_cli_runs(instance)
        defs = build_definitions(str(home.root))
        start, end = partition_range(first, last or last_complete_month())
        outcome = RunOutcome(success=True, months=(start[:7], end[:7]))
        request = NightlyRequest("monthly_report_job", start, end, "cli")
        if not _execute_into(outcome, defs, instance, request, verbose, extra_tags={ARCHIVE_TAG: "1"}):
            return outcome
        months = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
        for key in months:
            outcome.files += written_files(home, key[:7])
        return outcome
