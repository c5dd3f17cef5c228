"""Stage one source: land its snapshot, type it, resolve districts, collapse duplicates, write
it as candidate tables, and publish them (replace raw_/stg_/quarantine_) in one transaction.

Write, audit, publish: `stage_candidate` writes the new snapshot to `candidate.raw_<source>`,
`candidate.stg_<source>` and `candidate.quarantine_<source>` (a schema apart from the
warehouse's tables) and touches nothing published; the caller validates the candidate (its
blocking GX suite), then `publish` swaps the three in with the snapshot's bookkeeping in one
transaction, or `discard` drops them. `stage_source` does all of it without
the audit (tests, tools). If any part of the snapshot cannot be read, nothing is written: the
previous staged data stays and the error names the file and the problem.
Counts always reconcile: raw = staged + quarantined + collapsed duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..db import first_row, rollback, scalar
from ..faults import maybe_fail
from ..paths import SQL_DIR
from . import holds
from .addresses import rule_fingerprint
from .changes import changes_table, diff_before_publish, export_changes, load_changes, record_change
from .contracts import SourceContract
from .districts import build_lookups
from .empty_sources import is_empty_source
from .errors import SourceFileError
from .files import file_hash, fingerprint, identical_files, list_snapshot, snapshot_time, still_growing
from .landing import land
from .parts import CachedPart, PartStore, warehouse_home
from .readers import FileReadInfo, read_file
from .typed_parts import TypedStore, district_rows, districts_hash, type_and_resolve
from .typing_sql import lit, q


@dataclass
class LoadResult:
    source: str
    status: str  # staged (candidate tables written) | loaded (published) | unchanged
    fingerprint: str
    snapshot_at: datetime | None
    files: list[str]
    raw: int = 0
    staged: int = 0
    quarantined: int = 0
    duplicates: int = 0
    out_of_scope: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    file_details: list[dict] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)  # raw rows per export format (formats.py)
    # The source's folder does not exist in the landing zone: an empty source (SOURCES.md),
    # loaded with no rows; the indicators that need it are NULL with flag no_data.
    missing_folder: bool = False
    change: dict = field(
        default_factory=dict
    )  # the source_changes row written with the snapshot (changes.py)
    reused_files: int = 0  # files whose rows came from the kept parts (same content hash), not read again
    # rows typed from their text, rows whose typed values came from kept typed parts (typed_parts.py),
    # and rows whose district was resolved (the typed ones and the kept ones a districts change may move)
    typed_rows: int = 0
    kept_typed_rows: int = 0
    resolved_rows: int = 0
    # A snapshot with no rows of a source that never had any: an empty source (empty_sources.py).
    empty_source: bool = False
    digests: list[str] | None = field(default=None, repr=False)  # content hashes of its files (kept parts)

    @property
    def reconciles(self) -> bool:
        return self.raw == self.staged + self.quarantined + self.duplicates


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "ingest_macros.sql").read_text(encoding="utf-8"))


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE IF NOT EXISTS source_snapshots (
            source VARCHAR PRIMARY KEY, snapshot_at TIMESTAMP, fingerprint VARCHAR, files VARCHAR[],
            raw_rows BIGINT, staged_rows BIGINT, quarantined_rows BIGINT, duplicate_rows BIGINT,
            loaded_at TIMESTAMP)
    """)
    con.execute("""
        CREATE TABLE IF NOT EXISTS source_snapshots_history (
            source VARCHAR, snapshot_at TIMESTAMP, fingerprint VARCHAR,
            raw_rows BIGINT, staged_rows BIGINT, loaded_at TIMESTAMP)
    """)


def previous_fingerprint(con: duckdb.DuckDBPyConnection, source: str, tables: list[str]) -> str | None:
    ensure_bookkeeping(con)
    existing = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    if not set(tables) <= existing:
        return None
    row = first_row(con, "SELECT fingerprint FROM source_snapshots WHERE source = ?", [source])
    return row[0] if row else None


def record_snapshot(con: duckdb.DuckDBPyConnection, r: LoadResult) -> None:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute("DELETE FROM source_snapshots WHERE source = ?", [r.source])
    con.execute(
        "INSERT INTO source_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.source, r.snapshot_at, r.fingerprint, r.files, r.raw, r.staged, r.quarantined, r.duplicates, now],
    )
    con.execute(
        "INSERT INTO source_snapshots_history VALUES (?, ?, ?, ?, ?, ?)",
        [r.source, r.snapshot_at, r.fingerprint, r.raw, r.staged, now],
    )


def empty_source_note(contract: SourceContract, why: str | None = None) -> str:
    why = why or f"the landing zone has no folder {contract.folder}/"
    return (
        f"{contract.name}: {why}: an empty source, "
        f"loaded with no rows; the indicators that need it are NULL with flag no_data"
    )


CANDIDATE_KINDS = ("raw", "stg", "quarantine")
# A name of its own beside the published table, in the same schema: publishing renames it in
# place of the published one (DuckDB renames only within a schema), where a copy of millions
# of rows took seconds per table. What waits for its audit, or was left by a run killed before
# it published, is never one of the names the warehouse's readers know.
CANDIDATE_PREFIX = "_candidate_"


def candidate_table(kind: str, source: str) -> str:
    """Where a new snapshot's `<kind>_<source>` waits for its audit before it is published."""
    return f"main.{CANDIDATE_PREFIX}{kind}_{source}"


PartsFactory = Callable[[], Iterator[tuple[str, FileReadInfo, Iterator]]]


def file_parts(
    contract: SourceContract, landing: Path, files
) -> Iterator[tuple[str, FileReadInfo, Iterator]]:
    for f in files:
        info = FileReadInfo()
        yield f.relative, info, read_file(f.path, f.relative, contract, info)


def snapshot_parts(
    contract: SourceContract, landing: Path, files, store: PartStore | None, digests: list[str]
) -> Iterator[tuple[str, FileReadInfo, Iterator | CachedPart]]:
    """Each file's rows in file order: kept ones (same content hash, parts.py), the others read
    (file_parts, which sees only the files it has to read)."""
    kept = [store.get(d) if store is not None else None for d in digests]
    reading = file_parts(contract, landing, [f for f, k in zip(files, kept) if k is None])
    for f, k in zip(files, kept):
        if k is not None:
            part, info = k
            yield f.relative, info, part
        else:
            yield next(reading)


def _keep_parts(store: PartStore, landed, files, digests: list[str]) -> set[int]:
    """Keep the rows of every file read by this load under its content hash. A file whose
    stamps changed since it was hashed (rewritten meanwhile) is not kept: its rows may not
    be the bytes of that hash. The file orders whose rows are those of their hash."""
    verified = {order for order, part in enumerate(landed.parts) if part.cached}
    for order, (part, f) in enumerate(zip(landed.parts, files)):
        if part.sink is None:
            continue
        try:
            same = file_hash(f.path) == digests[order]  # the fingerprint's hash unless the file changed
        except OSError:
            same = False
        if same:
            if store.commit(part.sink, part.info):
                verified.add(order)
        else:
            part.sink.discard()
    return verified


def _discard_parts(landed) -> None:
    for part in landed.parts:
        if part.sink is not None:
            part.sink.discard()


def stage_source(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    landing: Path,
    *,
    force: bool = False,
    parts: PartsFactory | None = None,
    fingerprint_value: str | None = None,
    snapshot_at: datetime | None = None,
    file_labels: list[str] | None = None,
) -> LoadResult:
    """Load and publish a source's current snapshot without an audit in between (tests, tools).
    `parts` replaces the landing files (the database reader)."""
    result = stage_candidate(
        con,
        contract,
        landing,
        force=force,
        parts=parts,
        fingerprint_value=fingerprint_value,
        snapshot_at=snapshot_at,
        file_labels=file_labels,
    )
    if result.status == "staged":
        publish(con, contract, result)
    return result


def stage_candidate(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    landing: Path,
    *,
    force: bool = False,
    parts: PartsFactory | None = None,
    fingerprint_value: str | None = None,
    snapshot_at: datetime | None = None,
    file_labels: list[str] | None = None,
) -> LoadResult:
    """Write a source's current snapshot as candidate tables (status "staged"; nothing published
    changes), or say it is the published one (status "unchanged"). A held snapshot raises."""
    name = contract.name
    tables = [f"raw_{name}", f"stg_{name}", f"quarantine_{name}"]
    install_macros(con)
    warnings: list[str] = []
    files = []
    missing = False
    store = None
    digests: list[str] = []
    if parts is None:
        listing = list_snapshot(landing, contract.folder, name)
        files, warnings = listing.files, listing.warnings
        missing = not (landing / contract.folder).is_dir()
        if missing:
            warnings = [empty_source_note(contract)] + warnings
        fp = _read_guard(name, files, lambda: snapshot_fingerprint(con, contract, files))
        warnings = warnings + identical_files(files)
        snapshot_at = snapshot_time(files)
        file_labels = [f.relative for f in files]
        store = PartStore.for_connection(con, contract)
        # the hashes the fingerprint was made of (remembered by files.py, so free)
        digests = _read_guard(name, files, lambda: [file_hash(f.path) for f in files])
        parts = lambda: snapshot_parts(contract, landing, files, store, digests)  # noqa: E731
    else:
        fp = fingerprint_value or ""
    result = LoadResult(
        name,
        "staged",
        fp,
        snapshot_at,
        list(file_labels or []),
        warnings=warnings,
        missing_folder=missing,
        digests=digests if store is not None else None,
    )
    published = previous_fingerprint(con, name, tables)
    if not force and published == fp:
        result.status = "unchanged"
        _fill_counts(con, result)
        holds.clear(con, name)  # the folder is back to the loaded snapshot: a hold is moot
        return result
    previous = holds.previous_snapshot(con, name)
    build_lookups(con) if contract.location != "none" else None

    sinks = (lambda order: store.sink(digests[order])) if store is not None else None  # noqa: E731
    typed = TypedStore.for_connection(con, contract) if store is not None else None
    kept = typed.kept(digests) if typed is not None else {}  # files not typed again (typed_parts.py)
    landed = _read_guard(
        name, files, lambda: land(con, contract, parts(), snapshot_at, sinks, frozenset(kept))
    )
    changing = still_growing(files)
    if changing:
        _discard_parts(landed)
        raise SourceFileError(
            name, changing[0], "is still being written (its size changed while it was read); try again later"
        )
    # Nothing below the hold replaces a table before it is decided: a held (refused) snapshot
    # leaves raw_, stg_ and quarantine_ exactly as they were.
    verified = _keep_parts(store, landed, files, digests) if store is not None else set()
    drop = holds.shrink(previous, landed.rows, contract.max_shrink)
    if drop is not None and not holds.accepted(con, name, fp):
        raise holds.hold(con, contract, fp, landed.rows, previous, drop, f" --home {landing.parent}")
    for part in landed.parts:
        i = part.info
        result.file_details.append(
            {
                "file": part.label,
                "encoding": i.encoding,
                "rows": i.rows,
                "blank_rows": i.blank_rows,
                "ignored_headers": i.ignored_headers,
                "format": i.format,
                "columns": i.columns,
            }
        )
        if i.ignored_headers:
            result.warnings.append(f"{part.label}: ignored unknown header(s) {', '.join(i.ignored_headers)}")

    counts = type_and_resolve(con, contract, landed, typed, digests, kept, verified, snapshot_at)
    result.typed_rows, result.kept_typed_rows, result.resolved_rows = (
        counts.typed_rows,
        counts.kept_rows,
        counts.resolved_rows,
    )
    if contract.item_location:
        _locate_by_items(con, contract)
    _dedup(con, contract)
    _write_candidate(con, contract, landed.raw_table, result)
    home = warehouse_home(con)
    if home is not None:
        # the rows that came and went against the published snapshot: its audit validates the
        # row-level rules on them only (quality/validation_plan.py)
        if diff_before_publish(con, name, f"SELECT * FROM {candidate_table('stg', name)}"):
            export_changes(con, name, result.fingerprint, home, against=published)
        con.execute(f"DROP TABLE IF EXISTS {changes_table(name)}")
    result.reused_files = sum(1 for p in landed.parts if p.cached)
    for t in (landed.raw_table, f"_resolved_{name}", f"_ranked_{name}"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    if result.raw == 0 and is_empty_source(con, name):
        result.empty_source = True
        if not missing:
            why = (
                "its database table has no rows"
                if not files and file_labels and store is None
                else f"{contract.folder}/ has only header rows"
                if files
                else f"{contract.folder}/ is empty"
            )
            result.warnings.insert(0, empty_source_note(contract, why))
    return result


def _lookup_tables(contract: SourceContract) -> dict[str, tuple[str, str]]:
    spec = contract.item_location or {}
    return {kind: tuple(str(ref).split(".", 1)) for kind, ref in (spec.get("lookup") or {}).items()}


def snapshot_fingerprint(con: duckdb.DuckDBPyConnection, contract: SourceContract, files) -> str:
    """What a source's snapshot is, as recorded in source_snapshots: its files' content, and for
    a source that takes units from other sources' staged tables (item_location), theirs too.
    The one definition for staging and for the nightly's advance look (defs/nightly.py)."""
    fp = fingerprint(files)
    if files and contract.location == "address":
        # the address rule reads these files too: a new rule is a new snapshot of what they say
        fp = fp + "+levels:" + rule_fingerprint()
    if files and contract.location != "none":
        # the districts resolution reads: a changed districts.csv is a new snapshot of where
        # the records are (the kept typed parts resolve again only the rows it moves)
        fp = fp + "+districts:" + districts_hash(district_rows(con))
    if contract.item_location:
        fp = (
            fp + "+" + hashlib.blake2b(_lookup_fingerprint(con, contract).encode(), digest_size=8).hexdigest()
        )
    return fp


def _lookup_fingerprint(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> str:
    """The snapshots of the sources a record's unit may come from: when they change, the
    record is resolved again even if its own files did not."""
    if not con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name = 'source_snapshots'"
    ).fetchall()[0][0]:
        return ""  # nothing loaded yet (works on a read-only connection too)
    sources = sorted({t.removeprefix("stg_") for t, _ in _lookup_tables(contract).values()})
    rows = con.execute(
        "SELECT source, fingerprint FROM source_snapshots WHERE source IN (SELECT unnest(?)) ORDER BY source",
        [sources],
    ).fetchall()
    return ";".join(f"{s}={f}" for s, f in rows)


def _locate_by_items(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    """A record with no code and no address: the unit and scope of the first of its items found
    in the staged tables of `item_location.lookup` (stg_patents, stg_trademarks); else out of scope."""
    name = contract.name
    spec = contract.item_location
    existing = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    parts = []
    for kind, (table, key) in _lookup_tables(contract).items():
        if table in existing:
            parts.append(
                f"SELECT {lit(kind)} AS kind, {q(key)} AS item, district_code AS unit, in_scope "
                f"FROM main.{q(table)}"
            )
    if not parts:
        return
    bare = " AND ".join(f"r.{q(c)} IS NULL" for c in ("district_code", *contract.address_columns))
    kind_col = q(spec["kind_column"])
    column = q(spec["column"])
    con.execute(f"""
        UPDATE _resolved_{name} AS r SET _unit = l.unit, _in_scope = coalesce(l.in_scope, false)
        FROM (
            SELECT t._rid, arg_min(k.unit, i.pos) AS unit, arg_min(k.in_scope, i.pos) AS in_scope
            FROM _resolved_{name} t,
                 (SELECT t2._rid, unnest(string_split(t2.{column}, ';')) AS item,
                         generate_subscripts(string_split(t2.{column}, ';'), 1) AS pos
                  FROM _resolved_{name} t2) i,
                 ({" UNION ALL ".join(parts)}) k
            WHERE i._rid = t._rid AND k.kind = t.{kind_col} AND k.item = i.item
            GROUP BY t._rid
        ) l
        WHERE r._rid = l._rid AND len(r._reasons) = 0 AND {bare}
    """)


def _read_guard(source: str, files, work):
    """Run `work`; an OS error reading a landing file (it vanished or lost its permissions
    after the listing, an I/O error) is refused naming the file, like any unreadable file."""
    try:
        return work()
    except OSError as exc:
        by_path = {str(f.path): f.relative for f in files}
        label = by_path.get(str(exc.filename), str(exc.filename or "a file of the snapshot"))
        raise SourceFileError(source, label, f"cannot be read ({exc.strerror or exc})") from None


def _dedup(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    """Identical rows (after normalisation) collapse to one; among differing rows with one key
    the last (files in name order, rows in file order) wins and the others are quarantined."""
    name = contract.name
    key = ", ".join(q(k) for k in contract.key)
    # what is staged: the resolved unit, not the code as written (an export's 申请人省市代码 `37`
    # and another export's empty cell say the same thing)
    content = ", ".join(
        "_unit" if c == "district_code" and contract.location != "none" else q(c)
        for c in contract.column_names
    )
    order = "ORDER BY _file_order DESC, _row_number DESC"
    # Only keys that occur more than once need ranking: the window functions (a sort of every
    # row by key) and the content hash run on those rows alone; a single row ranks first.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ranked_{name} AS
        WITH ok AS (SELECT * FROM _resolved_{name} WHERE len(_reasons) = 0),
        repeated AS (SELECT {key} FROM ok GROUP BY ALL HAVING count(*) > 1)
        SELECT *, NULL::UBIGINT AS _content, 1::BIGINT AS _rank_key, 1::BIGINT AS _rank_version,
               NULL::UBIGINT AS _winner
        FROM ok ANTI JOIN repeated USING ({key})
        UNION ALL BY NAME
        SELECT *,
            row_number() OVER (PARTITION BY {key} {order}) AS _rank_key,
            row_number() OVER (PARTITION BY {key}, _content {order}) AS _rank_version,
            first_value(_content) OVER (PARTITION BY {key} {order}) AS _winner
        FROM (SELECT *, hash({content}) AS _content FROM ok SEMI JOIN repeated USING ({key}))
    """)


def _write_candidate(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, raw_table: str, result: LoadResult
) -> None:
    """The snapshot as candidate tables (committed, so they outlive this connection while the
    audit reads them), with its counts; nothing published changes."""
    name = contract.name
    cols = contract.column_names
    raw_cols = ", ".join(q(c) for c in cols)
    stg_cols = []
    for c in cols:
        if c == "district_code" and contract.location != "none":
            stg_cols.append('_unit AS "district_code"')
        else:
            stg_cols.append(q(c))
    if contract.location != "none":
        stg_cols.append("_in_scope AS in_scope")
    stg_select = ", ".join(stg_cols)
    raw_c, stg_c, quarantine_c = (candidate_table(k, name) for k in CANDIDATE_KINDS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {raw_c} AS SELECT {raw_cols}, _source_file, _row_number, _snapshot_at, "
            f"_format FROM {raw_table}"
        )  # no ORDER BY: row order is no contract (see db.connect); _source_file, _row_number trace each row
        con.execute(
            f"CREATE OR REPLACE TABLE {stg_c} AS "
            f"SELECT {stg_select}, warnings, _source_file, _row_number, _snapshot_at, _format "
            f"FROM _ranked_{name} WHERE _rank_key = 1 ORDER BY _rid"
        )  # = file order, row order
        con.execute(f"""
            CREATE OR REPLACE TABLE {quarantine_c} AS
            WITH refused AS (
                SELECT _rid, _reasons AS reasons FROM _resolved_{name} WHERE len(_reasons) > 0
                UNION ALL
                SELECT _rid, ['conflicting_duplicate'] FROM _ranked_{name}
                WHERE _rank_version = 1 AND _content <> _winner
            )
            SELECT {", ".join("r." + q(c) for c in cols)}, r._source_file, r._row_number, r._snapshot_at,
                   f.reasons[1] AS reason, f.reasons AS reasons, r._format
            FROM refused f JOIN {raw_table} r USING (_rid)
            ORDER BY r._rid
        """)
        result.raw = scalar(con, f"SELECT count(*) FROM {raw_c}")
        result.staged = scalar(con, f"SELECT count(*) FROM {stg_c}")
        result.quarantined = scalar(con, f"SELECT count(*) FROM {quarantine_c}")
        result.duplicates = scalar(con, f"SELECT count(*) FROM _ranked_{name} WHERE _rank_version > 1")
        if not result.reconciles:
            raise RuntimeError(
                f"{name}: counts do not reconcile: raw {result.raw} != staged {result.staged} + "
                f"quarantined {result.quarantined} + duplicates {result.duplicates}"
            )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    result.reasons = dict(
        con.execute(
            f"SELECT reason, count(*) FROM {quarantine_c} GROUP BY reason ORDER BY count(*) DESC, reason"
        ).fetchall()
    )
    result.formats = dict(
        con.execute(
            f"SELECT _format, count(*) FROM {raw_c} GROUP BY _format ORDER BY count(*) DESC, _format"
        ).fetchall()
    )
    if contract.location != "none":
        result.out_of_scope = scalar(con, f"SELECT count(*) FROM {stg_c} WHERE NOT in_scope")


def publish(con: duckdb.DuckDBPyConnection, contract: SourceContract, result: LoadResult) -> None:
    """Swap a staged candidate in: raw_, stg_ and quarantine_ replaced, the change and the
    snapshot recorded, all in one transaction; then its changed rows and kept parts."""
    name = contract.name
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_bookkeeping(con)
        previous_row = first_row(con, "SELECT fingerprint FROM source_snapshots WHERE source = ?", [name])
        home = warehouse_home(con)
        # the candidate's staging compared it with this same published snapshot: read its changes
        reused = load_changes(con, name, result.fingerprint, home, previous_row[0] if previous_row else None)
        compared = reused or diff_before_publish(con, name, f"SELECT * FROM {candidate_table('stg', name)}")
        for kind in CANDIDATE_KINDS:
            con.execute(f"DROP TABLE IF EXISTS main.{kind}_{name}")
            con.execute(f"ALTER TABLE {candidate_table(kind, name)} RENAME TO {kind}_{name}")
        result.change = record_change(
            con, name, result.fingerprint, previous_row[0] if previous_row else None, compared, contract.key
        )
        record_snapshot(con, result)
        holds.record_loaded(con, name, result.fingerprint)
        maybe_fail("ingest:before_commit")
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    result.status = "loaded"
    store = PartStore.for_connection(con, contract) if result.digests is not None else None
    if store is not None:
        store.keep_only(set(result.digests))
        typed = TypedStore.for_connection(con, contract)
        if typed is not None:
            located = contract.location != "none"
            typed.keep_only(set(result.digests), districts_hash(district_rows(con)) if located else None)
    if home is not None and not reused:
        export_changes(con, name, result.fingerprint, home)  # what a later check of it reads
    con.execute(f"DROP TABLE IF EXISTS {changes_table(name)}")
    _fill_counts(con, result)


def discard(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Drop a candidate that is not published (it failed its audit): nothing published changed."""
    for kind in CANDIDATE_KINDS:
        con.execute(f"DROP TABLE IF EXISTS {candidate_table(kind, source)}")


def _fill_counts(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    name = result.source
    row = first_row(
        con,
        "SELECT raw_rows, staged_rows, quarantined_rows, duplicate_rows, fingerprint, snapshot_at, files "
        "FROM source_snapshots WHERE source = ?",
        [name],
    )
    if row:
        result.raw, result.staged, result.quarantined, result.duplicates = row[:4]
        if result.status == "unchanged":
            result.snapshot_at, result.files = row[5], list(row[6] or [])
    result.reasons = dict(
        con.execute(
            f"SELECT reason, count(*) FROM quarantine_{name} GROUP BY reason ORDER BY count(*) DESC, reason"
        ).fetchall()
    )
    cols = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [f"stg_{name}"]
        ).fetchall()
    }
    if "_format" in {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [f"raw_{name}"]
        ).fetchall()
    }:
        result.formats = dict(
            con.execute(
                f"SELECT _format, count(*) FROM raw_{name} GROUP BY _format ORDER BY count(*) DESC, _format"
            ).fetchall()
        )
    if "in_scope" in cols:
        result.out_of_scope = scalar(con, f"SELECT count(*) FROM stg_{name} WHERE NOT in_scope")
