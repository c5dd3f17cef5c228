"""Compare indicator_values from the pipeline (warehouse), the floor and the pandas peer.

Rows match on (indicator_id, as_of, district_code); values agree when both are
NULL or |a − b| <= 1e-9 · max(|a|, |b|); units must be equal.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

REL = 1e-9


def pipeline_values(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, as_of, district_code, value, unit FROM indicator_values"
        ).fetchall()
    finally:
        con.close()
    return {(i, d, u): (v, unit) for i, d, u, v, unit in rows}


def file_values(path: Path) -> dict:
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT indicator_id, CAST(as_of AS DATE), district_code, value, unit FROM read_parquet(?)",
            [str(path)],
        ).fetchall()
    finally:
        con.close()
    return {(i, d, u): (v, unit) for i, d, u, v, unit in rows}


def _same(a, b) -> bool:
    if (
        a is None
        or b is None
        or (isinstance(a, float) and math.isnan(a))
        or (isinstance(b, float) and math.isnan(b))
    ):
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) <= REL * max(abs(a), abs(b)) or a == b


def differences(reference: dict, other: dict, ref_name: str, other_name: str, limit: int = 50) -> list[str]:
    out = []
    for k in sorted(set(reference) | set(other), key=lambda k: (k[0], k[1], k[2])):
        a, b = reference.get(k), other.get(k)
        where = f"{k[0]} {k[1]} {k[2]}"
        if a is None:
            out.append(f"{where}: only in {other_name} (value {b[0]!r})")
        elif b is None:
            out.append(f"{where}: only in {ref_name} (value {a[0]!r})")
        elif not _same(a[0], b[0]):
            out.append(f"{where}: {ref_name} {a[0]!r} vs {other_name} {b[0]!r}")
        elif a[1] != b[1]:
            out.append(f"{where}: unit {ref_name} {a[1]!r} vs {other_name} {b[1]!r}")
    return out


def summarise(diffs: list[str], limit: int = 40) -> str:
    head = diffs[:limit]
    more = f"\n  … and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return "\n".join("  " + d for d in head) + more
