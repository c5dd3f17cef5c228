"""Tables for people: names beside codes, numbers by unit, columns aligned on Chinese text.

Any command can print a table with it:

    from ip_pipeline.cli.tables import Labels, render
    labels = Labels.load(con, lang)           # names of districts, indicators, plans, statuses
    print(render(["指标", "值"], [[labels.indicator(i), labels.value(v, i)] for i, v in rows]))

Alignment counts display columns, not characters: an East Asian wide or
full-width character (`unicodedata.east_asian_width` W or F: 芝, （, ％) takes
two terminal columns, a combining mark none. The standard library is enough
for this; no `wcwidth` dependency.

Machine formats (csv, json) never go through here: they keep the warehouse's
columns and ids.

For another command (e.g. `plans`, `outcomes` in cli/plans.py):

    labels = Labels.load(con, args.lang)
    rows = [[labels.plan(r.plan_id), labels.indicator(r.indicator_id), labels.district(r.district_code),
             labels.value(r.value, r.indicator_id), labels.status(r.final_status)] for r in df.itertuples()]
    print(render([header("plan", lang), header("indicator", lang), ...], rows))

and for an option that takes an id: `help=plan_ids_help("one plan")`, `district_ids_help()`,
`indicator_ids_help()`, `source_ids_help()`.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

MISSING = "—"

# Display texts of the CLI in both languages: a column header is looked up by key.
HEADERS = {
    "as_of": ("日期", "As of"),
    "plan": ("规划", "Plan"),
    "indicator": ("指标", "Indicator"),
    "district": ("区划", "Unit"),
    "value": ("值", "Value"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "flags": ("标记", "Flags"),
    "current": ("当前值", "Value"),
    "base": ("基期值", "Base"),
    "target": ("目标值", "Target"),
    "expected": ("应达值", "Expected"),
    "ratio": ("进度比", "Ratio"),
    "status": ("状态", "Status"),
    "score": ("得分", "Score"),
    "criterion": ("条件", "Criterion"),
    "count": ("数量", "Count"),
    "share": ("占比", "Share"),
    "records": ("记录数", "Records"),
}


def header(key: str, lang: str = "zh") -> str:
    zh, en = HEADERS.get(key, (key, key))
    return en if lang == "en" else zh


# --------------------------------------------------------------------------- widths


def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: Any) -> int:
    """Terminal columns `text` takes (wide characters count two)."""
    return sum(char_width(c) for c in str(text))


def pad(text: Any, width: int, align: str = "left") -> str:
    s = str(text)
    gap = max(width - display_width(s), 0)
    return " " * gap + s if align == "right" else s + " " * gap


def truncate(text: Any, width: int) -> str:
    """Cut `text` to at most `width` columns, ending in … when cut."""
    s = str(text)
    if display_width(s) <= width:
        return s
    out, used = "", 0
    for c in s:
        w = char_width(c)
        if used + w > width - 1:
            break
        out, used = out + c, used + w
    return out + "…"


def render(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: Sequence[str] | str | None = None,
           sep: str = "  ", max_width: int | None = 64) -> str:
    """A plain-text table: a header line, a rule of `-`, one line per row, columns aligned by display width.

    `align` is one letter per column ("l" or "r"; default: right for cells that look like numbers).
    `None` cells print as —. Cells wider than `max_width` columns are cut with …
    """
    text_rows = [[MISSING if c is None else str(c) for c in r] for r in rows]
    heads = [str(h) for h in headers]
    if max_width:
        text_rows = [[truncate(c, max_width) for c in r] for r in text_rows]
    n = len(heads)
    if align is None:
        align = "".join("r" if text_rows and all(_numeric(r[i]) for r in text_rows) else "l" for i in range(n))
    aligns = ["right" if a == "r" else "left" for a in align]
    widths = [max([display_width(heads[i])] + [display_width(r[i]) for r in text_rows]) for i in range(n)]
    lines = [sep.join(pad(heads[i], widths[i], aligns[i]) for i in range(n)).rstrip(),
             sep.join("-" * w for w in widths)]
    lines += [sep.join(pad(r[i], widths[i], aligns[i]) for i in range(n)).rstrip() for r in text_rows]
    return "\n".join(lines)


def _numeric(cell: str) -> bool:
    s = cell.replace(",", "").replace("%", "").strip()
    if s in (MISSING, ""):
        return True
    head = s.split(" ")[0]
    try:
        float(head)
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------- numbers


# Decimals by unit (the catalogue's unit, Chinese or English): None = integer when whole, else 2.
PER_CAPITA = {"hv_patents_per_10k"}  # ids in 件 that are ratios, not counts
UNIT_DECIMALS = {"家": 0, "次": 0, "万件": 2, "万元": 2, "%": 1, "分": 1, "件": None}


def format_number(value: Any, unit: str | None = None, with_unit: bool = True, decimals: int | None = None) -> str:
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


# --------------------------------------------------------------------------- names


@dataclass
class Labels:
    """Names for the ids the warehouse stores, in one language (zh or en)."""

    lang: str = "zh"
    districts: dict[str, tuple[str, str]] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)  # id -> catalogue Indicator
    plans: dict[str, Any] = field(default_factory=dict)  # id -> Plan
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, con=None, lang: str = "zh", plans=None) -> "Labels":
        """District names from `stg_districts` (when `con` has it; else Yantai's standard units),
        indicators, plans and status words from the catalogue."""
        from ..indicators.catalogue import load_plans

        plans = list(plans) if plans is not None else load_plans()
        labels = cls(lang=lang, districts=dict(standard_districts()))
        if con is not None:
            try:
                for code, zh, en in con.execute("SELECT code, name_zh, name_en FROM stg_districts").fetchall():
                    labels.districts[str(code)] = (zh or str(code), en or zh or str(code))
            except Exception:  # no staged districts yet: the standard names stay
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
            from ..indicators.registry import DEFAULT_UNITS

            return stored or DEFAULT_UNITS.get(indicator_id, "")
        return ind.unit_en if self.lang == "en" else ind.unit

    def value(self, value: Any, indicator_id: str, stored_unit: str | None = None) -> str:
        """A value in the indicator's unit: decimals follow the Chinese unit, the label the language."""
        ind = self.indicators.get(indicator_id)
        zh_unit = ind.unit if ind is not None else (stored_unit or "")
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
    import csv
    import io

    from ..city import CITY
    from ..sample.geo import DISTRICTS_CSV

    out = {CITY: ("烟台市", "Yantai")}
    for row in csv.DictReader(io.StringIO(DISTRICTS_CSV)):
        out[row["code"]] = (row["name_zh"], row["name_en"] or row["name_zh"])
    return out


# --------------------------------------------------------------------------- help texts for id options


def ids_help(ids: Iterable[str], intro: str, names: dict[str, str] | None = None) -> str:
    """`intro; one of: a (name), b (name), …` for an option's --help (argparse's % escaped)."""
    names = names or {}
    items = [f"{i} ({names[i]})" if names.get(i) else str(i) for i in ids]
    return (f"{intro}; one of: " + ", ".join(items)).replace("%", "%%")


def indicator_ids_help(intro: str = "indicator id", only: Iterable[str] | None = None) -> str:
    from ..indicators.catalogue import load_plans
    from ..indicators.engine import indicator_ids
    from ..indicators.registry import COMPUTATIONS

    try:
        known = indicator_ids(load_plans())
    except Exception:  # a broken catalogue must not break --help
        known = []
    known += [i for i in COMPUTATIONS if i not in known]
    if only is not None:
        allowed = set(only)
        known = [i for i in known if i in allowed] + sorted(allowed - set(known))
    return ids_help(known, intro)


def district_ids_help(intro: str = "reporting unit code (default: the whole city 370600)") -> str:
    names = {code: zh for code, (zh, _en) in standard_districts().items()}
    return ids_help(names, intro, names)


def plan_ids_help(intro: str = "plan id") -> str:
    from ..indicators.catalogue import load_plans

    try:
        plans = load_plans()
    except Exception:
        plans = []
    return ids_help([p.id for p in plans], intro, {p.id: p.name_zh for p in plans})


def source_ids_help(intro: str = "source name") -> str:
    try:
        from ..ingest.contracts import SOURCE_NAMES
    except Exception:
        return intro
    return ids_help(SOURCE_NAMES, intro)
