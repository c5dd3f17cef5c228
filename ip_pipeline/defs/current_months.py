"""Which months a nightly `ip-pipeline run` must compute, decided before the run starts.

A run over every month since 2020-12 makes Dagster log, per month and indicator asset,
a planned and a materialisation event (SQLite writes them one by one: ~3 s at 72 months)
only for the assets to find every month current. When no landing snapshot changed since
the last successful run, ingestion will change nothing, so the inputs fingerprint after it
is the one recorded now, and the months still current are known in advance (the same
test the indicator assets make: `indicator_runs` holds the month with that fingerprint).
The run then covers the stale months, or the last month alone: ingestion, the quality
checks and the freshness checks still run every night.

Whatever cannot be known in advance keeps the whole range: no warehouse yet, a last run
that failed (its blocking checks must see every month again), a source read from a
database (its snapshot is only known by reading it), a reference table missing.
"""
from __future__ import annotations

from datetime import date

import dagster as dg

from ..db import connect, table_exists
from ..ingest.contracts import SOURCE_NAMES, load_contract
from ..ingest.database import configured_url
from ..ingest.errors import SourceFileError
from ..ingest.files import fingerprint, list_snapshot
from ..ingest.reference import REFERENCE_SOURCE, reference_snapshot
from ..dates import as_of_for_partition
from .partitions import monthly_partitions
from ..paths import Home

def _landing_fingerprints(home: Home, con) -> dict[str, str] | None:
    """Each source's landing fingerprint as ingestion would compute it; None when one is unknowable."""
    from ..ingest.staging import snapshot_fingerprint

    out: dict[str, str] = {}
    for name in SOURCE_NAMES:
        contract = load_contract(name)
        if configured_url(contract):
            return None
        try:
            out[name] = snapshot_fingerprint(con, contract, list_snapshot(home.landing, contract.folder, name).files)
        except (SourceFileError, OSError):
            return None  # an odd file: its source's step refuses it, in the run's own words
    try:
        out[REFERENCE_SOURCE] = fingerprint(reference_snapshot(home.landing)[1])
    except SourceFileError:
        return None
    return out


def _last_run_succeeded(instance: dg.DagsterInstance, job_name: str) -> bool:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=job_name), limit=1)
    return bool(runs) and runs[0].status == dg.DagsterRunStatus.SUCCESS


def first_month_to_run(home: Home, instance: dg.DagsterInstance, start: str, end: str,
                       job_name: str = "refresh_job", today: date | None = None) -> str:
    """The first partition key in [start, end] the run must cover (`end` when all are current)."""
    if not home.warehouse.exists() or not _last_run_succeeded(instance, job_name):
        return start
    from .indicators import INDICATOR_STEPS, current_dates, inputs_fingerprint

    keys = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
    con = connect(home.warehouse, read_only=True)
    try:
        if not (table_exists(con, "source_snapshots") and table_exists(con, "indicator_runs")):
            return start
        landing = _landing_fingerprints(home, con)
        if landing is None:
            return start
        recorded = dict(con.execute("SELECT source, fingerprint FROM source_snapshots").fetchall())
        if any(recorded.get(source) != fp for source, fp in landing.items()):
            return start
        inputs = inputs_fingerprint(con)
        done = {step: current_dates(con, step, inputs) for step in INDICATOR_STEPS}
    finally:
        con.close()
    for key in keys:
        as_of = as_of_for_partition(key, today)
        if any(as_of not in done[step] for step in INDICATOR_STEPS):
            return key
    return end
