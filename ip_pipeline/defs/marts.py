"""The marts as assets (group `marts`): one multi-asset step computes every mart for every
as-of date that needs it, set-based, in the `warehouse` pool; each mart gets its row count
as metadata and a blocking key check. Unpartitioned on purpose: one step and a handful of
events per run whatever the number of months (Dagster's SQLite storage pays per event); the
as-of dates it refreshes are the stale ones of every monthly partition (indicator_runs,
step `marts`), recomputed from the earliest date a source delta can affect
(indicators/recompute.py). The indicator assets read these tables when they are current
for their dates, and compute the marts themselves otherwise (indicators/values.py)."""

import re
from datetime import date

import dagster as dg

from ..dates import FIRST_MONTH, as_of_dates, today_in_yantai
from ..indicators import sql as sql_files
from ..indicators.catalogue import load_plans
from ..indicators.marts import MARTS, key_duplicates, null_keys, row_counts
from ..indicators.registry import OPTIONAL_INPUTS
from ..indicators.steps import MARTS_STEP, marts_step  # noqa: F401
from .ingestion import OWNER
from .resources import WAREHOUSE_POOL, Warehouse

KEY_CHECK = "key_unique"
_TEMP = {m.temp: m.name for m in MARTS}
_OPTIONAL = {view: table for view, (table, _) in OPTIONAL_INPUTS.items()}


def mart_deps(name: str) -> list[str]:
    """The staged tables and marts a mart's SQL reads (its asset dependencies)."""
    text = re.sub(r"--[^\n]*", "", sql_files.load_sql(f"marts/{name}"))
    deps = set(re.findall(r"\b(stg_[a-z_]+)\b", text))
    deps |= {_OPTIONAL[v] for v in re.findall(r"\b(_calc_in_[a-z_]+)\b", text) if v in _OPTIONAL}
    deps |= {_TEMP[t] for t in re.findall(r"\b(_calc_[a-z_]+)\b", text) if t in _TEMP and _TEMP[t] != name}
    if re.search(r"\b_calc_(units|grid|unit_of)\b", text):
        deps.add("stg_districts")
    return sorted(deps)


def all_as_of_dates(today: date | None = None) -> list[date]:
    """Every monthly partition's as-of date, the running month's being today."""
    return as_of_dates(date.fromisoformat(FIRST_MONTH), today or today_in_yantai())


SPECS = [
    dg.AssetSpec(
        m.name,
        group_name="marts",
        kinds={"duckdb"},
        owners=[OWNER],
        description=m.description,
        deps=mart_deps(m.name),
    )
    for m in MARTS
]
CHECKS = [
    dg.AssetCheckSpec(
        KEY_CHECK,
        asset=m.name,
        blocking=True,
        description=f"{m.name} has one row per ({', '.join(m.key)}), no key NULL.",
    )
    for m in MARTS
]


@dg.multi_asset(name="marts", specs=SPECS, check_specs=CHECKS, pool=WAREHOUSE_POOL, can_subset=False)
def marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    today = today_in_yantai()
    dates = all_as_of_dates(today)
    with warehouse.connection() as con:
        plan, _ = marts_step(con, dates, today, load_plans())
        counts = row_counts(con)
        common = {
            "as_of_dates": dg.MetadataValue.int(len(dates)),
            "recomputed_dates": dg.MetadataValue.int(len(plan.recompute)),
            "restamped_dates": dg.MetadataValue.int(len(plan.restamp)),
        }
        if plan.earliest is not None:
            common["earliest_affected_as_of"] = dg.MetadataValue.text(plan.earliest.isoformat())
        for m in MARTS:
            yield dg.MaterializeResult(
                asset_key=m.name, metadata={"rows": dg.MetadataValue.int(int(counts[m.name])), **common}
            )
        # The key checks look at what this run wrote: the recomputed dates (every date of pledge_items).
        checked = plan.recompute
        for m in MARTS:
            if not checked:
                yield dg.AssetCheckResult(
                    asset_key=m.name,
                    check_name=KEY_CHECK,
                    passed=True,
                    metadata={"checked_dates": 0},
                    description=f"{m.name}: nothing recomputed, its keys were checked when written",
                )
                continue
            dups, sample = key_duplicates(con, m, checked)
            nulls = null_keys(con, m, checked)
            yield dg.AssetCheckResult(
                asset_key=m.name,
                check_name=KEY_CHECK,
                passed=dups == 0 and nulls == 0,
                metadata={
                    "duplicate_keys": dups,
                    "null_keys": nulls,
                    "checked_dates": len(checked),
                    "sample": dg.MetadataValue.json([{k: str(v) for k, v in r.items()} for r in sample]),
                },
                description=(
                    f"{m.name}: one row per ({', '.join(m.key)})"
                    if dups == 0 and nulls == 0
                    else f"{m.name}: {dups} key values occur more than once, {nulls} rows have a NULL key"
                ),
            )
