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

from ..paths import EXPECTATIONS_DIR
from ..quality import background
from ..quality import warehouse_io as wio
from ..quality.gx_runner import (
    ExpectationFailure,
    QualityResult,
    list_suites,
    load_suite,
    suite_parameters,
    suite_text,
)
from ..quality.validation_plan import load_frames, make_plan, run_plan
from .markdown import failures_table, records_table
from .resources import WAREHOUSE_POOL, Warehouse

GX_SUITE_CHECK = "gx_expectation_suite"
SKIPPED_STATUS = "skipped: unchanged snapshot"

# Suites whose run-time parameters come from another staged table: the check
# waits for that table when both are materialised in one run.
_PARAMETER_SOURCES = {"district_codes": "stg_districts", "reporting_units": "stg_districts"}


def run_table_check(
    table: str,
    warehouse: Warehouse,
    check_name: str = GX_SUITE_CHECK,
    expectations_dir: Path | None = None,
    use_cache: bool = True,
    log=None,
    incremental: bool = True,
) -> QualityResult:
    """Validate one staged table against its suite and record the result.

    An unchanged snapshot skips validation (the last passed result stands). A snapshot whose
    changed rows staging kept is validated incrementally (quality/validation_plan.py); a validation the ingest
    step started in the background (background.py) is taken when it is for the same key."""
    suite = load_suite(table, expectations_dir)
    text = suite_text(table, expectations_dir)
    home = warehouse.paths.root
    docs_dir = warehouse.paths.quality / "data_docs"
    with wio.connection(warehouse, read_only=True) as con:
        source, fingerprint = wio.snapshot_source(con, table, suite)
        params, notes = wio.runtime_parameters(con, table, suite, suite_parameters(suite), source, fingerprint)
        key = wio.cache_key(text, fingerprint, params)
        previous = wio.last_passed(con, table, check_name) if use_cache and key else None
        result = None
        if previous and previous["details"].get("cache_key") == key:
            result = _skipped(table, previous, key)
            background.take(home, table, None)
    if result is None:
        result = background.take(home, table, key) if incremental else None
    if result is None:
        # frames read, connection closed, then validated: a writer elsewhere never waits for GX
        with wio.connection(warehouse, read_only=True) as con:
            plan = make_plan(con, table, home, check_name, expectations_dir, docs_dir, incremental=incremental)
            frames = load_frames(plan, con)
        result = run_plan(plan, frames=frames)
        del frames
        if result is None:  # the incremental parts could not all be evaluated: the whole table
            with wio.connection(warehouse, read_only=True) as con:
                plan = make_plan(con, table, home, check_name, expectations_dir, docs_dir, incremental=False)
                frames = load_frames(plan, con)
            result = run_plan(plan, frames=frames)
            del frames
    if log is not None:
        log.info(result.message)
    with wio.connection(warehouse, read_only=False) as con:
        wio.write_result(con, table, check_name, result)
    return result


def _skipped(table: str, previous: dict, key: str) -> QualityResult:
    failures = [ExpectationFailure.from_dict(d) for d in previous["failed_expectations"]]
    d = previous["details"]
    msg = f"{table}: {SKIPPED_STATUS} since {previous['evaluated_at']:%Y-%m-%d %H:%M}; last result: {d.get('message', '')}"
    return QualityResult(
        table=table,
        passed=True,
        failures=failures,
        evaluated=d.get("evaluated_expectations", 0),
        rows=d.get("rows"),
        message=msg,
        data_docs=d.get("data_docs"),
        skipped=True,
        cache_key=key,
        extra={k: d[k] for k in ("fingerprint", "source", "columns_read", "previous_row_count", "base_key",
                                 "row_counts") if k in d}
        | {"validated_at": str(previous["evaluated_at"])},
    )


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
    if result.rows is not None:
        metadata["rows"] = int(result.rows)
    if result.data_docs:
        metadata["data_docs"] = dg.MetadataValue.path(result.data_docs)
    if suite_file is not None:
        metadata["suite"] = dg.MetadataValue.path(str(suite_file))
    for k in ("fingerprint", "previous_row_count", "columns_read", "validated_at"):
        v = (result.extra or {}).get(k)
        if v is not None:
            metadata[k] = dg.MetadataValue.json(v) if isinstance(v, list) else (v if isinstance(v, int) else str(v))
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


def _table_check(table: str, expectations_dir: Path | None, parameter_deps: bool) -> dg.AssetChecksDefinition:
    suite = load_suite(table, expectations_dir)
    suite_file = Path(expectations_dir or EXPECTATIONS_DIR) / f"{table}.json"
    deps = sorted(
        {_PARAMETER_SOURCES[p] for p in suite_parameters(suite) if p in _PARAMETER_SOURCES} - {table}
    ) if parameter_deps else []
    rules = len(suite.get("expectations", []))
    blocking = sum(1 for e in suite["expectations"] if e["meta"]["severity"] == "error")

    @dg.asset_check(
        asset=dg.AssetKey(table),
        name=GX_SUITE_CHECK,
        description=(
            f"Great Expectations suite expectations/{table}.json ({rules} rules, {blocking} blocking): "
            "an error rule that fails stops everything downstream."
        ),
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
    tables = tables or list_suites(expectations_dir)
    return [_table_check(t, expectations_dir, parameter_deps) for t in tables]
