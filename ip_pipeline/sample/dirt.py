"""Row-level dirt: at rate `dirt_rate` a row gets exactly one problem, so the reason the
pipeline must give is unambiguous, and every injection is counted for the manifest."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from . import dates, geo
from .formatting import Raw
from .schema import Schema

_BAD_ENUMS = ("待核实", "不详", "未知", "暂缓", "XYZ")
_BAD_NUMBERS = ("约500", "abc", "五百", "12.3.4", "1O0")

# Not quarantined, so they are bookkept apart from expected_quarantine.
IDENTICAL = "identical_duplicate"
CONFLICT = "conflicting_duplicate"
OUT_OF_SCOPE = "out_of_scope"
OLD_NAME = "old_district_name"
UNKNOWN_CODE = "unknown_code"


@dataclass
class Outcome:
    """What happens to one generated record: the rows to write now, a row to write later
    (a duplicate copy, or the winning row of a conflict), and what the pipeline must make
    of the record: quarantine it, or stage it (outside Yantai: in_scope false)."""

    now: list[dict]
    later: dict | None = None
    later_identical: bool = False
    quarantined: bool = False
    in_scope: bool = True

    @property
    def counts(self) -> bool:
        """The record is staged and located in Yantai: it counts in city indicators."""
        return not self.quarantined and self.in_scope


Extra = Callable[[dict, random.Random], None]


@dataclass
class Dirt:
    schema: Schema
    rnd: random.Random
    rate: float
    conflict: Callable[[dict, random.Random], dict] | None = None
    extras: dict[str, Extra] = field(default_factory=dict)
    expected: Counter = field(default_factory=Counter)
    tallies: Counter = field(default_factory=Counter)

    def __post_init__(self):
        s = self.schema
        # the column saying patent or trademark decides how items are written: keep it clean
        avoid = s.rule_columns() | set(s.key) | {c.kind_column for c in s.columns if c.kind_column}
        kinds: list[str] = []
        for col in s.columns:
            if col.name in avoid:
                continue
            if col.type == "date":
                kinds.append(f"bad_date:{col.name}")
            if col.type in ("enum", "bool"):
                kinds.append(f"bad_enum:{col.name}")
            if col.required:
                kinds.append(f"missing:{col.name}")
            if col.type == "decimal":
                kinds.append(f"bad_number:{col.name}")
            if col.bounded:
                kinds.append(f"out_of_range:{col.name}")
        kinds += list(self.extras)
        if self.conflict is not None:
            kinds.append(CONFLICT)
        kinds.append(IDENTICAL)
        names = s.names
        if "district_code" in names:
            kinds += [OLD_NAME, UNKNOWN_CODE]
        if s.address_columns:
            kinds += [OUT_OF_SCOPE, OUT_OF_SCOPE]
        self.kinds = tuple(kinds)

    def apply(self, rec: dict) -> Outcome:
        if self.rate <= 0 or self.rnd.random() >= self.rate:
            return Outcome([rec])
        kind = self.rnd.choice(self.kinds)
        rnd = self.rnd
        if kind == IDENTICAL:
            self.tallies["identical_duplicates"] += 1
            return Outcome([rec], later=rec, later_identical=True)
        if kind == CONFLICT:
            self.expected[CONFLICT] += 1
            return Outcome([self.conflict(rec, rnd)], later=rec)
        if kind == OUT_OF_SCOPE:
            self.tallies["out_of_scope"] += 1
            for column in self.schema.address_columns:  # every party outside Yantai
                rec[column] = geo.outside_address(rnd)
            rec["district_code"] = None
            return Outcome([rec], in_scope=False)
        if kind == OLD_NAME:
            self.tallies["old_district_names"] += 1
            self._old_name(rec)
            return Outcome([rec])
        if kind == UNKNOWN_CODE:
            self.tallies["unknown_codes"] += 1
            rec["district_code"] = rnd.choice(geo.UNKNOWN_CODES)
            return Outcome([rec])
        self.expected[kind] += 1
        if kind in self.extras:
            self.extras[kind](rec, rnd)
        else:
            problem, column = kind.split(":")
            rec[column] = self._bad_value(problem, column, rec)
        return Outcome([rec], quarantined=True)

    def _old_name(self, rec: dict) -> None:
        rnd = self.rnd
        old_code = rnd.choice(tuple(geo.OLD_CODES))
        address_col = self.schema.address_columns[0] if self.schema.address_columns else None
        if address_col is None:
            rec["district_code"] = old_code
        elif rnd.random() < 0.5:
            rec[address_col] = geo.old_name_address(rnd)
            rec["district_code"] = None
        else:
            rec[address_col] = geo.old_name_address(rnd)
            rec["district_code"] = old_code

    def _bad_value(self, problem: str, column: str, rec: dict):
        rnd = self.rnd
        col = self.schema.column(column)
        if problem == "bad_date":
            return Raw(dates.impossible_date(rnd, dates.EPOCH.replace(year=rnd.randint(2006, 2025))))
        if problem == "bad_enum":
            return Raw(rnd.choice(_BAD_ENUMS))
        if problem == "missing":
            return None
        if problem == "bad_number":
            return Raw(rnd.choice(_BAD_NUMBERS))
        if problem == "out_of_range":
            current = rec.get(column) or 1
            if col.max is not None and (col.min is None or rnd.random() < 0.5):
                return col.max + rnd.randint(1, 20)
            if col.min is not None:
                return col.min - rnd.randint(1, 20)
            return -abs(current) if rnd.random() < 0.8 else 0
        raise ValueError(problem)
