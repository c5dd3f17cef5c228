"""The values a report published, kept per report month so the next report can show revisions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..db import connect

DDL = """
CREATE TABLE IF NOT EXISTS published_values (
    report_month VARCHAR,
    indicator_id VARCHAR,
    as_of DATE,
    district_code VARCHAR,
    value DOUBLE,
    published_at TIMESTAMP  -- UTC wall-clock, as every warehouse timestamp
)
"""


def record_published(warehouse: Path, month: str, published: pd.DataFrame, published_at: datetime) -> int:
    """Replace the month's published values (delete then insert: rebuilding a report is idempotent)."""
    rows = published[["indicator_id", "as_of", "district_code", "value"]].copy()
    rows.insert(0, "report_month", month)
    # UTC wall-clock in a TIMESTAMP column; the report prints the same moment on Beijing time
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(UTC).replace(tzinfo=None)
    rows["published_at"] = published_at
    con = connect(warehouse, read_only=False)
    try:
        con.execute(DDL)
        con.execute("BEGIN")
        con.execute("DELETE FROM published_values WHERE report_month = ?", [month])
        con.register("new_published", rows)
        con.execute(
            "INSERT INTO published_values SELECT report_month, indicator_id, CAST(as_of AS DATE), "
            "district_code, value, published_at FROM new_published"
        )
        con.execute("COMMIT")
        con.unregister("new_published")
    finally:
        con.close()
    return len(rows)
