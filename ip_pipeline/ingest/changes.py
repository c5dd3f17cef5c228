"""`source_changes`: what a published snapshot changed in its staged table (docs/WAREHOUSE.md),
written by staging in the transaction that publishes the snapshot; the indicator steps read it
to recompute only the dates a change can affect (indicators/recompute.py).

The old and new `stg_` rows are compared on every column but the bookkeeping that moves
with each snapshot (`_source_file`, `_row_number`, `_snapshot_at`): DuckDB's EXCEPT ALL
both ways gives the removed (old side) and added (new side) rows; a revised row is one of
each. `earliest_date` is the earliest date those rows can move: for a revised row whose only
changes are dates, the old and new values of the dates that changed; for any other changed row,
every DATE value of its old and new version. `full_change` says the change cannot be bounded by dates: a first load, another
set of columns or types (a changed contract), the reference tables, or a changed row
without any date.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ..db import first_row, scalar, table_exists
from .typing_sql import q

SOURCE_CHANGES = "source_changes"
SOURCE_CHANGES_DDL = f"""
CREATE TABLE IF NOT EXISTS {SOURCE_CHANGES} (
  source VARCHAR,
  fingerprint VARCHAR,
  previous_fingerprint VARCHAR,
  earliest_date DATE,
  full_change BOOLEAN,
  changed_rows BIGINT,
  recorded_at TIMESTAMP DEFAULT current_timestamp)"""
# Records whose unit or scope moved (one key on both sides): a new address rule or district
# table moves records without any change to their files, and the run says how many.
RELOCATED_DDL = f"ALTER TABLE {SOURCE_CHANGES} ADD COLUMN IF NOT EXISTS relocated_rows BIGINT"
# Columns that say where a row was read, not what it says: a row moved to another file of the
# snapshot is not a change.
MOVING_COLUMNS = ("_source_file", "_row_number", "_snapshot_at")


def changes_table(source: str) -> str:
    return f"_changes_{source}"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def _described(con: duckdb.DuckDBPyConnection, select_sql: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {select_sql}").fetchall()]


def diff_before_publish(con: duckdb.DuckDBPyConnection, source: str, new_select: str) -> bool:
    """Before `stg_<source>` is replaced by `new_select`: the changed rows into the temp table
    `_changes_<source>` (`_side` 'old' or 'new', then the compared columns). False when the two
    cannot be compared row by row (no old table, other columns or types): a full change."""
    stg = f"stg_{source}"
    con.execute(f"DROP TABLE IF EXISTS {changes_table(source)}")
    if not table_exists(con, stg):
        return False
    old_cols, new_cols = _columns(con, stg), _described(con, new_select)
    if old_cols != new_cols:
        return False
    cmp = ", ".join(q(c) for c, _ in new_cols if c not in MOVING_COLUMNS)
    # A row hash over the compared columns: the multisets of hashes are compared (64-bit
    # integers, cheap), then only the rows whose hash is in the difference are fetched. Same
    # result as EXCEPT ALL both ways (but for a 64-bit collision), at a fraction of its cost
    # on millions of rows (EXCEPT ALL materialises every row of both sides).
    con.execute(f"""
        CREATE TEMP TABLE {changes_table(source)} AS
        WITH new AS ({new_select}),
        o AS (SELECT hash({cmp}) AS h, count(*) AS n FROM {stg} GROUP BY ALL),
        n AS (SELECT hash({cmp}) AS h, count(*) AS n FROM new GROUP BY ALL),
        d AS (SELECT coalesce(o.h, n.h) AS h, coalesce(o.n, 0) AS old_n, coalesce(n.n, 0) AS new_n
              FROM o FULL OUTER JOIN n ON o.h = n.h WHERE o.n IS DISTINCT FROM n.n)
        SELECT 'old' AS _side, {cmp} FROM {stg} WHERE hash({cmp}) IN (SELECT h FROM d WHERE old_n > new_n)
        UNION ALL
        SELECT 'new' AS _side, {cmp} FROM new WHERE hash({cmp}) IN (SELECT h FROM d WHERE new_n > old_n)
    """)
    return True


def _least(exprs: list[str]) -> str:
    return exprs[0] if len(exprs) == 1 else f"least({', '.join(exprs)})"


def _earliest(
    con: duckdb.DuckDBPyConnection,
    table: str,
    dates: list[str],
    others: list[str],
    key: tuple[str, ...] | None,
) -> tuple:
    """(earliest date, changed rows without any date) over the changed rows of `table`.

    A revised row (its key on both sides) whose only changes are dates bounds the change by the
    earliest old or new value of the dates that changed (a lapse recorded late moves the months
    from the lapse on, not from the filing); a row with any other change, or an added or removed
    one, by the earliest of all its dates, old and new (the earliest of all dates of a revised
    row would be a valid bound too; this one is the tighter)."""
    all_dates = _least([f"min({q(c)})" for c in dates])
    undated = " AND ".join(f"{q(c)} IS NULL" for c in dates)
    if not key or "_side" not in [c for c, _ in _columns_any(con, table)]:
        return first_row(con, f"SELECT {all_dates}, count(*) FILTER (WHERE {undated}) FROM {table}")
    on = " AND ".join(f"o.{q(k)} IS NOT DISTINCT FROM n.{q(k)}" for k in key)
    same_others = " AND ".join(f"o.{q(c)} IS NOT DISTINCT FROM n.{q(c)}" for c in others) or "true"
    per_date = [
        f"CASE WHEN o.{q(c)} IS DISTINCT FROM n.{q(c)} THEN least(o.{q(c)}, n.{q(c)}) END" for c in dates
    ]
    every = [f"least(o.{q(c)}, n.{q(c)})" for c in dates]
    return first_row(
        con,
        f"""
        WITH o AS (SELECT * FROM {table} WHERE _side = 'old'), n AS (SELECT * FROM {table} WHERE _side = 'new'),
        revised AS (
            SELECT CASE WHEN {same_others} THEN {_least(per_date)} ELSE {_least(every)} END AS d
            FROM o JOIN n ON {on}),
        single AS (
            SELECT {_least([q(c) for c in dates])} AS d, ({undated}) AS undated FROM {table} t
            WHERE NOT EXISTS (SELECT 1 FROM {table} u WHERE u._side <> t._side
                              AND {" AND ".join(f"u.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in key)}))
        SELECT least((SELECT min(d) FROM revised), (SELECT min(d) FROM single)),
               (SELECT count(*) FILTER (WHERE undated) FROM single)
               + (SELECT count(*) FILTER (WHERE d IS NULL) FROM revised)
    """,
    )


def _columns_any(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def record_change(
    con: duckdb.DuckDBPyConnection,
    source: str,
    fingerprint: str,
    previous: str | None,
    compared: bool,
    key: tuple[str, ...] | None = None,
) -> dict:
    """The `source_changes` row of a snapshot just written to `stg_<source>` (inside its
    transaction). `compared`: diff_before_publish found the changed rows; `key`: the columns
    that identify a row (a revised row is one key on both sides)."""
    con.execute(SOURCE_CHANGES_DDL)
    stg = f"stg_{source}"
    cols = _columns(con, stg)
    dates = [c for c, t in cols if t == "DATE" and c not in MOVING_COLUMNS]
    others = [c for c, t in cols if t != "DATE" and c not in MOVING_COLUMNS]
    table = changes_table(source) if compared else stg
    changed = int(scalar(con, f"SELECT count(*) FROM {table}") or 0)
    earliest, undated = None, 0
    if changed and dates:
        row = _earliest(con, table, dates, others, tuple(key) if compared and key else None)
        earliest, undated = row[0], int(row[1] or 0)
    full = (not compared) or previous is None or (changed > 0 and (not dates or undated > 0))
    relocated = relocated_rows(con, table, tuple(key)) if compared and key and changed else 0
    con.execute(RELOCATED_DDL)
    con.execute(
        f"INSERT INTO {SOURCE_CHANGES} (source, fingerprint, previous_fingerprint, earliest_date, "
        f"full_change, changed_rows, relocated_rows) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [source, fingerprint, previous, earliest, full, changed, relocated],
    )
    return {
        "earliest_date": earliest,
        "full_change": full,
        "changed_rows": changed,
        "relocated_rows": relocated,
    }


def relocated_rows(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> int:
    """Records (one key, old and new side) whose unit or scope differs between the two sides."""
    cols = {c for c, _ in _columns_any(con, table)}
    if "_side" not in cols or not {"district_code", "in_scope"} <= cols:
        return 0
    on = " AND ".join(f"o.{q(k)} IS NOT DISTINCT FROM n.{q(k)}" for k in key)
    return int(
        scalar(
            con,
            f"""
        SELECT count(*) FROM (SELECT * FROM {table} WHERE _side = 'old') o
        JOIN (SELECT * FROM {table} WHERE _side = 'new') n ON {on}
        WHERE o.district_code IS DISTINCT FROM n.district_code OR o.in_scope IS DISTINCT FROM n.in_scope""",
        )
        or 0
    )


def relocated_since(con: duckdb.DuckDBPyConnection, since) -> dict[str, int]:
    """Per source, the records moved to another unit or scope by the snapshots recorded since `since`."""
    if not table_exists(con, SOURCE_CHANGES):
        return {}
    cols = {c for c, _ in _columns(con, SOURCE_CHANGES)}
    if "relocated_rows" not in cols:
        return {}
    return {
        s: int(n)
        for s, n in con.execute(
            f"SELECT source, sum(relocated_rows) FROM {SOURCE_CHANGES} WHERE recorded_at >= ? AND relocated_rows > 0 "
            "GROUP BY source ORDER BY source",
            [since],
        ).fetchall()
    }


def record_reference_change(
    con: duckdb.DuckDBPyConnection, fingerprint: str, previous: str | None, rows: int
) -> None:
    """The reference tables: every row matters to every month, so a change is always full."""
    con.execute(SOURCE_CHANGES_DDL)
    con.execute(
        f"INSERT INTO {SOURCE_CHANGES} (source, fingerprint, previous_fingerprint, earliest_date, "
        f"full_change, changed_rows) VALUES ('reference', ?, ?, NULL, TRUE, ?)",
        [fingerprint, previous, rows],
    )


def changes_file(home, source: str, fingerprint: str):
    """Where the changed rows of a published snapshot are kept (for GX to validate only them)."""
    safe = "".join(ch if ch.isalnum() or ch in "+-_" else "_" for ch in fingerprint)
    return Path(home) / "cache" / "changes" / source / f"{safe}.parquet"


def _against_file(target: Path) -> Path:
    return target.with_name(target.name + ".against")


def export_changes(
    con: duckdb.DuckDBPyConnection, source: str, fingerprint: str, home, against: str | None = None
) -> None:
    """The changed rows as Parquet (one file per source: the latest transition), and, for a
    candidate, the fingerprint of the published snapshot they were compared with (`against`:
    its publishing reads them instead of comparing again, load_changes). Nothing is lost when
    this does not happen: GX then validates the whole table, publishing compares again."""
    table = changes_table(source)
    target = changes_file(home, source, fingerprint)
    if target.parent.is_dir():
        for old in target.parent.iterdir():
            try:
                old.unlink()
            except OSError:
                pass
    if not table_exists(con, table):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con.execute(f"COPY {table} TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
    os.replace(tmp, target)
    if against is not None:
        _against_file(target).write_text(against, encoding="utf-8")


def load_changes(
    con: duckdb.DuckDBPyConnection, source: str, fingerprint: str, home, against: str | None
) -> bool:
    """The temp table `_changes_<source>` from the Parquet the candidate's staging wrote, when it
    compared the candidate with the snapshot published now (`against`): what diff_before_publish
    would find again, read instead of recomputed over both tables. False: compare again."""
    if home is None or against is None:
        return False
    target = changes_file(home, source, fingerprint)
    try:
        if _against_file(target).read_text(encoding="utf-8") != against or not target.is_file():
            return False
    except OSError:
        return False
    con.execute(f"DROP TABLE IF EXISTS {changes_table(source)}")
    con.execute(
        f"CREATE TEMP TABLE {changes_table(source)} AS "
        f"SELECT * FROM read_parquet('{str(target).replace(chr(39), chr(39) * 2)}')"
    )
    return True
