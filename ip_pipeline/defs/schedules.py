"""Schedules (Asia/Shanghai): the nightly refresh and the monthly report.

- `nightly_refresh_schedule`, 02:00 every day: refresh_job for the current
  month's partition (sources are full snapshots and re-ingest only what changed;
  the indicators recompute only when their inputs changed).
- `monthly_report_schedule`, 02:00 on the 1st: monthly_report_job for the
  previous month's partition.

The monthly partitions are defined in Asia/Shanghai too (partitions.py), so at
02:00 on the 1st the new month already exists and the nightly run starts it; the
month that just ended is finalised by the monthly report job, whose run
recomputes that month's indicators (when their inputs changed) before the report.
"""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from .partitions import monthly_partitions
from .jobs import TRIGGER_TAG, monthly_report_job, refresh_job

TIMEZONE = "Asia/Shanghai"
# A production deployment (deploy/env.example) sets IP_PIPELINE_AUTOMATION=on: the nightly and
# monthly schedules and the landing sensor then start on their own. On a laptop (`make ui`) they
# stay off until someone turns them on, so opening the UI never starts a night's work.
AUTOMATION_ENV = "IP_PIPELINE_AUTOMATION"


def automation_on() -> bool:
    return os.environ.get(AUTOMATION_ENV, "").strip().lower() in ("on", "1", "true", "yes")


def schedule_default_status() -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if automation_on() else dg.DefaultScheduleStatus.STOPPED


def _when(context: dg.ScheduleEvaluationContext) -> datetime:
    t = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
    return t.astimezone(ZoneInfo(TIMEZONE))


def current_month_partition(when: datetime) -> str:
    """The Shanghai month of `when`, capped at the latest partition that exists at that moment."""
    key = f"{when:%Y-%m}-01"
    keys = monthly_partitions.get_partition_keys(current_time=when)
    last = keys[-1] if keys else None
    return min(key, last) if last else key


def previous_month_partition(when: datetime) -> str:
    y, m = (when.year - 1, 12) if when.month == 1 else (when.year, when.month - 1)
    return f"{y:04d}-{m:02d}-01"


@dg.schedule(
    name="nightly_refresh_schedule",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=schedule_default_status(),
    description="Every night at 02:00 Asia/Shanghai: ingest every source and compute the current month's indicators.",
)
def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = _when(context)
    key = current_month_partition(when)
    return dg.RunRequest(run_key=f"nightly:{when:%Y-%m-%d}", partition_key=key,
                         tags={TRIGGER_TAG: "nightly_refresh_schedule"})


@dg.schedule(
    name="monthly_report_schedule",
    job=monthly_report_job,
    cron_schedule="0 2 1 * *",
    execution_timezone=TIMEZONE,
    default_status=schedule_default_status(),
    description="On the 1st at 02:00 Asia/Shanghai: the previous month's report (PDF zh/en, XLSX).",
)
def monthly_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = _when(context)
    key = previous_month_partition(when)
    return dg.RunRequest(run_key=f"monthly_report:{key[:7]}", partition_key=key,
                         tags={TRIGGER_TAG: "monthly_report_schedule"})


def build_schedules() -> list[dg.ScheduleDefinition]:
    return [nightly_refresh_schedule, monthly_report_schedule]
