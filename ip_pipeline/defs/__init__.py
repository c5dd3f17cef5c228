"""Dagster wiring: assets, checks, jobs and automation built from the domain modules."""
