"""Data quality, Dagster-free: GX suites (suites, applicability) run on frames of the staged
tables (gx_validation, incremental, validation_plan, table_check, background; results and
messages in failures, the Data Docs index in data_docs), sanity rules on the indicators
(indicator_checks). Their asset checks are wired in ip_pipeline/defs/quality_checks.py,
defs/ingestion.py (the audit before a source's snapshot is published) and defs/indicator_checks.py."""

from .failures import QualityResult
from .gx_validation import validate_dataframe
from .suites import load_suite

__all__ = ["QualityResult", "load_suite", "validate_dataframe"]
