"""Data quality, Dagster-free: GX suites run on frames of the staged tables (gx_runner,
validation_plan, background), sanity rules on the indicators (indicator_checks). Their asset checks are wired
in ip_pipeline/defs/quality_checks.py and defs/indicator_checks.py."""
from .gx_runner import QualityResult, load_suite, validate_dataframe

__all__ = ["QualityResult", "load_suite", "validate_dataframe"]
