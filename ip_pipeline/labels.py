"""Names and numbers for people, in Chinese or English: district, indicator, plan and status
names beside the ids the warehouse stores (`Labels`), numbers by their unit (`format_number`).
The command line's tables (cli/tables.py) and the Dagster UI's markdown (defs/markdown.py) both
print with them.

    labels = Labels.load(con, lang)           # names of districts, indicators, plans, statuses
    labels.district("370602"), labels.value(11.23, "invention_patents_per_10k")
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from .city import CITY
from .indicators import rules
from .indicators.catalogue import load_plans
from .indicators.registry import DEFAULT_UNITS
from .sample.geo import DISTRICTS_CSV

MISSING = "—"
# A value NULL with flag no_data: its sources have delivered nothing to compute it from yet.
NO_DATA_YET = {"zh": "暂无数据", "en": "no data yet"}


def no_data_yet(value, flags, lang: str) -> str | None:
    """The words for a value that has no data yet (NULL, flag no_data), else None."""
    missing = value is None or (isinstance(value, float) and value != value)
    return (
        NO_DATA_YET.get(lang, NO_DATA_YET["zh"])
        if missing and flags is not None and "no_data" in list(flags)
        else None
    )


# Decimals by unit (the catalogue's unit, Chinese or English): None = integer when whole, else 2.
PER_CAPITA = {"hv_patents_per_10k"}  # ids in 件 that are ratios, not counts
UNIT_DECIMALS = {"家": 0, "次": 0, "万件": 2, "万元": 2, "%": 1, "分": 1, "件": None}


def format_number(
    value: Any, unit: str | None = None, with_unit: bool = True, decimals: int | None = None
) -> str:
    """140 家, 11.23 万件, 31.4 %, 5.06 件 — counts as integers, never "140.00 家"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return MISSING
    if decimals is None:
        decimals = UNIT_DECIMALS.get(unit or "", None)
        if unit == "%" and abs(v) < 10:
            decimals = 2
    if decimals is None:
        decimals = 0 if v.is_integer() else 2
    text = f"{v:,.{decimals}f}"
    if with_unit and unit:
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
    return text


def format_count(value: Any) -> str:
    """A numerator or denominator: an integer when it is whole."""
    return format_number(value, None, with_unit=False)


@dataclass
class Labels:
    """Names for the ids the warehouse stores, in one language (zh or en)."""

    lang: str = "zh"
    districts: dict[str, tuple[str, str]] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)  # id -> catalogue Indicator
    plans: dict[str, Any] = field(default_factory=dict)  # id -> Plan
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, con=None, lang: str = "zh", plans=None) -> Labels:
        """District names from `stg_districts` (when `con` has it; else Yantai's standard units),
        indicators, plans and status words from the catalogue."""
        plans = list(plans) if plans is not None else load_plans()
        labels = cls(lang=lang, districts=dict(standard_districts()))
        if con is not None:
            try:
                for code, zh, en in con.execute(
                    "SELECT code, name_zh, name_en FROM stg_districts"
                ).fetchall():
                    labels.districts[str(code)] = (zh or str(code), en or zh or str(code))
            except Exception:  # noqa: BLE001  no staged districts yet: the standard names stay
                pass
        for plan in plans:
            labels.plans.setdefault(plan.id, plan)
            for ind in plan.indicators + plan.companions:
                labels.indicators.setdefault(ind.id, ind)
            for status, words in (plan.status.get("labels") or {}).items():
                labels.statuses.setdefault(status, (words.get("zh", status), words.get("en", status)))
        return labels

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]

    def district_name(self, code: Any) -> str:
        code = "" if code is None else str(code)
        return self._pick(self.districts[code]) if code in self.districts else code

    def district(self, code: Any) -> str:
        """`370602 芝罘区` (the code stays: it is what --district takes)."""
        name = self.district_name(code)
        return f"{code} {name}" if name and name != str(code) else str(code)

    def indicator(self, indicator_id: str) -> str:
        ind = self.indicators.get(indicator_id)
        if ind is None:
            return indicator_id
        return ind.name_en if self.lang == "en" else ind.name_zh

    def unit(self, indicator_id: str, stored: str | None = None) -> str:
        ind = self.indicators.get(indicator_id)
        if ind is None:
            return stored or DEFAULT_UNITS.get(indicator_id, "")
        return ind.unit_en if self.lang == "en" else ind.unit

    def value(
        self, value: Any, indicator_id: str, stored_unit: str | None = None, decimals: int | None = None
    ) -> str:
        """A value in the indicator's unit: the indicator's displayed decimals (indicators/rules.py, as
        the report; `decimals` when the engine chose more, e.g. a missed target), the unit in the language."""
        ind = self.indicators.get(indicator_id)
        zh_unit = ind.unit if ind is not None else (stored_unit or "")
        if decimals is None and ind is not None:
            decimals = rules.decimals(indicator_id)
        elif decimals is None:
            # 件 is a count (integers) except for a per-capita ratio.
            decimals = (2 if indicator_id in PER_CAPITA else 0) if zh_unit == "件" else None
        text = format_number(value, zh_unit, with_unit=False, decimals=decimals)
        unit = self.unit(indicator_id, stored_unit)
        if text == MISSING or not unit:
            return text
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"

    def plan(self, plan_id: str) -> str:
        plan = self.plans.get(plan_id)
        if plan is None:
            return plan_id
        return plan.name_en if self.lang == "en" else plan.name_zh

    def status(self, status: str | None, zh: str | None = None, en: str | None = None) -> str:
        """The catalogue's word for a status (the row's own label when it carries one)."""
        own = en if self.lang == "en" else zh
        if own:
            return own
        if not status:
            return MISSING
        return self._pick(self.statuses[status]) if status in self.statuses else status


def standard_districts() -> dict[str, tuple[str, str]]:
    """Yantai's reporting units (SOURCES.md reference/districts.csv) and the city itself."""
    out = {CITY: ("烟台市", "Yantai")}
    for row in csv.DictReader(io.StringIO(DISTRICTS_CSV)):
        out[row["code"]] = (row["name_zh"], row["name_en"] or row["name_zh"])
    return out
