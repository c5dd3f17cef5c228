"""Reference tables: districts, population, economy, IPC concordance, published satisfaction,
peer (national and provincial) figures.

They are small and every row matters, so nothing is quarantined: values are
typed as given (an untypable value becomes NULL) and the blocking quality
checks stop the run, naming the table and the rule (SOURCES.md § reference).

A table with a shipped default (reference.yaml `default:`, a file in assets/reference) stages
that file when the landing zone has none: the office may replace it, and a landing without it
works as before. The default is part of the snapshot's fingerprint (a new release's figures are
staged again) but not of its files or its vintage (it is not the office's delivery).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..db import first_row, rollback
from ..paths import ASSETS_DIR
from .changes import record_reference_change
from .contracts import Column, ReferenceTable, SourceContract, load_reference_tables
from .errors import SourceFileError
from .files import SnapshotFile, fingerprint, list_snapshot, snapshot_time
from .landing import land
from .readers import FileReadInfo, read_file
from .staging import LoadResult, ensure_bookkeeping, install_macros, previous_fingerprint, record_snapshot
from .typing_sql import q

SQL_TYPES = {"text": "VARCHAR", "int": "BIGINT", "decimal": "DOUBLE"}
REFERENCE_SOURCE = "reference"
DEFAULTS_DIR = ASSETS_DIR / "reference"
# `_source_file` of a shipped default's rows: where the figures came from, never a landing path.
DEFAULT_PREFIX = "assets/reference/"


def _as_contract(t: ReferenceTable) -> SourceContract:
    cols = tuple(
        Column(name=n, type="text", header=n, aliases=(), required=bool(spec.get("required")))
        for n, spec in t.columns.items()
    )
    return SourceContract(
        name=t.name,
        title_zh=t.name,
        title_en=t.name,
        folder="reference",
        key=t.key,
        location="none",
        address_columns=(),
        cadence_days=400,
        columns=cols,
        rules=(),
    )


def _typed(name: str, spec: dict) -> str:
    sqltype = SQL_TYPES[spec.get("type", "text")]
    if sqltype == "VARCHAR":
        return q(name)
    if sqltype == "BIGINT":
        return f"CAST(CASE WHEN parse_number({q(name)}) = round(parse_number({q(name)})) THEN parse_number({q(name)}) END AS BIGINT)"
    return f"parse_number({q(name)})"


def shipped_default(table: ReferenceTable) -> SnapshotFile | None:
    """The project's default file of an optional table, if it ships one."""
    if not table.default:
        return None
    path = DEFAULTS_DIR / table.default
    st = path.stat()
    return SnapshotFile(
        path=path, relative=DEFAULT_PREFIX + table.default, size=st.st_size, mtime=st.st_mtime
    )


def is_default(f: SnapshotFile) -> bool:
    return f.relative.startswith(DEFAULT_PREFIX)


def reference_snapshot(landing: Path) -> tuple[dict[str, SnapshotFile], list[SnapshotFile], list[str]]:
    """(table -> its file, the files used in table order, listing warnings); a missing required
    table raises SourceFileError, a missing optional one with a shipped default uses it.
    Their fingerprint is the reference snapshot's."""
    tables = load_reference_tables()
    listing = list_snapshot(landing, "reference", REFERENCE_SOURCE)
    by_name = {f.path.name: f for f in listing.files}
    present: dict[str, SnapshotFile] = {}
    for t in tables.values():
        f = by_name.get(t.file)
        if f is None and t.required:
            raise SourceFileError(
                REFERENCE_SOURCE, f"reference/{t.file}", "is missing (a required reference table)"
            )
        if f is None:
            f = shipped_default(t)
        if f is not None:
            present[t.name] = f
    return present, [present[n] for n in tables if n in present], listing.warnings


def stage_reference(con: duckdb.DuckDBPyConnection, landing: Path, *, force: bool = False) -> LoadResult:
    tables = load_reference_tables()
    present, used, listing_warnings = reference_snapshot(landing)
    fp = fingerprint(used)
    delivered = [f for f in used if not is_default(f)]
    result = LoadResult(
        REFERENCE_SOURCE,
        "loaded",
        fp,
        snapshot_time(delivered),
        [f.relative for f in delivered],
        warnings=list(listing_warnings),
    )
    names = [f"stg_{n}" for n in tables]
    install_macros(con)
    if not force and previous_fingerprint(con, REFERENCE_SOURCE, names) == fp:
        result.status = "unchanged"
        row = first_row(
            con, "SELECT raw_rows, staged_rows FROM source_snapshots WHERE source = ?", [REFERENCE_SOURCE]
        )
        result.raw, result.staged = row
        return result
    landed = {}
    for name, t in tables.items():
        contract = _as_contract(t)
        if name in present:
            f = present[name]
            info = FileReadInfo()
            landed[name] = land(
                con,
                contract,
                [(f.relative, info, read_file(f.path, f.relative, contract, info))],
                result.snapshot_at,
            )
        else:
            landed[name] = land(con, contract, [], result.snapshot_at)
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_bookkeeping(con)
        for name, t in tables.items():
            cols = list(t.columns)
            lt = landed[name]
            con.execute(
                f"CREATE OR REPLACE TABLE raw_{name} AS SELECT {', '.join(q(c) for c in cols)}, "
                f"_source_file, _row_number, _snapshot_at FROM {lt.raw_table} ORDER BY _rid"
            )
            typed = ", ".join(f"{_typed(c, t.columns[c])} AS {q(c)}" for c in cols)
            con.execute(
                f"CREATE OR REPLACE TABLE stg_{name} AS SELECT {typed}, _source_file, _row_number "
                f"FROM {lt.norm_table} ORDER BY _rid"
            )
            result.raw += lt.rows
        result.staged = result.raw
        previous = first_row(
            con, "SELECT fingerprint FROM source_snapshots WHERE source = ?", [REFERENCE_SOURCE]
        )
        record_reference_change(con, fp, previous[0] if previous else None, result.staged)
        record_snapshot(con, result)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return result
