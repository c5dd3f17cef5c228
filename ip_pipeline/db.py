"""DuckDB helpers shared by every module that touches the warehouse."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import duckdb


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
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
    return bool(scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]))
