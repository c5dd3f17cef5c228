"""The plans' indicators as data: every YAML in assets/catalogue/ is one plan.

Adding a plan (the 15th Five-Year plan, an action plan) is adding a file; the
code only reads what the files say (INDICATORS.md, "The plan"). A plan entry names
an indicator id and gives its base and target; what the indicator is (names, unit,
kind, direction, limit, parameters) comes from its definition
(assets/catalogue/indicators/<id>.yaml, indicator_definitions.py). A plan may still give its
own wording of a name (or any other field), which then wins for that plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import rules
from .indicator_definitions import catalogue_dir, load_definitions

TARGET_KINDS = ("level", "growth", "cumulative", "improvement")
COMPARISONS = ("ge", "gt", "le", "lt")


@dataclass(frozen=True)
class Target:
    """A plan's target (PROGRESS.md, "Inputs").

    kind: `level` (v_T), `growth` (g* in percent a year), `cumulative` (a count since the
    end of the base year, v_T), `improvement` (no number: the value must rise, d·(v − v₀) > 0).
    comparison: `ge` (达到, 不少于), `gt` (超过, strictly above), `le`, `lt`; default `ge`
    for direction 1 and `le` for −1.
    """

    year: int
    kind: str
    value: float | None
    comparison: str = "ge"

    def met(
        self, value: float | None, direction: int, base: float | None = None, margin: float | None = None
    ) -> bool | None:
        """Whether `value` meets the target (None when it cannot be told), by rules.py. No limit
        tolerance here; an improvement needs a rise beyond `margin` (any rise when it is None)."""
        if value is None:
            return None
        if self.kind == "improvement":
            return None if base is None else rules.significant_rise(direction * (value - base), margin)
        return rules.meets(value, self.value, self.comparison)


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

    # -- lifecycle (PROGRESS.md, "The plan's lifecycle") ---------------------------------
    @property
    def start_date(self) -> date:
        """End of the base year: the plan is in force on D when start_date < D <= end_date."""
        return date(self.base_year, 12, 31)

    @property
    def end_date(self) -> date:
        """31 December of the target year, the plan's last day."""
        return date(self.target_year, 12, 31)

    def in_force(self, d: date) -> bool:
        return self.start_date < d <= self.end_date

    def ended_by(self, d: date) -> bool:
        """True once D is after the target year: the plan then has only its final evaluation."""
        return d > self.end_date

    def state(self, d: date) -> str:
        """`not_started` | `in_force` | `ended` on D."""
        return "ended" if self.ended_by(d) else "in_force" if self.in_force(d) else "not_started"

    def targeted(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.target is not None)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators + self.companions:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def status_label(self, status: str, lang: str = "zh") -> str:
        return self.status["labels"][status][lang]


class CatalogueError(ValueError):
    pass


# Labels a catalogue may leave out (it can always override them in `status.labels`).
DEFAULT_LABELS = {"target_missed": {"zh": "目标未完成", "en": "Target missed"}, **rules.EARLY_LABELS}


def _target(raw: dict[str, Any] | None, direction: int | None, plan_file: Path, ind_id: str) -> Target | None:
    if not raw:
        return None
    kind = raw["kind"]
    if kind not in TARGET_KINDS:
        raise CatalogueError(
            f"{plan_file.name}: indicator {ind_id!r}: target kind {kind!r} is not one of {TARGET_KINDS}"
        )
    value = raw.get("value")
    if kind == "improvement":
        if value is not None:
            raise CatalogueError(
                f"{plan_file.name}: indicator {ind_id!r}: an improvement target has no value"
            )
    elif value is None:
        raise CatalogueError(f"{plan_file.name}: indicator {ind_id!r}: a {kind} target needs a value")
    comparison = raw.get("comparison") or ("le" if direction == -1 else "ge")
    if comparison not in COMPARISONS:
        raise CatalogueError(
            f"{plan_file.name}: indicator {ind_id!r}: comparison {comparison!r} is not one of {COMPARISONS}"
        )
    if direction is not None and (comparison in ("ge", "gt")) != (direction == 1):
        raise CatalogueError(
            f"{plan_file.name}: indicator {ind_id!r}: comparison {comparison!r} contradicts direction {direction}"
        )
    return Target(int(raw["year"]), kind, None if value is None else float(value), comparison)


def _with_definition(raw: dict[str, Any] | str, definitions: dict) -> dict[str, Any]:
    """The plan entry over its definition's fields (a bare id: the definition alone)."""
    if isinstance(raw, str):
        raw = {"id": raw}
    d = definitions.get(raw.get("id"))
    return {**d.plan_fields(), **raw} if d is not None else dict(raw)


def _indicator(
    raw: dict[str, Any], plan_file: Path, with_target: bool, definitions: dict | None = None
) -> Indicator:
    raw = _with_definition(raw, definitions if definitions is not None else load_definitions())
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
            target=_target(target, raw.get("direction"), plan_file, raw.get("id")),
            limit=None if raw.get("limit") is None else float(raw["limit"]),
            city_only=bool(raw.get("city_only", False)),
            parameters=dict(raw.get("parameters") or {}),
        )
    except KeyError as exc:
        raise CatalogueError(f"{plan_file.name}: indicator {raw.get('id')!r} lacks {exc}") from None


def _status(raw: dict[str, Any]) -> dict[str, Any]:
    status = dict(raw)
    status["labels"] = {**DEFAULT_LABELS, **(raw.get("labels") or {})}
    return status


def load_plan(path: Path, definitions: dict | None = None) -> Plan:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    p = doc["plan"]
    defs = load_definitions() if definitions is None else definitions
    return Plan(
        id=p["id"],
        name_zh=p["name_zh"],
        name_en=p["name_en"],
        base_year=int(p["base_year"]),
        target_year=int(p["target_year"]),
        indicators=tuple(_indicator(r, path, True, defs) for r in doc.get("indicators", [])),
        companions=tuple(_indicator(r, path, False, defs) for r in doc.get("companions") or []),
        status=_status(doc["status"]),
        source=Path(path),
    )


def load_plans(directory: Path | None = None) -> list[Plan]:
    """Every plan in the catalogue folder ($IP_PIPELINE_CATALOGUE_DIR, default assets/catalogue),
    in file-name order; entries refer to the indicator definitions of its `indicators/` folder."""
    directory = Path(directory or catalogue_dir())
    defs = (
        load_definitions(directory / "indicators")
        if (directory / "indicators").is_dir()
        else load_definitions()
    )
    plans = [load_plan(f, defs) for f in sorted(directory.glob("*.yaml"))]
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"duplicate plan ids in {directory}: {ids}")
    return plans
