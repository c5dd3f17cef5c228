"""Validate a DataFrame against an expectation suite kept as JSON (GX 1.x).

The suites in `expectations/<table>.json` are plain GX 1.x suite JSON; the
project adds a few keys to `meta` (see expectations/README.md):

- on each expectation: `severity` ("error" blocks the run, "warn" is recorded)
  and `rule` (a short sentence naming the rule, used in messages);
- on the suite: `table`, `key` (columns that identify a row, used for the
  sample of offending rows), `derived_columns` (name -> SQL expression over the
  table, computed by DuckDB before validation, for rules that need more than one
  row), `snapshot_sources` and `min_rows`.

Each validation uses its own ephemeral GX context (nothing persisted but the
Data Docs), a pandas data source and a whole-dataframe batch definition. The
shape rules run once on the schema frame; the value rules run in groups, each
on a frame of just the columns it reads plus the key (see _validate_groups).
"""
from __future__ import annotations

import html
import json
import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..paths import EXPECTATIONS_DIR

# Nightly runs must not phone home; set before GX reads it.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

ERROR = "error"
WARN = "warn"
_GX_SEVERITY = {ERROR: "critical", WARN: "warning"}

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

SAMPLE_SIZE = 10
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- suites


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


def _expectation_columns(exp: dict) -> set[str]:
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
_ROW_LEVEL_PREFIXES = ("expect_column_values_to_", "expect_column_pair_values_",
                       "expect_multicolumn_values_to_", "expect_select_column_values_to_be_unique_within_record")
_NOT_ROW_LEVEL = {"expect_column_values_to_be_unique"}
# Derived columns that read other rows, other tables or the clock cannot be judged row by row.
_NOT_ROW_LOCAL = re.compile(r"\bover\b|\bselect\b|\bfrom\b|current_date|current_timestamp|\bnow\s*\(|\btoday\s*\(",
                            re.IGNORECASE)
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
        cols = _expectation_columns(exp)
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


def value_columns(suite: dict, available: Iterable[str]) -> list[str]:
    """The table columns the value expectations need (plus the key, for samples)."""
    available = list(available)
    derived = set(suite["meta"].get("derived_columns", {}))
    wanted: set[str] = set(suite["meta"].get("key", []))
    for exp in split_suite(suite)[1]:
        wanted |= _expectation_columns(exp)
    return [c for c in available if c in wanted and c not in derived]


def derived_columns_needed(suite: dict) -> dict[str, str]:
    derived = suite["meta"].get("derived_columns", {})
    wanted: set[str] = set()
    for exp in split_suite(suite)[1]:
        wanted |= _expectation_columns(exp)
    return {name: expr for name, expr in derived.items() if name in wanted}


# --------------------------------------------------------------------------- results


@dataclass
class ExpectationFailure:
    rule: str
    expectation: str
    column: str | None
    severity: str
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed: Any = None
    sample: list = field(default_factory=list)
    error: str | None = None
    position: int | None = None  # its place in the suite file (not stored: the rule names it)

    def describe(self) -> str:
        what = f"{self.expectation}" + (f" on {self.column}" if self.column else "")
        parts = [f"'{self.rule}' ({what})"]
        if self.error:
            parts.append(f"could not be evaluated: {self.error}")
        elif self.unexpected_count is not None:
            pct = f" ({self.unexpected_percent:.2f}%)" if self.unexpected_percent is not None else ""
            parts.append(f"{self.unexpected_count} unexpected rows{pct}")
        elif self.observed is not None:
            parts.append(f"observed {_short(self.observed)}")
        if self.sample:
            parts.append(f"e.g. {_examples(self.sample[:3])}")
        return ": ".join(parts[:1]) + (" — " + "; ".join(parts[1:]) if parts[1:] else "")

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "expectation": self.expectation,
            "column": self.column,
            "severity": self.severity,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "observed": _jsonable(self.observed),
            "sample": _jsonable(self.sample),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ExpectationFailure":
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__ if k != "position"})


@dataclass
class QualityResult:
    """The outcome of validating one table against its suite."""

    table: str
    passed: bool  # no failed error-severity expectation
    failures: list[ExpectationFailure]
    evaluated: int
    rows: int | None
    message: str
    data_docs: str | None = None
    duration_s: float = 0.0
    skipped: bool = False
    cache_key: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[ExpectationFailure]:
        return [f for f in self.failures if f.severity == ERROR]

    @property
    def warnings(self) -> list[ExpectationFailure]:
        return [f for f in self.failures if f.severity == WARN]

    @property
    def not_applicable(self) -> list[dict]:
        """Expectations left out for this snapshot (their meta.needs unmet: applicability.py)."""
        return list((self.extra or {}).get("not_applicable") or [])

    @property
    def severity(self) -> str:
        """'ERROR' when an error rule failed, 'WARN' when only warn rules did, else 'OK'."""
        return "ERROR" if self.errors else ("WARN" if self.warnings else "OK")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _examples(sample: Any, limit: int = 300) -> str:
    """Offending values in words for a message: a row as `column value` pairs, rows by `;`
    (the Dagster metadata shows the full sample as a table)."""
    if not isinstance(sample, list):
        return _short(sample, limit)
    parts = [", ".join(f"{k} {v}" for k, v in _jsonable(s).items()) if isinstance(s, dict)
             else _short(s, limit) for s in sample]
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(_jsonable(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_message(table: str, failures: list[ExpectationFailure], rows: int | None, evaluated: int) -> str:
    errors = [f for f in failures if f.severity == ERROR]
    warns = [f for f in failures if f.severity == WARN]
    size = f"{rows:,} rows" if rows is not None else "the table"
    if not failures:
        return f"{table}: all {evaluated} expectations passed on {size}."
    head = (
        f"{table} FAILED {len(errors)} blocking rule(s) on {size}"
        if errors
        else f"{table} passed its blocking rules on {size} but {len(warns)} warning rule(s) failed"
    )
    details = "; ".join(f.describe() for f in (errors + warns)[:6])
    more = f"; and {len(failures) - 6} more" if len(failures) > 6 else ""
    tail = " Downstream assets are stopped until the data or the suite is fixed." if errors else ""
    return f"{head}: {details}{more}.{tail}"


# --------------------------------------------------------------------------- validation


def _first_valid(s: pd.Series) -> Any:
    """The first non-null value, looking at the head before the whole column
    (a null scan of 2 M strings takes 50 ms)."""
    for part in (s.iloc[:1000], s):
        valid = np.flatnonzero(part.notna().to_numpy())
        if len(valid):
            return part.iloc[valid[0]]
    return None


def _normalise_for_gx(df: pd.DataFrame) -> pd.DataFrame:
    """Dtypes GX's pandas metrics handle vectorised (and correctly for dates).

    GX compares dates with string bounds only for datetime64[ns], and runs a
    per-value Python function for int32 and nullable integers.
    """
    out = {}
    for col in df.columns:
        s = df[col]
        dt = s.dtype
        if pd.api.types.is_datetime64_any_dtype(dt) and str(dt) != "datetime64[ns]":
            out[col] = s.astype("datetime64[ns]")
        elif isinstance(dt, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(dt):
            out[col] = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif pd.api.types.is_integer_dtype(dt) and str(dt) != "int64":
            out[col] = s.astype("int64")
        elif isinstance(dt, pd.api.extensions.ExtensionDtype) and pd.api.types.is_float_dtype(dt):
            out[col] = s.astype("float64")
        elif dt == object:
            if isinstance(_first_valid(s), np.ndarray):
                # DuckDB lists arrive as numpy arrays; GX's type rules know "list".
                out[col] = s.map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    if out:
        # A shallow copy with the converted columns swapped in: `assign` would
        # deep-copy every other column too (~0.2 s on 2 M trademarks), and
        # nothing downstream writes into the frame.
        df = df.copy(deep=False)
        for col, converted in out.items():
            df[col] = converted
    return df


def _gx_expectation(exp: dict) -> dict:
    """The JSON expectation as GX takes it; meta.severity mirrored in GX's own field."""
    e = {k: v for k, v in exp.items() if k in ("type", "kwargs", "meta", "notes", "description")}
    e["severity"] = _GX_SEVERITY[exp["meta"]["severity"]]
    # GX turns "YYYY-MM-DD" bounds into datetime.date, which pandas will not
    # compare with datetime64; "YYYY-MM-DDT00:00:00" becomes a datetime, which it does.
    kwargs = dict(e.get("kwargs", {}))
    for k in ("min_value", "max_value"):
        if isinstance(kwargs.get(k), str) and _ISO_DATE.match(kwargs[k]):
            kwargs[k] = kwargs[k] + "T00:00:00"
    e["kwargs"] = kwargs
    return e


def _context(table: str, docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        # One site per table: GX's index builder removes pages whose results are
        # not in the (ephemeral) store, so a shared site would lose other tables.
        sites[table] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir) / table),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _failure_from(result, key: list[str]) -> ExpectationFailure:
    cfg = result.expectation_config
    meta = cfg.meta or {}
    kw = cfg.kwargs or {}
    res = result.result or {}
    exc = result.exception_info or {}
    err = None
    if isinstance(exc, dict):
        if exc.get("raised_exception"):
            err = exc.get("exception_message")
        else:  # GX nests per-metric exception dicts
            for v in exc.values():
                if isinstance(v, dict) and v.get("raised_exception"):
                    err = v.get("exception_message")
                    break
    sample = res.get("partial_unexpected_index_list") or []
    if sample and not isinstance(sample[0], dict):
        sample = res.get("partial_unexpected_list") or []
    if not sample and res.get("partial_unexpected_list"):
        sample = res["partial_unexpected_list"]
    if not sample and res.get("partial_missing_list"):
        sample = [{"missing": v} for v in res["partial_missing_list"]]
    column = kw.get("column") or (
        f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else None
    ) or (", ".join(kw["column_list"]) if kw.get("column_list") else None)
    return ExpectationFailure(
        rule=meta.get("rule") or cfg.type.replace("expect_", "").replace("_", " "),
        expectation=cfg.type,
        column=column,
        severity=meta.get("severity", ERROR),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=res.get("unexpected_percent"),
        observed=res.get("observed_value"),
        sample=_jsonable(sample[:SAMPLE_SIZE]),
        error=err,
        position=meta.get(POSITION),
    )


def column_groups(exps: list[dict], available: Iterable[str]) -> list[tuple[list[str], list[int]]]:
    """The expectations grouped by the frame columns they read: [(columns, positions in exps)].

    Table-level expectations (row count) read no column and form their own group.
    """
    available = list(available)
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, exp in enumerate(exps):
        needed = _expectation_columns(exp)
        groups.setdefault(tuple(c for c in available if c in needed), []).append(i)
    return [(list(cols), positions) for cols, positions in groups.items()]


def _gx_order(exps: list[dict]) -> list[tuple[int, int]]:
    """Per expectation, a sort key for the order in which one GX run of `exps` lists results.

    GX evaluates a suite grouped by each expectation's `column`, the groups in
    order of first appearance, the expectations without a column forming one
    group (Validator.process_expectations_for_validation).
    """
    first: dict[str | None, int] = {}
    keys = []
    for i, exp in enumerate(exps):
        column = exp.get("kwargs", {}).get("column")
        keys.append((first.setdefault(column if isinstance(column, str) else None, len(first)), i))
    return keys


def _raised(result) -> bool:
    """Whether GX could not evaluate the expectation (exception_info is flat or per metric)."""
    exc = result.exception_info or {}
    return bool(exc.get("raised_exception")) or any(
        isinstance(v, dict) and v.get("raised_exception") for v in exc.values()
    )


@contextmanager
def _without_batch_fingerprint():
    """Skip GX's md5 of each pandas batch while the block runs.

    GX hashes every batch under 1 GB into the batch marker
    `pandas_data_fingerprint`, which nothing reads. Hashing 2 M distinct key
    strings takes ~2 s, paid again by every column group (each carries the key
    for its samples): more than the validation itself. GX already skips it for
    larger frames; here the snapshot fingerprint identifies the data. The knob
    is module-wide: fine while checks validate one at a time per process.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    saved = getattr(engine, "HASH_THRESHOLD", None)
    if saved is None:  # a GX without the knob: validate as is, only slower
        yield
        return
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


def _result_format(index_cols: list[str]) -> dict:
    fmt: dict = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": SAMPLE_SIZE,
        # SUMMARY does not report the unexpected-index query (a filter naming
        # every offending row), but GX builds it unless told not to.
        "return_unexpected_index_query": False,
    }
    if index_cols:
        fmt["unexpected_index_column_names"] = index_cols
    return fmt


def _run_suite(ctx, batch_def, name: str, exps: list[dict], df: pd.DataFrame, suite_meta: dict,
               parameters: dict | None, index_cols: list[str]) -> list[tuple[int, Any]]:
    """Validate `df` against `exps` as one GX suite: [(position in exps, result)] in GX's order."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    gx_suite = ctx.suites.add(
        ExpectationSuite(name=name, expectations=[_gx_expectation(e) for e in exps], meta=suite_meta)
    )
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch_def, suite=gx_suite))
    res = vd.run(
        batch_parameters={"dataframe": df},
        expectation_parameters=dict(parameters or {}),
        result_format=_result_format(index_cols),
    )
    position = {e.id: i for i, e in enumerate(gx_suite.expectations)}
    return [(position[r.expectation_config.id], r) for r in res.results]


def _validate_groups(ctx, batch_def, table: str, exps: list[dict], df: pd.DataFrame, suite_meta: dict,
                     parameters: dict | None, key: list[str]) -> list[tuple[Any, list[str]]]:
    """Validate `exps` on `df`, each group of them on a frame of only the columns it reads.

    GX's pandas metrics copy the batch frame again and again (dropping nulls,
    applying the row condition, picking the unexpected rows), so on one wide
    frame the cost grows with width x expectations. Each group's frame holds
    its 1-3 columns plus the key, which the samples of offending rows show.
    Returns [(result, key columns sampled)] in the order one run would list them.
    """
    order = _gx_order(exps)
    found = []
    for i, (cols, positions) in enumerate(column_groups(exps, df.columns)):
        group = df[[c for c in df.columns if c in cols or c in key]]
        index_cols = [c for c in key if c in group.columns]
        # The name is the Data Docs page of the group (GX turns "." into "/").
        name = f"{table}.{i:02d}-{'+'.join(cols) or 'table'}"[:100]
        results = _run_suite(
            ctx, batch_def, name, [exps[p] for p in positions], group, suite_meta, parameters, index_cols
        )
        found += [(positions[j], r, index_cols) for j, r in results]
    # One run lists first the expectations it could not evaluate.
    found.sort(key=lambda t: (not _raised(t[1]), order[t[0]]))
    return [(r, index_cols) for _, r, index_cols in found]


def validate_frames(
    table: str,
    frame: pd.DataFrame,
    suite: dict,
    parameters: dict | None = None,
    schema_frame: pd.DataFrame | None = None,
    docs_dir: Path | str | None = None,
    counts_for: set[int] | None = None,
) -> QualityResult:
    """Validate `frame` (value rules) and `schema_frame` (shape rules) against `suite`.

    `counts_for`: positions of row-level expectations whose counts (rows considered, missing,
    unexpected, a sample) go into `extra["row_counts"]`, for an incremental run to add up.

    `schema_frame` defaults to `frame`; pass a zero-row frame of every table
    column to check presence and types without reading the data.
    """
    t0 = time.perf_counter()
    number_expectations(suite)
    docs_dir = Path(docs_dir) if docs_dir is not None else None
    key = list(suite["meta"].get("key", []))
    schema_exps, value_exps = split_suite(suite)
    ctx = _context(table, docs_dir)
    asset = ctx.data_sources.add_pandas(f"{table}_source").add_dataframe_asset(table)
    # A whole-dataframe batch definition takes the frame as a batch parameter,
    # so this one serves the schema run and every column group.
    batch_def = asset.add_batch_definition_whole_dataframe("whole_table")

    outcomes: list[tuple[Any, list[str]]] = []  # (GX result, key columns its sample shows)
    with _without_batch_fingerprint():
        if schema_exps:
            df = _normalise_for_gx(schema_frame if schema_frame is not None else frame)
            index_cols = [c for c in key if c in df.columns]
            found = _run_suite(
                ctx, batch_def, f"{table}.schema", schema_exps, df, suite["meta"], parameters, index_cols
            )
            outcomes += [(r, index_cols) for _, r in found]
        if value_exps:
            outcomes += _validate_groups(
                ctx, batch_def, table, value_exps, _normalise_for_gx(frame), suite["meta"], parameters, key
            )
    failures = [_failure_from(r, index_cols) for r, index_cols in outcomes if not r.success]
    evaluated = len(outcomes)
    counts = {}
    for r, index_cols in outcomes:
        pos = (r.expectation_config.meta or {}).get(POSITION)
        if counts_for is not None and pos in counts_for:
            counts[str(pos)] = _counts_of(r, index_cols)

    docs = None
    if docs_dir is not None:
        try:
            urls = ctx.build_data_docs(site_names=[table])
            docs = str(Path(docs_dir) / table / "index.html") if urls else None
            write_docs_index(docs_dir)
        except Exception as e:  # docs are a convenience; never fail a check on them
            log.warning("Data Docs for %s not built: %s", table, e)
    order = {ERROR: 0, WARN: 1}
    failures.sort(key=lambda f: order.get(f.severity, 2))
    return _verdict(table, failures, evaluated, len(frame), docs, t0,
                    {"row_counts": counts} if counts_for is not None else {})


def _verdict(table: str, failures: list, evaluated: int, rows: int, docs: str | None, t0: float,
             extra: dict) -> QualityResult:
    """A validation's result: failed if any ERROR expectation failed (a full and an incremental
    validation say it the same way)."""
    return QualityResult(
        table=table,
        passed=not any(f.severity == ERROR for f in failures),
        failures=failures,
        evaluated=evaluated,
        rows=rows,
        message=build_message(table, failures, rows, evaluated),
        data_docs=docs,
        duration_s=round(time.perf_counter() - t0, 3),
        extra=extra,
    )


def _counts_of(result, index_cols: list[str]) -> dict:
    """What a row-level result adds up from: rows considered, missing (None when the
    expectation counts every row), unexpected, and its sample of offending rows."""
    res = result.result or {}
    failure = _failure_from(result, index_cols)
    return {"element_count": res.get("element_count"), "missing_count": res.get("missing_count"),
            "unexpected_count": res.get("unexpected_count"), "raised": _raised(result),
            "sample": failure.sample}


def _combined(exp: dict, parts: list[tuple[int, dict]]) -> dict | None:
    """Counts over the whole table from signed parts [(+1 | -1, counts)]: None when a part was
    not evaluated (the caller then validates the whole table)."""
    if any(c is None or c.get("raised") or c.get("element_count") is None for _, c in parts):
        return None
    total = {"element_count": 0, "missing_count": 0, "unexpected_count": 0}
    has_missing = all(c.get("missing_count") is not None for _, c in parts)
    has_unexpected = all(c.get("unexpected_count") is not None for _, c in parts)
    for sign, c in parts:
        total["element_count"] += sign * int(c["element_count"])
        if has_missing:
            total["missing_count"] += sign * int(c["missing_count"])
        if has_unexpected:
            total["unexpected_count"] += sign * int(c["unexpected_count"])
    if not has_missing:
        total["missing_count"] = None
    if not has_unexpected:
        total["unexpected_count"] = None
    return total


def combined_verdict(exp: dict, total: dict) -> tuple[bool, float | None]:
    """(success, unexpected_percent) as GX decides them for a map expectation from its counts
    (ColumnMapExpectation._validate, _mostly_success, _format_map_output)."""
    e, m, u = total["element_count"], total["missing_count"], total["unexpected_count"]
    nonnull = e - m if m is not None else e
    mostly = float(exp.get("kwargs", {}).get("mostly", 1))
    if u is None or e == 0 or nonnull == 0:
        success = True
    else:
        success = (nonnull - u) / nonnull >= mostly
    pct = None
    if u is not None and e > 0:
        pct = (u / nonnull * 100 if nonnull > 0 else None) if m is not None else u / e * 100
    return success, pct


def _sample_without(sample: list, removed: list) -> list:
    gone = [json.dumps(x, sort_keys=True, default=str) for x in removed]
    out = []
    for x in sample:
        k = json.dumps(x, sort_keys=True, default=str)
        if k in gone:
            gone.remove(k)
            continue
        out.append(x)
    return out


def validate_incremental(
    table: str,
    suite: dict,
    parameters: dict | None,
    frame: pd.DataFrame,
    schema_frame: pd.DataFrame,
    added: pd.DataFrame,
    removed: pd.DataFrame,
    previous_counts: dict,
    docs_dir: Path | str | None = None,
) -> QualityResult | None:
    """The verdicts of a full validation of the new snapshot, from: the table-level and shape
    rules on the whole table (`frame`, `schema_frame`), and the row-level rules on the rows
    that came (`added`) and went (`removed`) since the snapshot whose `previous_counts` they
    had. None when some part could not be evaluated (validate the whole table instead)."""
    t0 = time.perf_counter()
    number_expectations(suite)
    rows_pos = row_level_positions(suite)
    everything = [e["meta"][POSITION] for e in suite["expectations"]]
    whole = validate_frames(table, frame, sub_suite(suite, set(everything) - rows_pos), parameters,
                            schema_frame=schema_frame, docs_dir=docs_dir)
    row_suite = sub_suite(suite, rows_pos)

    def counted(df: pd.DataFrame) -> dict:
        if len(df) == 0:  # no rows: nothing considered, nothing unexpected (no GX run needed)
            return {str(p): {"element_count": 0, "missing_count": 0, "unexpected_count": 0, "raised": False,
                             "sample": []} for p in rows_pos}
        return validate_frames(table, df, row_suite, parameters, counts_for=rows_pos).extra["row_counts"]

    came, went = counted(added), counted(removed)
    failures = list(whole.failures)
    counts = {}
    by_pos = {e["meta"][POSITION]: e for e in suite["expectations"]}
    for pos in sorted(rows_pos):
        k = str(pos)
        exp = by_pos[pos]
        total = _combined(exp, [(1, previous_counts.get(k)), (-1, went.get(k)), (1, came.get(k))])
        if total is None:
            return None
        success, pct = combined_verdict(exp, total)
        sample = (_sample_without(previous_counts[k].get("sample") or [], went[k].get("sample") or [])
                  + list(came[k].get("sample") or []))[:SAMPLE_SIZE]
        counts[k] = {**total, "raised": False, "sample": sample}
        if not success:
            kw = exp.get("kwargs", {})
            column = kw.get("column") or (
                f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else None
            ) or (", ".join(kw["column_list"]) if kw.get("column_list") else None)
            failures.append(ExpectationFailure(
                rule=exp["meta"].get("rule") or exp["type"].replace("expect_", "").replace("_", " "),
                expectation=exp["type"], column=column, severity=exp["meta"].get("severity", ERROR),
                unexpected_count=total["unexpected_count"], unexpected_percent=pct, sample=sample,
                position=pos))
    # the order of a full run: shape rules, then value rules as GX lists them, errors first
    _, value_exps = split_suite(suite)
    gx_rank = {e["meta"][POSITION]: k for e, k in zip(value_exps, _gx_order(value_exps))}
    schema_pos = {e["meta"][POSITION] for e in split_suite(suite)[0]}

    def rank(f: ExpectationFailure):
        pos = f.position if f.position is not None else 10**6
        return ({ERROR: 0, WARN: 1}.get(f.severity, 2), 0 if pos in schema_pos else 1, gx_rank.get(pos, (0, pos)))

    failures.sort(key=rank)
    evaluated = whole.evaluated + len(rows_pos)
    return _verdict(table, failures, evaluated, len(frame), whole.data_docs, t0,
                    {"row_counts": counts, "incremental": {"added_rows": len(added), "removed_rows": len(removed)}})


def validate_dataframe(
    table: str,
    df: pd.DataFrame,
    parameters: dict | None = None,
    suite: dict | None = None,
    docs_dir: Path | str | None = None,
    schema_frame: pd.DataFrame | None = None,
) -> QualityResult:
    """Validate a DataFrame against `expectations/<table>.json` (or `suite`)."""
    return validate_frames(
        table, df, suite or load_suite(table), parameters, schema_frame=schema_frame, docs_dir=docs_dir
    )


def write_docs_index(docs_dir: Path | str) -> Path:
    """A small top page linking each table's Data Docs site."""
    docs_dir = Path(docs_dir)
    links = "\n".join(
        f'<li><a href="{html.escape(p.name)}/index.html">{html.escape(p.name)}</a></li>'
        for p in sorted(docs_dir.iterdir())
        if p.is_dir() and (p / "index.html").exists()
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Data quality — Data Docs</title>"
        f"<h1>Great Expectations Data Docs, one site per table</h1><ul>{links}</ul>"
    )
    target = docs_dir / "index.html"
    tmp = docs_dir / f".index.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
