"""Backup generations of the warehouse, their verification, and the integrity scan doctor uses.

After every successful run a generation is made: a folder `<home>/backups/warehouse-<UTC time>Z/`
holding one small DuckDB file per table (`<schema>.<table>.duckdb`, the table as `main.<table>`)
and `manifest.json` (per table: schema, name, DDL, rows, content fingerprint, file SHA-256;
plus the views and indexes). A table whose content has not changed since the previous
generation is hard-linked from it, not written again, so a night's backup costs what the night
changed. A DuckDB file per table rather than Parquet: every DuckDB type (HUGEINT, ENUM, nested
types, time zones) comes back exactly, and the published-values file attaches as it is.

Whether a table changed: its fingerprint is the table's DDL, its row count and two sums over
every row of a 64-bit hash of the whole row (`sum(hash(*COLUMNS(*)))` and the same with a
salt; sums, not XOR, so duplicate rows do not cancel, and whole rows, not per column, so values
swapped between rows do not cancel; values DuckDB holds equal, 0.0 and -0.0, hash equal).
Computing it reads every block of every table, which the backup did anyway: DuckDB checks each block's checksum as it reads it, so a damaged warehouse fails the
backup instead of becoming a "good" generation. File size, `estimated_size` or a change
counter would be cheaper but DuckDB keeps no per-table change counter, and sizes stay equal
when values are updated in place; a row count plus a checksum over all rows is the cheapest
test that sees every change (a change is missed only if both salted 64-bit sums agree by
chance).

A generation is written under a temporary folder name, its new files verified (read back:
the rows and fingerprint equal the warehouse's; their SHA-256 recorded), flushed, and only then
renamed into place; linked files are not read again (restore, and doctor for the newest
generation, check every file's SHA-256 and row count). The oldest generations beyond N (default 3, `$IP_PIPELINE_BACKUPS`) are removed; a
linked file lives on while any generation holds it. Restore builds a new warehouse file from
the DDL and the table files (views and indexes after), verified first. Single-file generations
(`warehouse-<UTC time>Z.duckdb`, made by earlier versions) are still listed and restored.
A reader (`ip-pipeline indicators`) can run meanwhile: the warehouse is only opened read-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..db import WarehouseLocked, connect, is_lock_error
from ..paths import Home
from ..settings import settings

_NAME = re.compile(r"^warehouse-(\d{8}T\d{6}\d{6})Z(\.duckdb)?$")
_MANIFEST = "manifest.json"
_STAMP = "%Y%m%dT%H%M%S%f"


class DamagedDatabase(Exception):
    """A DuckDB file that cannot be opened or read back whole: names the file and what failed."""

    def __init__(self, path: Path, problem: str, table: str | None = None):
        self.path, self.problem, self.table = path, problem, table
        where = f" (reading table {table})" if table else ""
        super().__init__(f"{path} is damaged{where}: {problem}")


@dataclass(frozen=True)
class Generation:
    number: int  # 1 = the newest
    path: Path
    made_at: datetime  # UTC, naive


@dataclass(frozen=True)
class Scan:
    tables: tuple[str, ...]
    indicator_values: int | None  # rows; None when the table does not exist
    seconds: float


def backups_dir(home: Home) -> Path:
    return home.root / "backups"


def keep_generations() -> int:
    return settings().backups


def generations(home: Home) -> list[Generation]:
    """The backup generations present, newest first."""
    folder = backups_dir(home)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if m and (p.is_file() if m.group(2) else (p / _MANIFEST).is_file()):
            found.append((datetime.strptime(m.group(1), _STAMP), p))  # noqa: DTZ007  UTC, kept naive
    found.sort(reverse=True)
    return [Generation(i + 1, p, t) for i, (t, p) in enumerate(found)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def scan(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> Scan:
    """A generation folder is verified by `verify_generation`. Otherwise: Open `path` read-only and read every column of every table: DuckDB verifies each
    block's checksum as it reads it, so random bytes anywhere in the used part of the file,
    a truncated file or a damaged header all raise DamagedDatabase naming the file (a lock
    held by another process raises the lock error itself: that is not damage)."""
    if path.is_dir():
        return verify_generation(path)
    start = time.monotonic()
    own = con is None
    if own:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if is_lock_error(exc):
                raise
            raise DamagedDatabase(path, _first_line(exc)) from None
    table = None
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        for table in tables:
            # Every value of every column is hashed: every data block is read (and checked).
            con.execute(
                f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM main."{table.replace(chr(34), chr(34) * 2)}"'
            ).fetchall()
        table = None
        rows = (
            con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
            if "indicator_values" in tables
            else None
        )
        return Scan(tuple(tables), rows, time.monotonic() - start)
    except duckdb.Error as exc:
        raise DamagedDatabase(path, _first_line(exc), table) from None
    finally:
        if own:
            con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection, qualified: str) -> list:
    """Rows and two sums of a hash of every whole row (see the module docstring)."""
    rows, a, b = con.execute(
        "SELECT count(*), coalesce(sum(hash(*COLUMNS(*))), 0), coalesce(sum(hash(*COLUMNS(*), 7)), 0) "
        f"FROM {qualified}"
    ).fetchall()[0]
    return [int(rows), str(a), str(b)]


def _file_name(schema: str, table: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{schema}.{table}")
    digest = hashlib.sha256(f"{schema}\0{table}".encode()).hexdigest()[:8]
    return f"{safe}.duckdb" if safe == f"{schema}.{table}" else f"{safe}-{digest}.duckdb"


def _catalog(con: duckdb.DuckDBPyConnection) -> dict:
    """Tables (with DDL), views and indexes of the open database. Sequences, macros and types of
    its own refuse the backup with their names (the warehouse has none; a sequence's position
    would not be kept): never a generation that silently lacks part of the warehouse."""
    db = "database_name = current_database() AND NOT internal"
    tables = con.execute(
        f"SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE {db} AND NOT temporary "
        "ORDER BY schema_name, table_name"
    ).fetchall()
    views = con.execute(
        f"SELECT schema_name, view_name, sql FROM duckdb_views() WHERE {db} AND NOT temporary "
        "ORDER BY schema_name, view_name"
    ).fetchall()
    indexes = con.execute(
        "SELECT schema_name, index_name, sql FROM duckdb_indexes() WHERE database_name = current_database() "
        "AND sql IS NOT NULL ORDER BY schema_name, index_name"
    ).fetchall()
    others = con.execute(
        "SELECT 'sequence ' || schema_name || '.' || sequence_name FROM duckdb_sequences() "
        "WHERE database_name = current_database() AND NOT temporary UNION ALL "
        "SELECT DISTINCT 'macro ' || schema_name || '.' || function_name FROM duckdb_functions() "
        "WHERE database_name = current_database() AND NOT internal "
        "AND function_type IN ('macro', 'table_macro') UNION ALL "
        "SELECT DISTINCT 'type ' || schema_name || '.' || type_name FROM duckdb_types() "
        "WHERE database_name = current_database() AND NOT internal"
    ).fetchall()
    if others:
        raise ValueError(
            "a backup keeps schemas, tables, views and indexes only; the warehouse also has "
            + ", ".join(r[0] for r in others)
        )
    schemas = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() "
        "AND NOT internal ORDER BY schema_name"
    ).fetchall()
    return {
        "schemas": [r[0] for r in schemas],
        "tables": [{"schema": r[0], "table": r[1], "ddl": r[2]} for r in tables],
        "views": [{"schema": r[0], "name": r[1], "ddl": r[2]} for r in views],
        "indexes": [{"schema": r[0], "name": r[1], "ddl": r[2]} for r in indexes],
    }


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DamagedDatabase(folder / _MANIFEST, _first_line(exc)) from None


def verify_generation(folder: Path) -> Scan:
    """Every table file of a generation folder has the SHA-256 and the row count its manifest
    records; DamagedDatabase names the first that does not."""
    start = time.monotonic()
    manifest = read_manifest(folder)
    for t in manifest.get("tables", []):
        path = folder / t["file"]
        try:
            digest = _sha256(path)
        except OSError as exc:
            raise DamagedDatabase(path, _first_line(exc), t["table"]) from None
        if digest != t["sha256"]:
            raise DamagedDatabase(path, "its SHA-256 is not the one the manifest records", t["table"])
        try:
            con = duckdb.connect(str(path), read_only=True)
            try:
                rows = con.execute(f"SELECT count(*) FROM main.{_ident(t['table'])}").fetchall()[0][0]
            finally:
                con.close()
        except duckdb.Error as exc:
            raise DamagedDatabase(path, _first_line(exc), t["table"]) from None
        if rows != t["rows"]:
            raise DamagedDatabase(path, f"{rows} rows, the manifest records {t['rows']}", t["table"])
    main = sorted(t["table"] for t in manifest.get("tables", []) if t["schema"] == "main")
    iv = next(
        (
            t["rows"]
            for t in manifest.get("tables", [])
            if (t["schema"], t["table"]) == ("main", "indicator_values")
        ),
        None,
    )
    return Scan(tuple(main), iv, time.monotonic() - start)


def table_file(gen: Generation, table: str, schema: str = "main") -> Path | None:
    """The DuckDB file holding `table` (as `main.<table>`) in a generation; for a single-file
    generation the file itself. None when the generation has no such table."""
    if gen.path.is_file():
        return gen.path
    for t in read_manifest(gen.path).get("tables", []):
        if (t["schema"], t["table"]) == (schema, table):
            return gen.path / t["file"]
    return None


def _same_file(path: Path, entry: dict) -> bool:
    """The previous generation's file is still the one it wrote (size and modification time:
    truncated or rewritten files are not linked into a new generation; bit rot that leaves
    both is found by the SHA-256 check of restore and doctor)."""
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_size == entry.get("size") and st.st_mtime_ns == entry.get("mtime_ns")


def _write_generation(home: Home, tmp: Path, previous: Path | None) -> tuple[Scan, int, int]:
    """Write a generation into the folder `tmp`: (the warehouse's scan, files written, files linked)."""
    start = time.monotonic()
    before = {}
    if previous is not None:
        try:
            before = {(t["schema"], t["table"]): t for t in read_manifest(previous).get("tables", [])}
        except DamagedDatabase:
            before = {}
    con = connect(home.warehouse, read_only=True)
    written = linked = 0
    entries = []
    table = None
    try:
        try:
            db = con.execute("SELECT current_database()").fetchall()[0][0]
            catalog = _catalog(con)
            for t in catalog["tables"]:
                table = t["table"]
                t["fingerprint"] = _fingerprint(
                    con, f"{_ident(db)}.{_ident(t['schema'])}.{_ident(t['table'])}"
                )
            table = None
        except duckdb.Error as exc:
            raise DamagedDatabase(home.warehouse, _first_line(exc), table) from None
        for t in catalog["tables"]:
            name = _file_name(t["schema"], t["table"])
            target = tmp / name
            old = before.get((t["schema"], t["table"]))
            if (
                old is not None
                and old.get("ddl") == t["ddl"]
                and old.get("fingerprint") == t["fingerprint"]
                and _same_file(previous / old["file"], old)
            ):
                os.link(previous / old["file"], target)  # unchanged: the previous file is this table
                entries.append(
                    {
                        **t,
                        "file": name,
                        "rows": t["fingerprint"][0],
                        **{k: old[k] for k in ("sha256", "size", "mtime_ns")},
                    }
                )
                linked += 1
                continue
            con.execute(f"ATTACH {_sql_path(target)} AS ip_backup (READ_WRITE)")
            try:
                con.execute(
                    f"CREATE TABLE ip_backup.main.{_ident(t['table'])} AS "
                    f"SELECT * FROM {_ident(db)}.{_ident(t['schema'])}.{_ident(t['table'])}"
                )
                con.execute("CHECKPOINT ip_backup")
            finally:
                con.execute("DETACH ip_backup")
            Path(f"{target}.wal").unlink(missing_ok=True)  # empty after the checkpoint
            check = duckdb.connect(str(target), read_only=True)
            try:
                got = _fingerprint(check, f"main.{_ident(t['table'])}")
            except duckdb.Error as exc:
                raise DamagedDatabase(target, _first_line(exc), t["table"]) from None
            finally:
                check.close()
            if got != t["fingerprint"]:
                raise DamagedDatabase(
                    target, f"the copy of {t['schema']}.{t['table']} does not match the warehouse"
                )
            _fsync(target)
            st = target.stat()
            entries.append(
                {
                    **t,
                    "file": name,
                    "rows": got[0],
                    "sha256": _sha256(target),
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                }
            )
            written += 1
    finally:
        con.close()
    manifest = {
        "format": 1,
        "schemas": catalog["schemas"],
        "tables": entries,
        "views": catalog["views"],
        "indexes": catalog["indexes"],
    }
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    _fsync(tmp / _MANIFEST)
    main = sorted(t["table"] for t in entries if t["schema"] == "main")
    iv = next((t["rows"] for t in entries if (t["schema"], t["table"]) == ("main", "indicator_values")), None)
    return Scan(tuple(main), iv, time.monotonic() - start), written, linked


def rebuild_from_generation(gen: Path, target: Path) -> None:
    """A new warehouse file at `target` with every schema, table (DDL and rows), view and index
    of the generation folder `gen`."""
    manifest = read_manifest(gen)
    for stale in (target, Path(f"{target}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        db = con.execute("SELECT current_database()").fetchall()[0][0]
        for schema in manifest.get("schemas", []):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
        for t in manifest["tables"]:
            con.execute(f"USE {_ident(db)}.{_ident(t['schema'])}")
            con.execute(t["ddl"])
            con.execute(f"ATTACH {_sql_path(gen / t['file'])} AS ip_part (READ_ONLY)")
            try:
                con.execute(
                    f"INSERT INTO {_ident(db)}.{_ident(t['schema'])}.{_ident(t['table'])} "
                    f"SELECT * FROM ip_part.main.{_ident(t['table'])}"
                )
            finally:
                con.execute("DETACH ip_part")
        for kind in ("views", "indexes"):
            for v in manifest.get(kind, []):
                con.execute(f"USE {_ident(db)}.{_ident(v['schema'])}")
                con.execute(v["ddl"])
        con.execute(f"USE {_ident(db)}.main")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    Path(f"{target}.wal").unlink(missing_ok=True)


@dataclass(frozen=True)
class Backup:
    path: Path
    indicator_values: int | None
    tables: int
    removed: tuple[Path, ...]
    seconds: float
    # True: the warehouse file had not changed since this generation was made (a no-op night),
    # so no copy was made; the generation was verified when it was written.
    reused: bool = False
    written: int = 0  # table files written for this generation
    linked: int = 0  # table files hard-linked from the previous generation (unchanged)


# Beside the generations: which one was made from which state of the warehouse file.
_STATE = ".last-backup.json"


def warehouse_state(home: Home) -> dict:
    """What identifies the bytes of the warehouse file without reading them: DuckDB only writes
    the file on a checkpoint after a write, never for reads or temp tables, so an equal size,
    modification time, inode and change time (and no write-ahead log) mean the same bytes."""
    st = home.warehouse.stat()
    wal = Path(f"{home.warehouse}.wal")
    return {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "inode": st.st_ino,
        "wal": wal.stat().st_size if wal.exists() else None,
    }


def _unchanged_generation(home: Home) -> Generation | None:
    """The newest generation when it was made from the warehouse file as it is now."""
    try:
        recorded = json.loads((backups_dir(home) / _STATE).read_text(encoding="utf-8"))
        now = warehouse_state(home)
    except (OSError, ValueError):
        return None
    gens = generations(home)
    if not gens or recorded.get("generation") != gens[0].path.name or recorded.get("warehouse") != now:
        return None
    return gens[0] if now["wal"] is None else None


def _record_state(home: Home, final: Path, state: dict) -> None:
    try:
        (backups_dir(home) / _STATE).write_text(
            json.dumps({"generation": final.name, "warehouse": state}), encoding="utf-8"
        )
    except OSError:
        pass  # without the record the next run simply makes a new generation


def make_backup(
    home: Home, keep: int | None = None, now: datetime | None = None, reuse_unchanged: bool = False
) -> Backup:
    """Copy the warehouse into a new verified generation and drop the oldest beyond `keep`.

    `reuse_unchanged` (the run's backup): when the warehouse file is byte-for-byte the one the
    newest generation was copied from, that generation is the backup (a no-op night copies
    nothing: at scale 10 a copy and its verification take half a minute)."""
    start = time.monotonic()
    if reuse_unchanged:
        same = _unchanged_generation(home)
        if same is not None:
            return Backup(same.path, None, 0, (), time.monotonic() - start, reused=True)
    state = warehouse_state(home)
    folder = backups_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    made = (now or datetime.now(UTC)).replace(tzinfo=None)
    final = folder / f"warehouse-{made.strftime(_STAMP)}Z"
    tmp = folder / f".{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    previous = next((g.path for g in generations(home) if g.path.is_dir()), None)
    tmp.mkdir()
    try:
        copy, written, linked = _write_generation(home, tmp, previous)
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if warehouse_state(home) == state:  # nothing wrote the warehouse while it was copied
        _record_state(home, final, state)
    removed = []
    for g in generations(home)[keep or keep_generations() :]:
        if g.path.is_dir():
            shutil.rmtree(g.path, ignore_errors=True)  # linked files live on in the newer ones
        else:
            g.path.unlink(missing_ok=True)
        removed.append(g.path)
    return Backup(
        final,
        copy.indicator_values,
        len(copy.tables),
        tuple(removed),
        time.monotonic() - start,
        written=written,
        linked=linked,
    )


def good_generation(home: Home, number: int | None = None) -> tuple[Generation, Scan]:
    """The requested generation (1 = newest), or the newest that reads back whole; each one
    tried is scanned. LookupError when there is none (or the requested one does not exist);
    DamagedDatabase when the requested one (or every one) is damaged."""
    gens = generations(home)
    if not gens:
        raise LookupError(f"no backup in {backups_dir(home)} (one is made after each successful run)")
    if number is not None:
        match = [g for g in gens if g.number == number]
        if not match:
            raise LookupError(f"no backup generation {number}: there are {len(gens)} (1 = the newest)")
        return match[0], scan(match[0].path)
    problems = []
    for g in gens:
        try:
            return g, scan(g.path)
        except DamagedDatabase as exc:
            problems.append(str(exc))
    raise DamagedDatabase(backups_dir(home), "every backup generation is damaged: " + "; ".join(problems))


def set_aside(path: Path, folder: Path, why: str) -> Path | None:
    """Move a warehouse file and its WAL out of the way (into `folder`), never deleting them. A
    WAL left behind would be replayed onto whatever file takes the name next."""
    wal = Path(f"{path}.wal")
    if not path.exists() and not wal.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{why}-{path.stem}-{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{why}-{path.stem}-{stamp}-{n}{path.suffix}"
    if path.exists():
        os.replace(path, target)
    if wal.exists():
        os.replace(wal, Path(f"{target}.wal"))
    return target


def restore(home: Home, number: int | None = None) -> tuple[Generation, Scan, Path | None]:
    """Put a verified generation back as the warehouse; the current file is set aside (kept)."""
    gen, checked = good_generation(home, number)
    tmp = home.root / f".{home.warehouse.name}.restoring"
    if gen.path.is_dir():
        rebuild_from_generation(gen.path, tmp)
    else:
        shutil.copyfile(gen.path, tmp)
    _fsync(tmp)
    aside = set_aside(home.warehouse, backups_dir(home), "replaced")
    os.replace(tmp, home.warehouse)
    _fsync(home.root)
    return gen, checked, aside


def _open_generation(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that reads a generation: the file itself, or (a folder) an in-memory
    database with a view per table over its table files, attached read-only."""
    if path.is_file():
        return duckdb.connect(str(path), read_only=True)
    manifest = read_manifest(path)
    con = duckdb.connect()
    for i, t in enumerate(manifest["tables"]):
        con.execute(f"ATTACH {_sql_path(path / t['file'])} AS ip_part{i} (READ_ONLY)")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(t['schema'])}")
        con.execute(
            f"CREATE VIEW {_ident(t['schema'])}.{_ident(t['table'])} AS "
            f"SELECT * FROM ip_part{i}.main.{_ident(t['table'])}"
        )
    return con


# A read command waits this long for a run's write lock before reading the newest backup.
READER_WAIT_S = 5.0


@contextmanager
def open_for_reading(
    home: Home, wait_s: float = READER_WAIT_S, note=None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for a read command, held only while the caller reads into memory.

    While a run writes the warehouse (DuckDB lets no other process in, not even a reader), the
    command waits a few seconds, then reads the newest backup generation, saying so on stderr
    (`note`): it holds exactly what the last successful run published. With no backup, the
    lock error (naming the process) is raised."""
    try:
        con = connect(home.warehouse, read_only=True, wait_s=wait_s)
    except WarehouseLocked as exc:
        gens = generations(home)
        if not gens:
            raise
        newest = gens[0]
        message = (
            f"note: {home.warehouse} is being written by {exc.holder}; showing the newest backup "
            f"({newest.path.name}, made {newest.made_at:%Y-%m-%d %H:%M} UTC after the last successful run)"
        )
        (note or (lambda m: print(m, file=sys.stderr, flush=True)))(message)
        con = _open_generation(newest.path)
    try:
        yield con
    finally:
        con.close()
