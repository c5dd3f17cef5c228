"""Which sources are empty sources (SOURCES.md: a source that never had data), read from the
warehouse: a source none of whose published snapshots (`source_snapshots_history`) ever had a
row. The one rule for staging's warning, the run's notes, the engine's no_data and the report.

Rows here are delivered rows (raw rows), not staged ones:
- a source that had data and then an accepted shrink to zero had data: it is not an empty
  source, and its counts are a measured zero;
- a snapshot whose every row is quarantined delivered rows: the source is not "never
  delivered". Its rows are in quarantine_<source> with reasons, said in the quality section,
  and its indicators count what was staged (nought), not no_data.
A snapshot that is not published (held, or failed its audit) is not in the history and
decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from ..db import table_exists


def sources_with_data(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Sources of which some published snapshot had at least one row."""
    if not table_exists(con, "source_snapshots_history"):
        return set()
    rows = con.execute(
        "SELECT DISTINCT source FROM source_snapshots_history WHERE coalesce(raw_rows, 0) > 0"
    ).fetchall()
    return {r[0] for r in rows}


def empty_sources(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> set[str]:
    """Those of `names` that never had data."""
    had = sources_with_data(con)
    return {n for n in names if n not in had}


def is_empty_source(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return name not in sources_with_data(con)
