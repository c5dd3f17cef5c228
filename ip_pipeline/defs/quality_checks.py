"""Blocking GX asset checks on the staged tables (`stg_<name>`).

One check per suite in `expectations/`; a failed "error" expectation fails
the check with severity ERROR, which stops every downstream asset; failed
"warn" expectations only fail it with severity WARN. Each result is kept in
`quality_results`, which the monthly report reads and which lets an unchanged
snapshot skip re-validation.
"""

from pathlib import Path

import dagster as dg
from dagster import AssetCheckExecutionContext

from ..ingest.contracts import SOURCE_NAMES
from ..paths import EXPECTATIONS_DIR
from ..quality.failures import QualityResult
from ..quality.suites import list_suites, load_suite, suite_parameters
from ..quality.table_check import GX_SUITE_CHECK, SKIPPED_STATUS, run_table_check  # noqa: F401  (the checks' API)
from .markdown import failures_table, records_table
from .resources import WAREHOUSE_POOL, Warehouse

# Suites whose run-time parameters come from another staged table: the check
# waits for that table when both are materialised in one run.
_PARAMETER_SOURCES = {"district_codes": "stg_districts", "reporting_units": "stg_districts"}


def check_result(result: QualityResult, suite_file: Path | None = None) -> dg.AssetCheckResult:
    """The Dagster view of a QualityResult: severity, counts, a sample, Data Docs."""
    metadata: dict = {
        "status": SKIPPED_STATUS if result.skipped else "validated",
        "message": dg.MetadataValue.md(result.message),
        "failed_error_expectations": len(result.errors),
        "failed_warn_expectations": len(result.warnings),
        "evaluated_expectations": result.evaluated,
        "duration_s": float(result.duration_s),
        # Markdown tables, not JSON: one row per failed expectation, then a sample of offending values.
        "failed_expectations": dg.MetadataValue.md(failures_table(result.failures)),
    }
    if any(f.sample for f in result.failures):
        metadata["offending_sample"] = dg.MetadataValue.md(_samples_markdown(result.failures))
    if result.not_applicable:
        # left out for this snapshot (meta.needs: no rows, no previous snapshot): said, never a pass
        metadata["not_applicable_expectations"] = len(result.not_applicable)
        metadata["not_applicable"] = dg.MetadataValue.md(
            records_table(
                [
                    {
                        "rule": s["rule"],
                        "severity": s["severity"],
                        "needs": ", ".join(s["needs"]),
                        "reason": s["reason"],
                    }
                    for s in result.not_applicable
                ]
            )
        )
    if result.rows is not None:
        metadata["rows"] = int(result.rows)
    if result.data_docs:
        metadata["data_docs"] = dg.MetadataValue.path(result.data_docs)
    if suite_file is not None:
        metadata["suite"] = dg.MetadataValue.path(str(suite_file))
    for k in ("fingerprint", "previous_row_count", "columns_read", "validated_at"):
        v = (result.extra or {}).get(k)
        if v is not None:
            metadata[k] = (
                dg.MetadataValue.json(v) if isinstance(v, list) else (v if isinstance(v, int) else str(v))
            )
    if result.cache_key:
        metadata["cache_key"] = result.cache_key
    return dg.AssetCheckResult(
        passed=not result.failures,
        severity=dg.AssetCheckSeverity.ERROR if result.errors else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=result.message[:1000],
    )


def _samples_markdown(failures) -> str:
    """Per failed rule, its offending values (dicts become table rows, plain values one per row)."""
    parts = []
    for f in failures:
        if not f.sample:
            continue
        sample = f.sample if isinstance(f.sample, list) else [f.sample]
        rows = [s if isinstance(s, dict) else {(f.column or "value"): s} for s in sample]
        parts.append(f"**{f.severity}: {f.rule}**\n\n" + records_table(rows))
    return "\n\n".join(parts)


def suite_check_description(table: str, expectations_dir: Path | None = None) -> str:
    suite = load_suite(table, expectations_dir)
    rules = len(suite.get("expectations", []))
    blocking = sum(1 for e in suite["expectations"] if e["meta"]["severity"] == "error")
    return (
        f"Great Expectations suite expectations/{table}.json ({rules} rules, {blocking} blocking): "
        "an error rule that fails stops everything downstream."
    )


def _table_check(table: str, expectations_dir: Path | None, parameter_deps: bool) -> dg.AssetChecksDefinition:
    suite = load_suite(table, expectations_dir)
    suite_file = Path(expectations_dir or EXPECTATIONS_DIR) / f"{table}.json"
    deps = (
        sorted({_PARAMETER_SOURCES[p] for p in suite_parameters(suite) if p in _PARAMETER_SOURCES} - {table})
        if parameter_deps
        else []
    )

    @dg.asset_check(
        asset=dg.AssetKey(table),
        name=GX_SUITE_CHECK,
        description=suite_check_description(table, expectations_dir),
        blocking=True,
        additional_deps=[dg.AssetKey(d) for d in deps] or None,
        pool=WAREHOUSE_POOL,
        metadata={"suite": str(suite_file)},
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        result = run_table_check(table, warehouse, expectations_dir=expectations_dir, log=context.log)
        return check_result(result, suite_file)

    return _check


def build_quality_checks(
    tables: list[str] | None = None,
    expectations_dir: Path | None = None,
    parameter_deps: bool = True,
) -> list[dg.AssetChecksDefinition]:
    """One blocking GX check per staged table with a suite in `expectations/`.

    `tables` limits them (default: every `expectations/stg_*.json`).
    `parameter_deps=False` drops the ordering dependency on `stg_districts`
    (for graphs that do not define it).
    """
    # the sources' staged tables are audited by their ingest step before they are published
    # (defs/ingestion.py); the reference tables by a check after theirs
    tables = tables or [
        t for t in list_suites(expectations_dir) if t.removeprefix("stg_") not in SOURCE_NAMES
    ]
    return [_table_check(t, expectations_dir, parameter_deps) for t in tables]
