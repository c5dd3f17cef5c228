"""Ingestion assets: one multi-asset per source producing raw_, stg_ and quarantine_ tables in
one step: write, audit, publish.

The new snapshot is written as candidate tables, validated against its blocking GX suite (the
check `gx_expectation_suite` on `stg_<source>`, declared in the asset's check_specs), and only
when it passed swapped in (one transaction). A snapshot that fails a blocking rule is dropped:
raw_, stg_, quarantine_ and everything downstream stay exactly as they were, the step yields
no materialisation, and the failed check (ERROR) names the rule and says nothing was published.
"""

import dagster as dg

from ..ingest.contracts import SOURCE_NAMES, load_contract, load_reference_tables
from ..ingest.database import DatabaseSnapshot, configured_url
from ..ingest.errors import SourceFileError
from ..ingest.reference import stage_reference
from ..ingest.staging import LoadResult, candidate_table, discard, publish, stage_candidate
from ..paths import EXPECTATIONS_DIR
from ..quality import gx_validation
from ..quality.table_check import GX_SUITE_CHECK, run_table_check
from .landing import landing_key
from .metadata import load_metadata, preview
from .quality_checks import check_result, suite_check_description
from .resources import OWNER, WAREHOUSE_POOL, Warehouse
from .versions import ingestion_version


def _fail(exc: SourceFileError) -> dg.Failure:
    return dg.Failure(
        description=exc.paragraph,
        metadata={
            "source": exc.source,
            "file": exc.file,
            "problem": exc.problem,
            **({"what_to_do": exc.advice} if exc.advice else {}),
        },
        allow_retries=False,
    )


def build_reference_asset() -> dg.AssetsDefinition:
    tables = list(load_reference_tables())
    version = ingestion_version("reference")
    specs = [
        dg.AssetSpec(
            f"raw_{t}",
            group_name="sources",
            kinds={"duckdb"},
            owners=[OWNER],
            deps=[landing_key("reference")],
            code_version=version,
            description=f"reference/{t}.csv exactly as landed, every cell as text.",
        )
        for t in tables
    ]
    specs += [
        dg.AssetSpec(
            f"stg_{t}",
            group_name="staging",
            kinds={"duckdb"},
            owners=[OWNER],
            code_version=version,
            deps=[f"raw_{t}"],
            description=f"Reference table {t}, typed (docs/SOURCES.md § reference). "
            "Rule violations fail a blocking check instead of being quarantined.",
        )
        for t in tables
    ]

    @dg.multi_asset(name="reference_tables", specs=specs, pool=WAREHOUSE_POOL, can_subset=False)
    def reference_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
        try:
            with warehouse.connection() as con:
                result = stage_reference(con, warehouse.paths.landing)
                previews = {t: preview(con, f"stg_{t}") for t in tables}
                counts = {t: con.execute(f"SELECT count(*) FROM stg_{t}").fetchall()[0][0] for t in tables}
        except SourceFileError as exc:
            raise _fail(exc) from None
        for t in tables:
            meta = {
                "rows": dg.MetadataValue.int(int(counts[t])),
                "status": dg.MetadataValue.text(result.status),
                "fingerprint": dg.MetadataValue.text(result.fingerprint),
            }
            yield dg.MaterializeResult(
                asset_key=f"raw_{t}", metadata=meta, data_version=dg.DataVersion(result.fingerprint)
            )
            yield dg.MaterializeResult(
                asset_key=f"stg_{t}",
                metadata={**meta, "preview": dg.MetadataValue.md(previews[t])},
                data_version=dg.DataVersion(result.fingerprint),
            )

    return reference_tables


def build_source_asset(name: str) -> dg.AssetsDefinition:
    contract = load_contract(name)
    title = f"{contract.title_zh} ({contract.title_en})"
    version = ingestion_version(name)
    specs = [
        dg.AssetSpec(
            f"raw_{name}",
            group_name="sources",
            kinds={"duckdb"},
            owners=[OWNER],
            skippable=True,
            deps=[landing_key(name)],
            code_version=version,
            description=f"{title}: the current snapshot as landed — every cell as text, with file, "
            f"row number and snapshot time. Nothing is dropped here.",
        ),
        dg.AssetSpec(
            f"stg_{name}",
            group_name="staging",
            kinds={"duckdb", "great_expectations"},
            owners=[OWNER],
            code_version=version,
            skippable=True,
            deps=[
                f"raw_{name}",
                "stg_districts",
                # a record with no address takes its unit from the items it names (item_location)
                *sorted(
                    {
                        str(ref).split(".")[0]
                        for ref in ((contract.item_location or {}).get("lookup") or {}).values()
                    }
                ),
            ],
            description=f"{title}: typed, normalised, deduplicated, district resolved "
            f"(docs/SOURCES.md). One row per {'/'.join(contract.key)}.",
        ),
        dg.AssetSpec(
            f"quarantine_{name}",
            group_name="staging",
            kinds={"duckdb"},
            owners=[OWNER],
            code_version=version,
            deps=[f"raw_{name}"],
            skippable=True,
            description=f"{title}: rows refused by staging, with the reason for each "
            f"(raw = staged + quarantined + collapsed duplicates).",
        ),
    ]

    table = f"stg_{name}"
    suite_file = EXPECTATIONS_DIR / f"{table}.json"
    check_specs = (
        [
            dg.AssetCheckSpec(
                GX_SUITE_CHECK,
                asset=table,
                blocking=True,
                description=suite_check_description(table),
                metadata={"suite": str(suite_file)},
            )
        ]
        if suite_file.is_file()
        else []
    )

    @dg.multi_asset(
        name=f"ingest_{name}", specs=specs, check_specs=check_specs, pool=WAREHOUSE_POOL, can_subset=False
    )
    def ingest(context: dg.AssetExecutionContext, warehouse: Warehouse):
        if check_specs:
            gx_validation.preload()  # while staging works in DuckDB
        try:
            url = configured_url(contract)
            with warehouse.connection() as con:  # write: the candidate tables
                if url:
                    snap = DatabaseSnapshot(contract, url)
                    snap.fetch()
                    result: LoadResult = stage_candidate(
                        con,
                        contract,
                        warehouse.paths.landing,
                        parts=snap.parts,
                        fingerprint_value=snap.fingerprint,
                        snapshot_at=snap.snapshot_at,
                        file_labels=[snap.label],
                    )
                else:
                    result = stage_candidate(con, contract, warehouse.paths.landing)
        except SourceFileError as exc:
            raise _fail(exc) from None
        for w in result.warnings:
            context.log.warning(w)
        checked = None
        staged = result.status == "staged"
        try:
            if (
                check_specs
            ):  # audit: the candidate (or the published snapshot when unchanged), connection closed
                checked = run_table_check(
                    table,
                    warehouse,
                    log=context.log,
                    read_table=candidate_table("stg", name) if staged else None,
                    snapshot=(name, result.fingerprint) if staged else None,
                )
        except BaseException:
            if staged:  # an audit that could not finish publishes nothing either
                with warehouse.connection() as con:
                    discard(con, name)
            raise
        if staged and checked is not None and not checked.passed:
            with warehouse.connection() as con:
                discard(con, name)
            yield _not_published(check_result(checked, suite_file), table)
            return
        with warehouse.connection() as con:  # publish: one transaction
            if result.status == "staged":
                publish(con, contract, result)
            stg_preview = preview(con, f"stg_{name}")
            q_preview = preview(con, f"quarantine_{name}")
        meta = load_metadata(result)
        version = dg.DataVersion(result.fingerprint)
        yield dg.MaterializeResult(
            asset_key=f"raw_{name}",
            data_version=version,
            metadata={
                "rows": meta["raw_rows"],
                "files": meta["files"],
                "snapshot_at": meta["snapshot_at"],
                "fingerprint": meta["fingerprint"],
                "status": meta["status"],
                "rows_by_format": meta["rows_by_format"],
            },
        )
        yield dg.MaterializeResult(
            asset_key=f"stg_{name}",
            data_version=version,
            metadata={**meta, "rows": meta["staged_rows"], "preview": dg.MetadataValue.md(stg_preview)},
        )
        yield dg.MaterializeResult(
            asset_key=f"quarantine_{name}",
            data_version=version,
            metadata={
                "rows": meta["quarantined_rows"],
                "quarantine_reasons": meta["quarantine_reasons"],
                "preview": dg.MetadataValue.md(q_preview),
            },
        )
        if checked is not None:
            yield check_result(checked, suite_file)

    return ingest


def _not_published(check: dg.AssetCheckResult, table: str) -> dg.AssetCheckResult:
    """A failed audit: the check says which rule failed and that the snapshot was not published."""
    note = (
        f" Not published: {table}, its raw_ and quarantine_ tables and everything downstream "
        "are as they were."
    )
    metadata = dict(check.metadata)
    message = metadata.get("message")
    metadata["message"] = dg.MetadataValue.md((message.value if message is not None else "") + note)
    metadata["published"] = False
    return dg.AssetCheckResult(
        asset_key=table,
        check_name=GX_SUITE_CHECK,
        passed=False,
        severity=check.severity,
        metadata=metadata,
        description=((check.description or "") + note)[:1000],
    )


def build_ingestion_assets() -> list[dg.AssetsDefinition]:
    return [build_reference_asset()] + [build_source_asset(n) for n in SOURCE_NAMES]
