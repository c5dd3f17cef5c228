"""Schedules, the landing-zone sensor, the run-failure alert and the freshness checks,
evaluated the way the daemon evaluates them but without one."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ip_pipeline.definitions import build_definitions
from ip_pipeline.defs.partitions import monthly_partitions
from ip_pipeline.defs.resources import WAREHOUSE_POOL
from ip_pipeline.defs.runner import run_pipeline
from ip_pipeline.defs.sensors import REFERENCE, SOURCE_TAG, landing_fingerprints
from ip_pipeline.ingest.contracts import SOURCE_NAMES
from ip_pipeline.ops.alerts import Alert, mask_webhook, read_alerts, send_alert
from ip_pipeline.paths import Home

from .conftest import free_port

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def defs(sample_home: Path) -> dg.Definitions:
    return build_definitions(str(sample_home))


# -- schedules ---------------------------------------------------------------------------------


def _schedule_request(defs: dg.Definitions, name: str, when: datetime) -> dg.RunRequest:
    sched = defs.get_schedule_def(name)
    with tempfile.TemporaryDirectory() as tmp:
        # not `with instance`: that would make it the process's current defs-state storage, and the
        # next test's Definitions would resolve their repository against this disposed instance
        instance = dg.DagsterInstance.from_config(tmp)
        try:
            context = dg.build_schedule_context(
                instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def()
            )
            req = sched(context)
        finally:
            instance.dispose()
    assert isinstance(req, dg.RunRequest), req
    # The keys must be partitions that exist at that moment, or the daemon refuses the request.
    keys = monthly_partitions.get_partition_keys(current_time=when)
    wanted = (
        [req.partition_key]
        if req.partition_key
        else [req.partition_key_range.start, req.partition_key_range.end]
    )
    assert all(k in keys for k in wanted), (wanted, keys[-1])
    return req


def test_schedules_are_wired_with_shanghai_cron(defs):
    nightly = defs.get_schedule_def("nightly_refresh_schedule")
    monthly = defs.get_schedule_def("monthly_report_schedule")
    assert (nightly.cron_schedule, nightly.execution_timezone, nightly.job_name) == (
        "0 2 * * *",
        "Asia/Shanghai",
        "refresh_job",
    )
    assert (monthly.cron_schedule, monthly.execution_timezone, monthly.job_name) == (
        "0 2 1 * *",
        "Asia/Shanghai",
        "monthly_report_job",
    )


def test_nightly_on_a_new_home_runs_every_month_to_the_running_one(defs):
    """The selection rule (defs/nightly.py; the quiet night, the running month alone, is in
    test_one_nightly.py): with no warehouse yet every month is stale."""
    req = _schedule_request(defs, "nightly_refresh_schedule", datetime(2026, 3, 15, 2, 0, tzinfo=SH))
    assert (req.partition_key_range.start, req.partition_key_range.end) == ("2020-12-01", "2026-03-01")
    assert req.job_name == "refresh_job" and req.tags["ip_pipeline/trigger"] == "nightly_refresh_schedule"
    # The partitions live in Shanghai time too: at 02:00 on the 1st the new month exists
    # (the month that just ended is finalised by the monthly report job, which recomputes it).
    req = _schedule_request(defs, "nightly_refresh_schedule", datetime(2026, 4, 1, 2, 0, tzinfo=SH))
    assert req.partition_key_range.end == "2026-04-01"
    req = _schedule_request(defs, "nightly_refresh_schedule", datetime(2026, 4, 2, 2, 0, tzinfo=SH))
    assert req.partition_key_range.end == "2026-04-01"


def test_monthly_report_is_for_the_previous_month(defs):
    assert (
        _schedule_request(
            defs, "monthly_report_schedule", datetime(2026, 4, 1, 2, 0, tzinfo=SH)
        ).partition_key
        == "2026-03-01"
    )
    assert (
        _schedule_request(
            defs, "monthly_report_schedule", datetime(2026, 1, 1, 2, 0, tzinfo=SH)
        ).partition_key
        == "2025-12-01"
    )


# -- landing-zone sensor -----------------------------------------------------------------------


def _tick(defs: dg.Definitions, cursor: str | None, instance: dg.DagsterInstance) -> dg.SensorResult:
    sensor = defs.get_sensor_def("landing_zone_sensor")
    ctx = dg.build_sensor_context(cursor=cursor, instance=instance, definitions=defs)
    return sensor(ctx)


def test_landing_sensor_reference_first_then_only_changed_sources(defs, sample_home: Path):
    with dg.instance_for_test() as instance:
        first = _tick(defs, None, instance)
        # A fresh warehouse has no stg_districts yet: the reference tables go first, alone.
        assert [r.tags[SOURCE_TAG] for r in first.run_requests] == [REFERENCE]
        ref = first.run_requests[0]
        assert {k.to_user_string() for k in ref.asset_selection} >= {"raw_districts", "stg_districts"}
        assert ref.run_key.startswith("reference:")

        second = _tick(defs, first.cursor, instance)
        sources = sorted(r.tags[SOURCE_TAG] for r in second.run_requests)
        assert sources == sorted(SOURCE_NAMES)
        for r in second.run_requests:
            s = r.tags[SOURCE_TAG]
            assert {k.to_user_string() for k in r.asset_selection} == {
                f"raw_{s}",
                f"stg_{s}",
                f"quarantine_{s}",
            }
            assert r.run_key == f"{s}:{json.loads(second.cursor)[s]}"

        # Nothing changed: no run.
        third = _tick(defs, second.cursor, instance)
        assert not third.run_requests and third.skip_reason

        # A touched file (same bytes) is not a change; new bytes are, for that source only.
        f = next((sample_home / "landing" / "trademarks").iterdir())
        os.utime(f, (time.time() + 5, time.time() + 5))
        assert not _tick(defs, second.cursor, instance).run_requests
        f.write_bytes(f.read_bytes() + b"\n")
        fourth = _tick(defs, second.cursor, instance)
        assert [r.tags[SOURCE_TAG] for r in fourth.run_requests] == ["trademarks"]
        # The same change evaluated again (e.g. a lost cursor) has the same run key: Dagster dedups it.
        again = _tick(defs, second.cursor, instance)
        assert again.run_requests[0].run_key == fourth.run_requests[0].run_key


def test_landing_sensor_waits_for_files_being_written_and_a_running_reference(defs, sample_home: Path):
    landing = sample_home / "landing"
    (landing / "patents" / "next.csv.part").write_text("still copying")
    found, skipped = landing_fingerprints(landing)
    assert "patents" in found  # *.part files are not part of the snapshot
    with dg.instance_for_test() as instance:
        cursor = json.dumps({REFERENCE: found[REFERENCE]})
        # A reference run is still running: the sources wait, the cursor stays.
        instance.add_run(
            dg.DagsterRun(
                job_name="ingest_job",
                run_id="r" * 8 + "-0000-0000-0000-000000000000",
                status=dg.DagsterRunStatus.STARTED,
                tags={SOURCE_TAG: REFERENCE},
            )
        )
        res = _tick(defs, cursor, instance)
        assert not res.run_requests and "waiting" in res.skip_reason.skip_message
        assert res.cursor == cursor


# -- run-failure alert -------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(body)}
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_mask_webhook_hides_credentials_path_and_query():
    masked = mask_webhook("https://bot:s3cret@hooks.example.com:8443/services/T0/B0/tok123?key=abc")
    assert masked == "https://hooks.example.com:8443/***"
    assert mask_webhook("not a url") == "***"


def test_run_failure_sensor_writes_alert_and_posts_webhook(
    tmp_path, webhook_server, monkeypatch, caplog, capfd
):
    home = tmp_path / "home"
    (home / "landing" / "reference").mkdir(parents=True)  # no districts.csv: the reference step fails
    defs = build_definitions(str(home))
    port = webhook_server.server_address[1]
    url = f"http://alice:s3cret@127.0.0.1:{port}/hook/tok123?key=abc"
    monkeypatch.setenv("IP_PIPELINE_ALERT_WEBHOOK", url)
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("ingest_job").execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        failure = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
        sensor = defs.get_sensor_def("run_failure_alert_sensor")
        ctx = dg.build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_instance=instance, dagster_run=run, dagster_event=failure
        )
        with caplog.at_level(logging.INFO):
            sensor(ctx.for_run_failure())

    alerts = read_alerts(home)
    assert len(alerts) == 1
    a = alerts[0]
    assert a["run_id"] == result.run_id and a["job"] == "ingest_job" and a["kind"] == "run_failure"
    assert "reference_tables" in a["failed_steps"]
    assert len(_Hook.received) == 1
    hit = _Hook.received[0]
    assert hit["path"] == "/hook/tok123?key=abc" and hit["body"]["alert"]["run_id"] == result.run_id
    assert hit["auth"] and hit["auth"].startswith("Basic")  # urllib sends the URL's credentials as basic auth
    logs = caplog.text + "\n".join(capfd.readouterr())  # the sensor's logger writes to stderr
    assert f"run {result.run_id} failed" in logs and "alert posted to http://127.0.0.1" in logs
    assert "s3cret" not in logs and "tok123" not in logs and "key=abc" not in logs


def test_alert_survives_a_dead_webhook(tmp_path, caplog):
    port = free_port()  # nothing listens there
    logger = logging.getLogger("test.alerts")
    with caplog.at_level(logging.INFO):
        out = send_alert(
            tmp_path,
            Alert(run_id="r1", job_name="refresh_job", message="boom"),
            logger=logger,
            webhook=f"http://u:pw@127.0.0.1:{port}/secret-path",
        )
    assert out.file and out.webhook_error and out.webhook_status is None
    assert read_alerts(tmp_path)[0]["message"] == "boom"
    assert "pw@" not in caplog.text and "secret-path" not in caplog.text


# -- freshness checks and pools ----------------------------------------------------------------


def _latest_check(instance: dg.DagsterInstance, asset: str) -> dg.AssetCheckEvaluation:
    key = dg.AssetCheckKey(dg.AssetKey(asset), "source_freshness")
    rec = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    return rec.event.dagster_event.event_specific_data


@pytest.mark.slow
def test_freshness_warns_when_a_source_is_older_than_its_cadence(sample_home: Path):
    old = time.time() - 60 * 86400  # patents' cadence is 35 days, awards' 400
    for folder in ("patents", "awards"):
        for f in (sample_home / "landing" / folder).iterdir():
            os.utime(f, (old, old))
    home = Home.of(sample_home)
    outcome = run_pipeline(home, report=False)
    assert outcome.success, outcome.message()  # WARN never stops the run
    instance = dg.DagsterInstance.get()  # run_pipeline pointed DAGSTER_HOME at <home>/dagster_home
    patents = _latest_check(instance, "raw_patents")
    assert not patents.passed and patents.severity == dg.AssetCheckSeverity.WARN
    assert patents.metadata["cadence_days"].value == 35 and patents.metadata["age_days"].value >= 59
    awards = _latest_check(instance, "raw_awards")
    assert awards.passed
    for asset in ("raw_trademarks", "raw_districts", "raw_population"):
        assert _latest_check(instance, asset).passed


def test_every_warehouse_step_is_in_the_pool_with_limit_one(defs, sample_home: Path):
    """DuckDB allows one writer process: every asset and check (they all open the warehouse)
    is in the `warehouse` pool, and the instance of a home limits every pool to 1."""
    assert defs.assets and defs.asset_checks
    for ad in [*defs.assets, *defs.asset_checks]:
        if getattr(ad, "is_observable", False):
            continue  # the landing zone's observation lists and hashes files; it never opens DuckDB
        assert ad.op.pool == WAREHOUSE_POOL, f"{ad.op.name} is not in the {WAREHOUSE_POOL} pool"
    from ip_pipeline.defs.instance import get_instance

    instance = get_instance(Home.of(sample_home))
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
