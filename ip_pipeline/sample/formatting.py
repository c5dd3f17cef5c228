"""How one part file spells its values: header variant, encoding, date style, enum spelling.
Every spelling here is valid under SOURCES.md; problems are injected by dirt.py."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import dates
from .numbers import display_application_no
from .schema import Column, Schema

CSV_ENCODINGS = {"utf8": "utf-8", "bom": "utf-8-sig", "gb18030": "gb18030"}
_FULLWIDTH_HEADER = str.maketrans({"(": "（", ")": "）", "/": "／"})


class Raw(str):
    """A value written exactly as given (a deliberately bad date, enum or number)."""


@dataclass
class Profile:
    kind: str  # utf8 | bom | gb18030 | xlsx
    headers: list[str]
    scales: dict[str, float]  # column -> factor of the chosen header (元 headers: 10000 per 万元)
    date_style: str
    mixed_dates: float
    xlsx_dates: str  # serial | cell
    enum_variant: float
    fullwidth: float
    blank_first_row: bool

    @property
    def ext(self) -> str:
        return "xlsx" if self.kind == "xlsx" else "csv"


def make_profile(
    rnd: random.Random, schema: Schema, kind: str, fullwidth: float, allow_scaled: bool
) -> Profile:
    mode = rnd.choices(("canonical", "alias", "english", "fullwidth"), (0.45, 0.25, 0.10, 0.20))[0]
    headers: list[str] = []
    scales: dict[str, float] = {}
    for col in schema.columns:
        header, scale = col.header, 1.0
        if mode == "english":
            header = col.name
        elif mode == "fullwidth":
            header = col.header.translate(_FULLWIDTH_HEADER)
            if rnd.random() < 0.1:
                header = f" {header} "
        elif mode == "alias" and col.aliases and rnd.random() < 0.6:
            alias = rnd.choice(col.aliases)
            if (alias.scale == 1.0 or allow_scaled) and alias.header not in headers:
                header, scale = alias.header, alias.scale
        if header.strip() in (h.strip() for h in headers):
            header, scale = col.header, 1.0
        headers.append(header)
        if scale != 1.0:
            scales[col.name] = 1.0 / scale
    return Profile(
        kind=kind,
        headers=headers,
        scales=scales,
        date_style=rnd.choice(dates.STYLES),
        mixed_dates=rnd.choice((0.0, 0.05, 0.3)),
        xlsx_dates=rnd.choice(("serial", "cell")),
        enum_variant=rnd.choice((0.0, 0.0, 0.25)),
        fullwidth=fullwidth,
        blank_first_row=rnd.random() < 0.3,
    )


def _num(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return text or "0"


class Formatter:
    def __init__(self, schema: Schema, profile: Profile, rnd: random.Random):
        self.schema = schema
        self.p = profile
        self.rnd = rnd
        self.xlsx = profile.kind == "xlsx"

    def cells(self, rec: dict, as_text: bool = False) -> list:
        text = as_text or not self.xlsx
        return [self._cell(col, rec.get(col.name), rec, text) for col in self.schema.columns]

    def _cell(self, col: Column, v, rec: dict, text: bool):
        if v is None:
            return None if not text else ""
        if isinstance(v, Raw):
            return str(v)
        t = col.type
        if t == "date":
            return self._date(v, text)
        if t == "decimal":
            v = v * self.p.scales.get(col.name, 1.0)
            if col.name in self.p.scales:
                v = round(v)
            if not text:
                return v
            s = f"{v:,.2f}" if v >= 1000 and self.rnd.random() < 0.1 else _num(v)
            return dates.fullwidth(s) if self.rnd.random() < self.p.fullwidth else s
        if t == "int":
            return v if not text else str(v)
        if t == "enum":
            spellings = [s for s in col.values[v] if not s.isascii()] or list(col.values[v])
            if len(spellings) > 1 and self.rnd.random() < self.p.enum_variant:
                return self.rnd.choice(spellings[1:])
            return spellings[0]
        if t == "application_no":
            return display_application_no(v, self.rnd, rec.get("legal_status") != "pending")
        if t == "bool":
            spellings = [x for x in col.values["true" if v else "false"] if not x.isascii()] or list(
                col.values["true" if v else "false"]
            )
            if len(spellings) > 1 and self.rnd.random() < self.p.enum_variant:
                return self.rnd.choice(spellings[1:])
            return spellings[0]
        if t == "pledge_items":
            sep = "；" if self.rnd.random() < 0.15 else ";"
            if rec.get(col.kind_column or "pledge_type") == "patent":
                return sep.join(display_application_no(x, self.rnd, True) for x in v)
            return sep.join(v)
        if t == "ipc_list":
            return ";".join(v)
        return str(v)

    def _date(self, d: dt.date, text: bool):
        if not text:
            return dates.excel_serial(d) if self.p.xlsx_dates == "serial" else d
        style = self.p.date_style
        if self.p.mixed_dates and self.rnd.random() < self.p.mixed_dates:
            style = self.rnd.choice(dates.STYLES)
        s = dates.fmt(d, style)
        return dates.fullwidth(s) if self.rnd.random() < self.p.fullwidth else s
