"""A minimal, independent reader of the sample landing zone for the tests: encoding
detection, XLSX, header aliases and the date spellings of SOURCES.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import openpyxl

from ip_pipeline.sample.schema import load


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def nfkc(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime, int, float)):
        return value
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def read_part(path: Path) -> tuple[list[str], list[list]]:
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        rows = [r for r in rows if any(c not in (None, "") for c in r)]
    else:
        rows = list(csv.reader(io.StringIO(decode(path.read_bytes())[0])))
    header = [nfkc(h) for h in rows[0]]
    width = len(header)
    return header, [(r + [None] * width)[:width] for r in rows[1:]]


def column_names(source: str, header: list[str]) -> list[str]:
    schema = load(source)
    lookup = {}
    for col in schema.columns:
        for h in [col.header, col.name, *(a.header for a in col.aliases)]:
            lookup[nfkc(h)] = col.name
    return [lookup[h] for h in header]


def records(landing: Path, source: str, files: list[str]):
    """(file, row number, {column: raw value}) for every data row, files in name order."""
    for rel in sorted(files):
        header, rows = read_part(landing / rel)
        names = column_names(source, header)
        for i, row in enumerate(rows, start=1):
            yield rel, i, dict(zip(names, row))


_DATE_PATTERNS = (
    r"(\d{4})-(\d{1,2})-(\d{1,2})",
    r"(\d{4})/(\d{1,2})/(\d{1,2})",
    r"(\d{4})\.(\d{1,2})\.(\d{1,2})",
    r"(\d{4})(\d{2})(\d{2})",
    r"(\d{4})年(\d{1,2})月(\d{1,2})日",
)


def parse_date(value) -> dt.date | None | str:
    """A date, None when empty, or 'bad'."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, (int, float)):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = nfkc(value)
    for pattern in _DATE_PATTERNS:
        m = re.fullmatch(pattern, text)
        if m:
            try:
                return dt.date(*map(int, m.groups()))
            except ValueError:
                return "bad"
    return "bad"
