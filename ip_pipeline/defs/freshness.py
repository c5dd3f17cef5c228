"""Freshness checks: WARN when a source has not changed for longer than its `cadence_days`.

Why not `dg.build_last_update_freshness_checks`: it measures the time since the
last *materialisation*, and every ingest run materialises `raw_<source>` even
when the snapshot is unchanged — a nightly run would keep a stale export
"fresh" forever. What matters is the data's own age: `source_snapshots.snapshot_at`
(the newest file's modification time, or the database snapshot time), compared
with `cadence_days` of `sources/<source>.yaml`.

One multi-check (one step, one read of `source_snapshots`), subsettable, so a
run that ingests one source evaluates only that source's check. It reads the
warehouse, so it is in the `warehouse` pool like every step that opens DuckDB.
"""

from datetime import UTC, datetime

import dagster as dg

from ..db import table_exists
from ..ingest.contracts import SOURCE_NAMES, load_contract, load_reference_tables, reference_cadence_days
from .resources import WAREHOUSE_POOL, Warehouse

CHECK_NAME = "source_freshness"
REFERENCE = "reference"


def cadences() -> dict[str, int]:
    out = {n: load_contract(n).cadence_days for n in SOURCE_NAMES}
    out[REFERENCE] = reference_cadence_days()
    return out


def checked_assets() -> dict[dg.AssetKey, str]:
    """raw_<source> -> source; every reference raw table -> the one `reference` snapshot."""
    keys = {dg.AssetKey(f"raw_{n}"): n for n in SOURCE_NAMES}
    keys.update({dg.AssetKey(f"raw_{t}"): REFERENCE for t in load_reference_tables()})
    return keys


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def freshness_result(
    key: dg.AssetKey, source: str, cadence: int, row: tuple | None, now: datetime | None = None
) -> dg.AssetCheckResult:
    now = now or _utcnow()
    meta: dict = {"source": source, "cadence_days": cadence}
    if row is None or row[0] is None:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{source}: no snapshot has been loaded yet",
            metadata={**meta, "message": f"{source}: no snapshot has been loaded yet"},
        )
    snapshot_at, fp = row
    age_days = (now - snapshot_at).total_seconds() / 86400
    passed = age_days <= cadence
    text = (
        f"{source}: snapshot of {snapshot_at:%Y-%m-%d %H:%M} UTC is {age_days:.1f} days old "
        f"({'within' if passed else 'beyond'} its cadence of {cadence} days)"
    )
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=text,
        metadata={
            **meta,
            "snapshot_at": dg.MetadataValue.text(f"{snapshot_at:%Y-%m-%d %H:%M:%S}"),
            "age_days": dg.MetadataValue.float(round(age_days, 2)),
            "fingerprint": dg.MetadataValue.text(fp or ""),
            "message": text,
        },
    )


def build_freshness_checks() -> list[dg.AssetChecksDefinition]:
    assets = checked_assets()
    specs = [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=k,
            blocking=False,
            description=f"WARN when {src} has not changed for longer than its cadence_days "
            f"(source_snapshots.snapshot_at vs sources/{src}.yaml)",
        )
        for k, src in assets.items()
    ]

    @dg.multi_asset_check(
        specs=specs,
        name="source_freshness_checks",
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="Data age of every source against its cadence_days.",
    )
    def source_freshness_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        wanted = {k.asset_key for k in context.selected_asset_check_keys}
        snaps: dict[str, tuple] = {}
        if warehouse.paths.warehouse.exists():
            with warehouse.connection(read_only=True) as con:
                if table_exists(con, "source_snapshots"):
                    snaps = {
                        r[0]: (r[1], r[2])
                        for r in con.execute(
                            "SELECT source, CAST(snapshot_at AS TIMESTAMP), fingerprint FROM source_snapshots"
                        ).fetchall()
                    }
        cad = cadences()
        now = _utcnow()
        for key, src in assets.items():
            if key in wanted:
                yield freshness_result(key, src, cad[src], snaps.get(src), now)

    return [source_freshness_checks]
