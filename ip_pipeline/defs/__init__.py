"""Dagster wiring: assets, checks, jobs and automation built from the domain modules."""
import warnings

import dagster as dg

# The indicator assets use BackfillPolicy.single_run() on purpose (a backfill is one set-based
# step); Dagster 1.13 still labels the parameter beta and would say so on every UI start.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=r".*`backfill_policy`")
# monthly_report_job mixes the indicators (single-run backfills) with the report (one run per
# month, each report built on its own month): one partition per run is what that job wants, and
# Dagster's notice that it picked exactly that is not news for whoever opens the UI.
warnings.filterwarnings("ignore", category=UserWarning,
                        message=r"Asset job monthly_report_job materializes assets with varying BackfillPolicies")
