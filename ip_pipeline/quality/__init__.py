"""Data quality: GX suites on the staged tables, sanity checks on indicators."""
from .checks import GX_SUITE_CHECK, build_indicator_checks, build_quality_checks, run_table_check
from .gx_runner import QualityResult, load_suite, validate_dataframe

__all__ = [
    "GX_SUITE_CHECK",
    "QualityResult",
    "build_indicator_checks",
    "build_quality_checks",
    "load_suite",
    "run_table_check",
    "validate_dataframe",
]
