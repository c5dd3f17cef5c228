"""The code location: `dagster dev -w workspace.yaml` and `ip-pipeline run` load the same Definitions."""

from __future__ import annotations

import dagster as dg

from .defs.freshness import build_freshness_checks
from .defs.indicator_checks import build_indicator_checks
from .defs.indicators import indicator_progress, indicator_values
from .defs.ingestion import build_ingestion_assets
from .defs.jobs import ingest_job, monthly_report_job, refresh_job
from .defs.landing import build_landing_sources
from .defs.marts import marts
from .defs.outcomes import OUTCOME_CHECKS, plan_outcomes
from .defs.quality_checks import build_quality_checks
from .defs.reports import bulletin_reconciles, monthly_report
from .defs.resources import Warehouse
from .defs.schedules import build_schedules
from .defs.sensors import build_sensors
from .defs.versions import indicators_version
from .paths import default_home


def _versioned(assets: dg.AssetsDefinition, version: str) -> dg.AssetsDefinition:
    """The asset with the code version of the files it runs (its SQL, the catalogue, its code)."""
    return assets.map_asset_specs(lambda spec: spec.replace_attributes(code_version=version))


def build_definitions(home: str | None = None) -> dg.Definitions:
    home = str(home or default_home())
    return dg.Definitions(
        assets=[
            build_landing_sources(),
            *build_ingestion_assets(),
            *(
                _versioned(a, indicators_version())
                for a in (marts, indicator_values, indicator_progress, plan_outcomes)
            ),
            monthly_report,
        ],
        asset_checks=[
            # Quality gates: a GX suite per staged table (blocking) and indicator sanity.
            *build_quality_checks(),
            *build_indicator_checks(),
            # The final evaluation of ended plans: one row per target × unit, achieved consistent.
            *OUTCOME_CHECKS,
            # Operations: source freshness (WARN when older than cadence_days).
            *build_freshness_checks(),
            # The bulletin reconciles with the warehouse (blocking: one that does not is not published).
            bulletin_reconciles,
        ],
        jobs=[refresh_job, ingest_job, monthly_report_job],
        schedules=build_schedules(home),
        sensors=build_sensors(home),
        resources={"warehouse": Warehouse(home=home)},
        # Every step opens DuckDB and is in the `warehouse` pool (limit 1), so steps never run
        # in parallel anyway: in-process execution spares a Python subprocess per step
        # (seconds each) for runs launched by the daemon and the UI, as the CLI already does.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
