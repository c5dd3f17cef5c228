"""What the quality checks read from and write to the DuckDB warehouse.

Reads are column-pruned (only what a suite needs) and go through short
connections; the one write is a row in `quality_results`, which is also the
cache that lets an unchanged snapshot skip re-validation.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import duckdb
import pandas as pd

from ..city import CITY
from ..db import table_exists  # noqa: F401  (wio.table_exists: the one definition, in db.py)
from ..ingest.holds import was_accepted
from .failures import QualityResult
from .suites import derived_columns_needed, value_columns

QUALITY_RESULTS = "quality_results"
QUALITY_RESULTS_DDL = f"""
CREATE TABLE IF NOT EXISTS {QUALITY_RESULTS} (
    table_name VARCHAR,
    check_name VARCHAR,
    severity VARCHAR,
    passed BOOLEAN,
    failed_expectations VARCHAR,
    evaluated_at TIMESTAMP,
    details VARCHAR
)"""

SCHEMA_SAMPLE_ROWS = 1000
# pandas keeps dates as datetime64[ns]: clamp what it cannot hold so a typo
# like 2921-03-05 fails a date-range rule instead of crashing the check.
_NS_MIN, _NS_MAX = "1678-01-02", "2261-12-31"
# Parameters that change every day and cannot change a pass into a failure
# for the same data: kept out of the cache key.
_VOLATILE_PARAMETERS = {"today"}


@contextmanager
def connection(
    warehouse, read_only: bool, attempts: int = 20, wait_s: float = 0.5
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`warehouse.connection()`, retried while another process holds the file lock."""
    for i in range(attempts):
        try:
            cm = warehouse.connection(read_only=read_only)
            con = cm.__enter__()
            break
        except duckdb.IOException as e:
            if "lock" not in str(e).lower() or i == attempts - 1:
                raise
            time.sleep(wait_s * (1 + i))
    try:
        yield con
    finally:
        cm.__exit__(None, None, None)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(table: str) -> str:
    """A table name for SQL: `schema.table` (a candidate snapshot: staging.candidate_table) or a
    table of `main`, each part quoted."""
    return ".".join(_q(part) for part in table.split(".", 1))


def _schema_and_name(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return schema or "main", name


def table_columns(con, table: str) -> dict[str, str]:
    schema, name = _schema_and_name(table)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {name: dtype for name, dtype in rows}


def _clamped(column: str) -> str:
    c = _q(column)
    return (
        f"CASE WHEN {c} < DATE '{_NS_MIN}' THEN DATE '{_NS_MIN}' "
        f"WHEN {c} > DATE '{_NS_MAX}' THEN DATE '{_NS_MAX}' ELSE {c} END"
    )


def frame_sql(con, table: str, suite: dict, relation: str | None = None) -> tuple[str, str, list[str]]:
    """(SQL of the value frame: only the needed columns + derived ones, SQL of the schema sample,
    columns read). `relation` reads the rows from elsewhere (the changed rows of a snapshot) with
    the table's types; by default the table itself."""
    types = table_columns(con, table)
    if not types:
        raise LookupError(f"table {table} does not exist in the warehouse")
    source = relation or qualified(table)
    # A small sample of every column: dtypes plus, for text-typed (object) columns,
    # values GX can inspect (an empty object column passes any type rule).
    # Its dates are clamped as the value frame's are: a 2990-01-01 in the sample must fail
    # the date rule, not crash the conversion to datetime64[ns].
    sample = ", ".join(f"{_clamped(c)} AS {_q(c)}" if t == "DATE" else _q(c) for c, t in types.items())
    schema_sql = f"SELECT {sample} FROM {qualified(table)} LIMIT {SCHEMA_SAMPLE_ROWS}"
    cols = value_columns(suite, types)
    select = []
    for c in cols:
        if types[c] == "DATE":
            # Read as datetime64[ns], the type GX compares dates in (see
            # gx_validation._normalise_for_gx): free in DuckDB, where pandas'
            # casts (and block splits) take ~0.3 s for 2 M rows of 4-5 dates.
            select.append(f"CAST({_clamped(c)} AS TIMESTAMP_NS) AS {_q(c)}")
        else:
            select.append(_q(c))
    for name, expr in derived_columns_needed(suite).items():
        # A cross-table rule whose other table is not loaded yet (a sensor run of one source)
        # is left unevaluated (NULL), not turned into a crash of the whole check.
        others = re.findall(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", expr, flags=re.IGNORECASE)
        if any(not table_exists(con, o) for o in others):
            expr = "NULL"
        select.append(f"({expr}) AS {_q(name)}")
    # The warehouse's bookkeeping columns (`_format`: the export format of the row's file) may
    # restrict a rule's rows; a table without them (written before them, or by a test) reads
    # them as NULL, so the rule applies to every row.
    for name in _bookkeeping_in_conditions(suite):
        if name not in types:
            select.append(f"NULL::VARCHAR AS {_q(name)}")
    sql = f"SELECT {', '.join(select) or 'NULL AS _none'} FROM {source} AS t"
    return sql, schema_sql, cols


def read_frames(con, table: str, suite: dict) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(value frame with only the needed columns + derived ones, zero-row frame of all columns, columns read)."""
    sql, schema_sql, cols = frame_sql(con, table, suite)
    schema_frame = con.execute(schema_sql).df()
    frame = con.execute(sql).df()
    if "_none" in frame.columns:
        frame = frame.drop(columns=["_none"])
    return frame, schema_frame, cols


def _bookkeeping_in_conditions(suite: dict) -> list[str]:
    names: set[str] = set()
    for exp in suite.get("expectations", []):
        cond = (exp.get("kwargs") or {}).get("row_condition")
        if isinstance(cond, str):
            bare = re.sub(r"\"[^\"]*\"|'[^']*'", "", cond)  # not the words inside quotes
            names |= {n for n in re.findall(r"\b_[A-Za-z0-9_]+", bare)}
    return sorted(names)


# --------------------------------------------------------------------------- snapshots


def snapshot_source(con, table: str, suite: dict) -> tuple[str | None, str | None]:
    """(source name, current fingerprint) from `source_snapshots`, if recorded."""
    if not table_exists(con, "source_snapshots"):
        return None, None
    candidates = [table.removeprefix("stg_"), suite["meta"].get("source")]
    for src in [c for c in candidates if c]:
        row = con.execute(
            "SELECT fingerprint FROM source_snapshots WHERE source = ? ORDER BY loaded_at DESC NULLS LAST LIMIT 1",
            [src],
        ).fetchone()
        if row is not None:
            return src, row[0]
    return None, None


def previous_row_count(
    con, table: str, source: str | None, fingerprint: str | None
) -> tuple[int | None, dict]:
    """Staged rows of the snapshot before the current one, from `source_snapshots_history`."""
    if not source or not table_exists(con, "source_snapshots_history"):
        return None, {}
    where = ["source = ?"]
    args: list = [source]
    if fingerprint is not None:
        where.append("fingerprint IS DISTINCT FROM ?")
        args.append(fingerprint)
    elif "_snapshot_at" in table_columns(con, table):
        where.append(f"snapshot_at < (SELECT max(_snapshot_at) FROM {qualified(table)})")
    row = con.execute(
        "SELECT coalesce(staged_rows, raw_rows), snapshot_at, fingerprint FROM source_snapshots_history "
        f"WHERE {' AND '.join(where)} ORDER BY loaded_at DESC NULLS LAST, snapshot_at DESC LIMIT 1",
        args,
    ).fetchone()
    if row is None or row[0] is None:
        return None, {}
    return int(row[0]), {"previous_snapshot_at": str(row[1]), "previous_fingerprint": row[2]}


# --------------------------------------------------------------------------- parameters


def runtime_parameters(
    con, table: str, suite: dict, names: set[str], source: str | None, fingerprint: str | None
) -> tuple[dict, dict]:
    """Values for the suite's `$PARAMETER`s, and notes on how they were derived.

    Known parameters: `district_codes` (codes of stg_districts),
    `reporting_units` (those plus the city, city.CITY), `today`, and any
    parameter used as a bound of an expectation whose meta has
    `row_count_vs_previous: {min_ratio, max_ratio}`.
    """
    params: dict = {}
    notes: dict = {}
    if names & {"district_codes", "reporting_units"}:
        codes: list[str] = []
        if table_exists(con, "stg_districts"):
            codes = sorted(
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT code FROM stg_districts WHERE code IS NOT NULL"
                ).fetchall()
            )
        params["district_codes"] = codes
        params["reporting_units"] = sorted(set(codes) | {CITY})
    if "today" in names:
        params["today"] = date.today().isoformat() + "T00:00:00"  # noqa: DTZ011 (the server date, as recorded)
    row_count_exps = [
        e for e in suite.get("expectations", []) if "row_count_vs_previous" in e.get("meta", {})
    ]
    if row_count_exps:
        prev, info = previous_row_count(con, table, source, fingerprint)
        notes["previous_row_count"] = prev
        notes.update(info)
        shrink_accepted = was_accepted(con, source, fingerprint) if source else False
        if shrink_accepted:
            notes["shrink_accepted"] = True  # `ip-pipeline accept`: the drop is not judged again
        floor_rows = int(suite["meta"].get("min_rows", 0))
        for e in row_count_exps:
            tol = e["meta"]["row_count_vs_previous"]
            kw = e.get("kwargs", {})
            lo, hi = kw.get("min_value"), kw.get("max_value")
            if isinstance(lo, dict) and "$PARAMETER" in lo:
                ratio = tol.get("min_ratio")
                params[lo["$PARAMETER"]] = (
                    max(floor_rows, math.floor(prev * ratio))
                    if prev is not None and ratio is not None and not shrink_accepted
                    else floor_rows
                )
            if isinstance(hi, dict) and "$PARAMETER" in hi:
                ratio = tol.get("max_ratio")
                params[hi["$PARAMETER"]] = (
                    math.ceil(prev * ratio) if prev is not None and prev > 0 and ratio is not None else None
                )
    unknown = names - set(params)
    if unknown:
        raise ValueError(f"{table}: unknown expectation parameter(s) {sorted(unknown)}")
    return {k: v for k, v in params.items() if k in names}, notes


def cache_key(suite_text: str, fingerprint: str | None, params: dict) -> str | None:
    """Same suite + same snapshot + same parameters => same result. None when the snapshot is unknown."""
    if fingerprint is None:
        return None
    stable = {k: v for k, v in params.items() if k not in _VOLATILE_PARAMETERS}
    blob = json.dumps(
        {"suite": suite_text, "fingerprint": fingerprint, "params": stable}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- quality_results


def check_outcome(passed: bool | None, severity: str | None, failed_expectations: str | None) -> str:
    """`passed` | `warned` | `failed` | `not_run`, as the Dagster UI shows a check: a WARN check with
    failures is recorded passed (it does not block) but it warned, and is never counted as passed."""
    if passed is None:
        return "not_run"
    if not passed:
        return "failed"
    try:
        failures = json.loads(failed_expectations or "[]")
    except (json.JSONDecodeError, TypeError):
        failures = []
    return "warned" if failures else "passed"


def last_passed(con, table: str, check_name: str) -> dict | None:
    """The most recent passed result of this check (its row, details parsed)."""
    if not table_exists(con, QUALITY_RESULTS):
        return None
    row = con.execute(
        f"SELECT severity, failed_expectations, evaluated_at, details FROM {QUALITY_RESULTS} "
        "WHERE table_name = ? AND check_name = ? AND passed ORDER BY evaluated_at DESC LIMIT 1",
        [table, check_name],
    ).fetchone()
    if row is None:
        return None
    try:
        details = json.loads(row[3] or "{}")
        failed = json.loads(row[1] or "[]")
    except json.JSONDecodeError:
        return None
    return {"severity": row[0], "failed_expectations": failed, "evaluated_at": row[2], "details": details}


def result_signature(table: str, check_name: str, result: QualityResult) -> str:
    """What a result says, without when it was said: a GX result by the cache key of what it
    validated (a skipped re-validation says what the validation it reuses said), any other by its
    verdict, failures and message."""
    failures = json.dumps(
        [f.as_dict() for f in result.failures], ensure_ascii=False, default=str, sort_keys=True
    )
    said = ["gx", result.cache_key] if result.cache_key else ["rule", result.message, failures, result.rows]
    blob = json.dumps(
        [table, check_name, result.passed, result.severity, *said], ensure_ascii=False, default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _latest_signature(con, table: str, check_name: str) -> str | None:
    row = con.execute(
        f"SELECT json_extract_string(details, '$.signature') FROM {QUALITY_RESULTS} "
        "WHERE table_name = ? AND check_name = ? ORDER BY evaluated_at DESC LIMIT 1",
        [table, check_name],
    ).fetchone()
    return row[0] if row else None


def write_result(con, table: str, check_name: str, result: QualityResult, extra: dict | None = None) -> None:
    """Record a result, unless the check's latest row already says the same (a no-op night then
    writes nothing to the warehouse: its backup is reused, and the history is of changes)."""
    signature = result_signature(table, check_name, result)
    if table_exists(con, QUALITY_RESULTS) and _latest_signature(con, table, check_name) == signature:
        return
    con.execute(QUALITY_RESULTS_DDL)
    details = {
        "signature": signature,
        "message": result.message,
        "rows": result.rows,
        "evaluated_expectations": result.evaluated,
        "duration_s": result.duration_s,
        "data_docs": result.data_docs,
        "skipped": result.skipped,
        "cache_key": result.cache_key,
        **(result.extra or {}),
        **(extra or {}),
    }
    con.execute(
        f"INSERT INTO {QUALITY_RESULTS} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            table,
            check_name,
            result.severity,
            result.passed,
            json.dumps([f.as_dict() for f in result.failures], ensure_ascii=False, default=str),
            datetime.now(),  # noqa: DTZ005 (the server clock, as recorded)
            json.dumps(details, ensure_ascii=False, default=str),
        ],
    )
