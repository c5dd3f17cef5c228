"""Source contracts (`sources/<name>.yaml`) as typed objects.

The YAML is the single place that says which headers a source accepts, how
each column is typed and which rules quarantine a row (SOURCES.md); code only
interprets it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..paths import SOURCES_DIR
from .formats import Derivation, load_formats

COLUMN_TYPES = {
    "text",
    "code",
    "date",
    "enum",
    "int",
    "decimal",
    "application_no",
    "trademark_no",
    "office",
    "credit_code",
    "ipc",
    "ipc_list",
    "pledge_items",
    "bool",
}


class ContractError(ValueError):
    """A source YAML that does not say what the code needs."""


def normalise_header(text: str) -> str:
    """Headers match after NFKC and trimming (SOURCES.md), ignoring inner spaces and case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


@dataclass(frozen=True)
class HeaderAlias:
    header: str
    scale: float = 1.0  # e.g. 0.0001 for a header in 元 feeding a column in 万元


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    header: str
    aliases: tuple[HeaderAlias, ...]
    required: bool = False
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # enum: canonical -> accepted spellings
    default: Any = None
    min: float | None = None
    max: float | None = None
    min_exclusive: float | None = None
    kind_column: str | None = None  # pledge_items: the column saying patent or trademark
    personal: bool = False
    not_future: bool = False  # an event that cannot have happened after the load date


@dataclass(frozen=True)
class Rule:
    kind: str  # required_when | date_order
    action: str  # quarantine | warn
    params: dict[str, Any]


@dataclass(frozen=True)
class SourceContract:
    name: str
    title_zh: str
    title_en: str
    folder: str
    key: tuple[str, ...]
    location: str  # address | own_list | none
    address_columns: tuple[str, ...]  # in the order that decides the district (SOURCES.md)
    cadence_days: int
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    sheet: str | None = None
    database: dict[str, Any] | None = None
    formats: tuple = ()  # ExportFormat, from sources/formats/*.yaml (REAL_EXPORTS.md)
    derivations: dict = field(default_factory=dict)  # column -> Derivation, when a file gives no value
    # a record with no code and no address takes its unit from the first of its items in another
    # source's staged table: {column, kind_column, lookup: {kind: "stg_table.key_column"}}
    item_location: dict | None = None
    # A snapshot with fewer rows than the previous one by more than this share is held (SOURCES.md).
    max_shrink: float = 0.05

    @property
    def address_column(self) -> str | None:
        """The first address column (the only one for every source but transfers)."""
        return self.address_columns[0] if self.address_columns else None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def header_map(self) -> dict[str, tuple[str, float]]:
        """Normalised header text -> (column, scale). The English column name is accepted too."""
        out: dict[str, tuple[str, float]] = {}
        for c in self.columns:
            for alias in (HeaderAlias(c.name), HeaderAlias(c.header), *c.aliases):
                out.setdefault(normalise_header(alias.header), (c.name, alias.scale))
        return out


def _alias(raw: Any) -> HeaderAlias:
    if isinstance(raw, dict):
        return HeaderAlias(str(raw["header"]), float(raw.get("scale", 1.0)))
    return HeaderAlias(str(raw))


def _column(name: str, raw: dict[str, Any], source: str) -> Column:
    ctype = raw.get("type", "text")
    if ctype not in COLUMN_TYPES:
        raise ContractError(f"sources/{source}.yaml: column {name} has unknown type {ctype!r}")
    values = {str(k): tuple(str(v) for v in vs) + (str(k),) for k, vs in (raw.get("values") or {}).items()}
    if ctype == "enum" and not values:
        raise ContractError(f"sources/{source}.yaml: enum column {name} lists no values")
    if ctype == "bool" and set(values) != {"true", "false"}:
        raise ContractError(
            f"sources/{source}.yaml: bool column {name} must list the spellings of 'true' and 'false'"
        )
    return Column(
        name=name,
        type=ctype,
        header=str(raw.get("header", name)),
        aliases=tuple(_alias(a) for a in raw.get("aliases", [])),
        required=bool(raw.get("required", False)),
        values=values,
        default=raw.get("default"),
        min=raw.get("min"),
        max=raw.get("max"),
        min_exclusive=raw.get("min_exclusive"),
        kind_column=raw.get("kind_column"),
        personal=bool(raw.get("personal", False)),
        not_future=bool(raw.get("not_future", False)),
    )


def parse_contract(doc: dict[str, Any]) -> SourceContract:
    name = doc["name"]
    columns = tuple(_column(n, spec or {}, name) for n, spec in doc["columns"].items())
    names = {c.name for c in columns}
    key = tuple(doc["key"])
    if not set(key) <= names:
        raise ContractError(f"sources/{name}.yaml: key {key} names unknown columns")
    rules = []
    for r in doc.get("rules", []) or []:
        r = dict(r)
        kind = r.pop("kind")
        action = r.pop("action", "quarantine")
        rules.append(Rule(kind, action, r))
    derivations = {}
    for n, spec in doc["columns"].items():
        d = (spec or {}).get("derive")
        if d:
            if d.get("from") not in names:
                raise ContractError(
                    f"sources/{name}.yaml: column {n} derives from unknown column {d.get('from')!r}"
                )
            derivations[n] = Derivation(str(d["from"]), tuple((str(r), str(w)) for r, w in d["patterns"]))
    location = doc.get("location", "address")
    # `address_column: x` or, where several addresses decide in turn, `address_columns: [x, y]`
    addresses = doc.get("address_columns") or ([doc["address_column"]] if doc.get("address_column") else [])
    addresses = tuple(str(a) for a in addresses)
    if location == "address" and (not addresses or not set(addresses) <= names):
        raise ContractError(
            f"sources/{name}.yaml: location 'address' needs an address_column (or address_columns) "
            "naming columns of the source"
        )
    return SourceContract(
        name=name,
        title_zh=doc.get("title_zh", name),
        title_en=doc.get("title_en", name),
        folder=doc.get("folder", name),
        key=key,
        location=location,
        address_columns=addresses,
        cadence_days=int(doc.get("cadence_days", 35)),
        columns=columns,
        rules=tuple(rules),
        sheet=doc.get("sheet"),
        database=doc.get("database"),
        derivations=derivations,
        item_location=doc.get("item_location"),
        max_shrink=parse_share(doc.get("max_shrink", 0.05), f"sources/{name}.yaml: max_shrink"),
    )


def parse_share(raw: Any, where: str) -> float:
    """A share written 0.05 or `5 %` (also `5%`), between 0 and 1."""
    try:
        text = str(raw).strip()
        value = float(text.rstrip("%").strip()) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ContractError(f"{where} must be a share such as 0.05 or '5 %', not {raw!r}") from None
    if not 0 <= value <= 1:
        raise ContractError(f"{where} must lie between 0 and 1 (0 % and 100 %), not {raw!r}")
    return value


SOURCE_NAMES = (
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


@cache
def load_contract(name: str, directory: str | None = None) -> SourceContract:
    folder = Path(directory or SOURCES_DIR)
    contract = parse_contract(yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8")))
    return replace(contract, formats=load_formats(folder, contract.name, set(contract.column_names)))


def load_contracts(directory: str | None = None) -> dict[str, SourceContract]:
    return {n: load_contract(n, directory) for n in SOURCE_NAMES}


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    file: str
    required: bool
    key: tuple[str, ...]
    columns: dict[str, dict[str, Any]]
    # A file under assets/reference the project ships, staged when the landing zone has none.
    default: str | None = None


@cache
def load_reference_tables(directory: str | None = None) -> dict[str, ReferenceTable]:
    path = Path(directory or SOURCES_DIR) / "reference.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        n: ReferenceTable(
            n,
            t["file"],
            bool(t.get("required", True)),
            tuple(t["key"]),
            dict(t["columns"]),
            t.get("default"),
        )
        for n, t in doc["tables"].items()
    }


def reference_cadence_days(directory: str | None = None) -> int:
    path = Path(directory or SOURCES_DIR) / "reference.yaml"
    return int(yaml.safe_load(path.read_text(encoding="utf-8")).get("cadence_days", 400))
