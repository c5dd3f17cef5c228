"""Sensors: the landing zone starts ingestion; a failed run raises an alert.

`landing_zone_sensor` fingerprints every source folder of the landing zone with
the one function the nightly rule and the landing source assets use
(defs/landing.py, on ingest.files) and launches `ingest_job` for the sources whose
fingerprint changed, one run per source, selecting only that source's
`ingest_<source>` assets; the tick records the new data versions of those
`landing_<source>` assets.

- cursor: JSON `{source: fingerprint}` of what was last launched;
- run_key: `<source>:<fingerprint>` — Dagster never launches a run key twice
  for a sensor, so one change never starts two runs (even if the cursor is
  reset);
- a folder whose files are still growing, or that holds a file pointing out of
  the landing zone, is left for a later tick;
- every source needs `stg_districts`: when the reference tables changed, that
  tick launches only the reference run, and the other sources wait until no
  reference run is queued or running (then they are picked up as changed).
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from ..ingest.contracts import load_reference_tables
from ..ingest.files import fingerprint
from ..ops.alerts import Alert, send_alert
from ..paths import Home
from ..settings import settings
from .jobs import TRIGGER_TAG, ingest_job
from .landing import REFERENCE, landing_key, look_at_landing
from .schedules import automation_on

SOURCE_TAG = "ip_pipeline/source"
FINGERPRINT_TAG = "ip_pipeline/fingerprint"

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def source_asset_keys(source: str) -> list[dg.AssetKey]:
    """The keys of one source's multi-asset (they cannot be subset, so all of them); the
    landing source asset upstream of them is observed by the tick, not run."""
    if source == REFERENCE:
        tables = list(load_reference_tables())
        return [dg.AssetKey(f"{p}_{t}") for p in ("raw", "stg") for t in tables]
    return [dg.AssetKey(f"{p}_{source}") for p in ("raw", "stg", "quarantine")]


def landing_fingerprints(landing: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({source: fingerprint} of the stable folders, {source: why it was left out}): the landing
    source assets' data versions (defs/landing.py, the one place they are computed).

    Sources read from a database (their URL env var is set) have no landing folder
    to watch. An empty folder has the empty fingerprint: removing every file is a change."""
    look = look_at_landing(landing)
    return look.versions, look.skipped


def run_key(source: str, fp: str) -> str:
    return f"{source}:{fp}"


def _ingest_request(source: str, fp: str) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=run_key(source, fp),
        asset_selection=source_asset_keys(source),
        tags={SOURCE_TAG: source, FINGERPRINT_TAG: fp, TRIGGER_TAG: "landing_zone_sensor"},
    )


def _reference_in_progress(instance: dg.DagsterInstance) -> bool:
    records = instance.get_run_records(
        dg.RunsFilter(job_name=ingest_job.name, statuses=IN_PROGRESS, tags={SOURCE_TAG: REFERENCE}), limit=1
    )
    return bool(records)


def evaluate_landing(
    landing: Path, cursor: str | None, instance: dg.DagsterInstance | None
) -> dg.SensorResult:
    """The sensor's logic, separated so it can be tested without a daemon."""
    previous: dict[str, str] = json.loads(cursor) if cursor else {}
    current, skipped = landing_fingerprints(landing)
    changed = {s: fp for s, fp in current.items() if previous.get(s) != fp}
    # Nothing ever landed for a source and its folder is empty: not a change.
    empty = fingerprint([])
    changed = {s: fp for s, fp in changed.items() if not (fp == empty and s not in previous)}
    notes = [f"{s} skipped: {why}" for s, why in sorted(skipped.items())]

    if REFERENCE in changed:
        launch = {REFERENCE: changed[REFERENCE]}
        waiting = sorted(set(changed) - {REFERENCE})
        if waiting:
            notes.append(f"waiting for the reference tables first: {', '.join(waiting)}")
    elif changed and instance is not None and _reference_in_progress(instance):
        return dg.SensorResult(
            skip_reason=dg.SkipReason(
                f"{', '.join(sorted(changed))} changed; waiting for the running reference ingestion"
            ),
            cursor=cursor,
        )
    else:
        launch = changed

    new_cursor = {**previous, **launch}
    if not launch:
        reason = "no source changed" + (f" ({'; '.join(notes)})" if notes else "")
        return dg.SensorResult(
            skip_reason=dg.SkipReason(reason), cursor=json.dumps(new_cursor, sort_keys=True)
        )
    return dg.SensorResult(
        run_requests=[_ingest_request(s, fp) for s, fp in sorted(launch.items())],
        # The landing source assets' new data versions (their raw_/stg_ show stale until the run).
        asset_events=[
            dg.AssetObservation(asset_key=landing_key(s), tags={"dagster/data_version": fp})
            for s, fp in sorted(launch.items())
        ],
        cursor=json.dumps(new_cursor, sort_keys=True),
    )


def build_landing_sensor(home: str) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_zone_sensor",
        job=ingest_job,
        minimum_interval_seconds=settings().landing_sensor_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING if automation_on() else dg.DefaultSensorStatus.STOPPED,
        description="Starts ingest_job for the sources whose landing-zone files changed (one run per source, "
        "run key = source:fingerprint). The reference tables are ingested before the sources.",
    )
    def landing_zone_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        landing = Home.of(home).landing
        if not landing.is_dir():
            return dg.SensorResult(
                skip_reason=dg.SkipReason(f"no landing zone at {landing}"), cursor=context.cursor
            )
        result = evaluate_landing(landing, context.cursor, context.instance)
        for req in result.run_requests or []:
            context.log.info(f"{req.tags[SOURCE_TAG]} changed: launching ingest_job ({req.run_key})")
        return result

    return landing_zone_sensor


def failed_steps(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    try:
        records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
        return sorted({r.event_log_entry.step_key for r in records if r.event_log_entry.step_key})
    except Exception:  # noqa: BLE001 (an alert with fewer details beats no alert)
        return []


def build_failure_sensor(home: str) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="run_failure_alert_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records an alert for every failed run: a log line, <home>/alerts/alerts.jsonl and a POST "
        "to $IP_PIPELINE_ALERT_WEBHOOK when set.",
    )
    def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        message = (context.failure_event.message or "run failed").strip()
        alert = Alert(
            run_id=run.run_id,
            job_name=run.job_name,
            message=message,
            failed_steps=failed_steps(context.instance, run.run_id),
            tags=dict(run.tags),
        )
        send_alert(home, alert, logger=context.log)

    return run_failure_alert_sensor


def build_sensors(home: str) -> list[dg.SensorDefinition]:
    return [build_landing_sensor(home), build_failure_sensor(home)]
