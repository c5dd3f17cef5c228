"""DuckDB helpers shared by every module that touches the warehouse."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from .settings import settings

# How long opening the warehouse waits for another process's lock before giving up. DuckDB
# allows one writer process, and any process holding the file (a reader too) shuts out a
# writer; readers hold it for a moment (they read into memory and close), so a run that meets
# one waits. Bounded: a process that never lets go is named, not waited for forever.
_PID = re.compile(r"\(PID (\d+)\)")


class WarehouseLocked(duckdb.IOException):
    """Another process held the warehouse for longer than we would wait. An IOException, so whoever
    catches DuckDB's own lock error catches this one too."""

    def __init__(self, path: Path, holder: str, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(
            f"{path} is held by {holder}; waited {waited:.0f} s for it. "
            f"Wait for it to finish or stop it, then try again"
        )


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def lock_holder(exc: BaseException) -> str:
    """Whom a DuckDB lock error names: "PID 123 (ip-pipeline indicators)" where /proc says more."""
    m = _PID.search(str(exc))
    if not m:
        return "another process"
    pid = m.group(1)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [
            os.path.basename(a.decode(errors="replace")) if i == 0 else a.decode(errors="replace")
            for i, a in enumerate(argv)
            if a
        ][:4]
        text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
        text = text if len(text) <= 60 else text[:57] + "…"
        return f"PID {pid} ({text})" if text else f"PID {pid}"
    except OSError:
        return f"PID {pid}"


def lock_wait_s() -> float:
    return settings().lock_wait_s


def connect(
    path: str | Path, read_only: bool = False, wait_s: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; while another process holds its lock, retry (with a growing pause)
    for up to `wait_s` seconds (default $IP_PIPELINE_LOCK_WAIT_S, else 60), saying once on
    stderr whom it waits for. Then WarehouseLocked names that process."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    limit = lock_wait_s() if wait_s is None else wait_s
    start = time.monotonic()
    pause, told = 0.05, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise
            waited = time.monotonic() - start
            holder = lock_holder(exc)
            if waited >= limit:
                raise WarehouseLocked(path, holder, waited) from None
            if not told and limit - waited > 1:
                print(
                    f"{path} is held by {holder}; waiting for it (up to {limit:.0f} s) …",
                    file=sys.stderr,
                    flush=True,
                )
                told = True
            time.sleep(min(pause, max(0.0, limit - waited)))
            pause = min(pause * 2, 1.0)
    # Insertion order is not a contract anywhere; dropping it bounds memory on large loads.
    con.execute("SET preserve_insertion_order = false")
    return con


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK in an error handler, without hiding the error being handled: when the failure
    already ended the transaction (a disk full at COMMIT), DuckDB refuses the ROLLBACK and that
    second error would replace the one a person can act on."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
    """The first row, or None. Fetches the whole result: DuckDB 2.0 refuses new work on a
    connection whose last result was only partly fetched (fetchone)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    row = first_row(con, sql, params)
    return row[0] if row else None


def table_exists(con: duckdb.DuckDBPyConnection, name: str, schema: str = "main") -> bool:
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        )
    )


def column_names(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> list[str]:
    """A table's columns in their order; none for a table that does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]
