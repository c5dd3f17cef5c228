"""The one selection rule for a night's work: what the nightly schedule launches, what
`ip-pipeline run` executes in process and (its ingestion part) what the landing sensor sees.

`nightly_request(home, instance, today)` says which job to run over which monthly partitions,
with which tags. The range runs from the first month whose inputs may have changed to the
running month: a run over every month since 2020-12 would make Dagster log, per month and
indicator asset, a planned and a materialisation event (SQLite writes them one by one) only
for the assets to find every month current. When no landing snapshot changed since the last
successful refresh, ingestion will change nothing, so the inputs fingerprint after it is the
one recorded now, and the months still current are known in advance (the indicator assets'
own test: `indicator_runs` holds the month with that fingerprint). The run then covers the
stale months, or the running month alone: ingestion, the quality checks and the freshness
checks still run every night.

Whatever cannot be known in advance keeps the whole range: no warehouse yet, a last refresh
that failed (its blocking checks must see every month again), a source read from a database
(its snapshot is only known by reading it), an odd or missing file.

`report_request(home, instance, month)` is the report of one month: a run of monthly_report_job
for its partition (the monthly schedule, `ip-pipeline run` after the refresh). When the same
test finds the month's indicators current, the run materialises the monthly_report asset alone
(the indicator steps would only find them current: seconds of run bookkeeping on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import dagster as dg

from ..dates import TIMEZONE, as_of_for_partition, today_in_yantai
from ..db import connect, table_exists
from ..paths import Home
from .indicators import INDICATOR_STEPS, current_dates, inputs_fingerprint
from .jobs import TRIGGER_TAG
from .landing import LandingLook, look_at_landing, staged_fingerprints
from .partitions import monthly_partitions

REFRESH_JOB = "refresh_job"
REPORT_JOB = "monthly_report_job"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class NightlyRequest:
    """One run to launch: `job_name` over the partitions `start` … `end`, with `tags`."""

    job_name: str
    start: str
    end: str
    trigger: str
    current: tuple[str, str] | None = (
        None  # months left out (YYYY-MM … YYYY-MM): their inputs had not changed
    )
    assets: tuple[str, ...] | None = None  # only these assets of the job (None: the whole job)
    look: LandingLook | None = field(default=None, compare=False, repr=False)

    @property
    def asset_keys(self) -> list[dg.AssetKey] | None:
        return [dg.AssetKey(a) for a in self.assets] if self.assets is not None else None

    @property
    def tags(self) -> dict[str, str]:
        return {RANGE_START_TAG: self.start, RANGE_END_TAG: self.end, TRIGGER_TAG: self.trigger}

    def run_request(self, run_key: str | None = None) -> dg.RunRequest:
        if self.start == self.end:  # one partition: Dagster's own partition tag, as the UI shows it
            return dg.RunRequest(
                run_key=run_key,
                job_name=self.job_name,
                partition_key=self.start,
                tags={TRIGGER_TAG: self.trigger},
                asset_selection=self.asset_keys,
            )
        return dg.RunRequest(
            run_key=run_key, job_name=self.job_name, tags=self.tags, asset_selection=self.asset_keys
        )


def partition_keys(today: date) -> list[str]:
    """Every monthly partition that exists on `today` in Yantai (the running month last)."""
    noon = datetime.combine(today, time(12), tzinfo=ZoneInfo(TIMEZONE))
    return monthly_partitions.get_partition_keys(current_time=noon)


def _last_refresh_succeeded(instance: dg.DagsterInstance) -> bool:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    return bool(runs) and runs[0].status == dg.DagsterRunStatus.SUCCESS


def current_as_of_dates(home: Home, instance: dg.DagsterInstance, look: LandingLook) -> set[date] | None:
    """The as-of dates every indicator step computed from the inputs the warehouse will hold after
    tonight's ingestion; None when that cannot be known in advance (then nothing is current)."""
    if not home.warehouse.exists() or not _last_refresh_succeeded(instance):
        return None
    con = connect(home.warehouse, read_only=True)
    try:
        if not (table_exists(con, "source_snapshots") and table_exists(con, "indicator_runs")):
            return None
        landing = staged_fingerprints(con, look)
        if landing is None:
            return None
        recorded = dict(con.execute("SELECT source, fingerprint FROM source_snapshots").fetchall())
        if any(recorded.get(source) != fp for source, fp in landing.items()):
            return None
        inputs = inputs_fingerprint(con)
        return set.intersection(*(current_dates(con, step, inputs) for step in INDICATOR_STEPS))
    finally:
        con.close()


def first_month_to_run(
    home: Home, instance: dg.DagsterInstance, keys: list[str], look: LandingLook, today: date
) -> str:
    """The first partition key of `keys` the night must cover (the last one when all are current)."""
    done = current_as_of_dates(home, instance, look)
    if done is None:
        return keys[0]
    for key in keys:
        if as_of_for_partition(key, today) not in done:
            return key
    return keys[-1]


def nightly_request(
    home: Home, instance: dg.DagsterInstance, today: date | None = None, trigger: str = "cli"
) -> NightlyRequest:
    """The night's refresh: refresh_job from the first month that may be stale to the running month."""
    today = today or today_in_yantai()
    keys = partition_keys(today)
    look = look_at_landing(home.landing)
    start = first_month_to_run(home, instance, keys, look, today)
    current = (keys[0][:7], keys[keys.index(start) - 1][:7]) if start != keys[0] else None
    return NightlyRequest(REFRESH_JOB, start, keys[-1], trigger, current=current, look=look)


def report_request(
    home: Home,
    instance: dg.DagsterInstance,
    month: str,
    today: date | None = None,
    trigger: str = "cli",
    look: LandingLook | None = None,
) -> NightlyRequest:
    """The report of `month` (YYYY-MM): monthly_report_job for its partition — its indicators first
    unless they are current (then the monthly_report asset alone); the asset rebuilds the report
    only when what it shows could differ."""
    key = f"{month}-01"
    done = current_as_of_dates(home, instance, look or look_at_landing(home.landing))
    current = done is not None and as_of_for_partition(key, today or today_in_yantai()) in done
    return NightlyRequest(REPORT_JOB, key, key, trigger, assets=("monthly_report",) if current else None)
