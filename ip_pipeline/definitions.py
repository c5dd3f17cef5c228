"""The code location: `dagster dev -w workspace.yaml` and `ip-pipeline run` load the same Definitions."""
from __future__ import annotations

import dagster as dg

from .defs.indicators import indicator_progress, indicator_values
from .defs.ingestion import build_ingestion_assets
from .defs.jobs import ingest_job, monthly_report_job, refresh_job
from .defs.reports import monthly_report
from .paths import default_home
from .resources import Warehouse


def build_definitions(home: str | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[*build_ingestion_assets(), indicator_values, indicator_progress, monthly_report],
        jobs=[refresh_job, ingest_job, monthly_report_job],
        resources={"warehouse": Warehouse(home=str(home or default_home()))},
    )


defs = build_definitions()
