"""District resolution (SOURCES.md): a valid code, else the address read by administrative
levels (addresses.py: `address_unit`), else outside Yantai."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ..city import CITY, UNLOCATED
from ..db import first_row, scalar, table_exists
from .addresses import OUTSIDE, AddressReader, explain_lines, reader_from_table, register


def build_lookups(con: duckdb.DuckDBPyConnection) -> AddressReader:
    """The temp table `_district_codes(code, unit)` from stg_districts, and the SQL functions
    `address_unit` and `region_unit` (the address reader of those districts, addresses.py)."""
    exists = scalar(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'stg_districts' AND table_schema = 'main'",
    )
    if not exists:
        raise RuntimeError("stg_districts is not loaded: load reference/districts.csv before any source")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _district_aliases AS
        SELECT code AS unit, trim(a) AS alias
        FROM (SELECT code, unnest(string_split(coalesce(aliases, ''), ';')) AS a FROM main.stg_districts)
        WHERE trim(a) <> ''
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _district_codes AS
        SELECT code, unit FROM (
            SELECT code, code AS unit FROM main.stg_districts WHERE code IS NOT NULL
            UNION ALL
            -- old codes listed as aliases (370684 蓬莱市, 370634 长岛县 -> 370614)
            SELECT alias, unit FROM _district_aliases WHERE regexp_full_match(alias, '\\d{6}')
        ) QUALIFY row_number() OVER (PARTITION BY code ORDER BY unit) = 1
    """)
    reader = reader_from_table(con)
    register(con, reader)
    return reader


def resolved_select(typed_table: str, location: str, address_columns: str | Sequence[str] | None) -> str:
    """Adds `_unit` and `_in_scope` to every row of typed_table.

    `address_columns` is ordered: the code; else a unit named by an export's region and
    county-level columns (`_region`, `_place`, formats.py) read together by levels; else the
    first address (read by levels, addresses.py); else the next address the same way; ...;
    else the unlocated bucket when the region columns name the city alone.
    A row is in scope when any of them places it in Yantai (transfers: either party); region
    columns naming another city or province put it outside, unless its code is a unit."""
    if location == "own_list":
        # Yantai's own lists: every row in scope, unknown code -> the unlocated bucket.
        return f"""
            SELECT t.*, coalesce(dc.unit, '{UNLOCATED}') AS _unit, true AS _in_scope
            FROM {typed_table} t LEFT JOIN _district_codes dc ON dc.code = t.district_code
        """
    columns = [address_columns] if isinstance(address_columns, str) else list(address_columns or [])
    if not columns:
        raise ValueError("location 'address' needs at least one address column")
    ctes = [
        f"""coded AS (
            -- in an export (not our own format) {CITY}, the city as a whole, is no unit: it says Yantai
            SELECT t.*, dc.unit AS _code_unit FROM {typed_table} t
            LEFT JOIN _district_codes dc ON dc.code = t.district_code
                AND NOT (dc.unit = '{CITY}' AND t._format IS DISTINCT FROM 'canonical')
        )""",
        "unplaced AS (SELECT * FROM coded WHERE _code_unit IS NULL)",
        # the region and county columns read together by levels (青岛市 + 市南区, 37 + 龙口市),
        # each distinct pair once: a unit, the city (unit unknown), outside, or nothing said
        """by_region AS (
            SELECT r, p, region_unit(r, p) AS unit
            FROM (SELECT DISTINCT _region AS r, _place AS p FROM unplaced
                  WHERE _region IS NOT NULL OR _place IS NOT NULL)
        )""",
    ]
    joins = [
        "LEFT JOIN by_region br ON br.r IS NOT DISTINCT FROM t._region AND br.p IS NOT DISTINCT FROM t._place"
    ]
    # a unit the columns name decides before the addresses; the city alone comes after them
    candidates = ["t._code_unit", f"CASE WHEN br.unit NOT IN ('{OUTSIDE}', '{UNLOCATED}') THEN br.unit END"]
    for i, column in enumerate(columns):
        # the address read by administrative levels: a unit, the unlocated bucket (the city, unit unknown),
        # or NULL (another city's, or nothing said); a street named after a unit is no unit.
        # Each distinct address is read once (an export repeats its holders' addresses).
        ctes.append(f"""read_{i} AS (
            SELECT a, address_unit(a) AS unit
            FROM (SELECT DISTINCT "{column}" AS a FROM unplaced WHERE "{column}" IS NOT NULL)
        )""")
        joins.append(f'LEFT JOIN read_{i} r{i} ON r{i}.a = t."{column}"')
        candidates.append(f"r{i}.unit")
    candidates.append(f"CASE WHEN br.unit = '{UNLOCATED}' THEN br.unit END")
    # a region column naming another city or province puts the row outside, whatever a street
    # name in its address may suggest; only a unit's code as written says otherwise
    unit = (
        f"CASE WHEN t._code_unit IS NULL AND br.unit = '{OUTSIDE}' THEN NULL "
        f"ELSE coalesce({', '.join(candidates)}) END"
    )
    # the unit once per row (the address reader is a Python function), then its scope
    return f"""
        WITH {", ".join(ctes)}
        SELECT * EXCLUDE (_code_unit), _unit IS NOT NULL AS _in_scope FROM (
            SELECT t.*, {unit} AS _unit
            FROM coded t
            {" ".join(joins)})
    """


def record_lines(con: duckdb.DuckDBPyConnection, source: str, key: str) -> list[str]:
    """`explain --record SOURCE:KEY`: a staged record's unit, and which words of its addresses
    decided it (the code as written comes first, as in resolution)."""
    from .contracts import load_contract  # here: the contracts load only for this question

    contract = load_contract(source)
    if contract.location != "address":
        raise KeyError(f"{source} has no address column: its records are Yantai's own (SOURCES.md)")
    if not table_exists(con, f"stg_{source}"):
        raise KeyError(f"stg_{source} is not loaded")
    k = contract.key[-1]
    cols = ", ".join(f'"{c}"' for c in ("district_code", "in_scope", *contract.address_columns))
    row = first_row(con, f'SELECT {cols} FROM main.stg_{source} WHERE "{k}" = ? LIMIT 1', [key])
    if row is None:
        raise KeyError(f"no record of {source} with {k} = {key!r}")
    reader = reader_from_table(con)
    names = dict(con.execute("SELECT code, name_zh FROM main.stg_districts").fetchall())
    raw = (
        first_row(con, f'SELECT district_code FROM main.raw_{source} WHERE "{k}" = ? LIMIT 1', [key])
        if table_exists(con, f"raw_{source}")
        else None
    )
    unit, in_scope = row[0], row[1]
    lines = [
        f"{source} {k}={key}: unit {unit or '—'} {names.get(unit, '')}".rstrip()
        + (" (in scope)" if in_scope else " (outside Yantai)")
    ]
    code = raw[0] if raw else None
    lines.append(
        f"行政区划代码 as written: {code or '—'}"
        + (" (a unit's code: it decides)" if code and unit and code in (unit, *names) else "")
    )
    for column, address in zip(contract.address_columns, row[2:]):
        lines.append(f"{column}:")
        lines += ["  " + x for x in explain_lines(reader.read(address), names)] if address else ["  (empty)"]
    return lines
