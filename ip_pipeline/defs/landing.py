"""The landing zone as Dagster sees it: one observable source asset per source folder
(`landing_<source>`, group `sources`), whose data version is the content fingerprint of its
files — the one number the landing sensor, the nightly selection rule (nightly.py) and
staging compute (ingest.files.fingerprint / ingest.staging.snapshot_fingerprint), here in
one place. raw_/stg_ depend on them, so a changed export shows its downstream assets stale
in the UI; "Observe sources" there looks at the folders without loading anything.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from ..ingest.contracts import SOURCE_NAMES, load_contract
from ..ingest.database import configured_url
from ..ingest.errors import SourceFileError
from ..ingest.files import SnapshotFile, fingerprint, list_snapshot, still_growing
from ..ingest.reference import REFERENCE_SOURCE, reference_snapshot
from ..ingest.staging import snapshot_fingerprint
from .resources import OWNER, Warehouse

REFERENCE = REFERENCE_SOURCE
LANDING_SOURCES = (*SOURCE_NAMES, REFERENCE)
NO_FOLDER = "no folder"
FROM_DATABASE = "read from its database"


def landing_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(f"landing_{source}")


@dataclass
class LandingLook:
    """What the landing zone holds now: per source, its files and their fingerprint, or why
    it has none (a folder that does not exist, a file still being written, an odd file, a
    source read from a database)."""

    files: dict[str, list[SnapshotFile]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _source_files(landing: Path, source: str) -> list[SnapshotFile]:
    if source == REFERENCE:
        # The files reference.yaml names, in table order: as stage_reference fingerprints them.
        return reference_snapshot(landing)[1]
    return list_snapshot(landing, load_contract(source).folder, source).files


def _folder(source: str) -> str:
    return REFERENCE if source == REFERENCE else load_contract(source).folder


def look_at_landing(landing: Path) -> LandingLook:
    """Fingerprint every source folder (a file's hash is remembered by the process, so staging
    in the same process does not read it again)."""
    look = LandingLook()
    for name in LANDING_SOURCES:
        if name != REFERENCE and configured_url(load_contract(name)):
            look.skipped[name] = FROM_DATABASE
            continue
        if not (landing / _folder(name)).is_dir():
            look.skipped[name] = NO_FOLDER
            continue
        try:
            files = _source_files(landing, name)
            changing = still_growing(files)
            if changing:
                look.skipped[name] = f"{changing[0]} is still being written"
                continue
            look.files[name] = files
            look.versions[name] = fingerprint(files)
        except SourceFileError as exc:
            look.skipped[name] = f"{exc.file}: {exc.problem}"
        except OSError as exc:  # a file removed between listing and hashing: look again later
            look.skipped[name] = f"unreadable ({type(exc).__name__})"
    return look


def staged_fingerprints(con, look: LandingLook) -> dict[str, str | None]:
    """Each source's snapshot fingerprint as staging will record it in source_snapshots (a source
    that takes units from other staged tables adds theirs: ingest.staging.snapshot_fingerprint);
    None for one that cannot be known before reading it (a database source, an odd file)."""
    out: dict[str, str | None] = {}
    for name in LANDING_SOURCES:
        if name in look.versions:
            out[name] = (
                look.versions[name]
                if name == REFERENCE
                else snapshot_fingerprint(con, load_contract(name), look.files[name])
            )
        elif look.skipped.get(name) == NO_FOLDER and name != REFERENCE:
            out[name] = snapshot_fingerprint(con, load_contract(name), [])  # an empty source
        else:
            out[name] = None
    return out


DATA_VERSION_TAG = "dagster/data_version"


def _observed(instance: dg.DagsterInstance, source: str) -> str | None:
    rec = instance.get_latest_data_version_record(landing_key(source), is_source=True)
    obs = rec.event_log_entry.asset_observation if rec is not None else None
    return obs.tags.get(DATA_VERSION_TAG) if obs is not None else None


def new_observations(instance: dg.DagsterInstance, look: LandingLook) -> list[dg.AssetObservation]:
    """Observations of the sources whose fingerprint differs from the one last observed: what the
    sensor, the nightly schedule and the command line record (an unchanged night writes none)."""
    return [
        dg.AssetObservation(
            asset_key=landing_key(name),
            tags={DATA_VERSION_TAG: fp},
            metadata={"files": dg.MetadataValue.int(len(look.files[name]))},
        )
        for name, fp in sorted(look.versions.items())
        if _observed(instance, name) != fp
    ]


def record_observations(instance: dg.DagsterInstance, look: LandingLook) -> int:
    events = new_observations(instance, look)
    for event in events:
        instance.report_runless_asset_event(event)
    return len(events)


def build_landing_sources() -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            landing_key(name),
            group_name="sources",
            kinds={"file"},
            owners=[OWNER],
            description=(
                f"<home>/landing/{_folder(name)}/: the export files as they lie, "
                f"observed by their content fingerprint (not their timestamps)."
            ),
        )
        for name in LANDING_SOURCES
    ]

    def landing_zone(warehouse: Warehouse):
        look = look_at_landing(warehouse.paths.landing)
        for name in LANDING_SOURCES:
            if name in look.versions:
                yield dg.ObserveResult(
                    asset_key=landing_key(name),
                    data_version=dg.DataVersion(look.versions[name]),
                    metadata={"files": dg.MetadataValue.int(len(look.files[name]))},
                )
            else:
                yield dg.ObserveResult(
                    asset_key=landing_key(name),
                    metadata={"not_observed": dg.MetadataValue.text(look.skipped[name])},
                )

    with warnings.catch_warnings():  # Dagster 1.13 labels the decorator beta
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.multi_observable_source_asset(
            specs=specs,
            name="landing_zone",
            description="Fingerprints every landing folder (the landing sensor does the same every tick).",
        )(landing_zone)
