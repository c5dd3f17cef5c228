"""Dagster wiring of the indicator sanity checks: one `@asset_check` on `indicator_values`
per rule of ip_pipeline/quality/indicator_checks.py (the rules themselves, Dagster-free)."""

import json
from datetime import date
from pathlib import Path

import dagster as dg
from dagster import AssetCheckExecutionContext

from ..quality.indicator_checks import INDICATOR_TABLE, RULES, SAMPLE_ROWS, IndicatorRule, run_indicator_rule
from ..quality.suites import ERROR
from .markdown import records_table
from .partitions import monthly_partitions
from .resources import WAREHOUSE_POOL, Warehouse


def _json(value):
    return json.loads(json.dumps(value, default=str))


def _partition_window(context) -> tuple[date | None, date | None, list[str]]:
    """The run's months as [start, end): from the check's own partition, else from the run's tags."""
    if context.has_partition_key or context.has_partition_key_range:
        tw = context.partition_time_window
        return tw.start.date(), tw.end.date(), list(context.partition_keys)
    tags = context.run.tags if context.run else {}
    first = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_start")
    last = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end")
    if first and last:
        try:
            keys = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
            start = monthly_partitions.time_window_for_partition_key(first).start.date()
            end = monthly_partitions.time_window_for_partition_key(last).end.date()
            return start, end, list(keys)
        except Exception:  # noqa: BLE001  not a monthly key: check everything
            pass
    return None, None, []


def _rule_check(
    rule: IndicatorRule, partitioned: bool, config_dir: Path | None, deps: bool
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(INDICATOR_TABLE),
        name=rule.check_name,
        description=rule.description,
        blocking=rule.blocking,
        additional_deps=[dg.AssetKey(a) for a in rule.reads] if deps and rule.reads else None,
        pool=WAREHOUSE_POOL,
        partitions_def=monthly_partitions if partitioned else None,
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        start, end, keys = _partition_window(context)
        result, found = run_indicator_rule(rule, warehouse, start, end, keys, config_dir)
        context.log.info(result.message)
        metadata = {
            "message": dg.MetadataValue.md(result.message),
            "violations": len(found.rows),
            "rows_checked": int(found.checked),
            "scope": result.extra["scope"],
            # The offending rows as a markdown table (names beside district codes), not JSON.
            "sample": dg.MetadataValue.md(
                records_table(_json(found.rows[:SAMPLE_ROWS]), total=len(found.rows))
            ),
        }
        for k, v in found.extra.items():
            if isinstance(v, list) and all(isinstance(r, dict) for r in v):
                metadata[k] = dg.MetadataValue.md(records_table(_json(v)))
            else:
                metadata[k] = dg.MetadataValue.json(_json(v)) if isinstance(v, (list, dict)) else v
        return dg.AssetCheckResult(
            passed=not result.failures,
            severity=dg.AssetCheckSeverity.ERROR if rule.severity == ERROR else dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description=result.message[:1000],
        )

    return _check


def build_indicator_checks(
    partitioned: bool = False, config_dir: Path | None = None, upstream_deps: bool = True
) -> list[dg.AssetChecksDefinition]:
    """Sanity checks on `indicator_values`: three blocking (ERROR) and the jump check (WARN).

    By default the checks are not partitioned (Dagster's partitioned checks are
    still a preview feature) and look at the months of the run's partition tags,
    or the whole table when the run has none; `partitioned=True` gives them
    `monthly_partitions` like the asset. `upstream_deps=False` drops the ordering dependency of the
    high-value check on `stg_patents`, for graphs that do not define it.
    """
    return [_rule_check(r, partitioned, config_dir, upstream_deps) for r in RULES]
