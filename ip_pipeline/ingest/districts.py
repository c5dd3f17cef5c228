"""District resolution (SOURCES.md): a valid code, else the address read by administrative
levels (addresses.py: `address_unit`), else outside Yantai."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ..city import CITY
from ..db import first_row, scalar, table_exists
from .addresses import UNLOCATED, AddressReader, explain_lines, reader_from_table, register


def build_lookups(con: duckdb.DuckDBPyConnection) -> AddressReader:
    """Temp tables `_district_codes(code, unit)` and `_district_names(name, unit, len)` from
    stg_districts, and the SQL function `address_unit` (the address reader of those districts)."""
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
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _district_names AS
        SELECT name, unit, length(name) AS len FROM (
            SELECT name_zh AS name, code AS unit FROM main.stg_districts WHERE name_zh IS NOT NULL AND code <> '370699'
            UNION ALL
            SELECT alias, unit FROM _district_aliases WHERE NOT regexp_full_match(alias, '\\d{6}')
        ) WHERE name IS NOT NULL AND name <> '未定位'
        QUALIFY row_number() OVER (PARTITION BY name ORDER BY unit) = 1
    """)
    reader = reader_from_table(con)
    register(con, reader)
    return reader


def resolved_select(typed_table: str, location: str, address_columns: str | Sequence[str] | None) -> str:
    """Adds `_unit` and `_in_scope` to every row of typed_table.

    `address_columns` is ordered: the code; else an export's county-level name column
    (`_place`, formats.py); else the first address (read by levels, addresses.py); else the
    next address the same way; ...; else 370699 when an
    export's region column (`_region`: a city name or a code that is no unit) says Yantai.
    A row is in scope when any of them places it in Yantai (transfers: either party); a
    region column naming another city or province puts it outside, unless its code is a unit."""
    if location == "own_list":
        # Yantai's own lists: every row in scope, unknown code -> 未定位.
        return f"""
            SELECT t.*, coalesce(dc.unit, '{UNLOCATED}') AS _unit, true AS _in_scope
            FROM {typed_table} t LEFT JOIN _district_codes dc ON dc.code = t.district_code
        """
    columns = [address_columns] if isinstance(address_columns, str) else list(address_columns or [])
    if not columns:
        raise ValueError("location 'address' needs at least one address column")
    region_yantai = (
        "(contains(t._region, '烟台') OR regexp_matches(t._region, '(^|[^0-9])3706[0-9]{2}($|[^0-9])'))"
    )
    # a region that names another city or province (or its code) says the holder is not in
    # Yantai, whatever a street name in the address may suggest; 山东省 / 37 say nothing
    elsewhere = (
        "(NOT contains(t._region, '烟台') AND ("
        "regexp_full_match(t._region, '[0-9]{2}') AND t._region <> '37' "
        "OR regexp_full_match(t._region, '[0-9]{4}([0-9]{2})?') AND NOT starts_with(t._region, '3706') "
        "OR regexp_matches(t._region, '(市|州|盟|地区)$') "
        "OR regexp_matches(t._region, '(省|自治区)$') AND NOT contains(t._region, '山东')))"
    )
    ctes = [
        f"""coded AS (
            -- in an export (not our own format) {CITY}, the city as a whole, is no unit: it says Yantai
            SELECT t.*, dc.unit AS _code_unit FROM {typed_table} t
            LEFT JOIN _district_codes dc ON dc.code = t.district_code
                AND NOT (dc.unit = '{CITY}' AND t._format IS DISTINCT FROM 'canonical')
        )""",
        "unplaced AS (SELECT * FROM coded WHERE _code_unit IS NULL)",
        """by_place AS (
            SELECT t._rid, arg_max(dn.unit, dn.len * 100000 - instr(t._place, dn.name)) AS unit
            FROM unplaced t JOIN _district_names dn ON contains(t._place, dn.name)
            WHERE t._place IS NOT NULL
            GROUP BY t._rid
        )""",
    ]
    joins, candidates = ["LEFT JOIN by_place bp ON bp._rid = t._rid"], ["t._code_unit", "bp.unit"]
    for i, column in enumerate(columns):
        # the address read by administrative levels: a unit, 370699 (the city, unit unknown),
        # or NULL (another city's, or nothing said); a street named after a unit is no unit.
        # Each distinct address is read once (an export repeats its holders' addresses).
        ctes.append(f"""read_{i} AS (
            SELECT a, address_unit(a) AS unit
            FROM (SELECT DISTINCT "{column}" AS a FROM unplaced WHERE "{column}" IS NOT NULL)
        )""")
        joins.append(f'LEFT JOIN read_{i} r{i} ON r{i}.a = t."{column}"')
        candidates.append(f"r{i}.unit")
    candidates.append(f"CASE WHEN {region_yantai} THEN '{UNLOCATED}' END")
    unit = (
        f"CASE WHEN t._code_unit IS NULL AND coalesce({elsewhere}, false) THEN NULL "
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
