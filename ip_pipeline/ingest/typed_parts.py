"""Typed rows kept by content: a file already typed and district-resolved is not typed again.

After typing and district resolution (staging.py), the rows of every file of the snapshot are
kept as one Parquet file, `<home>/cache/typed/<source>/<typing version>/<content hash>.parquet`,
with a small JSON of what they were made under. The next load takes a kept file's rows from
there, renumbered for its place in the new snapshot (`_rid`, `_file_order`, `_source_file`,
`_snapshot_at` are the snapshot's, never kept), and types only the files it has not seen.
Duplicates, quarantine and counts then run over the whole snapshot as a full reload does.

What a kept part depends on, and what happens when it changes:
- the typing version (the parser version of parts.py, the typing code, the SQL macros, the
  contract): another directory, so every file is typed again;
- the load date: a date of a `not_future` column after the load date is refused. A part is
  kept only while its latest such date is no later than both the day it was typed and today
  (a file with a date in the future is typed again each day, so the date is judged anew);
- the resolver (districts.py, addresses.py, the address rule and divisions.csv): every kept
  row is resolved again, none typed again;
- the districts table (stg_districts' code, name and aliases): only the kept rows that name a
  changed district are resolved again: a row whose code is one of its codes, or whose address,
  region or place columns contain one of its names or aliases. The address reader reads names
  found in the text, so a row naming none of them reads the same under either table.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb

from ..city import CITY
from ..db import scalar
from ..paths import SOURCES_DIR, SQL_DIR
from ..settings import settings
from .addresses import read_divisions, rule_fingerprint
from .contracts import SourceContract
from .districts import resolved_select
from .parts import parser_version, warehouse_home
from .typing_sql import lit, load_date, q, typed_select

_TYPING_CODE = ("typing_sql.py", "typed_parts.py")
_RESOLVING_CODE = ("districts.py", "addresses.py")
# the snapshot's own bookkeeping: never kept, set for each load
BOOKKEEPING = ("_rid", "_file_order", "_source_file", "_snapshot_at")

DistrictRows = list[tuple[str, str, str]]


def _code_hash(h, names: tuple[str, ...]) -> None:
    here = Path(__file__).resolve().parent
    for name in names:
        h.update((here / name).read_bytes())


@lru_cache(maxsize=64)
def typing_version(source: str, sources_dir: str) -> str:
    h = hashlib.blake2b(parser_version(source, sources_dir).encode(), digest_size=8)
    _code_hash(h, _TYPING_CODE)
    h.update((SQL_DIR / "ingest_macros.sql").read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _resolving_code() -> str:
    h = hashlib.blake2b(digest_size=8)
    _code_hash(h, _RESOLVING_CODE)
    return h.hexdigest()


def resolver_version() -> str:
    """The resolving code and the address rule (itself cached by addresses.py)."""
    return _resolving_code() + rule_fingerprint()


def district_rows(con: duckdb.DuckDBPyConnection) -> DistrictRows:
    """What district resolution reads of stg_districts (empty when it is not loaded)."""
    if not con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name = 'stg_districts'"
    ).fetchall()[0][0]:
        return []
    rows = con.execute(
        "SELECT coalesce(code, ''), coalesce(name_zh, ''), coalesce(aliases, '') "
        "FROM main.stg_districts ORDER BY ALL"
    ).fetchall()
    return [tuple(r) for r in rows]


def districts_hash(rows: DistrictRows) -> str:
    return hashlib.blake2b(json.dumps(rows, ensure_ascii=False).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class KeptTyped:
    """A file's typed and resolved rows, kept from an earlier load."""

    path: Path
    rows: int
    resolver: str
    districts: str
    typed_on: str  # the load date it was typed on (ISO)
    latest_not_future: str | None  # its latest date of a not_future column (ISO), if any


@dataclass
class TypedCounts:
    """What a load typed and resolved, and what it took from the kept typed parts."""

    typed_rows: int = 0  # rows typed from their text
    kept_rows: int = 0  # rows whose typed values came from kept parts
    resolved_rows: int = 0  # rows whose district was resolved (the typed ones, kept ones a change may move)
    typed_files: int = 0
    kept_files: int = 0


class TypedStore:
    """The kept typed parts of one source under one data directory."""

    def __init__(self, home: Path, contract: SourceContract, sources_dir: Path | None = None):
        self.contract = contract
        self.base = home / "cache" / "typed" / contract.name
        self.root = self.base / typing_version(contract.name, str(sources_dir or SOURCES_DIR))
        self.districts_dir = self.base / "districts"

    @classmethod
    def for_connection(cls, con: duckdb.DuckDBPyConnection, contract: SourceContract) -> TypedStore | None:
        if settings().no_part_cache:
            return None
        home = warehouse_home(con)
        return cls(home, contract) if home is not None else None

    def _paths(self, digest: str) -> tuple[Path, Path]:
        return self.root / f"{digest}.parquet", self.root / f"{digest}.json"

    def get(self, digest: str, today: date) -> KeptTyped | None:
        data, meta = self._paths(digest)
        try:
            doc = json.loads(meta.read_text(encoding="utf-8"))
            kept = KeptTyped(
                data,
                int(doc["rows"]),
                doc["resolver"],
                doc["districts"],
                doc["typed_on"],
                doc.get("latest_not_future"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not data.is_file():
            return None
        if kept.latest_not_future is not None and kept.latest_not_future > min(
            kept.typed_on, today.isoformat()
        ):
            return None  # a date after the load date: judged again today
        return kept

    def kept(self, digests: list[str]) -> dict[int, KeptTyped]:
        """The files (file order) of a snapshot whose typed rows are kept and valid today."""
        today = load_date()
        found = {order: self.get(digest, today) for order, digest in enumerate(digests)}
        return {order: k for order, k in found.items() if k is not None}

    def put(self, con: duckdb.DuckDBPyConnection, select: str, digest: str, doc: dict) -> None:
        """Write a file's rows (`select`, with `_local`) and their JSON, atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        data, meta = self._paths(digest)
        tag = f".{os.getpid()}.tmp"
        tmp = data.with_name(data.name + tag)
        con.execute(f"COPY ({select}) TO {lit(str(tmp))} (FORMAT parquet)")
        os.replace(tmp, data)
        tmp_meta = meta.with_name(meta.name + tag)
        tmp_meta.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp_meta, meta)

    def remember_districts(self, key: str, rows: DistrictRows) -> None:
        path = self.districts_dir / f"{key}.json"
        if path.is_file():
            return
        self.districts_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def districts(self, key: str) -> DistrictRows | None:
        try:
            return [tuple(r) for r in json.loads((self.districts_dir / f"{key}.json").read_text("utf-8"))]
        except (OSError, ValueError):
            return None

    def keep_only(self, digests: set[str], districts: str | None) -> None:
        """After a load: drop parts no file of the loaded snapshot has, stale typing versions,
        and district tables no kept part was resolved under."""
        if not self.base.is_dir():
            return
        for d in self.base.iterdir():
            if d not in (self.root, self.districts_dir):
                shutil.rmtree(d, ignore_errors=True)
        used = {districts} if districts else set()
        if self.root.is_dir():
            for p in self.root.iterdir():
                if p.name.split(".", 1)[0] not in digests:
                    p.unlink(missing_ok=True)
                elif p.suffix == ".json":
                    try:
                        used.add(json.loads(p.read_text(encoding="utf-8"))["districts"])
                    except (OSError, ValueError, KeyError):
                        pass
        if self.districts_dir.is_dir():
            for p in self.districts_dir.iterdir():
                if p.name.split(".", 1)[0] not in used:
                    p.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def _city_names() -> tuple[str, str]:
    name = next((d["name"] for d in read_divisions() if d["code"] == CITY), "")
    return name, name[:-1] if name.endswith("市") else name


def changed_district_terms(old: DistrictRows, new: DistrictRows) -> tuple[set[str], set[str]]:
    """(codes, names) of the districts rows that differ between two tables: what a row must
    contain to read differently under one than under the other."""
    codes: set[str] = set()
    names: set[str] = set()
    city, bare = _city_names()
    for code, name, aliases in set(old) ^ set(new):
        if code:
            codes.add(code)
        for n in [name, *aliases.split(";")]:
            n = n.strip()
            if not n:
                continue
            if n.isdigit():
                codes.add(n)
                continue
            # a name after the city's (烟台开发区) is read as its tail too (开发区): the tail is in both
            for prefix in (city, bare):
                if prefix and n.startswith(prefix) and len(n) > len(prefix):
                    n = n[len(prefix) :]
                    break
            names.add(n)
    return codes, names


def affected_condition(contract: SourceContract, codes: set[str], names: set[str], alias: str = "k") -> str:
    """SQL over a kept row (`alias`): true when it names a changed district (never NULL)."""
    terms: list[str] = []
    if codes:
        listed = ", ".join(lit(c) for c in sorted(codes))
        if "district_code" in contract.column_names:
            terms.append(f"{alias}.district_code IN ({listed})")
        terms.append(f"{alias}._region IN ({listed})")
    if contract.location == "address":
        for column in (*contract.address_columns, "_region", "_place"):
            terms += [f"contains({alias}.{q(column)}, {lit(n)})" for n in sorted(names)]
    return "coalesce(" + " OR ".join(terms) + ", false)" if terms else "false"


def type_and_resolve(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    landed,
    store: TypedStore | None,
    digests: list[str],
    kept: dict[int, KeptTyped],
    verified: set[int],
    snapshot_at,
) -> TypedCounts:
    """`_resolved_<source>`: every landed row typed and district-resolved. The rows of the
    files `kept` (file order: its kept part, TypedStore.kept) come from their parts (resolved
    again where the districts changed for them); the others are typed from
    `landed.norm_table`. Then the parts of the files typed or resolved again are kept, for the
    files in `verified` (file order: rows read from exactly the bytes of their hash)."""
    name = contract.name
    counts = TypedCounts()
    source = landed.norm_table
    if kept:
        source = f"(SELECT * FROM {landed.norm_table} WHERE _file_order NOT IN ({', '.join(map(str, kept))}))"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed_{name} AS {typed_select(contract, source)}")
    # Intermediate tables are dropped as soon as they are consumed: at scale 10 each holds
    # millions of rows in memory, and the connection lives until the step ends.
    con.execute(f"DROP TABLE IF EXISTS {landed.norm_table}")
    counts.typed_rows = counts.resolved_rows = scalar(con, f"SELECT count(*) FROM _typed_{name}")
    counts.typed_files = len(landed.parts) - len(kept)
    _resolve(con, contract, f"_typed_{name}", f"_resolved_{name}", create=True)
    con.execute(f"DROP TABLE IF EXISTS _typed_{name}")

    located = contract.location != "none"
    rows = district_rows(con) if located else []
    dkey = districts_hash(rows) if located else ""
    again: list[int] = []
    if kept:
        counts.kept_files = len(kept)
        again, resolved_again = _add_kept(con, contract, landed, store, kept, rows, dkey, snapshot_at)
        counts.kept_rows = sum(k.rows for k in kept.values())
        counts.resolved_rows += resolved_again
    if store is not None and len(digests) == len(landed.parts):
        writing = [o for o in range(len(landed.parts)) if (o not in kept or o in again) and o in verified]
        if writing:
            if located:
                store.remember_districts(dkey, rows)
            _keep(con, contract, landed, store, digests, writing, dkey)
    return counts


def _resolve(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, typed: str, into: str, create: bool
) -> None:
    if contract.location == "none":
        select = f"SELECT *, NULL::VARCHAR AS _unit, true AS _in_scope FROM {typed}"
    else:
        select = resolved_select(typed, contract.location, contract.address_columns)
    if create:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS {select}")
    else:
        con.execute(f"INSERT INTO {into} BY NAME {select}")


def _add_kept(con, contract, landed, store, kept, rows, dkey, snapshot_at) -> tuple[list[int], int]:
    """The kept parts' rows into `_resolved_<source>`, renumbered for this snapshot; the rows a
    change of resolver or districts may move resolved again. (files resolved again, rows)"""
    name = contract.name
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _kept_typed_map (path VARCHAR, first_rid BIGINT, "
        "file_order INTEGER, label VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _kept_typed_map VALUES (?, ?, ?, ?)",
        [[str(k.path), landed.parts[o].first_rid, o, landed.parts[o].label] for o, k in kept.items()],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _kept_typed_{name} AS "
        f"SELECT k.* EXCLUDE (_local, filename), k._local + m.first_rid AS _rid, m.file_order AS _file_order, "
        f"m.label AS _source_file, ?::TIMESTAMP AS _snapshot_at "
        f"FROM read_parquet(?, filename = true, union_by_name = true) k "
        f"JOIN _kept_typed_map m ON k.filename = m.path",
        [snapshot_at, sorted({str(k.path) for k in kept.values()})],
    )
    con.execute("DROP TABLE _kept_typed_map")
    # the kept parts resolved under another resolver or districts table, by what changed
    groups: dict[tuple[str, str], list[int]] = {}
    if contract.location != "none":
        for o, k in kept.items():
            if (k.resolver, k.districts) != (resolver_version(), dkey):
                groups.setdefault((k.resolver, k.districts), []).append(o)
    conds = []
    for (resolver, districts), orders in groups.items():
        old = store.districts(districts) if resolver == resolver_version() else None
        cond = "true" if old is None else affected_condition(contract, *changed_district_terms(old, rows))
        conds.append(f"(k._file_order IN ({', '.join(map(str, orders))}) AND {cond})")
    table = f"_kept_typed_{name}"
    resolved_again = 0
    if conds:
        cond = " OR ".join(conds)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _again_{name} AS "
            f"SELECT * EXCLUDE (_unit, _in_scope) FROM {table} k WHERE {cond}"
        )
        resolved_again = scalar(con, f"SELECT count(*) FROM _again_{name}")
        con.execute(f"INSERT INTO _resolved_{name} BY NAME SELECT * FROM {table} k WHERE NOT ({cond})")
        _resolve(con, contract, f"_again_{name}", f"_resolved_{name}", create=False)
        con.execute(f"DROP TABLE _again_{name}")
    else:
        con.execute(f"INSERT INTO _resolved_{name} BY NAME SELECT * FROM {table}")
    con.execute(f"DROP TABLE {table}")
    return [o for orders in groups.values() for o in orders], resolved_again


def _keep(con, contract, landed, store, digests, writing, dkey) -> None:
    """Keep the typed and resolved rows of the files `writing` (file orders) under their hash."""
    name = contract.name
    dates = [q(c.name) for c in contract.columns if c.type == "date" and c.not_future]
    latest: dict[int, str | None] = {o: None for o in writing}
    if dates:
        listed = ", ".join(map(str, writing))
        maxes = ", ".join(f"max({d})" for d in dates)
        for order, *values in con.execute(
            f"SELECT _file_order, {maxes} FROM _resolved_{name} WHERE _file_order IN ({listed}) GROUP BY ALL"
        ).fetchall():
            found = [v for v in values if v is not None]
            latest[order] = max(found).isoformat() if found else None
    today = load_date().isoformat()
    exclude = ", ".join(BOOKKEEPING)
    for order in writing:
        part = landed.parts[order]
        rows = scalar(con, f"SELECT count(*) FROM _resolved_{name} WHERE _file_order = {order}")
        store.put(
            con,
            f"SELECT * EXCLUDE ({exclude}), _rid - {part.first_rid} AS _local "
            f"FROM _resolved_{name} WHERE _file_order = {order}",
            digests[order],
            {
                "rows": rows,
                "resolver": resolver_version(),
                "districts": dkey,
                "typed_on": today,
                "latest_not_future": latest[order],
            },
        )
