"""Dates of the pipeline, without Dagster: today in Yantai, month ends, as-of dates.

The monthly partitions (ip_pipeline/defs/partitions.py) are built on these; the domain code
(ingest, indicators, report, cli) imports them from here.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

from .settings import settings

FIRST_MONTH = "2020-12-01"  # the first monthly partition: the end of the plan's base year
TIMEZONE = "Asia/Shanghai"
_CHINA = timezone(timedelta(hours=8))  # China has no daylight saving time


def today_in_yantai() -> date:
    """Today's date in Yantai, whatever the server's time zone (or `$IP_PIPELINE_TODAY`)."""
    # A pinned today serves a whole run of several processes (the benchmark's pipeline, floor
    # and peer must agree when they cross midnight) and reproducing a past night.
    return settings().today or datetime.now(_CHINA).date()


def now_utc() -> datetime:
    """The moment, timezone-aware in UTC, to the second: the warehouse stores UTC wall-clock times."""
    return datetime.now(UTC).replace(microsecond=0)


def in_yantai(moment: datetime) -> datetime:
    """A moment on Beijing time (UTC+8), as a reader in Yantai reads a clock; a naive moment is UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(_CHINA)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def as_of_for_partition(partition_key: str, today: date | None = None) -> date:
    """`2021-03-01` -> 2021-03-31; the current month -> today."""
    today = today or today_in_yantai()
    first = date.fromisoformat(partition_key)
    end = month_end(first.year, first.month)
    return min(end, today) if (first.year, first.month) == (today.year, today.month) else end


def as_of_dates(start: date, end: date) -> list[date]:
    """Every month end from start's month to end's month; the last one capped at `end`."""
    out: list[date] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(min(month_end(y, m), end))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
