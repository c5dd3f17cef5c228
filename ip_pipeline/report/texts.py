"""Words and numbers in the report's language: strings from reports/strings.yaml, names from the catalogue."""
from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..indicators.catalogue import Plan
from ..paths import REPORT_TEMPLATES_DIR
from .style import Style

STRINGS_FILE = REPORT_TEMPLATES_DIR / "strings.yaml"
LANGS = ("zh", "en")
DASH = "—"


@lru_cache(maxsize=4)
def load_strings(path: Path = STRINGS_FILE) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class Texts:
    """`t("cover.col_value")`, `t.name(id)`, `t.number(v, id)`: everything printed goes through here."""

    def __init__(self, lang: str, plan: Plan, style: Style, strings: dict[str, Any] | None = None):
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
        self.lang = lang
        self.plan = plan
        self.style = style
        self.strings = strings or load_strings()

    # -- strings ---------------------------------------------------------------
    def node(self, key: str) -> Any:
        node: Any = self.strings
        for part in key.split("."):
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self.node(key)
            return True
        except (KeyError, TypeError):
            return False

    def __call__(self, key: str, **values: Any) -> str:
        return str(self.node(key)[self.lang]).format(**values)

    # -- catalogue ---------------------------------------------------------------
    def name(self, indicator_id: str) -> str:
        try:
            ind = self.plan.indicator(indicator_id)
        except KeyError:
            return indicator_id
        return ind.name_zh if self.lang == "zh" else ind.name_en

    def unit(self, indicator_id: str) -> str:
        try:
            ind = self.plan.indicator(indicator_id)
        except KeyError:
            return ""
        return ind.unit if self.lang == "zh" else ind.unit_en

    def status(self, status: str | None) -> str:
        return self.plan.status_label(status or "not_available", self.lang)

    def plan_name(self) -> str:
        return self.plan.name_zh if self.lang == "zh" else self.plan.name_en

    def definition(self, indicator_id: str) -> str:
        key = f"definitions.{indicator_id}"
        return self(key) if self.has(key) else self("method.definition_missing")

    def district(self, code: str, name_zh: Any, name_en: Any) -> str:
        if self.lang == "zh":
            return str(name_zh) if not is_missing(name_zh) and name_zh else str(code)
        return str(name_en) if not is_missing(name_en) and name_en else str(code)

    # -- dates -------------------------------------------------------------------
    def month(self, month: str) -> str:
        y, m = (int(p) for p in month.split("-"))
        return self("report.month", year=y, month=m, month_name=self.strings["months_en"][m - 1])

    def date(self, d: date | datetime | None) -> str:
        if d is None:
            return DASH
        if self.lang == "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {self.strings['months_en'][d.month - 1]} {d.year}"

    # -- numbers -----------------------------------------------------------------
    def number(self, value: Any, indicator_id: str | None = None, signed: bool = False,
               decimals: int | None = None) -> str:
        if is_missing(value):
            return DASH
        d = decimals if decimals is not None else (self.style.decimals(indicator_id) if indicator_id else 2)
        value = float(value)
        if round(value, d) == 0:
            value, signed = 0.0, False  # never print −0.00 or +0
        text = f"{value:+,.{d}f}" if signed else f"{value:,.{d}f}"
        return text.replace("-", "−")

    def value(self, value: Any, indicator_id: str, signed: bool = False) -> str:
        """A number with its unit: `7.20 件`, `31.2%`, `13.10 10k marks`."""
        text = self.number(value, indicator_id, signed=signed)
        if text == DASH:
            return text
        unit = self.unit(indicator_id)
        if unit == "%":
            return text + "%"
        if self.lang == "zh" and unit in ("件", "家", "分", "万件", "万元"):
            return f"{text}{unit}" if unit in ("万件", "万元") else f"{text} {unit}"
        return f"{text} {unit}".strip()

    def short(self, value: Any, indicator_id: str, signed: bool = False) -> str:
        """A number without its unit word (tables whose first column carries the unit); % stays."""
        text = self.number(value, indicator_id, signed=signed)
        return text + "%" if text != DASH and self.unit(indicator_id) == "%" else text

    def name_in_sentence(self, indicator_id: str) -> str:
        name = self.name(indicator_id)
        if self.lang == "en" and len(name) > 1 and name[1].islower():
            return name[0].lower() + name[1:]
        return name

    def percent(self, value: Any, decimals: int = 1, scale: float = 100.0) -> str:
        if is_missing(value):
            return DASH
        return f"{float(value) * scale:.{decimals}f}%".replace("-", "−")

    def join(self, items: list[str]) -> str:
        return self("narrative.list_sep").join(items)
