"""Each published indicator described once: `assets/catalogue/indicators/<id>.yaml`.

A definition says what the indicator is (names, unit, kind, direction, natural limit,
city-only), how it is computed (`compute.sql` under assets/sql, its `$params`, `based`:
measured from a plan's base year), what it reads (`sources`, `reference` tables, `marts`),
how `explain` lists its records (`explain.sql`, params, period, the formula in words) and
its sanity rules (`checks`: range, city = sum of units, jump basis, the invention-stock
bound). The plans (assets/catalogue/plan_*.yaml) keep only their bases and targets and
refer to these ids; the registry, explain and the indicator checks are built from here.

Folders: `$IP_PIPELINE_CATALOGUE_DIR` (default assets/catalogue) holds the plans and the
`indicators/` folder; `$IP_PIPELINE_SQL_DIR` (default assets/sql) the SQL. Adding an
indicator is one definition file and one SQL file (and a plan entry to give it a target).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..paths import CATALOGUE_DIR, SQL_DIR
from ..settings import settings

RANGES = ("non_negative", "percent_0_100", "growth_rate")
JUMP_BASES = ("mom", "yoy", "none")
KINDS = ("stock", "flow", "growth_rate")


class DefinitionError(ValueError):
    pass


def catalogue_dir() -> Path:
    return settings().catalogue_dir or CATALOGUE_DIR


def definitions_dir() -> Path:
    return catalogue_dir() / "indicators"


def sql_dir() -> Path:
    return settings().sql_dir or SQL_DIR


@dataclass(frozen=True)
class Explain:
    sql: str  # explain/<name> under the SQL folder
    params: tuple[tuple[str, str], ...] = ()  # extra $params (the district is always given)
    period: str | None = None  # keep only the rows of this `period` column value
    formula: tuple[str, str] | None = None  # (zh, en) with {n}, {d}, {v}


@dataclass(frozen=True)
class Checks:
    range: str | None = None  # non_negative | percent_0_100 | growth_rate (NaN/inf: always)
    city_is_sum_of_units: bool = False
    jumps: str | None = None  # mom | yoy | none; None: yoy for flows, none for rates, else mom
    within_invention_stock: bool = False


@dataclass(frozen=True)
class Definition:
    id: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    kind: str
    sql: str
    direction: int | None = None
    limit: float | None = None
    decimals: int | None = None  # displayed decimals (rules.decimals; None: the default)
    city_only: bool = False
    companion: bool = False  # published beside the plans even when no plan lists it
    parameters: dict[str, Any] = field(default_factory=dict)
    params: tuple[tuple[str, str], ...] = ()
    based: bool = False
    sources: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()
    marts: tuple[str, ...] = ()
    explain: Explain | None = None
    checks: Checks = Checks()
    # How far back a changed source row with date X reaches (recompute.py): `date` (from X on,
    # the default) or `calendar_year` (from 1 January of year(X): a flag on the year of D).
    changes_affect: str = "date"
    source: Path | None = None

    def plan_fields(self) -> dict[str, Any]:
        """What a plan entry inherits (catalogue.Indicator's descriptive fields)."""
        out: dict[str, Any] = dict(
            name_zh=self.name_zh,
            name_en=self.name_en,
            unit=self.unit,
            unit_en=self.unit_en,
            kind=self.kind,
            city_only=self.city_only,
            parameters=dict(self.parameters),
        )
        if self.direction is not None:
            out["direction"] = self.direction
        if self.limit is not None:
            out["limit"] = self.limit
        return out


def _pairs(raw: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v) for k, v in (raw or {}).items())


def load_definition(path: Path) -> Definition:
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    where = path.name
    try:
        ind_id = raw["id"]
        if path.stem != ind_id:
            raise DefinitionError(f"{where}: id {ind_id!r} differs from the file name")
        comp = raw.get("compute") or {}
        if "sql" not in comp:
            raise DefinitionError(f"{where}: compute.sql is required")
        kind = raw.get("kind", "stock")
        if kind not in KINDS:
            raise DefinitionError(f"{where}: kind {kind!r} is not one of {KINDS}")
        ex = raw.get("explain")
        explain = None
        if ex:
            f = ex.get("formula")
            explain = Explain(
                ex["sql"], _pairs(ex.get("params")), ex.get("period"), (f["zh"], f["en"]) if f else None
            )
        ch = raw.get("checks") or {}
        unknown = set(ch) - {"range", "city_is_sum_of_units", "jumps", "within_invention_stock"}
        if unknown:
            raise DefinitionError(f"{where}: unknown checks {sorted(unknown)}")
        if ch.get("range") not in (None, *RANGES):
            raise DefinitionError(f"{where}: checks.range {ch['range']!r} is not one of {RANGES}")
        if ch.get("jumps") not in (None, *JUMP_BASES):
            raise DefinitionError(f"{where}: checks.jumps {ch['jumps']!r} is not one of {JUMP_BASES}")
        affect = raw.get("changes_affect", "date")
        if affect not in ("date", "calendar_year"):
            raise DefinitionError(f"{where}: changes_affect {affect!r} is not date or calendar_year")
        return Definition(
            id=ind_id,
            name_zh=raw["name_zh"],
            name_en=raw["name_en"],
            unit=raw["unit"],
            unit_en=raw.get("unit_en", raw["unit"]),
            kind=kind,
            sql=comp["sql"],
            direction=raw.get("direction"),
            limit=None if raw.get("limit") is None else float(raw["limit"]),
            decimals=None if raw.get("decimals") is None else int(raw["decimals"]),
            city_only=bool(raw.get("city_only", False)),
            companion=bool(raw.get("companion", False)),
            parameters=dict(raw.get("parameters") or {}),
            params=_pairs(comp.get("params")),
            based=bool(comp.get("based", False)),
            sources=tuple(raw.get("sources") or ()),
            reference=tuple(raw.get("reference") or ()),
            marts=tuple(raw.get("marts") or ()),
            explain=explain,
            checks=Checks(
                ch.get("range"),
                bool(ch.get("city_is_sum_of_units", False)),
                ch.get("jumps"),
                bool(ch.get("within_invention_stock", False)),
            ),
            changes_affect=affect,
            source=path,
        )
    except KeyError as exc:
        raise DefinitionError(f"{where}: lacks {exc}") from None


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple) -> dict[str, Definition]:
    return {d.id: d for d in (load_definition(f) for f in sorted(Path(directory).glob("*.yaml")))}


def load_definitions(directory: Path | None = None) -> dict[str, Definition]:
    """Every definition of the folder, by id, in file-name order (cached until a file changes)."""
    d = Path(directory or definitions_dir())
    files = sorted(d.glob("*.yaml")) if d.is_dir() else []
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return dict(_load(str(d.resolve()), stamp))
