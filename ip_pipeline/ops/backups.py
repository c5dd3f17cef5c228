"""Backup generations of the warehouse, their verification, and the integrity scan doctor uses.

After every successful run the warehouse is copied to `<home>/backups/warehouse-<UTC time>.duckdb`
with DuckDB's own `COPY FROM DATABASE` (the warehouse attached read-only, the copy attached
read-write): it reads every block of every table, so a block whose checksum no longer matches
fails the backup instead of being copied into it, and the copy is written fresh (compact, no
free blocks from old snapshots). The copy is written under a temporary name, verified (opened
read-only, every table read back, the same tables and the same count of `indicator_values`),
flushed to disk, and only then renamed into place; the oldest generations beyond N (default 3,
`$IP_PIPELINE_BACKUPS`) are removed. A reader (`ip-pipeline indicators`) can run meanwhile:
the warehouse is only opened read-only.
"""

from __future__ import annotations

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

_NAME = re.compile(r"^warehouse-(\d{8}T\d{6}\d{6})Z\.duckdb$")
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
        if m and p.is_file():
            found.append((datetime.strptime(m.group(1), _STAMP), p))  # noqa: DTZ007  UTC, kept naive
    found.sort(reverse=True)
    return [Generation(i + 1, p, t) for i, (t, p) in enumerate(found)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def scan(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> Scan:
    """Open `path` read-only and read every column of every table: DuckDB verifies each
    block's checksum as it reads it, so random bytes anywhere in the used part of the file,
    a truncated file or a damaged header all raise DamagedDatabase naming the file (a lock
    held by another process raises the lock error itself: that is not damage)."""
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
    final = folder / f"warehouse-{made.strftime(_STAMP)}Z.duckdb"
    tmp = folder / f".{final.name}.tmp"
    for stale in (tmp, Path(f"{tmp}.wal")):
        stale.unlink(missing_ok=True)
    con = connect(home.warehouse, read_only=True)
    try:
        source = scan(home.warehouse, con)  # a damaged warehouse must not become a "good" generation
        db = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f"ATTACH {_sql_path(tmp)} AS ip_backup (READ_WRITE)")
        try:
            con.execute(f'COPY FROM DATABASE "{db}" TO ip_backup')
            con.execute("CHECKPOINT ip_backup")
        finally:
            con.execute("DETACH ip_backup")
    finally:
        con.close()
    try:
        copy = scan(tmp)
        if copy.tables != source.tables or copy.indicator_values != source.indicator_values:
            raise DamagedDatabase(
                tmp,
                f"the copy does not match the warehouse (tables {len(copy.tables)} vs "
                f"{len(source.tables)}, indicator_values {copy.indicator_values} vs "
                f"{source.indicator_values})",
            )
        Path(f"{tmp}.wal").unlink(missing_ok=True)  # empty after the checkpoint
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if warehouse_state(home) == state:  # nothing wrote the warehouse while it was copied
        _record_state(home, final, state)
    removed = []
    for g in generations(home)[keep or keep_generations() :]:
        g.path.unlink(missing_ok=True)
        removed.append(g.path)
    return Backup(final, copy.indicator_values, len(copy.tables), tuple(removed), time.monotonic() - start)


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
    shutil.copyfile(gen.path, tmp)
    _fsync(tmp)
    aside = set_aside(home.warehouse, backups_dir(home), "replaced")
    os.replace(tmp, home.warehouse)
    _fsync(home.root)
    return gen, checked, aside


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
        con = duckdb.connect(str(newest.path), read_only=True)
    try:
        yield con
    finally:
        con.close()
