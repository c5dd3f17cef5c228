"""Code versions of the assets: a short hash of the files each one runs (its YAML, SQL and Python),
so the Dagster UI marks an asset stale when what computes it changed ("code version changed"),
as it does when an upstream data version changed. Computed once when the definitions load."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from ..indicators.recompute import code_fingerprint
from ..paths import REPORT_TEMPLATES_DIR, SOURCES_DIR, SQL_DIR

PACKAGE = Path(__file__).resolve().parent.parent
SUFFIXES = {".py", ".sql", ".yaml", ".yml", ".json"}


def files_version(*paths: Path) -> str:
    """blake2b over the names and bytes of the files (folders walked in name order)."""
    h = hashlib.blake2b(digest_size=8)
    for root in paths:
        files = (
            [root]
            if root.is_file()
            else sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        )
        for f in files:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\1")
    return h.hexdigest()


@cache
def ingestion_version(source: str) -> str:
    """A source's contract, its export formats, the ingest macros and the ingest code."""
    contract = SOURCES_DIR / f"{source}.yaml"
    formats = sorted((SOURCES_DIR / "formats").glob(f"{source}_*.yaml"))
    return files_version(contract, *formats, SQL_DIR / "ingest_macros.sql", PACKAGE / "ingest")


@cache
def indicators_version() -> str:
    """The plan catalogue, the warehouse SQL and the indicator code: the fingerprint by which the
    indicator steps decide to recompute (indicators.recompute.code_fingerprint)."""
    return code_fingerprint()


@cache
def report_version() -> str:
    """The report's texts and layout data and its code."""
    return files_version(REPORT_TEMPLATES_DIR, PACKAGE / "report")
