"""Which as-of dates a step must recompute, and which it may only re-stamp.

`indicator_runs` records, per step and as-of date, the inputs fingerprint it was computed
from (`inputs`: every source snapshot + the code below),
`code` (the catalogue, the SQL and the indicator code: code_fingerprint) and `sources` (JSON:
source -> snapshot fingerprint). A stale date (its `inputs` differ from today's) is

- recomputed when it has no such record, the code changed, or it is in the running month
  or later (`today`'s month: always recomputed);
- otherwise recomputed only when it is on or after the earliest date the changed sources'
  deltas can affect; earlier dates are re-stamped as current (their rows cannot change).

The earliest affected date of a source comes from `source_changes` (docs/WAREHOUSE.md: one
row per published snapshot, its previous fingerprint, `earliest_date`, `full_change`), walked
from the current fingerprint back to the recorded one. A missing
table, a missing link, a `full_change` or an unknown earlier fingerprint mean "everything".

Why a bound from event dates is enough (INDICATORS.md): every indicator on D counts a record
only when one of its dates is <= D (granted, registered, certified, closed, surveyed; base-year
windows end before D). Columns read *after* D — `lapse_date > D`, `expiry_date >= D`,
`valid_until >= D`, `status_date <= D`, `closed_date` in the year of D — only switch a record
off from that date on: changing one from a to b changes the value only on D >= min(a, b)
(NULL <-> x: on D >= x). So for a revised row the earliest affected date is the smallest old or
new value of its changed date columns (all its dates when a non-date column changed, e.g. the
district); for an added or removed row, the smallest of its dates (`earliest_changed_date`
computes this from two versions of a table). One rule reaches back within a year: the transfer
totals' `covered` flag says whether the source has any recordal in the year of D, so a change on
X reaches 1 January of year(X); definitions say so with `changes_affect: calendar_year`.
Reference tables (population, economy, satisfaction, SEI list) and awards (years, no dates)
are full changes (ingest/changes.py records them so: they carry no dates to bound one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ..db import table_exists
from .indicator_definitions import catalogue_dir, load_definitions, sql_dir

EVERYTHING = date.min
INDICATOR_CODE_DIR = Path(__file__).resolve().parent  # ip_pipeline/indicators: the Python that computes


def code_fingerprint() -> str:
    """What computes the indicators: the catalogue, the SQL and the indicator code
    (ip_pipeline/indicators/*.py). A change to any recomputes every date, and is the code version
    Dagster shows on the indicator assets (defs/versions.py): one rule for both."""
    h = hashlib.blake2b(digest_size=16)
    _hash_code(h)
    return h.hexdigest()


def _hash_code(h) -> None:
    for folder, pattern in ((catalogue_dir(), "*"), (sql_dir(), "*"), (INDICATOR_CODE_DIR, "*.py")):
        h.update(f"[{folder.name}]".encode())
        for f in sorted(folder.rglob(pattern)):
            if f.is_file():
                h.update(f.relative_to(folder).as_posix().encode() + f.read_bytes())


def source_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not table_exists(con, "source_snapshots"):
        return {}
    return {
        s: fp
        for s, fp in con.execute(
            "SELECT source, fingerprint FROM source_snapshots ORDER BY source"
        ).fetchall()
    }


def inputs_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the indicators depend on: every source snapshot, the catalogue, the SQL and the code.
    Equal fingerprints mean an as-of date need not be recomputed (the no-op nightly run)."""
    h = hashlib.blake2b(digest_size=16)
    for src, fp in source_fingerprints(con).items():
        h.update(f"{src}={fp};".encode())
    _hash_code(h)
    return h.hexdigest()


# --------------------------------------------------------------------------- indicator_runs


def ensure_runs_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS indicator_runs (as_of DATE, step VARCHAR, inputs VARCHAR, "
        "computed_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (as_of, step))"
    )
    for col, typ in (("code", "VARCHAR"), ("sources", "VARCHAR"), ("stamped_at", "TIMESTAMP")):
        con.execute(f"ALTER TABLE indicator_runs ADD COLUMN IF NOT EXISTS {col} {typ}")


def current_dates(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str) -> set[date]:
    """As-of dates `step` last computed (or re-stamped) from inputs with this fingerprint."""
    return {
        r[0]
        for r in con.execute(
            "SELECT as_of FROM indicator_runs WHERE step = ? AND inputs = ?", [step, fingerprint]
        ).fetchall()
    }


@dataclass(frozen=True)
class Inputs:
    fingerprint: str
    code: str
    sources: dict[str, str]

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> Inputs:
        return cls(inputs_fingerprint(con), code_fingerprint(), source_fingerprints(con))


def mark_computed(con, dates: Sequence[date], step: str, inputs: Inputs) -> None:
    if not dates:  # executemany refuses an empty list
        return
    ensure_runs_table(con)
    con.executemany(
        "INSERT OR REPLACE INTO indicator_runs (as_of, step, inputs, code, sources, computed_at, stamped_at) "
        "VALUES (?, ?, ?, ?, ?, current_timestamp, current_timestamp)",
        [
            [d, step, inputs.fingerprint, inputs.code, json.dumps(inputs.sources, sort_keys=True)]
            for d in dates
        ],
    )


def mark_restamped(con, dates: Sequence[date], step: str, inputs: Inputs) -> None:
    """Current again without a recompute: computed_at stays the time of the last computation."""
    if not dates:
        return
    con.executemany(
        "UPDATE indicator_runs SET inputs = ?, code = ?, sources = ?, stamped_at = current_timestamp "
        "WHERE step = ? AND as_of = ?",
        [
            [inputs.fingerprint, inputs.code, json.dumps(inputs.sources, sort_keys=True), step, d]
            for d in dates
        ],
    )


# --------------------------------------------------------------------------- the earliest affected date


def _year_sources() -> set[str]:
    """Sources of which a change on X reaches back to 1 January of year(X) (changes_affect)."""
    out: set[str] = set()
    for d in load_definitions().values():
        if d.changes_affect == "calendar_year":
            out |= set(d.sources)
    return out


def earliest_affected(
    con: duckdb.DuckDBPyConnection, source: str, old_fp: str | None, new_fp: str | None
) -> date | None:
    """The earliest as-of date the change of `source` from snapshot `old_fp` to `new_fp` can
    affect: None when it affects none, EVERYTHING when it cannot be bounded."""
    if old_fp == new_fp:
        return None
    if old_fp is None or new_fp is None or not table_exists(con, "source_changes"):
        return EVERYTHING
    earliest: date | None = None
    fp, seen = new_fp, set()
    while fp != old_fp:
        if fp in seen or len(seen) > 10_000:
            return EVERYTHING
        seen.add(fp)
        row = con.execute(
            "SELECT previous_fingerprint, earliest_date, full_change, changed_rows FROM source_changes "
            "WHERE source = ? AND fingerprint = ? ORDER BY recorded_at DESC NULLS LAST LIMIT 1",
            [source, fp],
        ).fetchone()
        if row is None:
            return EVERYTHING  # the transition is not recorded: treat it as a full change
        previous, when, full, changed = row
        if full or previous is None:
            return EVERYTHING
        if when is not None:
            earliest = when if earliest is None else min(earliest, when)
        elif changed:  # rows changed but no date bounds them
            return EVERYTHING
        fp = previous
    if earliest is not None and source in _year_sources():
        earliest = date(earliest.year, 1, 1)
    return earliest


def earliest_for(con, recorded: dict[str, str], current: dict[str, str]) -> date | None:
    """The earliest affected date over every source whose fingerprint differs."""
    bound: date | None = None
    for s in sorted(set(recorded) | set(current)):
        e = earliest_affected(con, s, recorded.get(s), current.get(s))
        if e is not None:
            bound = e if bound is None else min(bound, e)
            if bound == EVERYTHING:
                break
    return bound


@dataclass
class DateSplit:
    """What a step does with the run's dates: recompute them, re-stamp them, or nothing (current)."""

    recompute: list[date] = field(default_factory=list)
    restamp: list[date] = field(default_factory=list)
    current: list[date] = field(default_factory=list)
    earliest: date | None = None  # the earliest affected date when only sources changed


def plan_dates(
    con: duckdb.DuckDBPyConnection, dates: Iterable[date], step: str, inputs: Inputs, today: date
) -> DateSplit:
    """Split the run's dates into current / recompute / re-stamp (module docstring)."""
    ensure_runs_table(con)
    running = date(today.year, today.month, 1)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT as_of, inputs, code, sources FROM indicator_runs WHERE step = ?", [step]
        ).fetchall()
    }
    out = DateSplit()
    bounds: dict[str, date | None] = {}  # one bound per recorded sources value (usually one or two)
    for d in sorted(set(dates)):
        rec = rows.get(d)
        if rec is not None and rec[0] == inputs.fingerprint:
            out.current.append(d)
            continue
        if rec is None or d >= running or rec[1] != inputs.code or rec[2] is None:
            out.recompute.append(d)
            continue
        if rec[2] not in bounds:
            try:
                recorded = json.loads(rec[2])
            except ValueError:
                recorded = None
            bounds[rec[2]] = (
                EVERYTHING if not isinstance(recorded, dict) else earliest_for(con, recorded, inputs.sources)
            )
        bound = bounds[rec[2]]
        if bound is not None and bound != EVERYTHING:
            out.earliest = bound if out.earliest is None else min(out.earliest, bound)
        if bound is not None and d >= bound:
            out.recompute.append(d)
        else:
            out.restamp.append(d)
    return out


def refresh_step(
    con: duckdb.DuckDBPyConnection,
    dates: Iterable[date],
    step: str,
    today: date,
    compute: Callable[[list[date]], int | None],
    restamp: Callable[[list[date]], object] | None = None,
    inputs: Inputs | None = None,
) -> tuple[DateSplit, int]:
    """Recompute what `plan_dates` says (compute(dates) -> rows written), re-stamp the rest
    (restamp(dates): bring columns such as the vintage to what a full recompute writes)."""
    inputs = inputs or Inputs.of(con)
    p = plan_dates(con, dates, step, inputs, today)
    written = int(compute(p.recompute) or 0) if p.recompute else 0
    mark_computed(con, p.recompute, step, inputs)
    if p.restamp:
        if restamp is not None:
            restamp(p.restamp)
        mark_restamped(con, p.restamp, step, inputs)
    return p, written


# --------------------------------------------------------------------------- deriving earliest_date from two versions


def date_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if r[1] == "DATE"]


def earliest_changed_date(
    con: duckdb.DuckDBPyConnection,
    old: str,
    new: str,
    key: Sequence[str],
    ignore: Sequence[str] = ("_source_file", "_row_number", "_snapshot_at", "warnings"),
) -> tuple[date | None, int, bool]:
    """(earliest_date, changed_rows, unbounded) between two versions of a staged table.

    Added or removed rows: the smallest of their dates. Revised rows (same key): the smallest
    old or new value of the date columns that changed; every date of both versions when a
    non-date column changed. `unbounded`: a changed row without any date (a full change).
    Bookkeeping columns (`ignore`) are not compared. Dagster-free; for the staging step that
    writes `source_changes`, and for tests.
    """
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {new}").fetchall() if r[0] not in ignore]
    dates = [c for c in date_columns(con, new) if c not in ignore]
    others = [c for c in cols if c not in dates and c not in key]
    on = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c in key)

    def least(alias: str) -> str:
        return f"least({', '.join(f'{alias}.{c}' for c in dates)})" if dates else "NULL::DATE"

    diff_other = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in others) or "false"
    per_date = [f"CASE WHEN o.{c} IS DISTINCT FROM n.{c} THEN least(o.{c}, n.{c}) END" for c in dates]
    revised_date = f"least({', '.join(per_date)})" if per_date else "NULL::DATE"
    sql = f"""
        WITH j AS (
            SELECT o.{key[0]} IS NULL AS added, n.{key[0]} IS NULL AS removed,
                   ({diff_other}) AS other_changed, {least("o")} AS old_min, {least("n")} AS new_min,
                   {revised_date} AS revised_min,
                   ({" OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in dates) or "false"}) AS date_changed
            FROM (SELECT * FROM {old}) AS o FULL OUTER JOIN (SELECT * FROM {new}) AS n ON {on}
        ),
        changed AS (
            SELECT CASE WHEN added THEN new_min WHEN removed THEN old_min
                        WHEN other_changed THEN least(old_min, new_min) ELSE revised_min END AS d
            FROM j WHERE added OR removed OR other_changed OR date_changed
        )
        SELECT min(d), count(*), count(*) FILTER (WHERE d IS NULL) > 0 FROM changed"""
    when, n, unbounded = con.execute(sql).fetchone()
    return when, int(n), bool(unbounded)
