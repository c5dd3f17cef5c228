"""The plans' indicators as data: every YAML in assets/catalogue/ is one plan.

Adding a plan (the 15th Five-Year plan, an action plan) is adding a file; the
code only reads what the files say (INDICATORS.md, "The plan").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..paths import CATALOGUE_DIR


@dataclass(frozen=True)
class Target:
    year: int
    kind: str  # level | growth | cumulative
    value: float


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    kind: str  # stock | flow | growth_rate
    direction: int | None = None
    base_year: int | None = None
    base_value: float | None = None  # None: computed from the data for the base year
    target: Target | None = None
    limit: float | None = None
    city_only: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    id: str
    name_zh: str
    name_en: str
    base_year: int
    target_year: int
    indicators: tuple[Indicator, ...]
    companions: tuple[Indicator, ...]
    status: dict[str, Any]
    source: Path

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators + self.companions:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def status_label(self, status: str, lang: str = "zh") -> str:
        return self.status["labels"][status][lang]


class CatalogueError(ValueError):
    pass


def _indicator(raw: dict[str, Any], plan_file: Path, with_target: bool) -> Indicator:
    try:
        base = raw.get("base") or {}
        target = raw.get("target")
        if with_target and raw.get("direction") not in (1, -1):
            # PROGRESS.md: direction is required, no default.
            raise CatalogueError(f"{plan_file.name}: indicator {raw.get('id')!r} needs direction 1 or -1")
        return Indicator(
            id=raw["id"],
            name_zh=raw["name_zh"],
            name_en=raw["name_en"],
            unit=raw["unit"],
            unit_en=raw.get("unit_en", raw["unit"]),
            kind=raw.get("kind", "stock"),
            direction=raw.get("direction"),
            base_year=base.get("year"),
            base_value=None if base.get("value") is None else float(base["value"]),
            target=None if not target else Target(int(target["year"]), target["kind"], float(target["value"])),
            limit=None if raw.get("limit") is None else float(raw["limit"]),
            city_only=bool(raw.get("city_only", False)),
            parameters=dict(raw.get("parameters") or {}),
        )
    except KeyError as exc:
        raise CatalogueError(f"{plan_file.name}: indicator {raw.get('id')!r} lacks {exc}") from None


def load_plan(path: Path) -> Plan:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    p = doc["plan"]
    return Plan(
        id=p["id"],
        name_zh=p["name_zh"],
        name_en=p["name_en"],
        base_year=int(p["base_year"]),
        target_year=int(p["target_year"]),
        indicators=tuple(_indicator(r, path, True) for r in doc.get("indicators", [])),
        companions=tuple(_indicator(r, path, False) for r in doc.get("companions", [])),
        status=doc["status"],
        source=Path(path),
    )


def load_plans(directory: Path | None = None) -> list[Plan]:
    """Every plan in the catalogue folder, in file-name order."""
    directory = Path(directory or CATALOGUE_DIR)
    plans = [load_plan(f) for f in sorted(directory.glob("*.yaml"))]
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"duplicate plan ids in {directory}: {ids}")
    return plans
