"""Jobs: what the command line, the schedules and the sensors launch."""

from __future__ import annotations

import dagster as dg

# Who launched a run: "cli", "nightly_refresh_schedule", "monthly_report_schedule", "landing_zone_sensor".
# The command line finds its own dead runs by it (runner.release_dead_cli_runs); alerts name it.
TRIGGER_TAG = "ip_pipeline/trigger"

# Everything but the report: sources, staging, marts, indicators (and their checks). The `marts`
# group is the indicators' per-record facts, assets of their own so that the UI shows and checks them.
# The landing source assets (group `sources`) are observed, never run: a job selects only what
# it can materialise.
REFRESH_GROUPS = ("sources", "staging", "marts", "indicators")

refresh_job = dg.define_asset_job(
    "refresh_job",
    selection=dg.AssetSelection.groups(*REFRESH_GROUPS),
    description="Ingest every source and compute the indicators for the partitions asked for.",
)

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("sources", "staging"),
    description="Ingest the sources whose files changed (used by the landing-zone sensor).",
)

monthly_report_job = dg.define_asset_job(
    "monthly_report_job",
    # The month's indicators come first in the same run (recomputed only if their inputs
    # changed), so the report never reads a month that another run is still writing.
    selection=dg.AssetSelection.groups("indicators", "reports"),
    description="Finalise one month's indicators and build its report (PDF zh/en and XLSX).",
)
