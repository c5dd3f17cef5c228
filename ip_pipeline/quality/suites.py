"""The expectation suites in `expectations/<table>.json` (plain GX 1.x suite JSON) and what
the project reads from them (expectations/README.md):

- on each expectation: `severity` ("error" blocks the run, "warn" is recorded), `rule` (a short
  sentence naming the rule, used in messages) and `needs` (what a snapshot must have for the
  rule to apply: applicability.py);
- on the suite: `table`, `key` (columns that identify a row, used for the sample of offending
  rows), `derived_columns` (name -> SQL expression over the table, computed by DuckDB before
  validation, for rules that need more than one row), `source` and `min_rows`.

Also which columns each expectation reads, which are about the table's shape, and which add up
row by row (an incremental validation's business: incremental.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..paths import EXPECTATIONS_DIR

ERROR = "error"
WARN = "warn"

# Expectations about the table's shape rather than its values. They are run on
# a zero-row frame of *all* the table's columns (exact types, no data read), so
# the value frame can hold only the columns the value rules need.
SCHEMA_EXPECTATIONS = frozenset(
    {
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_column_to_exist",
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
    }
)


def suite_path(table: str, directory: Path | None = None) -> Path:
    return Path(directory or EXPECTATIONS_DIR) / f"{table}.json"


def load_suite(table: str, directory: Path | None = None) -> dict:
    """The suite JSON of a table, as a dict (validated when it is run)."""
    path = suite_path(table, directory)
    with open(path, encoding="utf-8") as f:
        suite = json.load(f)
    suite.setdefault("name", table)
    suite.setdefault("meta", {})
    suite["meta"].setdefault("table", table)
    for exp in suite.get("expectations", []):
        exp.setdefault("meta", {})
        sev = str(exp["meta"].get("severity", ERROR)).lower()
        if sev not in (ERROR, WARN):
            raise ValueError(f"{path}: severity must be 'error' or 'warn', got {sev!r} on {exp['type']}")
        exp["meta"]["severity"] = sev
    return suite


def suite_text(table: str, directory: Path | None = None) -> str:
    return suite_path(table, directory).read_text(encoding="utf-8")


def list_suites(directory: Path | None = None, prefix: str = "stg_") -> list[str]:
    return sorted(p.stem for p in Path(directory or EXPECTATIONS_DIR).glob(f"{prefix}*.json"))


def _walk_parameters(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            out.add(value["$PARAMETER"])
        for v in value.values():
            _walk_parameters(v, out)
    elif isinstance(value, list):
        for v in value:
            _walk_parameters(v, out)


def suite_parameters(suite: dict) -> set[str]:
    """Names of the run-time parameters (`{"$PARAMETER": name}`) the suite uses."""
    out: set[str] = set()
    for exp in suite.get("expectations", []):
        _walk_parameters(exp.get("kwargs", {}), out)
    return out


def expectation_columns(exp: dict) -> set[str]:
    kw = exp.get("kwargs", {})
    cols: set[str] = set()
    for k in ("column", "column_A", "column_B"):
        if isinstance(kw.get(k), str):
            cols.add(kw[k])
    for k in ("column_list",):
        if isinstance(kw.get(k), list):
            cols.update(c for c in kw[k] if isinstance(c, str))
    cond = kw.get("row_condition")
    if isinstance(cond, str):
        # pandas row conditions name columns as bare identifiers
        cols.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond))
    return cols


POSITION = "_position"  # an expectation's place in its suite file, kept in sub-suites (incremental runs)


def number_expectations(suite: dict) -> dict:
    for i, exp in enumerate(suite.get("expectations", [])):
        exp.setdefault("meta", {}).setdefault(POSITION, i)
    return suite


def sub_suite(suite: dict, keep) -> dict:
    """The suite with only the expectations at positions `keep` (numbering kept)."""
    number_expectations(suite)
    keep = set(keep)
    return {**suite, "expectations": [e for e in suite["expectations"] if e["meta"][POSITION] in keep]}


# Row-level ("map") expectations: each row passes or fails on its own, so their counts over a
# table are sums over its rows: a new snapshot's counts are the previous ones minus the rows that
# went plus the rows that came. Uniqueness is a map expectation in GX, but a row's verdict
# depends on the others: table-level, like counts, aggregates and distinct sets.
_ROW_LEVEL_PREFIXES = (
    "expect_column_values_to_",
    "expect_column_pair_values_",
    "expect_multicolumn_values_to_",
    "expect_select_column_values_to_be_unique_within_record",
)
_NOT_ROW_LEVEL = {"expect_column_values_to_be_unique"}
# Derived columns that read other rows, other tables or the clock cannot be judged row by row.
_NOT_ROW_LOCAL = re.compile(
    r"\bover\b|\bselect\b|\bfrom\b|current_date|current_timestamp|\bnow\s*\(|\btoday\s*\(", re.IGNORECASE
)
# Parameters that stay fixed for a table's incremental chain (they are part of its base key).
STABLE_ROW_PARAMETERS = frozenset({"district_codes", "reporting_units"})
MOVING_COLUMNS = frozenset({"_source_file", "_row_number", "_snapshot_at"})


def row_level_positions(suite: dict) -> set[int]:
    """Positions of the expectations whose verdict over a table adds up row by row."""
    number_expectations(suite)
    derived = suite["meta"].get("derived_columns", {})
    out = set()
    for exp in suite.get("expectations", []):
        t = exp["type"]
        if t in SCHEMA_EXPECTATIONS or t in _NOT_ROW_LEVEL or not t.startswith(_ROW_LEVEL_PREFIXES):
            continue
        params: set[str] = set()
        _walk_parameters(exp.get("kwargs", {}), params)
        if params - STABLE_ROW_PARAMETERS:
            continue  # `today` moves: a row's verdict may change without the row changing
        cols = expectation_columns(exp)
        if cols & MOVING_COLUMNS or any(c in derived and _NOT_ROW_LOCAL.search(derived[c]) for c in cols):
            continue
        if isinstance(exp.get("kwargs", {}).get("mostly"), dict):
            continue
        out.add(exp["meta"][POSITION])
    return out


def split_suite(suite: dict) -> tuple[list[dict], list[dict]]:
    """(schema expectations, value expectations)."""
    exps = suite.get("expectations", [])
    return (
        [e for e in exps if e["type"] in SCHEMA_EXPECTATIONS],
        [e for e in exps if e["type"] not in SCHEMA_EXPECTATIONS],
    )


# GX's map expectations: their results list offending rows, sampled by the suite's key.
_MAP_PREFIXES = (
    "expect_column_values_to_",
    "expect_column_pair_values_",
    "expect_multicolumn_",
    "expect_compound_columns_",
    "expect_select_column_values_",
)


def value_columns(suite: dict, available: Iterable[str]) -> list[str]:
    """The table columns the value expectations need (plus the key, for the samples of the map
    rules: a frame for row counts and aggregates alone need not carry a key string per row)."""
    available = list(available)
    derived = set(suite["meta"].get("derived_columns", {}))
    values = split_suite(suite)[1]
    wanted: set[str] = (
        set(suite["meta"].get("key", []))
        if any(e["type"].startswith(_MAP_PREFIXES) for e in values)
        else set()
    )
    for exp in values:
        wanted |= expectation_columns(exp)
    return [c for c in available if c in wanted and c not in derived]


def derived_columns_needed(suite: dict) -> dict[str, str]:
    derived = suite["meta"].get("derived_columns", {})
    wanted: set[str] = set()
    for exp in split_suite(suite)[1]:
        wanted |= expectation_columns(exp)
    return {name: expr for name, expr in derived.items() if name in wanted}
