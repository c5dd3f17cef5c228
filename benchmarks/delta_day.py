#!/usr/bin/env python
"""One more day of exports for the delta nightly.

    .venv/bin/python benchmarks/delta_day.py --landing DIR --scale S --day YYYY-MM-DD [--seed N]

Adds to every source folder of a landing zone one new part file, `<source>-<YYYYMMDD>.<ext>`
(it sorts after the sample's `<source>-0001…` parts, so its rows are the last ones: where
a key is revised the new row wins, SOURCES.md "Duplicate keys"), holding the volume of an
average day at that scale: the sample generator's yearly volume for the day's year
(ip_pipeline/sample/volumes.py) × scale / 365, at least `MIN_ROWS`. Some rows revise
earlier ones (same key, changed values):

- patents: a pending application granted that day; a late lapse of an old patent (in force
  until now, lapsed 1–12 months ago);
- trademarks: a pending application registered that day; a status change recorded late
  (registered → revoked / cancelled / invalidated, 1–180 days ago);
- enforcement: an open case closed that day;
- enterprises: a certification renewed (valid_until moved three years on).

The other rows are new records (new keys, event date = the day), copied from rows of the
source's existing parts so that addresses, holders and codes look like the sample's.
The files use the sample's export formats: CSV in UTF-8, UTF-8 with BOM or GB18030, and
XLSX (date cells), with the contract's canonical headers; the kinds rotate over the
sources so one day has every kind.

Reading uses benchmarks/_landing.py (the floor's rules); writing uses the sample's part
writers (ip_pipeline.sample.writers), so the bytes are those the generator would write.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import io
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _landing as L  # noqa: E402

from ip_pipeline.sample import volumes as V  # noqa: E402
from ip_pipeline.sample.numbers import (  # noqa: E402
    CREDIT_CHARSET,
    PATENT_TYPE_DIGIT,
    application_no,
    credit_check_char,
    org_code,
)
from ip_pipeline.sample.writers import CsvPart, XlsxPart  # noqa: E402

SOURCES = (
    "patents",
    "overseas_grants",
    "trademarks",
    "pledges",
    "enforcement",
    "transfers",
    "awards",
    "enterprises",
    "survey",
)
KINDS = ("utf8", "gb18030", "bom", "xlsx")
ENCODINGS = {"utf8": "utf-8", "bom": "utf-8-sig", "gb18030": "gb18030"}
REVISE_SHARE = 0.3  # of a day's patent and trademark rows; half of each kind
MIN_ROWS = {"patents": 3, "trademarks": 3}  # a new row and one revision of each kind, even at tiny scales
MAX_PARTS_READ = 6  # parts read per source for templates (all of them for small sources)


def yearly(source: str, year: int) -> float:
    """Records a year at scale 1, from the generator's calibration (volumes.py)."""
    i = V.interpolate
    return {
        "patents": lambda: i(V.PATENT_FILINGS, year),
        "overseas_grants": lambda: i(V.OVERSEAS_GRANTS, year),
        "trademarks": lambda: i(V.TRADEMARK_FILINGS, year),
        "pledges": lambda: i(V.PLEDGES, year),
        "enforcement": lambda: i(V.ENFORCEMENT, year) + i(V.COURT_CASES, year),
        "transfers": lambda: i(V.TRANSFERS, year),
        "awards": lambda: i(V.AWARDS, year),
        "enterprises": lambda: i(V.GBT29490_NEW, year) + i(V.CITY_ADVANTAGE_NEW, year),
        "survey": lambda: i(V.SURVEY_RESPONSES, year),
    }[source]()


def daily_rows(source: str, scale: float, day: dt.date) -> int:
    days = 366 if calendar.isleap(day.year) else 365
    return max(MIN_ROWS.get(source, 1), round(yearly(source, day.year) * scale / days))


# ---------------------------------------------------------------- reading the existing parts
_DATE_RES = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$")),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")),
)
_NUMBER = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")


def _norm(text) -> str | None:
    if text is None:
        return None
    t = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    return t or None


def parse_date(text) -> dt.date | None:
    t = _norm(text)
    if t is None:
        return None
    for rx in _DATE_RES:
        m = rx.match(t)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _enum_key(spec: dict, text) -> str | None:
    t = _norm(text)
    if t is None:
        return None
    for key, spellings in spec["values"].items():
        if t in spellings or t.lower() in (s.lower() for s in spellings):
            return key
    return None


def read_part(path: Path, contract: dict) -> list[dict]:
    """The rows of one part as {column: text} (XLSX cells as a CSV export would spell them),
    amounts under a 元 header converted to 万元."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
        rows = [r for r in rows if any(c not in (None, "") for c in r)]
        if not rows:
            return []
        positions, scales = L.map_header(rows[0], contract)
        body = [
            [
                L.xlsx_text(v, contract["columns"].get(col or "", {}).get("type") == "date")
                for v, col in zip(r, positions)
            ]
            for r in rows[1:]
        ]
    else:
        text, _ = L.csv_text(path)
        rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
        if not rows:
            return []
        positions, scales = L.map_header(rows[0], contract)
        body = rows[1:]
    out = []
    for r in body:
        rec = {col: (r[i] if i < len(r) else None) for i, col in enumerate(positions) if col}
        for col, scale in scales.items():
            v = _norm(rec.get(col))
            if v is not None and _NUMBER.match(v):
                rec[col] = _num(float(v.replace(",", "")) * scale)
            elif v is not None:
                rec[col] = "\x00bad"  # not a clean row: never a template
        out.append(rec)
    return out


def _num(v: float) -> str:
    return (f"{v:.6f}".rstrip("0").rstrip(".")) or "0"


def clean(rec: dict, contract: dict) -> bool:
    """A row the pipeline accepts as it is (required values present, dates, enums and
    numbers readable): only such rows are copied or revised."""
    for col, spec in contract["columns"].items():
        v = _norm(rec.get(col))
        if v is None:
            if spec.get("required"):
                return False
            continue
        if len(v) > 1000 or "\x00" in v:
            return False
        t = spec["type"]
        if t == "date" and parse_date(v) is None:
            return False
        if t in ("enum", "bool") and _enum_key(spec, v) is None:
            return False
        if t == "decimal" and not _NUMBER.match(v):
            return False
        if t == "int" and not v.isdigit():
            return False
    return True


def existing_rows(landing: Path, source: str, contract: dict, rnd: random.Random) -> tuple[list[dict], set]:
    """Clean rows of (some of) the source's parts, the last version of each key, and every key seen."""
    parts = L.parts(landing, source)
    if len(parts) > MAX_PARTS_READ:
        # the last two parts (the recent records: pending applications live there) and a few
        # others, CSV first (quicker to read than XLSX)
        recent, rest = parts[-2:], parts[:-2]
        csvs = [p for p in rest if p.suffix.lower() == ".csv"]
        pool = csvs if len(csvs) >= MAX_PARTS_READ - 2 else rest
        parts = sorted(recent + rnd.sample(pool, MAX_PARTS_READ - 2), key=lambda p: p.name)
    latest: dict[tuple, dict] = {}
    keys: set = set()
    for p in parts:
        for rec in read_part(p, contract):
            key = tuple(_norm(rec.get(k)) for k in contract["key"])
            keys.add(key)
            if clean(rec, contract):
                latest[key] = rec
            else:
                latest.pop(key, None)
    return list(latest.values()), keys


# ---------------------------------------------------------------- new rows and revisions
def _first_spelling(spec: dict, key: str) -> str:
    spellings = [s for s in spec["values"][key] if s != key]
    chinese = [s for s in spellings if not s.isascii()]
    return (chinese or spellings or [key])[0]


def _iso(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat()


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _between(rnd: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rnd.randint(0, max(0, (hi - lo).days)))


class Day:
    """The rows of one source for one day."""

    def __init__(self, source: str, contract: dict, day: dt.date, rnd: random.Random):
        self.source, self.c, self.day, self.rnd = source, contract, day, rnd
        self.cols = contract["columns"]

    def enum(self, col: str, key: str) -> str:
        return _first_spelling(self.cols[col], key)

    def key_of(self, rec: dict, col: str):
        return _enum_key(self.cols[col], rec.get(col))

    # -- new keys: never spelt like the sample's (other lengths or a `D` marker), unique per day
    def new_key(self, rec: dict, i: int) -> dict:
        d, s = self.day, self.source
        out = dict(rec)
        if s == "patents":
            digit = PATENT_TYPE_DIGIT[self.key_of(rec, "patent_type")]
            serial = 9_000_000 + d.timetuple().tm_yday * 2_000 + i
            number = application_no(d.year, digit, serial)
            out["application_no"] = f"CN{number[:-1]}.{number[-1]}"
        elif s == "trademarks":
            out["registration_no"] = f"9{d:%Y%m%d}{i:04d}"
        elif s == "overseas_grants":
            office = _norm(rec["office"]).upper()
            out["grant_no"] = f"{office}D{d:%Y%m%d}{i:04d}B"
        elif s == "pledges":
            out["registration_no"] = f"YD{d:%Y%m%d}{i:04d}"
        elif s == "enforcement":
            case = _norm(rec["case_no"])
            m = re.match(r"^[(（](\d{4})[)）](.*?)(\d+)号$", case)
            # a court's 案号 keeps its words (案件性质 / 审级 may be derived from them)
            out["case_no"] = f"({d.year}){m.group(2)}{d:%m%d}9{i:04d}号" if m else f"YTSJD{d:%Y%m%d}{i:04d}"
        elif s == "transfers":
            out["record_no"] = f"TD{d:%Y%m%d}{i:04d}"
        elif s == "awards":
            out["award_year"] = str(d.year)
        elif s == "enterprises":
            code = _norm(rec["credit_code"]).upper()
            body8 = "".join(self.rnd.choice(CREDIT_CHARSET) for _ in range(8))
            code17 = code[:8] + org_code(body8)
            out["credit_code"] = code17 + credit_check_char(code17)
        elif s == "survey":
            out["response_id"] = f"SD{d:%Y%m%d}{i:04d}"
        return out

    def new_row(self, rec: dict, i: int) -> dict:
        d, s = self.day, self.source
        out = self.new_key(rec, i)
        if s == "patents":
            out.update(
                filing_date=_iso(d),
                grant_date="",
                legal_status=self.enum("legal_status", "pending"),
                lapse_date="",
            )
        elif s == "trademarks":
            out.update(
                filing_date=_iso(d),
                registration_date="",
                expiry_date="",
                status=self.enum("status", "pending"),
                status_date="",
            )
        elif s == "overseas_grants":
            out.update(grant_date=_iso(d), cn_family_application_no="")
        elif s == "pledges":
            out.update(registration_date=_iso(d))
            if "status" in out:
                out["status"] = self.enum("status", "active")
        elif s == "enforcement":
            out.update(opened_date=_iso(d), closed_date="", outcome="", accepted="")
        elif s == "transfers":
            out.update(registration_date=_iso(d))
        elif s == "enterprises":
            out.update(certified_date=_iso(d), valid_until=_iso(_add_years(d, 3) - dt.timedelta(days=1)))
        elif s == "survey":
            out.update(survey_date=_iso(d))
        return out

    # -- revisions: (name, can_revise(rec), revise(rec) -> rec)
    def revisions(self) -> list[tuple[str, callable, callable]]:
        d, s, rnd = self.day, self.source, self.rnd
        date = lambda rec, col: parse_date(rec.get(col))  # noqa: E731
        if s == "patents":

            def grant(rec):
                return {
                    **rec,
                    "grant_date": _iso(d),
                    "legal_status": self.enum("legal_status", "in_force"),
                    "lapse_date": "",
                }

            def lapse(rec):
                lo = max(date(rec, "grant_date") + dt.timedelta(days=1), d - dt.timedelta(days=365))
                when = _between(rnd, lo, d - dt.timedelta(days=30))
                return {**rec, "legal_status": self.enum("legal_status", "lapsed"), "lapse_date": _iso(when)}

            return [
                (
                    "granted",
                    lambda r: (
                        self.key_of(r, "legal_status") == "pending"
                        and date(r, "filing_date") < d
                        and not _norm(r.get("grant_date"))
                    ),
                    grant,
                ),
                (
                    "late lapse",
                    lambda r: (
                        self.key_of(r, "legal_status") == "in_force"
                        and date(r, "grant_date") is not None
                        and date(r, "grant_date") < d - dt.timedelta(days=60)
                        and date(r, "filing_date") > _add_years(d, -9)
                    ),
                    lapse,
                ),
            ]
        if s == "trademarks":

            def register(rec):
                return {
                    **rec,
                    "registration_date": _iso(d),
                    "status": self.enum("status", "registered"),
                    "expiry_date": _iso(_add_years(d, 10) - dt.timedelta(days=1)),
                    "status_date": "",
                }

            def change(rec):
                lo = max(date(rec, "registration_date") + dt.timedelta(days=200), d - dt.timedelta(days=180))
                when = _between(rnd, lo, d - dt.timedelta(days=1))
                status = rnd.choice(("revoked", "cancelled", "invalidated"))
                return {**rec, "status": self.enum("status", status), "status_date": _iso(when)}

            return [
                (
                    "registered",
                    lambda r: self.key_of(r, "status") == "pending" and date(r, "filing_date") < d,
                    register,
                ),
                (
                    "late status change",
                    lambda r: (
                        self.key_of(r, "status") == "registered"
                        and date(r, "registration_date") is not None
                        and date(r, "registration_date") < d - dt.timedelta(days=400)
                        and (date(r, "expiry_date") is None or date(r, "expiry_date") > d)
                    ),
                    change,
                ),
            ]
        if s == "enforcement":
            return [
                (
                    "closed",
                    lambda r: not _norm(r.get("closed_date")) and date(r, "opened_date") < d,
                    lambda r: {**r, "closed_date": _iso(d)},
                )
            ]
        if s == "enterprises":
            return [
                (
                    "renewed",
                    lambda r: date(r, "valid_until") is not None and date(r, "certified_date") < d,
                    lambda r: {**r, "valid_until": _iso(_add_years(date(r, "valid_until"), 3))},
                )
            ]
        return []


def add_day(landing: Path, day: dt.date, scale: float, seed: int = 20201231) -> dict:
    """Writes one new part per source into `landing`; returns what was written, per source:
    file, kind, rows, new, revised (by kind) and the revised keys."""
    landing = Path(landing)
    kinds = list(KINDS)
    random.Random(f"{seed}:{day}:kinds").shuffle(kinds)
    report: dict[str, dict] = {}
    for n, source in enumerate(SOURCES):
        folder = landing / source
        if not folder.is_dir():
            continue
        contract = L.load_contract(source)
        rnd = random.Random(f"{seed}:{day}:{source}")
        rows, seen = existing_rows(landing, source, contract, rnd)
        if not rows:
            continue
        gen = Day(source, contract, day, rnd)
        total = daily_rows(source, scale, day)
        revs = gen.revisions()
        per_kind = (
            max(1, round(total * REVISE_SHARE / len(revs)))
            if revs and source in MIN_ROWS
            else (1 if revs and total >= 2 else 0)
        )
        out: list[dict] = []
        revised: dict[str, int] = {}
        revised_keys: list[list] = []
        used: set = set()
        for name, ok, revise in revs:
            candidates = [r for r in rows if ok(r)]
            rnd.shuffle(candidates)
            for rec in candidates[:per_kind]:
                key = tuple(_norm(rec.get(k)) for k in contract["key"])
                if key in used or len(out) >= total - 1:
                    continue
                used.add(key)
                out.append(revise(rec))
                revised[name] = revised.get(name, 0) + 1
                revised_keys.append(list(key))
        new = 0
        for i in range(total - len(out)):
            for _ in range(50):
                rec = gen.new_row(rnd.choice(rows), i + 1)
                key = tuple(_norm(rec.get(k)) for k in contract["key"])
                if key not in seen and key not in used:
                    break
            else:
                continue
            used.add(key)
            out.append(rec)
            new += 1
        rnd.shuffle(out)
        kind = kinds[n % len(kinds)]
        path = folder / f"{source}-{day:%Y%m%d}.{'xlsx' if kind == 'xlsx' else 'csv'}"
        write(path, kind, contract, out, day)
        report[source] = {
            "file": f"{source}/{path.name}",
            "kind": kind,
            "rows": len(out),
            "new": new,
            "revised": revised,
            "revised_keys": revised_keys,
        }
    return report


def write(path: Path, kind: str, contract: dict, rows: list[dict], day: dt.date) -> None:
    cols = list(contract["columns"])
    headers = [contract["columns"][c].get("header", c) for c in cols]
    if kind == "xlsx":
        part = XlsxPart(path, headers, "Sheet1", False, f"{day.isoformat()}T00:00:00Z")
        for rec in rows:
            cells = []
            for c in cols:
                v = _norm(rec.get(c))
                if v is not None and contract["columns"][c]["type"] == "date":
                    cells.append(parse_date(v))  # a date cell
                else:
                    cells.append(v)
            part.append(cells)
    else:
        part = CsvPart(path, headers, ENCODINGS[kind])
        for rec in rows:
            part.append([rec.get(c) or "" for c in cols])
    part.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="add one day of exports to a landing zone")
    ap.add_argument("--landing", type=Path, required=True)
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--day", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--seed", type=int, default=20201231)
    args = ap.parse_args(argv)
    print(json.dumps(add_day(args.landing, args.day, args.scale, args.seed), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
