"""The source contracts (sources/*.yaml) as the generator needs them: headers and their
aliases, types, enum spellings, required columns, bounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from ip_pipeline.paths import SOURCES_DIR

SOURCES = (
    "patents",
    "overseas_grants",
    "trademarks",
    "pledges",
    "enforcement",
    "transfers",
    "awards",
    "enterprises",
    "survey",
)


@dataclass(frozen=True)
class Alias:
    header: str
    scale: float = 1.0  # the YAML's `scale`: a header in 元 is read times 0.0001


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    aliases: tuple[Alias, ...]
    type: str
    required: bool
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    min_exclusive: float | None = None
    kind_column: str | None = None  # pledge_items: the column saying patent or trademark

    @property
    def bounded(self) -> bool:
        return self.min is not None or self.max is not None or self.min_exclusive is not None


@dataclass(frozen=True)
class Schema:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    address_column: str | None  # the YAML's single address_column (None where several decide)
    location: str
    rules: tuple[dict, ...]
    address_columns: tuple[str, ...] = ()  # every address that can place a record in Yantai, in order

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_scaled_headers(self) -> bool:
        return any(a.scale != 1.0 for c in self.columns for a in c.aliases)

    def rule_columns(self) -> set[str]:
        """Columns whose quarantine rules involve another column; dirt keeps away from them
        so that one injected problem gives exactly one reason."""
        out: set[str] = set()
        for rule in self.rules:
            if rule.get("action") != "quarantine":
                continue
            out.update(str(rule[k]) for k in ("column", "when_column", "earlier", "later") if k in rule)
        return out


def _alias(raw) -> Alias:
    if isinstance(raw, dict):
        return Alias(raw["header"], float(raw.get("scale", 1.0)))
    return Alias(str(raw))


@cache
def load(name: str) -> Schema:
    doc = yaml.safe_load((SOURCES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    columns = []
    for col_name, spec in doc["columns"].items():
        values = {k: tuple(str(x) for x in v) for k, v in (spec.get("values") or {}).items()}
        columns.append(
            Column(
                name=col_name,
                header=spec["header"],
                aliases=tuple(_alias(a) for a in spec.get("aliases", ())),
                type=spec["type"],
                required=bool(spec.get("required", False)),
                values=values,
                min=spec.get("min"),
                max=spec.get("max"),
                min_exclusive=spec.get("min_exclusive"),
                kind_column=spec.get("kind_column"),
            )
        )
    return Schema(
        name=doc["name"],
        key=tuple(doc["key"]),
        columns=tuple(columns),
        address_column=doc.get("address_column"),
        location=doc.get("location", "none"),
        rules=tuple(doc.get("rules", ())),
        address_columns=tuple(
            doc.get("address_columns") or ([doc["address_column"]] if doc.get("address_column") else [])
        ),
    )
