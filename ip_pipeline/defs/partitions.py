"""The one monthly partitioning shared by indicators and reports.

A partition is a month from the end of the plan's base year (December 2020)
to the current month; its as-of date is the month's last day, or today for
the month still running (INDICATORS.md, "As-of date"; ip_pipeline/dates.py).
"""

from __future__ import annotations

import dagster as dg

from ..dates import FIRST_MONTH, TIMEZONE

# In Yantai's time zone, like the schedules: at 02:00 on the 1st the new month exists.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1, timezone=TIMEZONE)
