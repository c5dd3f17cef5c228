"""Landing-zone rules shared by the floor (floor.py) and the pandas peer (pandas_peer.py).

A compact re-implementation of SOURCES.md's *reading* rules (which files, which
headers, which encodings, the as-of dates of INDICATORS.md) — nothing here is
imported from ip_pipeline, so the two benchmark programs stay independent
cross-checks of the pipeline. The source YAMLs and the catalogue are data and
are read as such.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import os
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "sources"
CATALOGUE_DIR = ROOT / "assets" / "catalogue"

# Sources an indicator reads; transfers after patents and trademarks (a recordal without any
# address takes its unit from its items, SOURCES.md/REAL_EXPORTS.md).
USED_SOURCES = (
    "patents",
    "overseas_grants",
    "trademarks",
    "pledges",
    "awards",
    "enterprises",
    "survey",
    "enforcement",
    "transfers",
)
TRANSFER_BASE_YEAR = 2024  # the action plan's base year (INDICATORS.md, "The plan in force now")
REFERENCE = {
    "districts": "districts.csv",
    "population": "population.csv",
    "economy": "economy.csv",
    "sei_ipc": "sei_ipc.csv",
    "satisfaction": "satisfaction.csv",
}
CITY, UNLOCATED = "370600", "370699"
CITY_ONLY = ("patent_intensive_va_share", "ip_protection_satisfaction", "ip_protection_satisfaction_survey")
COMPANIONS = {"pledge_count": "件", "pledge_amount_wan": "万元", "ip_protection_satisfaction_survey": "分"}
EXCEL_EPOCH = dt.date(1899, 12, 30)


def norm_header(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


def load_contract(name: str) -> dict:
    doc = yaml.safe_load((SOURCES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    headers: dict[str, tuple[str, float]] = {}
    cols = {}
    for col, spec in doc["columns"].items():
        spec = dict(spec or {})
        spec.setdefault("type", "text")
        if spec["type"] in ("enum", "bool"):
            spec["values"] = {k: [str(v) for v in vs] + [k] for k, vs in spec["values"].items()}
        cols[col] = spec
        for alias in [col, spec.get("header", col), *spec.get("aliases", [])]:
            h, scale = (
                (alias["header"], float(alias.get("scale", 1))) if isinstance(alias, dict) else (alias, 1.0)
            )
            headers.setdefault(norm_header(h), (col, scale))
    address_columns = list(
        doc.get("address_columns") or ([doc["address_column"]] if doc.get("address_column") else [])
    )
    return {
        "name": name,
        "key": list(doc["key"]),
        "location": doc.get("location", "address"),
        "address_column": address_columns[0] if address_columns else None,
        "address_columns": address_columns,
        "columns": cols,
        "headers": headers,
        "rules": [dict(r) for r in doc.get("rules") or []],
    }


def map_header(cells: list, contract: dict) -> tuple[list[str | None], dict[str, float]]:
    """Position -> column (first header naming a column wins), and the scales of 元 headers."""
    seen, positions, scales = set(), [], {}
    for cell in cells:
        hit = contract["headers"].get(norm_header(cell))
        if hit is None or hit[0] in seen:
            positions.append(None)
            continue
        seen.add(hit[0])
        positions.append(hit[0])
        if hit[1] != 1.0:
            scales[hit[0]] = hit[1]
    return positions, scales


def parts(landing: Path, folder: str) -> list[Path]:
    root = landing / folder
    if not root.is_dir():
        return []
    return [
        p
        for p in sorted(root.iterdir(), key=lambda p: p.name)
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and not p.name.endswith(".part")
        and p.suffix.lower() in (".csv", ".xlsx")
    ]


def csv_text(path: Path) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else GB18030."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def xlsx_text(value, is_date: bool):
    """An XLSX cell as the text a CSV export would carry (Excel serials in date columns are dates)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if is_date or value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if is_date and 1 <= value < 2958466:
            return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return str(value)
    return str(value)


def today_in_yantai() -> dt.date:
    """The running month's as-of date and the future_date cut-off: today in Yantai (UTC+8), or
    `$IP_PIPELINE_TODAY`, as ip_pipeline.dates (not imported: the floor imports nothing from ip_pipeline)."""
    pinned = os.environ.get("IP_PIPELINE_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def as_of_dates(today: dt.date) -> list[dt.date]:
    """Month ends from December 2020 to the current month, the running month capped at today."""
    out, y, m = [], 2020, 12
    while (y, m) <= (today.year, today.month):
        out.append(min(dt.date(y, m, calendar.monthrange(y, m)[1]), today))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def catalogue() -> dict[str, str]:
    """Published ids -> unit: every plan's indicators and companions, plus the contract's companions."""
    units: dict[str, str] = {}
    defined = {}  # each indicator's own definition (assets/catalogue/indicators/<id>.yaml): its unit
    for f in sorted((CATALOGUE_DIR / "indicators").glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        defined[doc["id"]] = doc
    for f in sorted(CATALOGUE_DIR.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for ind in (doc.get("indicators") or []) + (doc.get("companions") or []):
            ind = {"id": ind} if isinstance(ind, str) else ind
            units.setdefault(ind["id"], ind.get("unit") or defined.get(ind["id"], {}).get("unit"))
    for i, u in COMPANIONS.items():
        units.setdefault(i, u)
    return units


def pledge_threshold() -> float:
    own = CATALOGUE_DIR / "indicators" / "hv_patents_per_10k.yaml"
    if own.exists():
        doc = yaml.safe_load(own.read_text(encoding="utf-8"))
        return float((doc.get("parameters") or {}).get("pledge_threshold_wan", 1000))
    for f in sorted(CATALOGUE_DIR.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for ind in doc.get("indicators") or []:
            if ind["id"] == "hv_patents_per_10k":
                return float((ind.get("parameters") or {}).get("pledge_threshold_wan", 1000))
    return 1000.0
