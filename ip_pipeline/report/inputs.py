"""What a bulletin and a final evaluation read from the warehouse, as fingerprints of content.

A month's bulletin is built again only when what it shows could differ: the rows it reads
(report/data.py), the report's code, templates and catalogue. The rows are hashed by content,
so a night that reloads a source to the same rows, or recomputes the same values, leaves the
bulletin alone, and a revision of an earlier month (its published values, which this month's
revisions table compares with) rebuilds it.

Two things it shows are deliberately left out:
- the day: the data page gives each source's age when the bulletin was generated (the cover
  prints that time); a source that grows stale without new data is the freshness checks'
  alarm each night, not a reason to reprint an unchanged bulletin. The running month, whose
  figures are partial, is still built again each day;
- when a check was evaluated, and its sample of failures: a check evaluated again with the
  same outcome says the same.

A plan's final evaluation reads its outcomes: the indicator values up to the plan's end, the
plan's rows of plan_outcomes, plan_outcome_revisions, indicator_progress and plan_scores.
Its data page is that of the build that last saw the outcomes change.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date
from pathlib import Path

import duckdb

from ..dates import today_in_yantai
from ..db import column_names
from ..paths import CATALOGUE_DIR, REPORT_TEMPLATES_DIR
from .months import is_running_month

_CODE_DIR = Path(__file__).resolve().parent


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }


def _content(con: duckdb.DuckDBPyConnection, select: str, params: list | None = None) -> str:
    """Row count and an order-free sum of row hashes of `select`."""
    n, total = con.execute(
        f"SELECT count(*), sum(hash(t)::HUGEINT) FROM ({select}) t", params or []
    ).fetchall()[0]
    return f"{n}:{total}"


def _code(h) -> None:
    for folder in (REPORT_TEMPLATES_DIR, _CODE_DIR, CATALOGUE_DIR):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.suffix in {".py", ".yaml", ".yml", ".json", ".csv"}:
                h.update(f.name.encode() + b"\0" + f.read_bytes())


def _month_end(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def bulletin_fingerprint(
    con: duckdb.DuckDBPyConnection, month: str, as_published: bool = False, today: date | None = None
) -> str:
    """What the bulletin of `month` reads (see the module's note)."""
    end = _month_end(month)
    tables = _tables(con)
    parts: list[str] = [month, f"as_published={as_published}"]
    dated = {
        "indicator_values": "as_of",
        "indicator_progress": "as_of",
        "plan_scores": "as_of",
        "high_value_patent_criteria": "as_of",
    }
    for table, column in dated.items():
        if table in tables:
            parts.append(
                table + "=" + _content(con, f"SELECT * FROM main.{table} WHERE {column} <= ?", [end])
            )
    # stg_peers: the nation and the province beside the city (page 1, the charts, the 对比 sheet)
    for table in ("plan_outcomes", "plan_outcome_revisions", "stg_districts", "stg_enforcement", "stg_peers"):
        if table in tables:
            parts.append(table + "=" + _content(con, f"SELECT * FROM main.{table}"))
    if "source_snapshots" in tables:
        parts.append(
            "sources="
            + _content(
                con,
                "SELECT source, snapshot_at, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
                "FROM main.source_snapshots",
            )
        )
    for table in sorted(t for t in tables if t.startswith("quarantine_")):
        parts.append(table + "=" + _content(con, f'SELECT reason, count(*) FROM main."{table}" GROUP BY ALL'))
    if "quality_results" in tables:
        # each check's latest outcome, as the data page words it (passed, warned, failed); not its
        # time nor its sample of failures, which an incremental evaluation of the same data
        # words differently from a full one
        failed = (
            "coalesce(CAST(failed_expectations AS VARCHAR) NOT IN ('', '[]', '0'), false)"
            if "failed_expectations" in column_names(con, "quality_results")
            else "NULL"
        )
        parts.append(
            "checks="
            + _content(
                con,
                f"SELECT table_name, check_name, severity, passed, {failed} AS failed "
                "FROM main.quality_results QUALIFY row_number() OVER "
                "(PARTITION BY table_name, check_name ORDER BY evaluated_at DESC) = 1",
            )
        )
    # the build records the month's published values: a table it creates is no new input
    parts.append("published=0:None")
    if "published_values" in tables:
        # the previous bulletin's values (its revisions table compares with them); the month's
        # own are what this build records, an input only to the archive (as published)
        own = "report_month = ? OR " if as_published else ""
        parts[-1] = "published=" + (
            _content(
                con,
                f"SELECT * FROM main.published_values WHERE {own}report_month = "
                "(SELECT max(report_month) FROM main.published_values WHERE report_month < ?)",
                [month, month] if as_published else [month],
            )
        )
    if is_running_month(month, today):
        parts.append(f"day={(today or today_in_yantai()).isoformat()}")
    h = hashlib.blake2b("\n".join(parts).encode(), digest_size=16)
    _code(h)
    return h.hexdigest()


def outcomes_fingerprint(con: duckdb.DuckDBPyConnection, plan_id: str, target_year: int) -> str:
    """What a plan's final evaluation reads of its outcomes (see the module's note)."""
    end = date(target_year, 12, 31)
    tables = _tables(con)
    parts = [plan_id]
    if "indicator_values" in tables:
        parts.append("values=" + _content(con, "SELECT * FROM main.indicator_values WHERE as_of <= ?", [end]))
    for table in ("plan_outcomes", "plan_outcome_revisions"):
        if table in tables:
            parts.append(
                table + "=" + _content(con, f"SELECT * FROM main.{table} WHERE plan_id = ?", [plan_id])
            )
    for table in ("indicator_progress", "plan_scores"):  # read at the plan's end
        if table in tables:
            parts.append(
                table
                + "="
                + _content(
                    con, f"SELECT * FROM main.{table} WHERE plan_id = ? AND as_of <= ?", [plan_id, end]
                )
            )
    if "stg_districts" in tables:
        parts.append("districts=" + _content(con, "SELECT * FROM main.stg_districts"))
    if "stg_peers" in tables:  # the peer lines on its charts and its 对比 sheet
        parts.append("peers=" + _content(con, "SELECT * FROM main.stg_peers"))
    h = hashlib.blake2b("\n".join(parts).encode(), digest_size=16)
    _code(h)
    return h.hexdigest()
