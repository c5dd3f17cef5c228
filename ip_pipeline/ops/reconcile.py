"""Per-source reconciliation read back from the warehouse (not from the run's memory)."""

from __future__ import annotations

from ..db import table_exists
from ..ingest.contracts import SOURCE_NAMES
from ..paths import Home
from .backups import open_for_reading


def reconcile(home: Home) -> list[dict]:
    with open_for_reading(home) as con:  # brief, read into memory; the newest backup while a run writes
        out = []
        for name in SOURCE_NAMES:
            if not table_exists(con, f"raw_{name}"):
                continue
            raw = con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0]
            staged = con.execute(f"SELECT count(*) FROM stg_{name}").fetchall()[0][0]
            quarantined = con.execute(f"SELECT count(*) FROM quarantine_{name}").fetchall()[0][0]
            rows = con.execute(
                "SELECT duplicate_rows FROM source_snapshots WHERE source = ?", [name]
            ).fetchall()
            duplicates = rows[0][0] if rows else 0
            reasons = dict(
                con.execute(
                    f"SELECT reason, count(*) FROM quarantine_{name} GROUP BY reason "
                    f"ORDER BY count(*) DESC, reason"
                ).fetchall()
            )
            out.append(
                {
                    "source": name,
                    "raw": raw,
                    "staged": staged,
                    "quarantined": quarantined,
                    "duplicates": duplicates,
                    "reconciles": raw == staged + quarantined + duplicates,
                    "reasons": reasons,
                }
            )
        return out
