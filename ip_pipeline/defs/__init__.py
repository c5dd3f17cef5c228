"""Dagster wiring: assets, checks, jobs and automation built from the domain modules."""

import warnings

import dagster as dg

# The indicator assets use BackfillPolicy.single_run() on purpose (a backfill is one set-based
# step); Dagster 1.13 still labels the parameter beta and would say so on every UI start.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=r".*`backfill_policy`")
