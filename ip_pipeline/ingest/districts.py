"""District resolution (SOURCES.md): a valid code, else the longest name or alias in
the address, else 370699 when the address mentions 烟台, else outside Yantai."""
from __future__ import annotations

import duckdb

from ..db import first_row, scalar

UNLOCATED = "370699"
CITY = "370600"


def build_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables `_district_codes(code, unit)` and `_district_names(name, unit, len)` from stg_districts."""
    exists = scalar(con, 
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'stg_districts' AND table_schema = 'main'"
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


def resolved_select(typed_table: str, location: str, address_column: str | None) -> str:
    """Adds `_unit` and `_in_scope` to every row of typed_table."""
    if location == "own_list":
        # Yantai's own lists: every row in scope, unknown code -> 未定位.
        return f"""
            SELECT t.*, coalesce(dc.unit, '{UNLOCATED}') AS _unit, true AS _in_scope
            FROM {typed_table} t LEFT JOIN _district_codes dc ON dc.code = t.district_code
        """
    addr = f't."{address_column}"'
    # An export's location hints (formats.py): `_place`, a county-level name column, decides
    # before the address; `_region`, a city name or a code that is not a unit, only says
    # whether the holder is in Yantai (REAL_EXPORTS.md § Patents, Location).
    in_yantai = (f"(contains({addr}, '烟台') OR contains(t._region, '烟台') "
                 f"OR regexp_matches(t._region, '(^|[^0-9])3706[0-9]{{2}}($|[^0-9])'))")
    # ... and a region that names another city or province (or its code) says the holder is
    # not in Yantai, whatever a street name in the address may suggest; 山东省 / 37 say nothing.
    elsewhere = ("(NOT contains(t._region, '烟台') AND ("
                 "regexp_full_match(t._region, '[0-9]{2}') AND t._region <> '37' "
                 "OR regexp_full_match(t._region, '[0-9]{4}([0-9]{2})?') AND NOT starts_with(t._region, '3706') "
                 "OR regexp_matches(t._region, '(市|州|盟|地区)$') "
                 "OR regexp_matches(t._region, '(省|自治区)$') AND NOT contains(t._region, '山东')))")
    # In an export (not our own format) 370600, the city as a whole, is no unit: it says Yantai.
    return f"""
        WITH coded AS (
            SELECT t.*, dc.unit AS _code_unit FROM {typed_table} t
            LEFT JOIN _district_codes dc ON dc.code = t.district_code
                AND NOT (dc.unit = '{CITY}' AND t._format IS DISTINCT FROM 'canonical')
        ),
        unplaced AS (SELECT * FROM coded WHERE _code_unit IS NULL),
        by_place AS (
            SELECT t._rid, arg_max(dn.unit, dn.len * 100000 - instr(t._place, dn.name)) AS unit
            FROM unplaced t JOIN _district_names dn ON contains(t._place, dn.name)
            WHERE t._place IS NOT NULL
            GROUP BY t._rid
        ),
        by_name AS (
            -- the longest matching name wins; among equals, the one found first in the address
            SELECT t._rid, arg_max(dn.unit, dn.len * 100000 - instr({addr}, dn.name)) AS unit
            FROM unplaced t JOIN _district_names dn ON contains({addr}, dn.name)
            GROUP BY t._rid
        )
        SELECT t.* EXCLUDE (_code_unit),
            CASE WHEN t._code_unit IS NULL AND coalesce({elsewhere}, false) THEN NULL
                 ELSE coalesce(t._code_unit, bp.unit, bn.unit, CASE WHEN {in_yantai} THEN '{UNLOCATED}' END) END AS _unit,
            CASE WHEN t._code_unit IS NULL AND coalesce({elsewhere}, false) THEN false
                 ELSE coalesce(t._code_unit, bp.unit, bn.unit, CASE WHEN {in_yantai} THEN '{UNLOCATED}' END) IS NOT NULL
            END AS _in_scope
        FROM coded t
        LEFT JOIN by_place bp ON bp._rid = t._rid
        LEFT JOIN by_name bn ON bn._rid = t._rid
    """
