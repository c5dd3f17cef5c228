"""Schedules (Asia/Shanghai): the nightly refresh and the monthly report.

- `nightly_refresh_schedule`, 02:00 every day: the night's refresh as the one
  selection rule says (nightly.py: refresh_job from the first month whose inputs
  may have changed to the running month, and only the steps of the sources
  whose snapshot changed — the freshness checks alone on a quiet night),
  exactly what `ip-pipeline run` executes in process.
- `monthly_report_schedule`, 02:00 on the 1st: monthly_report_job for the
  previous month's partition.

The monthly partitions are defined in Asia/Shanghai too (partitions.py), so at
02:00 on the 1st the new month already exists and the nightly run starts it; the
month that just ended is finalised by the monthly report job, whose run
recomputes that month's indicators (when their inputs changed) before the report.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from ..dates import TIMEZONE, today_in_yantai
from ..paths import Home
from ..report.months import last_complete_month
from ..settings import settings
from .jobs import monthly_report_job, refresh_job
from .landing import record_observations
from .nightly import nightly_request, report_request

# A production deployment (deploy/env.example) sets IP_PIPELINE_AUTOMATION=on: the nightly and
# monthly schedules and the landing sensor then start on their own. On a laptop (`make ui`) they
# stay off until someone turns them on, so opening the UI never starts a night's work.


def automation_on() -> bool:
    return settings().automation


def schedule_default_status() -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if automation_on() else dg.DefaultScheduleStatus.STOPPED


def _when(context: dg.ScheduleEvaluationContext) -> datetime:
    t = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
    return t.astimezone(ZoneInfo(TIMEZONE))


def _today(when: datetime) -> date:
    """The night's date in Yantai ($IP_PIPELINE_TODAY pins it, as everywhere)."""
    return today_in_yantai() if settings().today else when.date()


def build_nightly_schedule(home: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_refresh_schedule",
        job=refresh_job,
        cron_schedule="0 2 * * *",
        execution_timezone=TIMEZONE,
        default_status=schedule_default_status(),
        description="Every night at 02:00 Asia/Shanghai: ingest the sources whose exports changed and compute the "
        "indicators of every month whose inputs may have changed (a quiet night: the freshness checks alone) — the same "
        "rule as `ip-pipeline run` (defs/nightly.py).",
    )
    def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        when = _when(context)
        request = nightly_request(
            Home.of(home),
            context.instance,
            _today(when),
            trigger="nightly_refresh_schedule",
            graph=context.repository_def.asset_graph,
        )
        if request.look is not None:
            record_observations(context.instance, request.look)
        return request.run_request(run_key=f"nightly:{when:%Y-%m-%d}")

    return nightly_refresh_schedule


def build_monthly_report_schedule(home: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="monthly_report_schedule",
        job=monthly_report_job,
        cron_schedule="0 2 1 * *",
        execution_timezone=TIMEZONE,
        default_status=schedule_default_status(),
        description="On the 1st at 02:00 Asia/Shanghai: the previous month's report (PDF zh/en, XLSX), its "
        "indicators first unless they are current (defs/nightly.py).",
    )
    def monthly_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        when = _when(context)
        month = last_complete_month(when.date())
        request = report_request(
            Home.of(home), context.instance, month, _today(when), trigger="monthly_report_schedule"
        )
        if request is None:
            return dg.SkipReason(
                f"The {month} bulletin is current: its inputs have not changed since it was built."
            )
        return request.run_request(run_key=f"monthly_report:{month}")

    return monthly_report_schedule


def build_schedules(home: str) -> list[dg.ScheduleDefinition]:
    return [build_nightly_schedule(home), build_monthly_report_schedule(home)]
