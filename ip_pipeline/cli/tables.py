"""Tables for people: columns aligned on Chinese text, headers in both languages, and the
help texts of the options that take an id. The names and numbers in the cells come from
ip_pipeline/labels.py.

Any command can print a table with it:

    from ip_pipeline.cli.tables import render
    from ip_pipeline.labels import Labels
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

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from ..city import CITY
from ..indicators.catalogue import load_plans
from ..indicators.engine import indicator_ids
from ..indicators.registry import COMPUTATIONS
from ..labels import MISSING, standard_districts

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


def render(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    align: Sequence[str] | str | None = None,
    sep: str = "  ",
    max_width: int | None = 64,
) -> str:
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
        align = "".join(
            "r" if text_rows and all(_numeric(r[i]) for r in text_rows) else "l" for i in range(n)
        )
    aligns = ["right" if a == "r" else "left" for a in align]
    widths = [max([display_width(heads[i])] + [display_width(r[i]) for r in text_rows]) for i in range(n)]
    lines = [
        sep.join(pad(heads[i], widths[i], aligns[i]) for i in range(n)).rstrip(),
        sep.join("-" * w for w in widths),
    ]
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


# --------------------------------------------------------------------------- help texts for id options


def ids_help(ids: Iterable[str], intro: str, names: dict[str, str] | None = None) -> str:
    """`intro; one of: a (name), b (name), …` for an option's --help (argparse's % escaped)."""
    names = names or {}
    items = [f"{i} ({names[i]})" if names.get(i) else str(i) for i in ids]
    return (f"{intro}; one of: " + ", ".join(items)).replace("%", "%%")


def indicator_ids_help(intro: str = "indicator id", only: Iterable[str] | None = None) -> str:
    try:
        known = indicator_ids(load_plans())
    except Exception:  # noqa: BLE001  a broken catalogue must not break --help
        known = []
    known += [i for i in COMPUTATIONS if i not in known]
    if only is not None:
        allowed = set(only)
        known = [i for i in known if i in allowed] + sorted(allowed - set(known))
    return ids_help(known, intro)


def district_ids_help(intro: str = f"reporting unit code (default: the whole city {CITY})") -> str:
    names = {code: zh for code, (zh, _en) in standard_districts().items()}
    return ids_help(names, intro, names)


def plan_ids_help(intro: str = "plan id") -> str:
    try:
        plans = load_plans()
    except Exception:  # noqa: BLE001  a broken catalogue must not break --help
        plans = []
    return ids_help([p.id for p in plans], intro, {p.id: p.name_zh for p in plans})


def source_ids_help(intro: str = "source name") -> str:
    try:  # imported here: a source contract that does not load must not break --help
        from ..ingest.contracts import SOURCE_NAMES
    except Exception:  # noqa: BLE001
        return intro
    return ids_help(SOURCE_NAMES, intro)
