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
stale months only (a new day makes the running month stale: its as-of date is today), and
none when every month is current.

Whatever cannot be known in advance keeps the whole range: no warehouse yet, a last refresh
that failed (its blocking checks must see every month again), a source read from a database
(its snapshot is only known by reading it), an odd or missing file.

A night also runs only the steps its inputs ask for (`night_selection`): the ingest steps of
the landing sources whose snapshot will change (a source read from a database, or whose
folder cannot be fingerprinted, counts as changed: it is only known by reading it), and what
lies downstream of them in Dagster's asset graph — the staged tables that take units from
them (stg_districts, item_location), the marts and the indicators — plus the marts and
indicators when some month is stale without any source changing (a new day moves the
running month's as-of date). The freshness checks run every night: a quiet night is a run of
those checks alone, no ingest, no indicator step. Whether a snapshot changes is decided on
the warehouse's own fingerprints (`source_snapshots`, which include the district table and
the address rule), the same numbers staging records as the data versions of raw_/stg_; a
night after a failed refresh, or without a warehouse, runs the whole job.

`report_request(home, instance, month)` is the report of one month: a run of monthly_report_job
for its partition (the monthly schedule, `ip-pipeline run` after the refresh). When the same
test finds the month's indicators current, the run materialises the monthly_report asset alone
(the indicator steps would only find them current: seconds of run bookkeeping on SQLite); when
the month's published bulletin is current as well, there is no run at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import dagster as dg

from ..dates import TIMEZONE, as_of_for_partition, today_in_yantai
from ..db import connect, table_exists
from ..ingest.contracts import SOURCE_NAMES
from ..paths import Home
from .freshness import CHECK_NAME as FRESHNESS_CHECK
from .indicators import INDICATOR_STEPS, current_dates, inputs_fingerprint
from .jobs import REFRESH_GROUPS, TRIGGER_TAG
from .landing import LandingLook, landing_key, look_at_landing, staged_fingerprints
from .partitions import monthly_partitions
from .reports import month_report_current

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
    # only these checks (None: the checks of the selected assets); set with `assets`
    checks: tuple[dg.AssetCheckKey, ...] | None = None
    partitioned: bool = True  # False: no monthly asset is selected, the run has no partition
    look: LandingLook | None = field(default=None, compare=False, repr=False)

    @property
    def asset_keys(self) -> list[dg.AssetKey] | None:
        return [dg.AssetKey(a) for a in self.assets] if self.assets is not None else None

    @property
    def sources_selected(self) -> tuple[str, ...] | None:
        """The sources whose ingest step the run selects (None: the whole job, every one)."""
        if self.assets is None:
            return None
        reference = ("reference",) if "stg_districts" in self.assets else ()
        return tuple(s for s in SOURCE_NAMES if f"raw_{s}" in self.assets) + reference

    @property
    def check_keys(self) -> list[dg.AssetCheckKey] | None:
        return list(self.checks) if self.checks is not None else None

    @property
    def tags(self) -> dict[str, str]:
        if not self.partitioned:
            return {TRIGGER_TAG: self.trigger}
        return {RANGE_START_TAG: self.start, RANGE_END_TAG: self.end, TRIGGER_TAG: self.trigger}

    def run_request(self, run_key: str | None = None) -> dg.RunRequest:
        selection = {"asset_selection": self.asset_keys, "asset_check_keys": self.check_keys}
        if (
            self.start == self.end and self.partitioned
        ):  # one partition: Dagster's own tag, as the UI shows it
            return dg.RunRequest(
                run_key=run_key,
                job_name=self.job_name,
                partition_key=self.start,
                tags={TRIGGER_TAG: self.trigger},
                **selection,
            )
        return dg.RunRequest(run_key=run_key, job_name=self.job_name, tags=self.tags, **selection)


def partition_keys(today: date) -> list[str]:
    """Every monthly partition that exists on `today` in Yantai (the running month last)."""
    noon = datetime.combine(today, time(12), tzinfo=ZoneInfo(TIMEZONE))
    return monthly_partitions.get_partition_keys(current_time=noon)


def _last_refresh_succeeded(instance: dg.DagsterInstance) -> bool:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    return bool(runs) and runs[0].status == dg.DagsterRunStatus.SUCCESS


@dataclass(frozen=True)
class LookAhead:
    """What a night can know before it runs: the landing sources whose snapshot will change
    (None: not knowable, every step runs) and the as-of dates whose indicators are already
    computed from the inputs the warehouse will hold (None: none are)."""

    changed: frozenset[str] | None
    current: set[date] | None


def look_ahead(home: Home, instance: dg.DagsterInstance, look: LandingLook) -> LookAhead:
    if not home.warehouse.exists() or not _last_refresh_succeeded(instance):
        return LookAhead(None, None)
    con = connect(home.warehouse, read_only=True)
    try:
        if not table_exists(con, "source_snapshots"):
            return LookAhead(None, None)
        recorded = dict(con.execute("SELECT source, fingerprint FROM source_snapshots").fetchall())
        landing = staged_fingerprints(con, look)
        changed = frozenset(s for s, fp in landing.items() if fp is None or recorded.get(s) != fp)
        if changed or not table_exists(con, "indicator_runs"):
            return LookAhead(changed, None)
        inputs = inputs_fingerprint(con)
        return LookAhead(
            changed, set.intersection(*(current_dates(con, step, inputs) for step in INDICATOR_STEPS))
        )
    finally:
        con.close()


def current_as_of_dates(home: Home, instance: dg.DagsterInstance, look: LandingLook) -> set[date] | None:
    """The as-of dates every indicator step computed from the inputs the warehouse will hold after
    tonight's ingestion; None when that cannot be known in advance (then nothing is current)."""
    return look_ahead(home, instance, look).current


def first_month_to_run(keys: list[str], done: set[date] | None, today: date) -> str | None:
    """The first partition key of `keys` the night must cover; None when every month is current."""
    if done is None:
        return keys[0]
    for key in keys:
        if as_of_for_partition(key, today) not in done:
            return key
    return None


def night_selection(
    graph, changed: frozenset[str], indicators: bool
) -> tuple[tuple[str, ...], tuple[dg.AssetCheckKey, ...], bool]:
    """(assets, checks, partitioned) of refresh_job for a night: the assets downstream of the
    changed landing sources in the asset graph (and the marts and indicators when `indicators`),
    their checks, and the freshness checks of every source."""
    wanted = dg.AssetSelection.groups("marts", "indicators") if indicators else None
    if changed:
        below = dg.AssetSelection.assets(*(landing_key(s) for s in sorted(changed))).downstream()
        wanted = below if wanted is None else wanted | below
    keys: set[dg.AssetKey] = set()
    if wanted is not None:
        # a step that materialises several assets at once (ingest_<source>: raw, stg, quarantine)
        # runs whole
        wanted = (wanted & dg.AssetSelection.groups(*REFRESH_GROUPS)).required_multi_asset_neighbors()
        keys = set(wanted.resolve(graph))
        keys &= set(graph.materializable_asset_keys)
    checks = {c for c in graph.asset_check_keys if c.asset_key in keys or c.name == FRESHNESS_CHECK}
    partitioned = any(graph.get(k).partitions_def is not None for k in keys)
    return (
        tuple(sorted(k.to_user_string() for k in keys)),
        tuple(sorted(checks, key=lambda c: (c.asset_key.to_user_string(), c.name))),
        partitioned,
    )


def nightly_request(
    home: Home,
    instance: dg.DagsterInstance,
    today: date | None = None,
    trigger: str = "cli",
    graph=None,
) -> NightlyRequest:
    """The night's refresh: refresh_job from the first month that may be stale to the running
    month, with the asset graph (`graph`) only the steps the changed inputs ask for."""
    today = today or today_in_yantai()
    keys = partition_keys(today)
    look = look_at_landing(home.landing)
    ahead = look_ahead(home, instance, look)
    first = first_month_to_run(keys, ahead.current, today)
    start = first or keys[-1]
    current = (keys[0][:7], keys[keys.index(start) - 1][:7]) if start != keys[0] else None
    if first is None:
        current = (keys[0][:7], keys[-1][:7])
    if graph is None or ahead.changed is None:
        return NightlyRequest(REFRESH_JOB, start, keys[-1], trigger, current=current, look=look)
    assets, checks, partitioned = night_selection(graph, ahead.changed, indicators=first is not None)
    return NightlyRequest(
        REFRESH_JOB,
        start,
        keys[-1],
        trigger,
        current=current,
        assets=assets,
        checks=checks,
        partitioned=partitioned,
        look=look,
    )


def report_request(
    home: Home,
    instance: dg.DagsterInstance,
    month: str,
    today: date | None = None,
    trigger: str = "cli",
    look: LandingLook | None = None,
) -> NightlyRequest | None:
    """The report of `month` (YYYY-MM): monthly_report_job for its partition — its indicators first
    unless they are current (then the monthly_report asset alone; the asset rebuilds the report
    only when what it shows could differ). None when the month's published bulletin is current
    too: the run would only find so."""
    key = f"{month}-01"
    done = current_as_of_dates(home, instance, look or look_at_landing(home.landing))
    current = done is not None and as_of_for_partition(key, today or today_in_yantai()) in done
    if current and month_report_current(home, month):
        return None
    return NightlyRequest(REPORT_JOB, key, key, trigger, assets=("monthly_report",) if current else None)
