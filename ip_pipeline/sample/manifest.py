"""sample_manifest.json: exactly what was written and injected, for tests to compare with
the pipeline's staging and quarantine."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .dirt import Dirt
from .sink import SourceSink

FILE_NAME = "sample_manifest.json"


def source_entry(sink: SourceSink, dirt: Dirt) -> dict:
    return {
        "rows_written": sink.rows_written,
        "files": sink.files,
        "expected_quarantine": dict(sorted(dirt.expected.items())),
        "identical_duplicates": dirt.tallies["identical_duplicates"],
        "out_of_scope": dirt.tallies["out_of_scope"],
        "old_district_names": dirt.tallies["old_district_names"],
        "unknown_codes": dirt.tallies["unknown_codes"],
    }


def build(
    scale: float, seed: int, end: dt.date, dirt_rate: float, sources: dict, reference: list[str]
) -> dict:
    return {
        "scale": scale,
        "seed": seed,
        "end": end.isoformat(),
        "dirt_rate": dirt_rate,
        "files_relative_to": "landing",
        "sources": sources,
        "reference": reference,
    }


def write(home: Path, manifest: dict) -> Path:
    path = home / FILE_NAME
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
