"""Materialisation metadata an engineer looks for in the Dagster UI."""

from __future__ import annotations

import dagster as dg
import duckdb

from ..ingest.staging import LoadResult

MASKED_COLUMNS = {"party"}  # personal data (SOURCES.md § enforcement)


def mask_name(value: str | None) -> str | None:
    """张三 -> 张**: keep the first character, hide the rest."""
    if value is None:
        return None
    text = str(value)
    return text[:1] + "*" * max(len(text) - 1, 1) if text else text


def preview(con: duckdb.DuckDBPyConnection, table: str, limit: int = 5) -> str:
    df = con.execute(f"SELECT * FROM {table} LIMIT {int(limit)}").df()
    df = df.drop(columns=[c for c in ("_snapshot_at",) if c in df.columns])
    for col in MASKED_COLUMNS & set(df.columns):
        df[col] = df[col].map(mask_name)
    if df.empty:
        return "_(no rows)_"
    return df.astype(str).to_markdown(index=False)


def reasons_markdown(reasons: dict[str, int]) -> str:
    if not reasons:
        return "_(nothing quarantined)_"
    lines = ["| reason | rows |", "|---|---:|"] + [f"| `{r}` | {n:,} |" for r, n in reasons.items()]
    return "\n".join(lines)


def formats_markdown(formats: dict[str, int]) -> str:
    """Rows of the snapshot per export format (sources/formats/*.yaml; `canonical` = SOURCES.md)."""
    if not formats:
        return "_(no rows)_"
    lines = ["| format | rows |", "|---|---:|"] + [f"| `{f}` | {n:,} |" for f, n in formats.items()]
    return "\n".join(lines)


def load_metadata(r: LoadResult) -> dict[str, dg.MetadataValue]:
    extra = {}
    if r.missing_folder or r.empty_source:  # SOURCES.md: a source that never had data is an empty source
        why = (
            "no folder in the landing zone"
            if r.missing_folder
            else "no rows (an empty folder or header-only files)"
        )
        extra["empty_source"] = dg.MetadataValue.text(
            f"{why}: loaded with no rows; the indicators that need it are no_data"
        )
    return extra | {
        "status": dg.MetadataValue.text(r.status),
        "fingerprint": dg.MetadataValue.text(r.fingerprint),
        "snapshot_at": dg.MetadataValue.text(str(r.snapshot_at) if r.snapshot_at else "no files"),
        "files": dg.MetadataValue.json(r.files),
        "raw_rows": dg.MetadataValue.int(int(r.raw)),
        "staged_rows": dg.MetadataValue.int(int(r.staged)),
        "quarantined_rows": dg.MetadataValue.int(int(r.quarantined)),
        "duplicate_rows": dg.MetadataValue.int(int(r.duplicates)),
        "out_of_scope_rows": dg.MetadataValue.int(int(r.out_of_scope)),
        "reconciles": dg.MetadataValue.bool(r.raw == r.staged + r.quarantined + r.duplicates),
        "quarantine_reasons": dg.MetadataValue.md(reasons_markdown(r.reasons)),
        "rows_by_format": dg.MetadataValue.md(formats_markdown(r.formats)),
        "warnings": dg.MetadataValue.json(r.warnings),
    }
