"""Incremental validation: the verdicts of a full validation of a new snapshot from the
table-level rules on the whole table and the row-level rules on the rows that came and went
since the previous snapshot, whose counts are kept (validation_plan.py decides when)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from .failures import SAMPLE_SIZE, ExpectationFailure, QualityResult, verdict
from .gx_validation import gx_order, validate_frames
from .suites import ERROR, POSITION, WARN, number_expectations, row_level_positions, split_suite, sub_suite


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
    witness: pd.DataFrame | None = None,
    witnessed: set[int] = frozenset(),
    rows: int | None = None,
    counted: dict[str, int] | None = None,
) -> QualityResult | None:
    """The verdicts of a full validation of the new snapshot, from: the table-level and shape
    rules on the whole table (`frame`, `schema_frame`), those of them in `witnessed` on their
    `witness` rows of the table's `rows` (witness.py), and the row-level rules on the rows
    that came (`added`) and went (`removed`) since the snapshot whose `previous_counts` they
    had. None when some part could not be evaluated (validate the whole table instead)."""
    return validate_parts(
        table,
        suite,
        parameters,
        {"frame": frame, "schema": schema_frame, "added": added, "removed": removed, "witness": witness},
        set(witnessed) if witness is not None else set(),
        rows,
        counted,
        previous_counts,
        docs_dir,
    )


def validate_with_witnesses(
    table: str,
    suite: dict,
    parameters: dict | None,
    frame: pd.DataFrame,
    schema_frame: pd.DataFrame,
    witness: pd.DataFrame,
    witnessed: set[int],
    rows: int,
    docs_dir: Path | str | None = None,
    counted: dict[str, int] | None = None,
) -> QualityResult | None:
    """A whole validation (every rule's verdict and, for the row-level rules, counts for the
    next incremental run) from: the rules in `witnessed` on their `witness` rows of the table's
    `rows` (witness.py), every other rule on the whole table (`frame`, `schema_frame`). None
    when GX could not evaluate a rule on the witnesses (validate the whole table instead)."""
    return validate_parts(
        table,
        suite,
        parameters,
        {"frame": frame, "schema": schema_frame, "witness": witness},
        set(witnessed),
        rows,
        counted,
        None,
        docs_dir,
    )


def validate_parts(
    table: str,
    suite: dict,
    parameters: dict | None,
    frames: dict[str, pd.DataFrame | None],
    witnessed: set[int],
    rows: int | None,
    counted: dict[str, int] | None,
    previous_counts: dict | None,
    docs_dir: Path | str | None = None,
) -> QualityResult | None:
    """One validation from the parts a plan read (validation_plan.py): the rules in `witnessed`
    on `frames["witness"]`; with `previous_counts` (incremental), the row-level rules from the
    rows that came and went (`frames["added"]`, `frames["removed"]`); every other rule on the
    whole table (`frames["frame"]`, `frames["schema"]`). The verdicts, counts and order of
    GX on the whole table; None when a part could not be evaluated."""
    t0 = time.perf_counter()
    number_expectations(suite)
    frame = frames["frame"]
    rows_pos = row_level_positions(suite)
    incremental = previous_counts is not None
    everything = {e["meta"][POSITION] for e in suite["expectations"]}
    whole = validate_frames(
        table,
        frame,
        sub_suite(suite, everything - witnessed - (rows_pos if incremental else set())),
        parameters,
        schema_frame=frames["schema"],
        docs_dir=docs_dir,
        counts_for=None if incremental else rows_pos - witnessed,
    )
    judged = _judged_on_witnesses(
        table, suite, parameters, frames.get("witness"), witnessed, rows or len(frame), counted
    )
    if judged is None:
        return None
    failures = list(whole.failures) + judged[0]
    if incremental:
        changed = _from_changes(table, suite, parameters, frames["added"], frames["removed"], previous_counts)
        if changed is None:
            return None
        failures += changed[0]
        counts = changed[1]
        extra = {
            "incremental": {
                "added_rows": len(frames["added"]),
                "removed_rows": len(frames["removed"]),
                "witness_rows": len(frames["witness"]) if witnessed else None,
            }
        }
        evaluated = whole.evaluated + len(rows_pos) + len(witnessed)
    else:
        counts = {**whole.extra["row_counts"], **{k: v for k, v in judged[1].items() if int(k) in rows_pos}}
        extra = {"witness_rows": len(frames["witness"]) if witnessed else 0}
        evaluated = whole.evaluated + len(witnessed)
    failures.sort(key=_full_run_order(suite))
    return verdict(
        table, failures, evaluated, rows or len(frame), whole.data_docs, t0, {"row_counts": counts, **extra}
    )


def _from_changes(
    table: str,
    suite: dict,
    parameters: dict | None,
    added: pd.DataFrame,
    removed: pd.DataFrame,
    previous_counts: dict,
) -> tuple[list[ExpectationFailure], dict] | None:
    """(failures, counts) of the row-level rules over the new snapshot: the previous counts minus
    the rows that went plus the rows that came; None when a part was not evaluated."""
    rows_pos = row_level_positions(suite)
    came = _counted(table, added, suite, rows_pos, parameters)
    went = _counted(table, removed, suite, rows_pos, parameters)
    failures: list[ExpectationFailure] = []
    counts = {}
    by_pos = {e["meta"][POSITION]: e for e in suite["expectations"]}
    for pos in sorted(rows_pos):
        k = str(pos)
        exp = by_pos[pos]
        total = _combined(exp, [(1, previous_counts.get(k)), (-1, went.get(k)), (1, came.get(k))])
        if total is None:
            return None
        sample = (
            _sample_without(previous_counts[k].get("sample") or [], went[k].get("sample") or [])
            + list(came[k].get("sample") or [])
        )[:SAMPLE_SIZE]
        counts[k] = {**total, "raised": False, "sample": sample}
        failures += _failed(exp, pos, total, sample)
    return failures, counts


def _judged_on_witnesses(
    table: str,
    suite: dict,
    parameters: dict | None,
    witness: pd.DataFrame | None,
    witnessed: set[int],
    rows: int,
    counted: dict[str, int] | None = None,
) -> tuple[list[ExpectationFailure], dict] | None:
    """(failures, counts over the table by position) of the rules `witnessed`, GX judging the
    `witness` rows of a table of `rows` (witness.py). `counted`: what DuckDB counted over the
    table, "m<position>" the rule's missing rows (its own witnesses leave them out, where another
    rule's may hold some), "e<position>" the rows its row condition keeps. None when GX could
    not evaluate one."""
    counted = counted or {}
    failures: list[ExpectationFailure] = []
    counts: dict = {}
    if not witnessed:
        return failures, counts
    by_pos = {e["meta"][POSITION]: e for e in suite["expectations"]}
    seen = _counted(table, witness, suite, witnessed, parameters)
    for pos in sorted(witnessed):
        c = seen.get(str(pos))
        if c is None or c.get("raised") or c.get("element_count") is None:
            return None
        # every row outside the witnesses is considered, present and expected
        total = {
            "element_count": counted.get(f"e{pos}", int(rows)),
            "missing_count": counted[f"m{pos}"] if f"m{pos}" in counted else c["missing_count"],
            "unexpected_count": c["unexpected_count"],
        }
        sample = list(c.get("sample") or [])[:SAMPLE_SIZE]
        counts[str(pos)] = {**total, "raised": False, "sample": sample}
        failures += _failed(by_pos[pos], pos, total, sample)
    return failures, counts


def _full_run_order(suite: dict):
    """The order of a full run's failures: errors first, shape rules, then value rules as GX lists them."""
    schema_exps, value_exps = split_suite(suite)
    gx_rank = {e["meta"][POSITION]: k for e, k in zip(value_exps, gx_order(value_exps))}
    schema_pos = {e["meta"][POSITION] for e in schema_exps}

    def rank(f: ExpectationFailure):
        pos = f.position if f.position is not None else 10**6
        return (
            {ERROR: 0, WARN: 1}.get(f.severity, 2),
            0 if pos in schema_pos else 1,
            gx_rank.get(pos, (0, pos)),
        )

    return rank


def _counted(table: str, df: pd.DataFrame, suite: dict, positions: set[int], parameters: dict | None) -> dict:
    """GX's counts of the map rules at `positions` over the rows of `df`."""
    if len(df) == 0:  # no rows: nothing considered, nothing unexpected (no GX run needed)
        return {
            str(p): {
                "element_count": 0,
                "missing_count": 0,
                "unexpected_count": 0,
                "raised": False,
                "sample": [],
            }
            for p in positions
        }
    return validate_frames(table, df, sub_suite(suite, positions), parameters, counts_for=positions).extra[
        "row_counts"
    ]


def _failed(exp: dict, pos: int, total: dict, sample: list) -> list[ExpectationFailure]:
    """The failure GX would report for a map rule with these counts over the whole table ([] if it passes)."""
    success, pct = combined_verdict(exp, total)
    if success:
        return []
    kw = exp.get("kwargs", {})
    column = (
        kw.get("column")
        or (f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else None)
        or (", ".join(kw["column_list"]) if kw.get("column_list") else None)
    )
    return [
        ExpectationFailure(
            rule=exp["meta"].get("rule") or exp["type"].replace("expect_", "").replace("_", " "),
            expectation=exp["type"],
            column=column,
            severity=exp["meta"].get("severity", ERROR),
            unexpected_count=total["unexpected_count"],
            unexpected_percent=pct,
            sample=sample,
            position=pos,
        )
    ]
