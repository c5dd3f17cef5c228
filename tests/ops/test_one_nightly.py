"""One way to run: the nightly schedule's runs, executed as the daemon would, and the command
line's `run` on the same data launch the same runs of the same assets (the job, the partitions,
the assets materialised and the checks evaluated), on a first night and on a quiet night."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ip_pipeline.definitions import build_definitions
from ip_pipeline.defs.instance import get_instance
from ip_pipeline.defs.jobs import TRIGGER_TAG
from ip_pipeline.defs.runner import run_pipeline
from ip_pipeline.paths import Home
from ip_pipeline.settings import TODAY as TODAY_ENV

from .conftest import copy_examples

pytestmark = pytest.mark.slow

SH = ZoneInfo("Asia/Shanghai")
TODAY = "2026-12-01"  # the 1st: the nightly and the monthly report schedules both fire at 02:00
TWO_AM = datetime(2026, 12, 1, 2, 0, tzinfo=SH)
RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def _home(path: Path) -> Home:
    copy_examples(path / "landing")
    return Home.of(path)


def _launch_like_the_daemon(defs: dg.Definitions, instance: dg.DagsterInstance, req: dg.RunRequest) -> None:
    """What the daemon does with a schedule's RunRequest: a run of its job (the request's asset
    selection of it, when it has one) with its partition (or partition range tags) and tags."""
    job = defs.resolve_job_def(req.job_name)
    if req.asset_selection is not None or req.asset_check_keys is not None:
        job = job.get_subset(
            asset_selection=set(req.asset_selection or ()),
            asset_check_selection=set(req.asset_check_keys) if req.asset_check_keys is not None else None,
        )
    tags = dict(req.tags)
    if req.partition_key:
        result = job.execute_in_process(
            instance=instance, partition_key=req.partition_key, tags=tags, raise_on_error=False
        )
    else:  # a partition range (its tags), or no monthly asset selected
        result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    assert result.success


def _scheduled_night(home: Home) -> None:
    instance = get_instance(home)
    defs = build_definitions(str(home.root))
    for name in ("nightly_refresh_schedule", "monthly_report_schedule"):
        req = defs.get_schedule_def(name)(
            dg.build_schedule_context(
                instance=instance, scheduled_execution_time=TWO_AM, repository_def=defs.get_repository_def()
            )
        )
        if isinstance(req, dg.SkipReason):  # the month's bulletin is current: no run
            continue
        assert isinstance(req, dg.RunRequest) and req.tags[TRIGGER_TAG] == name
        _launch_like_the_daemon(defs, instance, req)


def _runs(home: Home, since: int = 0) -> list[dict]:
    """Every run of the home, oldest first, as what it did: job, partitions, materialisations, checks."""
    with dg.DagsterInstance.from_config(str(home.dagster_home)) as instance:
        out = []
        for run in reversed(instance.get_runs()):
            mats = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            ).records
            checks = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
            out.append(
                {
                    "job": run.job_name,
                    "status": run.status,
                    "partitions": run.tags.get("dagster/partition") or tuple(run.tags.get(t) for t in RANGE),
                    "materialised": sorted(
                        (
                            r.event_log_entry.dagster_event.asset_key.to_user_string(),
                            r.event_log_entry.dagster_event.partition or "",
                        )
                        for r in mats
                    ),
                    "checks": sorted(
                        (
                            r.event_log_entry.dagster_event.event_specific_data.asset_key.to_user_string(),
                            r.event_log_entry.dagster_event.event_specific_data.check_name,
                            r.event_log_entry.dagster_event.event_specific_data.passed,
                        )
                        for r in checks
                    ),
                }
            )
        return out[since:]


def test_the_nightly_schedule_and_the_cli_run_launch_the_same_runs(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, TODAY)
    cli, scheduled = _home(tmp_path / "cli"), _home(tmp_path / "scheduled")

    # The first night: no warehouse yet, every month from 2020-12 to the running month.
    outcome = run_pipeline(cli)
    assert outcome.success, outcome.message()
    _scheduled_night(scheduled)
    first_cli, first_scheduled = _runs(cli), _runs(scheduled)
    assert [r["job"] for r in first_cli] == ["refresh_job", "monthly_report_job"]
    assert first_cli[0]["partitions"] == ("2020-12-01", "2026-12-01")
    assert first_cli[1]["partitions"] == "2026-11-01"  # the last complete month's report
    assert any(key == "monthly_report" for key, _ in first_cli[1]["materialised"])
    assert first_cli[0]["checks"], "the quality checks ran"
    assert first_cli == first_scheduled

    # A quiet night: nothing landed and every month is current, so the refresh is the freshness
    # checks alone (no ingest, no monthly asset), and the 2026-11 bulletin, current, gets no run;
    # by both.
    quiet = run_pipeline(cli)
    assert quiet.success and any("2026-11 bulletin is current" in n for n in quiet.notes)
    _scheduled_night(scheduled)
    quiet_cli, quiet_scheduled = _runs(cli, since=2), _runs(scheduled, since=2)
    assert [r["partitions"] for r in quiet_cli] == [(None, None)]
    assert quiet_cli[0]["materialised"] == []
    assert quiet_cli[0]["checks"] and {name for _, name, _ in quiet_cli[0]["checks"]} == {"source_freshness"}
    assert quiet_cli == quiet_scheduled

    # One source's export grows: both run its ingest and what lies below it, over every month.
    for home in (cli, scheduled):
        survey = sorted((home.landing / "survey").glob("*.csv"))[0]
        lines = survey.read_text(encoding="utf-8-sig").splitlines()
        survey.write_text("\n".join(lines + [lines[-1]]) + "\n", encoding="utf-8")  # a repeated row
    assert run_pipeline(cli).success
    _scheduled_night(scheduled)
    grown_cli, grown_scheduled = _runs(cli, since=3), _runs(scheduled, since=3)
    refreshed = {key for key, _ in grown_cli[0]["materialised"]}
    assert {"raw_survey", "stg_survey", "indicator_values"} <= refreshed
    assert not {"raw_patents", "stg_trademarks", "stg_districts"} & refreshed
    assert grown_cli[0]["partitions"] == ("2020-12-01", "2026-12-01")
    assert grown_cli == grown_scheduled
