"""Calendar helpers and the date spellings found in real exports."""

from __future__ import annotations

import datetime as dt
import random

EPOCH = dt.date(2005, 1, 1)
_EXCEL_ZERO = dt.date(1899, 12, 30)
_FULLWIDTH = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")

STYLES = ("iso", "slash", "dot", "compact", "zh")


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year + years, day=28)


def in_year(rnd: random.Random, year: int, end: dt.date | None = None) -> dt.date:
    """A uniformly random day of `year`, not after `end`."""
    first = dt.date(year, 1, 1)
    last = dt.date(year, 12, 31) if end is None or end.year > year else end
    return first + dt.timedelta(days=rnd.randrange((last - first).days + 1))


def year_fraction(year: int, end: dt.date) -> float:
    """Share of `year` that lies on or before `end` (1 for past years, 0 for future ones)."""
    if year < end.year:
        return 1.0
    if year > end.year:
        return 0.0
    return end.timetuple().tm_yday / (366 if end.year % 4 == 0 else 365)


def excel_serial(d: dt.date) -> int:
    return (d - _EXCEL_ZERO).days


def fmt(d: dt.date, style: str) -> str:
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    return f"{d.year}年{d.month}月{d.day}日"


def fullwidth(text: str) -> str:
    """Full-width digits and separators, as typed with a Chinese input method (NFKC undoes it)."""
    return text.translate(_FULLWIDTH)


def impossible_date(rnd: random.Random, near: dt.date) -> str:
    """A value that no date parser may accept: a day that does not exist, or words."""
    year = near.year
    return rnd.choice(
        (
            f"{year}-02-30",
            f"{year}/2/31",
            f"{year}-13-05",
            f"{year}0431",
            f"{year}年6月31日",
            "unknown",
            "待定",
            f"{year}-00-10",
        )
    )
