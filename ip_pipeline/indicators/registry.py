"""Which SQL computes each published indicator id, and which sources it reads — built
from the indicator definitions (assets/catalogue/indicators/<id>.yaml, indicator_definitions.py).

The plans say what they target; a definition says how an id is computed. A new plan
reusing these ids needs no code; an id with no definition is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass

from .indicator_definitions import Definition, load_definitions


@dataclass(frozen=True)
class Computation:
    sql: str  # <sql folder>/indicators/<sql>.sql
    sources: tuple[str, ...]  # data sources (source_snapshots.source)
    reference: tuple[str, ...] = ()  # reference tables read
    city_only: bool = False
    params: tuple[tuple[str, str], ...] = ()  # $name values the SQL file is run with
    # Measured from a base year (growth rates, counts "since the end of the base year"): the
    # engine gives it a base year per as-of date, from the plans that define this id
    # (calc_frame.growth_base_year), in `_calc_growth_base (indicator_id, as_of, base_year)`.
    based: bool = False
    marts: tuple[str, ...] = ()  # marts the SQL reads (asset dependencies)

    @classmethod
    def of(cls, d: Definition) -> Computation:
        name = d.sql[len("indicators/") :] if d.sql.startswith("indicators/") else d.sql
        return cls(name, d.sources, d.reference, d.city_only, d.params, d.based, d.marts)


class _Layered(MutableMapping):
    """The definitions folder's view (read when asked, so a changed folder is seen), with
    in-process overrides on top (tests patch an entry with monkeypatch.setitem/delitem)."""

    def __init__(self, build):
        self._build = build
        self._set: dict = {}
        self._deleted: set = set()

    def _base(self) -> dict:
        return {i: self._build(d) for i, d in load_definitions().items()}

    def _view(self) -> dict:
        out = {k: v for k, v in self._base().items() if k not in self._deleted}
        out.update(self._set)
        return out

    def __getitem__(self, key):
        if key in self._set:
            return self._set[key]
        if key in self._deleted:
            raise KeyError(key)
        return self._base()[key]

    def __setitem__(self, key, value) -> None:
        self._deleted.discard(key)
        self._set[key] = value

    def __delitem__(self, key) -> None:
        if key not in self:
            raise KeyError(key)
        self._set.pop(key, None)
        self._deleted.add(key)

    def __iter__(self) -> Iterator:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._view()!r})"


COMPUTATIONS: MutableMapping[str, Computation] = _Layered(Computation.of)


def default_units() -> dict[str, str]:
    return {i: d.unit for i, d in load_definitions().items()}


class _Units(MutableMapping):
    """Unit of every defined id (plans may leave a companion out)."""

    def __getitem__(self, k):
        return default_units()[k]

    def __setitem__(self, k, v):
        raise TypeError("units come from the indicator definitions")

    def __delitem__(self, k):
        raise TypeError("units come from the indicator definitions")

    def __iter__(self):
        return iter(default_units())

    def __len__(self):
        return len(default_units())


DEFAULT_UNITS = _Units()


def companion_ids() -> tuple[str, ...]:
    """Ids published beside the plans' own even if a catalogue forgets them (INDICATORS.md, output contract)."""
    return tuple(i for i, d in load_definitions().items() if d.companion)


# Kept as a name for callers; a tuple read when the module loads, companion_ids() reads the folder.
COMPANION_IDS = companion_ids()


# Staged tables that a warehouse may lack, or hold without some columns (a source folder
# that never existed; enforcement exports without the optional judicial columns). The
# indicators read them through temp views `_calc_in_<name>` with exactly these columns,
# NULL where the table or the column is missing, so that the values are NULL with flag
# `no_data` instead of an error (INDICATORS.md, "The plan in force now").
OPTIONAL_INPUTS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "_calc_in_transfers": (
        "stg_transfers",
        (
            ("record_no", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("ip_type", "VARCHAR"),
            ("registration_date", "DATE"),
            ("district_code", "VARCHAR"),
            ("in_scope", "BOOLEAN"),
            ("assignor", "VARCHAR"),
            ("assignee", "VARCHAR"),
            ("items", "VARCHAR"),
        ),
    ),
    "_calc_in_cases": (
        "stg_enforcement",
        (
            ("case_no", "VARCHAR"),
            ("authority_type", "VARCHAR"),
            ("case_nature", "VARCHAR"),
            ("instance", "VARCHAR"),
            ("accepted", "BOOLEAN"),
            ("opened_date", "DATE"),
            ("closed_date", "DATE"),
            ("district_code", "VARCHAR"),
        ),
    ),
}


def source_names(comp: Computation) -> list[str]:
    """Names a source may carry in source_snapshots (the reference tables share one snapshot)."""
    names: list[str] = []
    for s in comp.sources:
        names += [s, f"stg_{s}"]
    for t in comp.reference:
        names += ["reference", t, f"stg_{t}", f"reference/{t}", f"reference.{t}", f"reference_{t}"]
    return sorted(set(names))
