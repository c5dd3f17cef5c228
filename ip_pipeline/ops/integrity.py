"""Is a data directory's state damaged, and which file: the Dagster storage (SQLite files under
`<home>/dagster_home`) and the words a run uses when the warehouse or the storage is damaged.

The warehouse itself is scanned by `backups.scan` (every block read, DuckDB checks its checksum).
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..paths import Home

# DuckDB's words for a damaged file (a lock is not damage).
WAREHOUSE_DAMAGE = (
    "Corrupt database file",
    "Could not read enough bytes",
    "not a valid DuckDB database file",
    "No more data remaining in MetadataReader",
    "database file is corrupt",
)
SQLITE_DAMAGE = (
    "malformed",
    "file is not a database",
    "file is encrypted or is not a database",
    "disk image",
    "database corruption",
)


@dataclass(frozen=True)
class StorageProblem:
    path: Path
    problem: str


def sqlite_files(dagster_home: Path) -> list[Path]:
    """Every SQLite file of the Dagster storage (run storage, event logs, schedules)."""
    if not dagster_home.is_dir():
        return []
    return sorted(p for p in dagster_home.rglob("*") if p.suffix in (".db", ".sqlite") and p.is_file())


def check_sqlite(path: Path) -> str | None:
    """None when the file reads back whole (`PRAGMA quick_check`), else SQLite's words."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = con.execute("PRAGMA quick_check").fetchall()
        if rows == [("ok",)]:
            return None
        return "; ".join(str(r[0]) for r in rows[:3])
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        con.close()


def damaged_storage(home: Home) -> list[StorageProblem]:
    files = sqlite_files(home.dagster_home)
    if not files:
        return []
    with ThreadPoolExecutor(max_workers=4) as pool:  # sqlite3 releases the GIL while it reads
        results = list(pool.map(check_sqlite, files))
    return [StorageProblem(f, r) for f, r in zip(files, results) if r is not None]


def looks_like_warehouse_damage(text: str) -> bool:
    return any(w.lower() in text.lower() for w in WAREHOUSE_DAMAGE)


def looks_like_sqlite_damage(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if any(w in str(exc).lower() for w in SQLITE_DAMAGE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def warehouse_advice(home: Home) -> str:
    return (
        f"The warehouse file {home.warehouse} is damaged. `ip-pipeline doctor --home {home.root}` names what; "
        f"`ip-pipeline restore --home {home.root}` puts back the last good backup, "
        f"`ip-pipeline rebuild --home {home.root}` recomputes everything from the landing zone."
    )


def storage_advice(home: Home, problems: list[StorageProblem]) -> str:
    names = "; ".join(f"{p.path} ({p.problem})" for p in problems[:3]) or str(home.dagster_home)
    return (
        f"The Dagster storage is damaged: {names}. The warehouse is not affected. "
        f"`ip-pipeline restore --dagster-storage --home {home.root}` sets the damaged storage aside "
        f"(kept under {home.root / 'backups'}) and starts a new one; the next run then recomputes every month."
    )
