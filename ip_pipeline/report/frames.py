"""Reading cells of the warehouse's frames: missing values (None, NaN, NaT alike), numbers, dates,
flag lists, and whether a published value differs from another."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd


def as_list(flags: Any) -> list[str]:
    if flags is None or (isinstance(flags, float) and pd.isna(flags)):
        return []
    return [str(f) for f in list(flags)]


def as_float(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def as_date(v: Any) -> date | None:
    if v is None or (not isinstance(v, (date, datetime)) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v.date() if isinstance(v, datetime) else v


def is_na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def is_absent(v: Any) -> bool:
    """None, NaN and NaT alike (a snapshot time of a source never loaded reads as NaT)."""
    return v is None or is_na(v)


def value_on(city: pd.DataFrame, d: date) -> float | None:
    hit = city[city["as_of"] == d]
    return None if hit.empty else as_float(hit.iloc[-1]["value"])


def differs(old: Any, new: Any) -> bool:
    o, n = is_na(old), is_na(new)
    if o or n:
        return o != n
    return abs(float(old) - float(new)) > 1e-9 * max(1.0, abs(float(old)))
