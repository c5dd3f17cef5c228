"""Held snapshots: a source's new snapshot that shrank too much waits for a person (SOURCES.md).

A snapshot with fewer rows than the previous one by more than the source's `max_shrink`
(default 5 %) is held: the run fails for that source naming the drop, the previous
snapshot stays, and `ip-pipeline accept --source NAME` lets the next run load it. A source
that had data and now has no files (folder emptied or gone) is a shrink to zero, held the
same way whatever `max_shrink` says: a half-copied export must never zero a count.

`snapshot_holds` keeps one row per held source: the held snapshot's fingerprint and row
count, the previous count, when it was held, and when (if) it was accepted. An acceptance
is for that fingerprint only: if the export changes again, the new one is judged afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from ..db import first_row, rollback, table_exists
from .contracts import SourceContract
from .errors import SnapshotHeld

HOLDS_TABLE = "snapshot_holds"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def ensure_holds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {HOLDS_TABLE} (
            source VARCHAR PRIMARY KEY, fingerprint VARCHAR, rows BIGINT, previous_rows BIGINT,
            previous_snapshot_at TIMESTAMP, held_at TIMESTAMP, accepted_at TIMESTAMP)
    """)


@dataclass(frozen=True)
class Previous:
    rows: int
    snapshot_at: datetime | None


def previous_snapshot(con: duckdb.DuckDBPyConnection, source: str) -> Previous | None:
    """The rows of the source's last loaded snapshot, None when it never had one."""
    if not table_exists(con, "source_snapshots"):
        return None
    row = first_row(con, "SELECT raw_rows, snapshot_at FROM source_snapshots WHERE source = ?", [source])
    return Previous(int(row[0] or 0), row[1]) if row else None


def shrink(previous: Previous | None, rows: int, max_shrink: float) -> float | None:
    """The share by which the snapshot shrank when that is too much (None: not held)."""
    if previous is None or previous.rows <= 0 or rows >= previous.rows:
        return None
    drop = (previous.rows - rows) / previous.rows
    return drop if (rows == 0 or drop > max_shrink) else None


def accepted(con: duckdb.DuckDBPyConnection, source: str, fingerprint: str) -> bool:
    if not table_exists(con, HOLDS_TABLE):
        return False
    row = first_row(con, f"SELECT fingerprint, accepted_at FROM {HOLDS_TABLE} WHERE source = ?", [source])
    return bool(row and row[1] is not None and (row[0] is None or row[0] == fingerprint))


def clear(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """The snapshot is loaded (or the folder is back to the loaded one): no hold left."""
    if table_exists(con, HOLDS_TABLE):
        con.execute(f"DELETE FROM {HOLDS_TABLE} WHERE source = ?", [source])


ACCEPTED_TABLE = "accepted_snapshots"


def record_loaded(con: duckdb.DuckDBPyConnection, source: str, fingerprint: str) -> None:
    """Inside the load's transaction: an accepted hold becomes a line of `accepted_snapshots`
    (who shrank by how much, accepted when), which also tells the quality check's row count
    rule that this drop was accepted; then the hold is cleared."""
    if not table_exists(con, HOLDS_TABLE):
        return
    con.execute(f"""CREATE TABLE IF NOT EXISTS {ACCEPTED_TABLE} (
        source VARCHAR, fingerprint VARCHAR, rows BIGINT, previous_rows BIGINT, held_at TIMESTAMP,
        accepted_at TIMESTAMP, loaded_at TIMESTAMP)""")
    con.execute(
        f"INSERT INTO {ACCEPTED_TABLE} SELECT source, ?, rows, previous_rows, held_at, accepted_at, ? "
        f"FROM {HOLDS_TABLE} WHERE source = ? AND accepted_at IS NOT NULL "
        f"AND (fingerprint IS NULL OR fingerprint = ?)",
        [fingerprint, _now(), source, fingerprint],
    )
    clear(con, source)


def was_accepted(con: duckdb.DuckDBPyConnection, source: str, fingerprint: str | None) -> bool:
    """Whether a person accepted this snapshot's drop (`ip-pipeline accept`)."""
    if fingerprint is None or not table_exists(con, ACCEPTED_TABLE):
        return False
    return bool(
        first_row(
            con, f"SELECT 1 FROM {ACCEPTED_TABLE} WHERE source = ? AND fingerprint = ?", [source, fingerprint]
        )
    )


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def hold(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    fingerprint: str,
    rows: int,
    previous: Previous,
    drop: float,
    home_hint: str = "",
) -> SnapshotHeld:
    """Record the hold (its own small transaction: the step fails right after) and return the error."""
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_holds(con)
        con.execute(f"DELETE FROM {HOLDS_TABLE} WHERE source = ?", [contract.name])
        con.execute(
            f"INSERT INTO {HOLDS_TABLE} VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [contract.name, fingerprint, rows, previous.rows, previous.snapshot_at, _now()],
        )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return held_error(contract, rows, previous, drop, home_hint)


def held_error(
    contract: SourceContract, rows: int, previous: Previous, drop: float, home_hint: str = ""
) -> SnapshotHeld:
    name = contract.name
    when = f" of {previous.snapshot_at:%Y-%m-%d %H:%M}" if previous.snapshot_at else ""
    if rows == 0:
        problem = (
            f"no files (folder empty or gone) where the previous snapshot{when} had {previous.rows:,} rows: "
            f"a shrink to zero, held (a half-copied export must never zero a count)"
        )
    else:
        problem = (
            f"the new snapshot has {rows:,} rows, {_pct(drop)} fewer than the previous one{when} "
            f"({previous.rows:,} rows), more than max_shrink {_pct(contract.max_shrink)}: held "
            f"(a half-copied export looks exactly like this)"
        )
    advice = (
        f"If the drop is real, accept it with `ip-pipeline accept --source {name}{home_hint}`, then run again; "
        f"else put the complete export in {contract.folder}/."
    )
    return SnapshotHeld(name, f"{contract.folder}/", problem, advice)


@dataclass
class Acceptance:
    source: str
    rows: int
    previous_rows: int
    held_at: datetime
    fingerprint: str | None


def accept(con: duckdb.DuckDBPyConnection, source: str) -> Acceptance:
    """Mark the source's held snapshot accepted; LookupError when nothing is held."""
    ensure_holds(con)
    row = first_row(
        con, f"SELECT fingerprint, rows, previous_rows, held_at FROM {HOLDS_TABLE} WHERE source = ?", [source]
    )
    if row is None:
        raise LookupError(source)
    con.execute(f"UPDATE {HOLDS_TABLE} SET accepted_at = ? WHERE source = ?", [_now(), source])
    return Acceptance(source, int(row[1]), int(row[2]), row[3], row[0])


def pending(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source, rows, previous_rows, held_at, accepted_at) of every hold."""
    if not table_exists(con, HOLDS_TABLE):
        return []
    return con.execute(
        f"SELECT source, rows, previous_rows, held_at, accepted_at FROM {HOLDS_TABLE} ORDER BY source"
    ).fetchall()
