"""The report's layout settings (reports/layout.yaml) as one small object."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..indicators import rules
from ..paths import REPORT_TEMPLATES_DIR

LAYOUT_FILE = REPORT_TEMPLATES_DIR / "layout.yaml"


@dataclass(frozen=True)
class Style:
    raw: dict[str, Any]

    @property
    def page(self) -> dict[str, float]:
        return self.raw["page"]

    @property
    def size(self) -> dict[str, float]:
        return self.raw["type"]

    @property
    def colour(self) -> dict[str, str]:
        return self.raw["colours"]

    def status(self, status: str | None) -> dict[str, str]:
        return self.raw["status"].get(status or "not_available", self.raw["status"]["not_available"])

    def decimals(self, indicator_id: str) -> int:
        # The indicator's definition owns its decimals (indicators/rules.py): the CLI shows the same.
        return rules.decimals(indicator_id)

    @property
    def marks(self) -> list[str]:
        return list(self.raw["footnote_marks"])

    def limit(self, name: str) -> int:
        return int(self.raw["limits"][name])


@lru_cache(maxsize=4)
def load_style(path: Path = LAYOUT_FILE) -> Style:
    return Style(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
