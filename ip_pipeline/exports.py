"""Cells the project writes to CSV or XLSX, safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel/WPS/LibreOffice as a formula (CSV/formula injection, e.g.
`=cmd|' /C calc'!A0`); `safe_cell` prefixes such text with an apostrophe so it
shows as the text it is. Only strings are touched: a negative number stays a
number.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
