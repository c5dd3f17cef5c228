"""Which month a report is about: the last complete month in Yantai unless one is asked for."""

from __future__ import annotations

from datetime import date

from ..dates import month_end, today_in_yantai
from .model import ReportDataError


def last_complete_month(today: date | None = None) -> str:
    """`YYYY-MM` of the month before the one running in Asia/Shanghai (on 1 Dec 2026: 2026-11)."""
    today = today or today_in_yantai()
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{y:04d}-{m:02d}"


def report_stem(month: str, lang: str) -> str:
    """The file name (without suffix) of a month's report: `ip_indicators_<YYYY-MM>_<lang>` (.pdf, .xlsx, _p1.png)."""
    return f"ip_indicators_{month}_{lang}"


def is_running_month(month: str, today: date | None = None) -> bool:
    today = today or today_in_yantai()
    return month == f"{today.year:04d}-{today.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    try:
        y, m = (int(p) for p in month.split("-"))
        start = date(y, m, 1)
    except (ValueError, TypeError):
        raise ReportDataError(f"month must be YYYY-MM, not {month!r}") from None
    return start, month_end(y, m)


def shift_month(month_start: date, months: int) -> date:
    idx = month_start.year * 12 + month_start.month - 1 + months
    return date(idx // 12, idx % 12 + 1, 1)
