"""What one GX validation of a staged table reads, decided while a warehouse connection is open,
and the validation itself, which needs none.

`make_plan` (a connection open) works out the suite's parameters, the cache key, and whether the
validation can be incremental: the table's snapshot was published with its changed rows
(`<home>/cache/changes/<source>/<fingerprint>.parquet`, written by staging) and the previous
snapshot's validation kept its row-level counts. Then row-level expectations run on the rows
that came and went only, and table-level ones (row counts, uniqueness, aggregates, distinct
sets, rules on derived columns that read other rows or the clock) on the whole table; the
verdicts and unexpected counts are a full validation's (incremental.py). Wherever a map rule
has witnesses (witness.py: the rows that may fail, picked by DuckDB), GX reads those instead of
the whole table: the table-level rules of an incremental validation, every such rule of a
whole one (frame "witness", counts DuckDB made in `witness_counts`).

`export` writes the frames the plan reads as Parquet under `<home>/cache/gx/<table>/`: an
immutable snapshot that `run_plan` can validate in another process (background.py) while the
warehouse is busy with the next writer. `run_plan` also reads straight from a connection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..ingest.changes import changes_file
from ..settings import settings
from . import warehouse_io as wio
from .applicability import Snapshot, applicable_suite, describe, not_applicable
from .failures import QualityResult
from .gx_validation import validate_frames
from .incremental import validate_parts
from .suites import (
    POSITION,
    STABLE_ROW_PARAMETERS,
    load_suite,
    number_expectations,
    row_level_positions,
    split_suite,
    sub_suite,
    suite_parameters,
    suite_text,
)
from .witness import Witness, counts_sql, witness_condition, witness_sql


@dataclass
class ValidationPlan:
    table: str
    suite: dict
    params: dict
    key: str | None
    base: str
    fingerprint: str | None
    source: str | None
    notes: dict
    columns: list[str]
    docs_dir: str | None
    sql: dict[str, str]  # frame name -> SQL over the warehouse (frame, schema[, added, removed])
    previous_counts: dict | None = None
    files: dict[str, str] = field(default_factory=dict)  # frame name -> Parquet (after export)
    # expectations left out for this snapshot (their meta.needs unmet: applicability.py)
    not_applicable: list[dict] = field(default_factory=list)
    read_table: str | None = None  # the table read when it is not `table` (a candidate snapshot)
    rows: int | None = None  # the table's rows (what a witnessed rule's counts are over)
    # table-level map rules judged on their witnesses (witness.py), in frame "witness"
    witnessed: list[int] = field(default_factory=list)
    # what DuckDB counted for them over the table (witnesses.py: "m<pos>", "e<pos>" -> rows)
    witness_counts: dict[str, int] = field(default_factory=dict)

    @property
    def incremental(self) -> bool:
        return self.previous_counts is not None


def base_key(text: str, params: dict) -> str:
    """What must not change for row-level counts to carry over: the suite, its fixed parameters."""
    stable = {k: v for k, v in params.items() if k in STABLE_ROW_PARAMETERS}
    return hashlib.sha256(
        json.dumps({"suite": text, "params": stable}, sort_keys=True, default=str).encode()
    ).hexdigest()


def _previous_counts(
    con,
    table: str,
    check_name: str,
    source: str | None,
    fingerprint: str | None,
    base: str,
    home: Path | None,
    candidate: bool = False,
) -> tuple[dict | None, str | None]:
    """(row-level counts of the previous snapshot's validation, the changes file) when this
    snapshot can be validated incrementally, else (None, None). A published snapshot's previous
    one is in `source_changes`; a candidate's is the snapshot published now, which it would replace."""
    if home is None or not source or not fingerprint:
        return None, None
    if candidate:
        if not wio.table_exists(con, "source_snapshots"):
            return None, None
        rows = con.execute("SELECT fingerprint FROM source_snapshots WHERE source = ?", [source]).fetchall()
    else:
        if not wio.table_exists(con, "source_changes"):
            return None, None
        rows = con.execute(
            "SELECT previous_fingerprint FROM source_changes WHERE source = ? AND fingerprint = ? "
            "ORDER BY recorded_at DESC LIMIT 1",
            [source, fingerprint],
        ).fetchall()
    if not rows or rows[0][0] is None:
        return None, None
    path = changes_file(home, source, fingerprint)
    if not path.is_file() or not wio.table_exists(con, wio.QUALITY_RESULTS):
        return None, None
    found = con.execute(
        f"SELECT details FROM {wio.QUALITY_RESULTS} WHERE table_name = ? AND check_name = ? "
        "ORDER BY evaluated_at DESC LIMIT 20",
        [table, check_name],
    ).fetchall()
    for (details,) in found:
        try:
            d = json.loads(details or "{}")
        except json.JSONDecodeError:
            continue
        if (
            d.get("fingerprint") == rows[0][0]
            and d.get("base_key") == base
            and isinstance(d.get("row_counts"), dict)
        ):
            return d["row_counts"], str(path)
    return None, None


def make_plan(
    con,
    table: str,
    home: Path | None,
    check_name: str,
    expectations_dir: Path | None = None,
    docs_dir: Path | None = None,
    incremental: bool = True,
    read_table: str | None = None,
    snapshot: tuple[str | None, str | None] | None = None,
    witnesses_for_all: bool = True,
) -> ValidationPlan:
    """The validation of `table`'s suite. `read_table` names the table holding the rows when it
    is not `table` itself (a candidate snapshot not yet published), `snapshot` its (source,
    fingerprint) when it is not the published one of `source_snapshots`."""
    suite = number_expectations(load_suite(table, expectations_dir))
    text = suite_text(table, expectations_dir)
    physical = read_table or table
    source, fingerprint = snapshot if snapshot is not None else wio.snapshot_source(con, table, suite)
    rows = con.execute(f"SELECT count(*) FROM {wio.qualified(physical)}").fetchall()[0][0]
    previous_rows, _ = wio.previous_row_count(con, physical, source, fingerprint)
    skipped = not_applicable(suite, Snapshot(int(rows), previous_rows))
    suite = applicable_suite(suite, skipped)
    params, notes = wio.runtime_parameters(con, physical, suite, suite_parameters(suite), source, fingerprint)
    # what was left out is part of what the result says: in its key too
    key = wio.cache_key(text, fingerprint, {**params, "_not_applicable": [s["position"] for s in skipped]})
    base = base_key(text, params)
    previous, changes = (
        _previous_counts(
            con, table, check_name, source, fingerprint, base, home, candidate=read_table is not None
        )
        if incremental and not skipped
        else (None, None)
    )
    rows_pos = row_level_positions(suite)
    # Below this many staged rows a whole validation costs less than three partial ones (each GX
    # run has a fixed cost of a few tenths of a second): small tables are validated whole.
    min_rows = settings().gx_incremental_min_rows
    if previous is not None and min_rows > 0 and rows < min_rows:
        previous = None
    if not rows_pos:
        previous = None
    incremental_now = previous is not None
    everything = {e["meta"][POSITION] for e in suite["expectations"]}
    # The rules judged on their witnesses (witness.py): an incremental validation's table-level
    # rules; every rule that has them in a whole one (`witnesses_for_all` False: none, the
    # fallback when GX could not judge one on them; a small table is read whole, one GX run
    # costing less than two).
    if incremental_now:
        witness, witnessed, counted = witnesses(con, physical, suite, everything - rows_pos, params)
    elif witnesses_for_all and rows >= min_rows:
        witness, witnessed, counted = witnesses(con, physical, suite, everything, params)
    else:
        witness, witnessed, counted = None, [], {}
    on_changes = rows_pos if incremental_now else set()
    frame_sql, schema_sql, cols = wio.frame_sql(
        con, physical, sub_suite(suite, everything - on_changes - set(witnessed))
    )
    sql = {"frame": frame_sql, "schema": schema_sql}
    types = wio.table_columns(con, physical)
    if incremental_now:
        row_suite = sub_suite(suite, rows_pos)
        src = str(changes).replace("'", "''")
        for name, side in (("added", "new"), ("removed", "old")):
            sql[name], _, _ = wio.frame_sql(
                con,
                physical,
                row_suite,
                relation=f"(SELECT * FROM read_parquet('{src}') WHERE _side = '{side}')",
            )
        cols = sorted(set(cols) | set(wio.value_columns(row_suite, types)))
    if witness is not None:
        sql["witness"] = witness
        cols = sorted(set(cols) | set(wio.value_columns(sub_suite(suite, witnessed), types)))
    return ValidationPlan(
        table,
        suite,
        params,
        key,
        base,
        fingerprint,
        source,
        notes,
        cols,
        str(docs_dir) if docs_dir is not None else None,
        sql,
        previous,
        not_applicable=skipped,
        read_table=read_table,
        rows=int(rows),
        witnessed=witnessed,
        witness_counts=counted,
    )


def witnesses(
    con, physical: str, suite: dict, positions: set[int], params: dict
) -> tuple[str | None, list[int], dict[str, int]]:
    """(SQL of the witness rows, the positions judged on them, the counts DuckDB made over the
    whole table: "m<position>" missing rows, "e<position>" rows a row condition keeps) for the
    map rules at `positions` that have witnesses (witness.py); (None, [], {}) when none has."""
    candidates = sub_suite(suite, positions)
    if not split_suite(candidates)[1]:
        return None, [], {}
    probe, _, _ = wio.frame_sql(con, physical, candidates)
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {probe}").fetchall()}
    found: dict[int, Witness] = {}
    for exp in split_suite(candidates)[1]:
        w = witness_condition(exp, params, types)
        if w is not None:
            found[exp["meta"][POSITION]] = w
    if not found:
        return None, [], {}
    frame, _, _ = wio.frame_sql(con, physical, sub_suite(suite, set(found)))
    sql = witness_sql(frame, list(found.values()))
    counting = counts_sql(frame, found)
    counts = {}
    try:
        con.execute(f"SELECT * FROM ({sql}) LIMIT 0")  # binds: a type DuckDB cannot compare fails here
        if counting is not None:
            cur = con.execute(counting)
            names = [d[0] for d in cur.description]
            counts = {name: int(n) for name, n in zip(names, cur.fetchone())}
    except duckdb.Error:
        return None, [], {}  # GX reads the whole table, as without witnesses
    return sql, sorted(found), counts


def gx_dir(home: Path, table: str) -> Path:
    return home / "cache" / "gx" / table


def export(con, plan: ValidationPlan, home: Path) -> ValidationPlan:
    """Write the plan's frames as Parquet (an immutable snapshot of what it validates)."""
    tag = (plan.key or hashlib.sha256(json.dumps(plan.sql, sort_keys=True).encode()).hexdigest())[:24]
    root = gx_dir(home, plan.table)
    target = root / tag
    tmp = root / f".{tag}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, exist_ok=True)
    for name, sql in plan.sql.items():
        path = tmp / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    for old in root.iterdir():  # one snapshot per table is enough
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    plan.files = {name: str(target / f"{name}.parquet") for name in plan.sql}
    return plan


def _frames(plan: ValidationPlan, con=None) -> dict[str, pd.DataFrame]:
    out = {}
    own = None
    if plan.files:
        own = duckdb.connect()
        threads = settings().gx_threads
        if threads:
            own.execute(f"SET threads = {threads}")
    try:
        for name, sql in plan.sql.items():
            if own is not None:
                df = own.execute(
                    f"SELECT * FROM read_parquet('{plan.files[name].replace(chr(39), chr(39) * 2)}')"
                ).df()
            else:
                df = con.execute(sql).df()
            if "_none" in df.columns:
                df = df.drop(columns=["_none"])
            out[name] = df
    finally:
        if own is not None:
            own.close()
    return out


def load_frames(plan: ValidationPlan, con=None) -> dict[str, pd.DataFrame]:
    """The plan's frames: from its Parquet files, else through `con` (then close it soon)."""
    return _frames(plan, con)


def run_plan(
    plan: ValidationPlan, con=None, frames: dict[str, pd.DataFrame] | None = None
) -> QualityResult | None:
    """Validate what the plan reads (`frames`, else its Parquet files, else `con`). None: the
    incremental validation could not be completed (validate the whole table instead)."""
    f = frames if frames is not None else _frames(plan, con)
    docs = Path(plan.docs_dir) if plan.docs_dir else None
    if plan.incremental or plan.witnessed:
        result = validate_parts(
            plan.table,
            plan.suite,
            plan.params,
            f,
            set(plan.witnessed),
            plan.rows,
            plan.witness_counts,
            plan.previous_counts,
            docs_dir=docs,
        )
        if result is None:
            return None
        mode = "incremental" if plan.incremental else "full"
    else:
        result = validate_frames(
            plan.table,
            f["frame"],
            plan.suite,
            plan.params,
            schema_frame=f["schema"],
            docs_dir=docs,
            counts_for=row_level_positions(plan.suite),
        )
        mode = "full"
    result.cache_key = plan.key
    result.extra = {
        **result.extra,
        "columns_read": plan.columns,
        "fingerprint": plan.fingerprint,
        "source": plan.source,
        "base_key": plan.base,
        "validation": mode,
        "read_from": "parquet snapshot" if plan.files else "warehouse",
        "not_applicable": plan.not_applicable,
        **plan.notes,
    }
    result.message += describe(plan.not_applicable)
    return result


def cross_table(suite: dict) -> bool:
    """Whether a derived column reads another table (its verdict then depends on when it runs)."""
    return any(
        re.search(r"\bFROM\s+[A-Za-z_]", expr, flags=re.IGNORECASE)
        for expr in suite["meta"].get("derived_columns", {}).values()
    )
