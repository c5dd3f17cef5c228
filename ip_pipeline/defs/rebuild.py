"""`ip-pipeline rebuild`: a new warehouse recomputed from the landing zone by a full run, keeping
the published-values history. Holds the home's run lock throughout; the old warehouse is set
aside under backups/ (ops/recovery.py finds the history, ops/backups.py sets files aside).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..ops.backups import backups_dir, set_aside
from ..ops.recovery import RecoveryError, published_history
from ..ops.runlock import home_run_lock
from ..paths import Home
from .runner import RunOutcome, damage_paragraph, make_run_backup, run_pipeline_under_lock


@dataclass
class Rebuilt:
    outcome: RunOutcome
    history_from: Path | None
    history_rows: int
    set_aside: Path | None
    notes: list[str] = field(default_factory=list)


def rebuild_warehouse(home: Home, verbose: bool = False) -> Rebuilt:
    """Recompute everything from the landing zone into a new warehouse, keeping the published
    values history (`published_values`) from the newest good backup. The old warehouse is set
    aside under backups/ (never deleted)."""
    if not home.landing.is_dir():
        raise RecoveryError(f"no landing zone at {home.landing}: rebuild recomputes from it")
    with home_run_lock(home):
        source, notes = published_history(home)
        staged = home.root / f".{home.warehouse.name}.rebuild"
        for stale in (staged, Path(f"{staged}.wal")):
            stale.unlink(missing_ok=True)
        rows = 0
        if source is not None:
            # Copied out before the old file is moved: the history may come from the warehouse itself.
            con = duckdb.connect(str(staged))
            try:
                con.execute(f"ATTACH '{str(source).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                con.execute("CREATE TABLE published_values AS SELECT * FROM old.published_values")
                con.execute("DETACH old")
                rows = con.execute("SELECT count(*) FROM published_values").fetchall()[0][0]
                con.execute("CHECKPOINT")
            finally:
                con.close()
        aside = set_aside(home.warehouse, backups_dir(home), "replaced")
        if source is not None:
            os.replace(staged, home.warehouse)
            Path(f"{staged}.wal").unlink(missing_ok=True)
        try:
            outcome = run_pipeline_under_lock(
                home, first=None, last=None, report=True, job_name="refresh_job", verbose=verbose
            )
        except Exception as exc:  # noqa: BLE001
            problem = damage_paragraph(home, exc)
            if problem is None:
                raise
            outcome = RunOutcome(success=False, problems=[problem])
        if outcome.success:
            make_run_backup(home, outcome)
        return Rebuilt(outcome, source, rows, aside, notes)
