"""reference/: districts (the real table), population and economy published up to the
year before the end date, the SEI concordance and published satisfaction scores."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from . import geo, ipc

_GDP_YI = {  # city GDP, 亿元; 2020 = 7,816
    2005: 2012.0,
    2006: 2400.0,
    2007: 2880.0,
    2008: 3430.0,
    2009: 3730.0,
    2010: 4360.0,
    2011: 4910.0,
    2012: 5280.0,
    2013: 5610.0,
    2014: 6000.0,
    2015: 6370.0,
    2016: 6780.0,
    2017: 7060.0,
    2018: 7380.0,
    2019: 7650.0,
    2020: 7816.0,
}
SATISFACTION = {2021: 83.6, 2023: 85.2}


def _write(path: Path, header: list[str], rows) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return f"reference/{path.name}"


def population_rows(last_year: int):
    for year in range(2005, last_year + 1):
        for unit in geo.UNITS:
            if unit.population_2020:
                yield year, unit.code, round(unit.population_2020 * (1 + unit.pop_growth) ** (year - 2020))


def gdp(year: int) -> float:
    if year in _GDP_YI:
        return _GDP_YI[year]
    return round(_GDP_YI[2020] * 1.05 ** (year - 2020) * (1 + 0.004 * ((year * 7) % 5 - 2)), 1)


def patent_intensive_share(year: int) -> float:
    """≈ 7 % in 2005, 10 % in 2020, rising toward the plan's 12 % in 2025."""
    if year <= 2020:
        return 0.07 + 0.002 * (year - 2005)
    return 0.10 + 0.0038 * (year - 2020)


def write(landing: Path, end: dt.date) -> list[str]:
    folder = landing / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    # Byte for byte the spec's file, which has CSV's CRLF line ends.
    (folder / "districts.csv").write_bytes(geo.DISTRICTS_CSV.replace("\n", "\r\n").encode("utf-8"))
    last = end.year - 1  # the current year is not published yet: provisional denominators
    files = ["reference/districts.csv"]
    files.append(
        _write(folder / "population.csv", ["year", "district_code", "population"], population_rows(last))
    )
    files.append(
        _write(
            folder / "economy.csv",
            ["year", "gdp_yi", "patent_intensive_va_yi"],
            ((y, gdp(y), round(gdp(y) * patent_intensive_share(y), 1)) for y in range(2005, last + 1)),
        )
    )
    files.append(
        _write(
            folder / "sei_ipc.csv",
            ["ipc_prefix", "sei_code", "sei_name"],
            ((prefix, code, ipc.SEI_NAMES[code]) for prefix, code in ipc.SEI_PREFIXES),
        )
    )
    files.append(
        _write(
            folder / "satisfaction.csv",
            ["year", "score", "source"],
            ((y, s, "published") for y, s in SATISFACTION.items() if y <= last),
        )
    )
    return files
