"""Validate a DataFrame against an expectation suite with GX 1.x.

Each validation uses its own ephemeral GX context (nothing persisted but the Data Docs), a
pandas data source and a whole-dataframe batch definition. The shape rules run once on the
schema frame; the value rules run in groups, each on a frame of just the columns it reads plus
the key (see _validate_groups).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data_docs import write_docs_index
from .failures import SAMPLE_SIZE, ExpectationFailure, QualityResult, jsonable, verdict
from .suites import (
    ERROR,
    POSITION,
    WARN,
    expectation_columns,
    load_suite,
    number_expectations,
    split_suite,
)

# Nightly runs must not phone home; set before GX reads it.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

_GX_SEVERITY = {ERROR: "critical", WARN: "warning"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        elif dt == object:  # noqa: E721 (a numpy dtype equals object, it is not it)
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


_preloading: threading.Thread | None = None


def preload() -> None:
    """Import GX in a background thread (once per process). Importing it takes ~4 s of CPU;
    an ingest step starts this before staging, whose DuckDB work releases the GIL, so the
    import runs on the other core and the step's validation finds GX loaded."""
    global _preloading
    if _preloading is not None or "great_expectations" in sys.modules:
        return

    def load() -> None:
        try:
            import great_expectations  # noqa: F401
            import great_expectations.data_context.types.base  # noqa: F401
        except Exception:  # noqa: BLE001 (the validation imports it again and reports the error)
            pass

    _preloading = threading.Thread(target=load, name="gx-preload", daemon=True)
    _preloading.start()


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
    column = (
        kw.get("column")
        or (f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else None)
        or (", ".join(kw["column_list"]) if kw.get("column_list") else None)
    )
    return ExpectationFailure(
        rule=meta.get("rule") or cfg.type.replace("expect_", "").replace("_", " "),
        expectation=cfg.type,
        column=column,
        severity=meta.get("severity", ERROR),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=res.get("unexpected_percent"),
        observed=res.get("observed_value"),
        sample=jsonable(sample[:SAMPLE_SIZE]),
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
        needed = expectation_columns(exp)
        groups.setdefault(tuple(c for c in available if c in needed), []).append(i)
    return [(list(cols), positions) for cols, positions in groups.items()]


def gx_order(exps: list[dict]) -> list[tuple[int, int]]:
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


def _run_suite(
    ctx,
    batch_def,
    name: str,
    exps: list[dict],
    df: pd.DataFrame,
    suite_meta: dict,
    parameters: dict | None,
    index_cols: list[str],
) -> list[tuple[int, Any]]:
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


def _validate_groups(
    ctx,
    batch_def,
    table: str,
    exps: list[dict],
    df: pd.DataFrame,
    suite_meta: dict,
    parameters: dict | None,
    key: list[str],
) -> list[tuple[Any, list[str]]]:
    """Validate `exps` on `df`, each group of them on a frame of only the columns it reads.

    GX's pandas metrics copy the batch frame again and again (dropping nulls,
    applying the row condition, picking the unexpected rows), so on one wide
    frame the cost grows with width x expectations. Each group's frame holds
    its 1-3 columns plus the key, which the samples of offending rows show.
    Returns [(result, key columns sampled)] in the order one run would list them.
    """
    order = gx_order(exps)
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
        except Exception as e:  # docs are a convenience; never fail a check on them  # noqa: BLE001 (a failure here is reported, never raised)
            log.warning("Data Docs for %s not built: %s", table, e)
    order = {ERROR: 0, WARN: 1}
    failures.sort(key=lambda f: order.get(f.severity, 2))
    return verdict(
        table,
        failures,
        evaluated,
        len(frame),
        docs,
        t0,
        {"row_counts": counts} if counts_for is not None else {},
    )


def _counts_of(result, index_cols: list[str]) -> dict:
    """What a row-level result adds up from: rows considered, missing (None when the
    expectation counts every row), unexpected, and its sample of offending rows."""
    res = result.result or {}
    failure = _failure_from(result, index_cols)
    return {
        "element_count": res.get("element_count"),
        "missing_count": res.get("missing_count"),
        "unexpected_count": res.get("unexpected_count"),
        "raised": _raised(result),
        "sample": failure.sample,
    }


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
