"""Where an address is (SOURCES.md, "District resolution"): read as administrative levels,
the way a geocoder reads it, never by substring.

- A place name is a unit only as one: with its level (福山区, 龙口市, 长岛县, 青岛市, 山东省),
  or as an alias of districts.csv directly after the city's name (烟台开发区, 烟台市芝罘…).
- A name followed by a street or place word (路, 街, 广场 …) is a street: 青岛市市南区福山路
  names no unit of Yantai.
- A province other than the city's, or a prefecture-level city other than the city, named
  before any unit of the city puts the address outside (上海市黄浦区烟台路100号).
- Otherwise the longest unit of the city named; else 未定位 when the city itself is named;
  else the address says nothing about the city: outside.

The national names of the two upper levels are the Ministry of Civil Affairs' code list
(GB/T 2260), shipped as assets/reference/divisions.csv (origin and date in its README).

One reader serves every source with an address, the gazette's item lookup (through the staged
units it reads), the benchmark's floor and peer, and `explain --address`. It runs once per
distinct address: the Arrow entry point resolves a column's distinct values only, and a cache
remembers addresses already read (an export repeats its holders' addresses on every row).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..city import CITY, UNLOCATED
from ..paths import ASSETS_DIR

DIVISIONS_CSV = ASSETS_DIR / "reference" / "divisions.csv"
# Words after a name that make it a street, a square or a building, not a unit. 场 is here for
# 市场 (a market: 龙口市场 is no city), 号 for a house number (福山3号).
STREET_WORDS = (
    "大道",
    "大街",
    "胡同",
    "广场",
    "大厦",
    "路",
    "街",
    "道",
    "巷",
    "弄",
    "里",
    "村",
    "园",
    "场",
    "号",
)
# The level a unit's name ends with: without it a bare name (福山, 龙口) is a unit only after the city.
LEVEL_ENDINGS = ("省", "市", "区", "县", "州", "盟", "地区", "自治区", "特别行政区")
# The version of the rule below: part of every address source's fingerprint, so a new rule
# reads every record again and what it moves is recorded like any other revision.
RULE_VERSION = "levels-2"
# What `region` returns when a region column names another city or province: distinct from
# None (the columns say nothing), since it puts the record outside whatever its address says.
OUTSIDE = "outside"


@dataclass(frozen=True)
class Word:
    """One name found in an address and what it counted as."""

    text: str
    start: int
    role: str  # home_province | home_city | unit | foreign_province | foreign_city | street | no_level
    unit: str | None = None


@dataclass(frozen=True)
class Reading:
    """What an address says: its unit (None: not in the city) and the words that decided it."""

    address: str
    unit: str | None
    outside: bool  # another province or city was named before any unit of the city
    words: tuple[Word, ...] = field(default_factory=tuple)
    decided_by: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def in_scope(self) -> bool:
        return self.unit is not None


def read_divisions(path: Path = DIVISIONS_CSV) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh)]


@lru_cache(maxsize=1)
def rule_fingerprint() -> str:
    """The rule and the national list it reads with: part of each address source's snapshot
    fingerprint, so that records are read again (and their moves recorded) when either changes."""
    text = (
        "|".join((RULE_VERSION, *STREET_WORDS, *LEVEL_ENDINGS))
        + "|"
        + DIVISIONS_CSV.read_text(encoding="utf-8")
    )
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _text(value) -> str:
    """A cell of districts.csv as text: a blank read by pandas is NaN, not ''."""
    return value.strip() if isinstance(value, str) else ""


def _has_level(name: str) -> bool:
    return name.endswith(LEVEL_ENDINGS)


class AddressReader:
    """Reads addresses against the city's districts.csv rows and the national divisions."""

    def __init__(self, districts: Iterable[Mapping], divisions: Iterable[Mapping] | None = None):
        divisions = list(divisions if divisions is not None else read_divisions())
        home_province = CITY[:2] + "0000"
        city = next((d for d in divisions if d["code"] == CITY), None)
        if city is None:
            raise ValueError(f"{DIVISIONS_CSV.name} has no row for the city {CITY}")
        self.city_name = city["name"]
        bare_city = self.city_name[:-1] if self.city_name.endswith("市") else self.city_name
        # name -> (role, unit); a standalone name (with its level) and one that counts only
        # right after the city's name are kept apart
        lexicon: dict[str, tuple[str, str | None]] = {}
        after_city: dict[str, str] = {}
        for d in divisions:
            if d["level"] == "province":
                lexicon[d["name"]] = (
                    "home_province" if d["code"] == home_province else "foreign_province",
                    None,
                )
            elif d["level"] == "prefecture":
                lexicon[d["name"]] = ("home_city" if d["code"] == CITY else "foreign_city", None)
        lexicon[bare_city] = ("home_city", None)
        for row in districts:
            code = _text(row.get("code"))
            if not code or code in (UNLOCATED, CITY):
                continue
            names = [_text(row.get("name_zh"))]
            names += [a.strip() for a in _text(row.get("aliases")).split(";")]
            for name in names:
                if not name or name.isdigit():
                    continue
                if name.startswith(bare_city) and len(name) > len(bare_city):
                    # 烟台开发区: the alias is 开发区 right after the city; written whole it is a unit
                    lexicon.setdefault(name, ("unit", code))
                    tail = (
                        name[len(self.city_name) :]
                        if name.startswith(self.city_name)
                        else name[len(bare_city) :]
                    )
                    after_city.setdefault(tail, code)
                elif _has_level(name):
                    lexicon.setdefault(name, ("unit", code))
                else:
                    after_city.setdefault(name, code)
        for name, code in after_city.items():
            lexicon.setdefault(name, ("after_city", code))
        self._lexicon = lexicon
        # a region column may hold a code instead of a name (申请人省市代码 37, 国省代码 370202):
        # the code's name, a unit's from districts.csv or the national list's, is read instead
        code_names = {d["code"]: d["name"] for d in divisions}
        for row in districts:
            code, name = _text(row.get("code")), _text(row.get("name_zh"))
            if code and code not in (UNLOCATED, CITY) and _has_level(name):
                code_names[code] = name
                for alias in _text(row.get("aliases")).split(";"):
                    if alias.strip().isdigit():
                        code_names.setdefault(alias.strip(), name)
        self._code_names = code_names
        # names by their first character, longest first: a scan tries at each position only the
        # few names that can start there (a regex alternation of ~400 names is ten times slower)
        names = sorted(lexicon, key=lambda n: (-len(n), n))
        self._by_first: dict[str, list[str]] = {}
        for n in names:
            self._by_first.setdefault(n[0], []).append(n)
        self._street = re.compile("|".join(re.escape(w) for w in STREET_WORDS))
        self.unit = lru_cache(maxsize=1 << 18)(self._unit)

    def read(self, address: str | None) -> Reading:
        """The unit of an address and every name found in it, with what each counted as."""
        if not address:
            return Reading(address or "", None, False)
        unit, outside, words, decided = self._scan(address, every_word=True)
        return Reading(
            address, unit, outside, tuple(Word(*w) for w in words), tuple(Word(*w) for w in decided)
        )

    def _scan(self, address: str, every_word: bool) -> tuple:
        """(unit, outside, words, decided_by), words as (text, start, role, unit) tuples; without
        `every_word` the scan stops as soon as another city or province decides."""
        words: list[tuple] = []
        units: list[tuple] = []
        city = None
        outside = None
        previous = None
        lexicon, street_word = self._lexicon, self._street.match
        for start, name in self._names_in(address):
            role, code = lexicon[name]
            end = start + len(name)
            street = street_word(address, end)
            if street and street.group() == "场" and name.endswith("市") and name[:-1] in lexicon:
                # 市场 is a market: 烟台市场监督管理局 names 烟台, 龙口市场 names a bare 龙口
                name = name[:-1]
                role, code = lexicon[name]
                street = None
            if street:
                word = (address[start : street.end()], start, "street", None)
            elif role == "after_city":
                right_after = (
                    previous is not None
                    and previous[2] == "home_city"
                    and previous[1] + len(previous[0]) == start
                )
                word = (name, start, "unit", code) if right_after else (name, start, "no_level", None)
            else:
                word = (name, start, role, code)
            words.append(word)
            previous = word
            if outside is None:
                kind = word[2]
                if kind in ("foreign_province", "foreign_city") and not units and city is None:
                    outside = word
                    if not every_word:
                        break
                elif kind == "home_city":
                    city = city or word
                elif kind == "unit":
                    units.append(word)
        if outside is not None:
            return None, True, words, [outside]
        if units:
            best = max(units, key=lambda w: (len(w[0]), -w[1]))
            return best[3], False, words, [best]
        if city is not None:
            return UNLOCATED, False, words, [city]
        return None, False, words, []

    def _names_in(self, address: str):
        """(position, name) of the known names, left to right, the longest at each position,
        never overlapping (a name's characters are not read again as the start of another)."""
        i, n = 0, len(address)
        by_first = self._by_first
        while i < n:
            for name in by_first.get(address[i], ()):
                if address.startswith(name, i):
                    yield i, name
                    i += len(name)
                    break
            else:
                i += 1

    def _unit(self, address: str | None) -> str | None:
        return self._scan(address, every_word=False)[0] if address else None

    def _code_name(self, code: str) -> str:
        """The name of a division code: the unit's, else its city's, else its province's; a
        county code of no unit of the city (370202, or the city's own 99 bucket) is read as its city."""
        padded = code.ljust(6, "0")
        for c in (padded, padded[:4] + "00", padded[:2] + "0000"):
            if c in self._code_names:
                return self._code_names[c]
        return ""

    def region(self, region: str | None, place: str | None) -> str | None:
        """What an export's region column (a province or city, by name or code) and county-level
        column say, read together as one address of levels (青岛市 + 市南区, 37 + 龙口市):
        a unit, UNLOCATED (the city, unit unknown), OUTSIDE (another city or province is named
        first), or None (they say nothing about the city)."""
        region, place = (region or "").strip(), (place or "").strip()
        if region.isdigit() and len(region) in (2, 4, 6):
            region = self._code_name(region)
        if not region and not place:
            return None
        reading = self._scan(region + place, every_word=False)
        return OUTSIDE if reading[1] else reading[0]

    def regions(self, regions: pa.Array, places: pa.Array) -> pa.Array:
        """`region` over two Arrow columns (a query passes each distinct pair once)."""
        return pa.array(
            [self.region(r, p) for r, p in zip(regions.to_pylist(), places.to_pylist())], pa.string()
        )

    def units(self, addresses: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The unit of every address of an Arrow column: each distinct address is read once."""
        if isinstance(addresses, pa.ChunkedArray):
            addresses = addresses.combine_chunks()
        encoded = pc.dictionary_encode(addresses)
        found = pa.array([self.unit(a) for a in encoded.dictionary.to_pylist()], pa.string())
        return pc.take(found, encoded.indices)


def reader_from_table(con, table: str = "main.stg_districts") -> AddressReader:
    rows = con.execute(f"SELECT code, name_zh, aliases FROM {table}").fetchall()
    return AddressReader([{"code": c, "name_zh": n, "aliases": a} for c, n, a in rows])


SQL_FUNCTION = "address_unit"
REGION_FUNCTION = "region_unit"


def register(con, reader: AddressReader) -> None:
    """`address_unit(text)` on this connection: the unit an address names, NULL when outside;
    and `region_unit(region, place)`: what an export's region and county columns say (`region`)."""
    try:
        con.remove_function(SQL_FUNCTION)
    except Exception:  # not registered yet on this connection  # noqa: BLE001 (a failure here is reported, never raised)
        pass
    try:
        con.remove_function(REGION_FUNCTION)
    except Exception:  # not registered yet on this connection  # noqa: BLE001 (a failure here is reported, never raised)
        pass
    con.create_function(
        REGION_FUNCTION,
        reader.regions,
        ["VARCHAR", "VARCHAR"],
        "VARCHAR",
        type="arrow",
        null_handling="special",
        side_effects=False,
    )
    con.create_function(
        SQL_FUNCTION,
        reader.units,
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        null_handling="special",
        side_effects=False,
    )


def explain_lines(reading: Reading, names: Mapping[str, str] | None = None) -> list[str]:
    """What `explain --address` prints: the unit, then every name found and what it counted as."""
    names = names or {}
    meaning = {
        "home_province": "the city's province: says nothing yet",
        "home_city": "the city itself",
        "unit": "a unit of the city",
        "foreign_province": "another province",
        "foreign_city": "another prefecture-level city",
        "street": "a street or place (a name followed by a street word), not a unit",
        "no_level": "a bare name without its level, not right after the city: not a unit",
    }
    if reading.unit is None:
        verdict = (
            "outside the city: " + "another province or city is named before any unit of the city"
            if reading.outside
            else "outside the city: no unit of the city and not the city itself"
        )
    else:
        label = names.get(reading.unit, "")
        verdict = f"{reading.unit} {label}".strip() + " (in scope)"
    lines = [f"address: {reading.address}", f"unit:    {verdict}"]
    if reading.decided_by:
        lines.append("decided by: " + ", ".join(f"「{w.text}」" for w in reading.decided_by))
    for w in reading.words:
        unit = f" → {w.unit} {names.get(w.unit, '')}".rstrip() if w.role == "unit" else ""
        lines.append(f"  「{w.text}」 at {w.start}: {meaning[w.role]}{unit}")
    if not reading.words:
        lines.append("  no province, city or unit name found")
    return lines
