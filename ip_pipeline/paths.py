"""Where things live: the data directory (home) and the project's declarative files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .settings import settings


def _declarative_root() -> Path:
    """The checkout (a clone, an editable install) or, in an installed wheel, the copies that
    setup.py bundled into the package: the same four folders either way."""
    package = Path(__file__).resolve().parent
    checkout = package.parent
    if (checkout / "sources").is_dir() and (checkout / "assets").is_dir():
        return checkout
    return package / "_bundled"


PROJECT_ROOT = _declarative_root()
SOURCES_DIR = PROJECT_ROOT / "sources"
ASSETS_DIR = PROJECT_ROOT / "assets"
SQL_DIR = ASSETS_DIR / "sql"
CATALOGUE_DIR = ASSETS_DIR / "catalogue"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REPORT_TEMPLATES_DIR = PROJECT_ROOT / "reports"


def default_home() -> Path:
    """`$IP_PIPELINE_HOME`, else `./data` (the README's promise)."""
    return settings().home


@dataclass(frozen=True)
class Home:
    """The data directory: landing zone, warehouse, reports, quality docs, alerts."""

    root: Path

    @classmethod
    def of(cls, root: str | os.PathLike | None) -> Home:
        return cls(Path(root).resolve() if root else default_home())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def quality(self) -> Path:
        return self.root / "quality"

    @property
    def alerts(self) -> Path:
        return self.root / "alerts"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"
