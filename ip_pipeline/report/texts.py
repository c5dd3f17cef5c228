"""Words and numbers in the report's language: strings from reports/strings.yaml, names from the catalogue."""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..dates import in_yantai
from ..indicators import rules
from ..indicators.catalogue import Plan
from ..paths import REPORT_TEMPLATES_DIR, SOURCES_DIR
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

    def __init__(
        self,
        lang: str,
        plan: Plan,
        style: Style,
        strings: dict[str, Any] | None = None,
        plans: list[Plan] | None = None,
    ):
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
        self.lang = lang
        self.plan = plan
        self.plans = [plan] + [p for p in (plans or []) if p.id != plan.id]
        self.style = style
        self.strings = strings or load_strings()

    def for_plan(self, plan: Plan) -> Texts:
        """The same words with another plan's names, units and status labels."""
        return Texts(self.lang, plan, self.style, self.strings, self.plans)

    def _indicator(self, indicator_id: str):
        for plan in self.plans:
            try:
                return plan.indicator(indicator_id)
            except KeyError:
                continue
        return None

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

    def raw(self, key: str) -> str:
        """A string as written (typeset math keeps its braces)."""
        return str(self.node(key)[self.lang])

    def __call__(self, key: str, **values: Any) -> str:
        return str(self.node(key)[self.lang]).format(**values)

    # -- catalogue ---------------------------------------------------------------
    def name(self, indicator_id: str) -> str:
        ind = self._indicator(indicator_id)
        if ind is None:
            key = f"indicator_names.{indicator_id}"
            return self(key) if self.has(key) else indicator_id
        return ind.name_zh if self.lang == "zh" else ind.name_en

    def unit(self, indicator_id: str) -> str:
        ind = self._indicator(indicator_id)
        if ind is None:
            key = f"indicator_units.{indicator_id}"
            return self(key) if self.has(key) else ""
        return ind.unit if self.lang == "zh" else ind.unit_en

    def unit_zh(self, indicator_id: str) -> str:
        """The catalogue's Chinese unit: the one the number formats are chosen by, in either language."""
        ind = self._indicator(indicator_id)
        if ind is None:
            node = self.strings.get("indicator_units", {}).get(indicator_id)
            return node["zh"] if node else ""
        return ind.unit

    def kind(self, indicator_id: str) -> str:
        ind = self._indicator(indicator_id)
        return ind.kind if ind is not None else "stock"

    def status(self, status: str | None) -> str:
        """The catalogue's word for a status (one vocabulary in PDF, XLSX, CLI and UI)."""
        status = status or "not_available"
        for plan in self.plans:
            try:
                return plan.status_label(status, self.lang)
            except (KeyError, TypeError):
                continue
        return self(f"statuses.{status}")

    def generated(self, moment: datetime) -> str:
        """生成时间 on Beijing time and labelled so (the server's clock runs on UTC)."""
        return self("report.generated", ts=in_yantai(moment).strftime("%Y-%m-%d %H:%M"))

    def plan_name(self, plan: Plan | None = None) -> str:
        plan = plan or self.plan
        return plan.name_zh if self.lang == "zh" else plan.name_en

    def plan_short(self, plan: Plan | None = None) -> str:
        plan = plan or self.plan
        key = f"plan_short.{plan.id}"
        return self(key) if self.has(key) else self.plan_name(plan)

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
    def number(
        self, value: Any, indicator_id: str | None = None, signed: bool = False, decimals: int | None = None
    ) -> str:
        if is_missing(value):
            return DASH
        d = decimals if decimals is not None else (self.style.decimals(indicator_id) if indicator_id else 2)
        value = float(value)
        if round(value, d) == 0:
            value, signed = 0.0, False  # never print −0.00 or +0
        text = f"{value:+,.{d}f}" if signed else f"{value:,.{d}f}"
        return text.replace("-", "−")

    def value(self, value: Any, indicator_id: str, signed: bool = False, point: bool = False) -> str:
        """A number with its unit: `7.20 件`, `31.2%`, `17.40万件` / `174,000 marks`, `12.65亿元` / `CNY 1,265 million`.

        `point=True` for a difference of percentages: `+1.2 个百分点` / `+1.2 points`.
        """
        if is_missing(value):
            return DASH
        unit_zh = self.unit_zh(indicator_id)
        unit = self.unit(indicator_id)
        zh = self.lang == "zh"
        if unit_zh == "%":
            text = self.number(value, indicator_id, signed=signed)
            if point:
                return self("units.points", v=text)
            return text + "%"
        if unit_zh == "万元":  # amounts: 亿元 from one 亿 up
            v = float(value)
            if zh:
                if abs(v) >= 10000:
                    return self.number(v / 10000, signed=signed, decimals=2) + "亿元"
                return self.number(v, signed=signed, decimals=0) + "万元"
            yuan = v * 10000
            if abs(yuan) >= 1e6:
                return "CNY " + self.number(yuan / 1e6, signed=signed, decimals=1) + " million"
            return "CNY " + self.number(yuan, signed=signed, decimals=0)
        if unit_zh == "万件" and not zh:  # 17.40 (10k marks) -> 174,000 marks
            text = self.number(float(value) * 10000, signed=signed, decimals=0)
            return f"{text} {self._plural(self('units.marks'), text)}"
        text = self.number(value, indicator_id, signed=signed)
        if zh and unit_zh in ("万件", "万元"):
            return f"{text}{unit_zh}"
        if not zh:
            unit = self._plural(unit, text)
        return f"{text} {unit}".strip()

    def value_as_catalogued(self, value: Any, indicator_id: str) -> str:
        """The number in the catalogue's own unit, never converted (`0.96 10k marks`, not `9,586 marks`):
        the label of a scale whose squares or ticks print bare numbers in that unit."""
        unit_zh = self.unit_zh(indicator_id)
        if is_missing(value) or unit_zh not in ("万件", "万元"):
            return self.value(value, indicator_id)
        text = self.number(value, indicator_id)
        return f"{text}{unit_zh}" if self.lang == "zh" else f"{text} {self.unit(indicator_id)}"

    def value_against(
        self, value: Any, target: Any, indicator_id: str, missed: bool, comparison: str | None = "ge"
    ) -> str:
        """The value, with more decimals when rounding would make a missed target look met (29.97% vs 30%):
        the decimals are rules.display_decimals', the engine's value_display."""
        text = self.value(value, indicator_id)
        if missed and not is_missing(value) and not is_missing(target):
            d = self.style.decimals(indicator_id)
            shown = rules.display_decimals(float(value), float(target), d, True, comparison)
            if shown != d:
                text = self.number(value, decimals=shown) + text[len(self.number(value, indicator_id)) :]
        return text

    @staticmethod
    def _plural(unit: str, text: str) -> str:
        """`1 grant`, `2 grants`: English units are written plural in the catalogue."""
        if text.lstrip("+−") == "1" and unit.endswith("s") and " " not in unit:
            return unit[:-1]
        return unit

    def change(self, now: Any, before: Any, indicator_id: str, pct: bool = True) -> str:
        """`+12 件（+5.5%）`: the absolute change with its unit and, beside it, the growth in percent."""
        if is_missing(now) or is_missing(before):
            return DASH
        delta = float(now) - float(before)
        unit = self.unit_zh(indicator_id)
        text = self.value(delta, indicator_id, signed=True, point=unit == "%")
        if pct and unit != "%" and float(before) > 0 and round(delta, self.style.decimals(indicator_id)) != 0:
            rel = self.percent(delta / float(before), 1)
            rel = rel if rel.startswith("−") else "+" + rel
            text += f"（{rel}）" if self.lang == "zh" else f" ({rel})"
        return text

    def target(self, target, indicator_id: str) -> str:
        """`10.34 件`; `≥ 30.0%` for a growth target; `> 18.00万件` for 超过; `显著提升` for an improvement target."""
        if target is None:
            return DASH
        if target.kind == "improvement" or target.value is None:
            return self("cover.target_improvement")
        text = self.value(target.value, indicator_id)
        cmp = getattr(target, "comparison", "ge")
        if target.kind == "growth" or cmp in ("gt", "lt"):
            text = f"{ {'ge': '≥', 'gt': '>', 'le': '≤', 'lt': '<'}.get(cmp, '≥') } {text}"
        if target.kind == "cumulative":
            text = self("cover.target_cumulative", value=text)
        return text

    def period(self, d: date | None, ytd: bool, rate: bool = False) -> str:
        """The period a value covers: `1—11月累计`, `2025年全年`; a stock: `11月末`."""
        if d is None:
            return DASH
        if ytd:
            if (d.month, d.day) == (12, 31):
                return self("periods.full_year", year=d.year)
            if d.day != calendar.monthrange(d.year, d.month)[1]:
                return self(
                    "periods.ytd_to_day",
                    year=d.year,
                    month=d.month,
                    day=d.day,
                    month_name=self.strings["months_en"][d.month - 1][:3],
                )
            if d.month == 1:
                return self("periods.january", year=d.year)
            return self(
                "periods.ytd_rate" if rate else "periods.ytd",
                year=d.year,
                month=d.month,
                month_name=self.strings["months_en"][d.month - 1][:3],
            )
        return self(
            "periods.stock",
            year=d.year,
            month=d.month,
            day=d.day,
            month_name=self.strings["months_en"][d.month - 1],
        )

    def short(self, value: Any, indicator_id: str, signed: bool = False) -> str:
        """A number without its unit word (tables whose first column carries the unit); % stays."""
        if self.lang == "en" and self.unit_zh(indicator_id) == "万件" and not is_missing(value):
            return self.number(
                float(value) * 10000, signed=signed, decimals=0
            )  # as the value beside it: marks
        text = self.number(value, indicator_id, signed=signed)
        return text + "%" if text != DASH and self.unit_zh(indicator_id) == "%" else text

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

    # -- sources, tables, checks, quarantine reasons: words, never internal names in Chinese ---------
    def source_title(self, source: str, title_zh: Any = None, title_en: Any = None) -> str:
        key = f"sources.{source}"
        if self.has(key):
            return self(key)
        title = title_zh if self.lang == "zh" else title_en
        if not is_missing(title) and title and title != source:
            return str(title)
        return self("sources.unknown") if self.lang == "zh" else source

    def table_title(self, table: str) -> str:
        """What the table holds, in words, in both editions (BULLETIN.md: a reader never meets an
        internal table name such as stg_* or plan_outcomes)."""
        key = f"tables.{table}"
        if self.has(key):
            return self(key)
        if table.startswith("stg_"):
            src = table[4:]
            meta = source_meta().get(src)
            if meta:
                return self("tables.staged", source=meta["zh"] if self.lang == "zh" else meta["en"])
        return self("tables.unknown")

    def check(self, name: str, severity: Any = None) -> str:
        key = f"checks.{name}"
        text = self(key) if self.has(key) else (self("checks.unknown") if self.lang == "zh" else name)
        sev = str(severity or "").lower()
        if self.lang == "en":
            return f"{name} ({severity})" if severity else name
        level = self(f"checks.severity.{sev}") if self.has(f"checks.severity.{sev}") else ""
        return f"{text}（{level}）" if level else text

    def reason(self, code: str, source: str | None = None) -> str:
        """`bad_format:application_no` -> `格式错误（申请号）` in Chinese; the code itself in English."""
        if self.lang == "en":
            return code
        kind, _, column = str(code).partition(":")
        label = self(f"reasons.{kind}") if self.has(f"reasons.{kind}") else self("reasons.other")
        if column:
            header = source_meta().get(source or "", {}).get("columns", {}).get(column)
            if header is None:
                header = next(
                    (m["columns"][column] for m in source_meta().values() if column in m["columns"]),
                    self("reasons.a_column"),
                )
            return f"{label}（{header}）"
        return label


@lru_cache(maxsize=1)
def source_meta() -> dict[str, dict[str, Any]]:
    """Each source's titles and its columns' Chinese headers, from sources/*.yaml."""
    out: dict[str, dict[str, Any]] = {}
    for f in sorted(Path(SOURCES_DIR).glob("*.yaml")):
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict):
            continue
        name = doc.get("name", f.stem)
        cols = {}
        for col, spec in (doc.get("columns") or {}).items():
            header = spec.get("header") if isinstance(spec, dict) else None
            if isinstance(header, str):
                cols[col] = header.split("(")[0].split("（")[0]
        out[name] = {"zh": doc.get("title_zh", name), "en": doc.get("title_en", name), "columns": cols}
    return out
