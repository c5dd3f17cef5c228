"""Amounts of money on the pages, kept in 万元 by the warehouse: one unit a column (亿元 or 万元; CNY
million or CNY), chosen by the column's largest amount, and an amount in words for the prose."""

from __future__ import annotations

from ..texts import DASH, Texts, is_missing

# (unit word zh/en, divisor of 万元, decimals)
AMOUNT_UNITS = {
    "yi": ("亿元", None, 10000.0, 2),
    "wan": ("万元", None, 1.0, 1),
    "million": (None, "CNY million", 100.0, 2),
    "yuan": (None, "CNY", 0.0001, 0),
}


def amount_unit(t: Texts, largest_wan) -> str:
    """The unit of a column of amounts, from its largest (the total): 亿元 from one 亿 up, else 万元;
    in English CNY million from a million up, else CNY."""
    big = 0.0 if is_missing(largest_wan) else abs(float(largest_wan))
    if t.lang == "zh":
        return "yi" if big >= 10000 else "wan"
    return "million" if big >= 100 else "yuan"


def unit_label(t: Texts, unit: str) -> str:
    zh, en, _, _ = AMOUNT_UNITS[unit]
    return f"（{zh}）" if t.lang == "zh" else f" ({en})"


def amount_in(t: Texts, wan, unit: str) -> str:
    """An amount in its column's unit (the unit is in the column's label)."""
    if is_missing(wan):
        return DASH
    _, _, divisor, decimals = AMOUNT_UNITS[unit]
    return t.number(float(wan) / divisor, decimals=decimals)


def amount_text(t: Texts, wan) -> str:
    if is_missing(wan):
        return DASH
    v = float(wan)
    if t.lang == "zh":
        return (
            t.number(v / 10000, decimals=2) + "亿元" if abs(v) >= 10000 else t.number(v, decimals=1) + "万元"
        )
    yuan = v * 10000
    return "CNY " + (
        t.number(yuan / 1e6, decimals=2) + " million" if abs(yuan) >= 1e6 else t.number(yuan, decimals=0)
    )
