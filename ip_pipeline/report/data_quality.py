"""What the report's data-quality page reads: each source's latest snapshot and quarantine reasons
(only the reason and a count leave a quarantine table: its rows may hold personal columns), and the
latest outcome of each quality check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from ..db import column_names
from ..ingest.empty_sources import empty_sources
from ..paths import SOURCES_DIR
from ..quality.warehouse_io import check_outcome
from .frames import is_na
from .queries import first_line


def has_no_data(source_row: dict[str, Any]) -> bool:
    """An empty source (ingest/empty_sources.py: no published snapshot ever had a row): no data
    yet, and its indicators are no_data. A source that had data and now has none is not one."""
    return bool(source_row.get("no_data"))


def source_titles() -> dict[str, dict[str, str]]:
    out = {}
    for f in sorted(Path(SOURCES_DIR).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        name = doc.get("name", f.stem)
        out[name] = {
            "zh": doc.get("title_zh", name),
            "en": doc.get("title_en", name),
            "cadence_days": doc.get("cadence_days"),
        }
    return out


SOURCE_COLUMNS = [
    "source",
    "title_zh",
    "title_en",
    "cadence_days",
    "snapshot_at",
    "raw_rows",
    "staged_rows",
    "duplicate_rows",
    "quarantined_rows",
    "top_reasons",
    "no_data",
]


def read_sources(con, tables, notes) -> pd.DataFrame:
    titles = source_titles()
    rows: dict[str, dict[str, Any]] = {}
    if "source_snapshots" in tables:
        try:
            snap = con.execute(
                "SELECT source, snapshot_at, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
                "FROM source_snapshots ORDER BY source"
            ).df()
            for r in snap.to_dict("records"):
                rows[r["source"]] = r
        except duckdb.Error as exc:
            notes.append(("notes.table_unreadable", {"table": "source_snapshots", "error": first_line(exc)}))
    for t in sorted(tables):
        if t.startswith("quarantine_"):
            rows.setdefault(t[len("quarantine_") :], {"source": t[len("quarantine_") :]})
    if rows:  # every source of the contracts is listed, one never loaded as having no data yet
        for name in titles:
            rows.setdefault(name, {"source": name})
    empty = empty_sources(con, rows)
    for name, r in rows.items():
        meta = titles.get(name, {"zh": name, "en": name, "cadence_days": None})
        r.update(
            title_zh=meta["zh"],
            title_en=meta["en"],
            cadence_days=meta["cadence_days"],
            top_reasons=[],
            no_data=name in empty,
        )
        table = f"quarantine_{name}"
        if table in tables and "reason" in column_names(con, table):
            # Only the reason and a count: quarantined rows may hold personal columns.
            reasons = con.execute(
                f'SELECT reason, count(*) AS n FROM "{table}" GROUP BY reason ORDER BY n DESC, reason LIMIT 10'
            ).fetchall()
            r["top_reasons"] = [(str(reason), int(n)) for reason, n in reasons]
            if is_na(r.get("quarantined_rows")):
                r["quarantined_rows"] = sum(n for _, n in reasons)
    df = pd.DataFrame(list(rows.values()), columns=SOURCE_COLUMNS)
    return df.sort_values("source").reset_index(drop=True)


def read_checks(con, tables) -> tuple[pd.DataFrame | None, str | None]:
    if "quality_results" not in tables:
        return None, None
    try:
        df = con.execute(
            f"""
            SELECT table_name, check_name, severity, passed, evaluated_at,
                   {"failed_expectations" if "failed_expectations" in column_names(con, "quality_results") else "NULL"}
                       AS failed_expectations
            FROM quality_results
            QUALIFY row_number() OVER (PARTITION BY table_name, check_name ORDER BY evaluated_at DESC) = 1
            ORDER BY table_name, check_name
            """
        ).df()
    except duckdb.Error as exc:
        return None, first_line(exc)
    # passed | warned | failed, the quality layer's word: a warning is never counted as a pass.
    df["outcome"] = [
        check_outcome(None if is_na(p) else bool(p), sv, None if is_na(f) else f)
        for p, sv, f in zip(df["passed"], df["severity"], df["failed_expectations"])
    ]
    return df.drop(columns=["failed_expectations"]), None
