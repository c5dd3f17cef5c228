"""Getting a data directory back: `accept` a held snapshot, `restore` a backup generation (or a
fresh Dagster storage), and where `rebuild` takes the published-values history from (the
rebuild runs the pipeline: defs/rebuild.py).

Each holds the home's run lock (no run in progress meanwhile), and never deletes a file: what
it replaces is moved under `<home>/backups/` with a name saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..db import connect, table_exists
from ..ingest import holds
from ..ingest.contracts import load_contract
from ..ingest.database import configured_url
from ..ingest.files import list_snapshot
from ..ingest.staging import snapshot_fingerprint
from ..paths import Home
from .backups import (
    DamagedDatabase,
    Generation,
    Scan,
    backups_dir,
    good_generation,
    restore,
    scan,
    table_file,
)
from .integrity import StorageProblem, damaged_storage
from .runlock import home_run_lock


class RecoveryError(Exception):
    """A one-line reason the command could not do what was asked (exit 2)."""


# ---- accept ----------------------------------------------------------------------------------


def accept_snapshot(home: Home, source: str) -> holds.Acceptance:
    """Accept the snapshot the last run held for `source` (the files still in its folder)."""
    contract = load_contract(source)
    if not home.warehouse.exists():
        raise RecoveryError(f"no warehouse at {home.warehouse}: nothing has been held yet")
    with home_run_lock(home):
        con = connect(home.warehouse)
        try:
            row = None
            if table_exists(con, holds.HOLDS_TABLE):
                row = con.execute(
                    f"SELECT fingerprint FROM {holds.HOLDS_TABLE} WHERE source = ?", [source]
                ).fetchall()
            if not row:
                raise RecoveryError(
                    f"no snapshot of {source} is held: a run holds one when it has more than "
                    f"{contract.max_shrink * 100:.0f} % fewer rows than the previous one (max_shrink "
                    f"in sources/{source}.yaml)"
                )
            if not configured_url(contract):
                # the snapshot as staging fingerprints it (its files, and the address rule reading them)
                files = list_snapshot(home.landing, contract.folder, source).files
                now = snapshot_fingerprint(con, contract, files)
                if now != row[0][0]:
                    raise RecoveryError(
                        f"the files in {home.landing / contract.folder} changed since the run held "
                        f"them: run again, the new snapshot is judged afresh"
                    )
            return holds.accept(con, source)
        finally:
            con.close()


# ---- restore ---------------------------------------------------------------------------------


def restore_warehouse(home: Home, number: int | None = None) -> tuple[Generation, Scan, Path | None]:
    with home_run_lock(home):
        try:
            return restore(home, number)
        except LookupError as exc:
            raise RecoveryError(str(exc.args[0])) from None
        except DamagedDatabase as exc:
            raise RecoveryError(
                f"{exc}; try another generation (--generation N) or `ip-pipeline rebuild`"
            ) from None


@dataclass
class StorageReset:
    problems: list[StorageProblem]
    moved_to: Path | None


def reset_dagster_storage(home: Home, force: bool = False) -> StorageReset:
    """Set the Dagster storage (run history, event logs, schedules) aside when it is damaged
    (or always, with force); Dagster starts a new one. The warehouse is not touched."""
    with home_run_lock(home):
        problems = damaged_storage(home)
        if not problems and not force:
            return StorageReset([], None)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = backups_dir(home) / f"damaged-dagster-{stamp}"
        target.mkdir(parents=True, exist_ok=True)
        for entry in sorted(home.dagster_home.iterdir()) if home.dagster_home.is_dir() else []:
            if entry.name == "dagster.yaml":
                continue  # the instance settings (the warehouse pool) stay
            os.replace(entry, target / entry.name)
        return StorageReset(problems, target)


# ---- rebuild ---------------------------------------------------------------------------------


def published_history(home: Home) -> tuple[Path | None, list[str]]:
    """Where the published-values history comes from: the newest good backup, else the
    current warehouse if it still reads whole; None when neither has it."""
    notes = []
    try:
        gen, checked = good_generation(home)
        if "published_values" in checked.tables:
            return table_file(gen, "published_values"), notes
    except (LookupError, DamagedDatabase) as exc:
        notes.append(f"no good backup to take the published-values history from ({exc})")
    if home.warehouse.exists():
        try:
            checked = scan(home.warehouse)
            if "published_values" in checked.tables:
                return home.warehouse, notes
        except (DamagedDatabase, duckdb.Error) as exc:
            notes.append(f"the current warehouse cannot give it either ({str(exc).splitlines()[0]})")
    return None, notes
