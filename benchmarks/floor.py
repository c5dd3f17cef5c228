#!/usr/bin/env python
"""The floor: the same `indicator_values` (ids, as-of dates, units, values) as
`ip-pipeline run`, from the same landing files, in one DuckDB script — no
orchestration, no warehouse, no validation report, no charts. What is left
is the cost of the work itself: read, normalise, type, refuse what
SOURCES.md refuses, deduplicate, locate, count.

    floor.py --landing DIR --out values.parquet [--today YYYY-MM-DD]

Independent of ip_pipeline but for one piece: rules re-implemented from SOURCES.md and
INDICATORS.md (see benchmarks/_landing.py for the shared reading rules); addresses are read
by the pipeline's own address reader (ip_pipeline/ingest/addresses.py), the one every
source, `explain` and the pandas peer use.
Python only where DuckDB cannot: GB18030 → UTF-8 transcoding, XLSX via
calamine (the fastest reader there is), the NFKC normalisation (a vectorised Arrow UDF).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _landing as L  # noqa: E402

from ip_pipeline.ingest.addresses import AddressReader  # noqa: E402
from ip_pipeline.ingest.addresses import register as register_address_reader

MACROS = r"""
CREATE MACRO pdate(s) AS CASE
  WHEN regexp_full_match(s, '\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日') THEN
    try_cast(regexp_extract(s, '^(\d{4})\D(\d{1,2})\D(\d{1,2})\D?$', 1) || '-' ||
             lpad(regexp_extract(s, '^(\d{4})\D(\d{1,2})\D(\d{1,2})\D?$', 2), 2, '0') || '-' ||
             lpad(regexp_extract(s, '^(\d{4})\D(\d{1,2})\D(\d{1,2})\D?$', 3), 2, '0') AS DATE)
  WHEN regexp_full_match(s, '\d{8}') THEN try_cast(s[1:4] || '-' || s[5:6] || '-' || s[7:8] AS DATE)
END;
CREATE MACRO pnum(s) AS CASE WHEN regexp_full_match(replace(s, ',', ''), '[+-]?(\d+(\.\d*)?|\.\d+)')
  THEN CAST(replace(s, ',', '') AS DOUBLE) END;
CREATE MACRO app_no(s) AS regexp_replace(regexp_replace(upper(s), '^(CN|ZL)', ''), '[.\s]', '', 'g');
CREATE MACRO app_ok(n) AS regexp_full_match(n, '\d{12}[0-9X]|\d{8}[0-9X]');
CREATE MACRO tm_no(s) AS regexp_replace(upper(s), '\s', '', 'g');
"""

TEXT_TYPES = ("text", "code")
# REAL_EXPORTS.md § Court cases: 案件性质 from the first 民 / 行 / 刑 after the year of the 案号;
# 审级 from …民初/行初/刑初 (first), …民申/民再 (retrial), …终 (second), in that order.
_YEAR = r"^[(〔\[][0-9]{4}[)〕\]]"
CASE_NO_DERIVED = {
    "case_nature": (
        f"CASE regexp_extract(n.case_no, '{_YEAR}[^民行刑]*([民行刑])', 1) WHEN '民' THEN 'civil' "
        f"WHEN '行' THEN 'administrative' WHEN '刑' THEN 'criminal' END"
    ),
    "instance": (
        f"CASE WHEN regexp_matches(n.case_no, '{_YEAR}.*[民行刑]初') THEN 'first' "
        f"WHEN regexp_matches(n.case_no, '{_YEAR}.*[民行刑][申再]') THEN 'retrial' "
        f"WHEN regexp_matches(n.case_no, '{_YEAR}.*终') THEN 'second' END"
    ),
}
MAX_CELL_CHARS = 10_000  # docs/WAREHOUSE.md: a longer cell quarantines its row (too_long:<col>)


def normalise(arr: pa.Array) -> pa.Array:
    """SOURCES.md: NFKC, trim, collapse white space, '' -> NULL (control characters dropped)."""
    out = pc.utf8_normalize(arr, form="NFKC")
    out = pc.replace_substring_regex(out, pattern=r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", replacement="")
    out = pc.replace_substring_regex(out, pattern=r"\s+", replacement=" ")
    out = pc.utf8_trim_whitespace(out)
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def lit(v) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def needed(c: dict, name: str, col: str) -> bool:
    """Columns that decide a value or a refusal; free text that only rides along is not read."""
    spec = c["columns"][col]
    return (
        spec["type"] not in TEXT_TYPES
        or spec.get("required")
        or col in c["key"]
        or col in (*c["address_columns"], "district_code", "main_ipc")
    )


# ---------------------------------------------------------------- reading
def create_raw(con, table: str, cols: list[str], scaled: list[str]) -> None:
    defs = ", ".join(f'"{c}" VARCHAR' for c in cols) + "".join(f', "_s_{c}" DOUBLE' for c in scaled)
    con.execute(f"CREATE TEMP TABLE {table} ({defs}, _f INTEGER)")


def load_part(
    con, table: str, path: Path, c: dict, cols: list[str], scaled: list[str], order: int, tmp: Path
) -> None:
    if path.suffix.lower() == ".xlsx":
        return load_xlsx(con, table, path, c, cols, scaled, order)
    text, enc = L.csv_text(path)
    pos, skip = 0, 0
    while True:  # the header is the first non-empty line
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        skip += 1
        if line.strip(" \t\r,") or end < 0:
            break
        pos = end + 1
    header = next(csv.reader([line]))
    positions, scales = L.map_header(header, c)
    src = path
    if enc == "gb18030":  # DuckDB reads UTF-8 only: transcode
        src = tmp / f"{table}_{order}.csv"
        src.write_text(text, encoding="utf-8")
    del text
    width = len(positions)
    colspec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    sel = [f"c{positions.index(col)}" if col in positions else "NULL" for col in cols]
    sel += [str(scales.get(col, 1.0)) for col in scaled]
    con.execute(
        f"INSERT INTO {table} SELECT {', '.join(sel)}, {order} FROM read_csv({lit(src)}, columns={colspec}, "
        f"header=false, skip={skip}, delim=',', quote='\"', escape='\"', auto_detect=false, "
        f"ignore_errors=true, null_padding=false)"
    )  # a row with too many/few cells is refused (skipped)


def load_xlsx(con, table, path, c, cols, scaled, order) -> None:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    rows = iter(wb.get_sheet_by_index(0).iter_rows())
    header = None
    for r in rows:
        if any(v is not None and str(v).strip() for v in r):
            header = ["" if v is None else str(v) for v in r]
            break
    while header and not header[-1].strip():
        header.pop()
    positions, scales = L.map_header(header or [], c)
    width = len(positions)
    idx = [positions.index(col) if col in positions else None for col in cols]
    is_date = [col is not None and c["columns"][col]["type"] == "date" for col in positions]
    out: list[list] = [[] for _ in cols]
    for r in rows:
        if not any(v is not None and str(v).strip() for v in r):
            continue
        if len(r) > width and any(v is not None and str(v).strip() for v in r[width:]):
            continue  # more cells than headers: refused
        for j, i in enumerate(idx):
            out[j].append(None if i is None or i >= len(r) else L.xlsx_text(r[i], is_date[i]))
    wb.close()
    arrays = [pa.array(v, pa.string()) for v in out]
    n = len(out[0]) if out else 0
    arrays += [pa.array([scales.get(col, 1.0)] * n, pa.float64()) for col in scaled]
    arrays.append(pa.array([order] * n, pa.int32()))
    names = cols + [f"_s_{s}" for s in scaled] + ["_f"]
    con.register("_xlsx_part", pa.table(arrays, names=names))
    con.execute(f"INSERT INTO {table} SELECT * FROM _xlsx_part")
    con.unregister("_xlsx_part")


# ---------------------------------------------------------------- typing and refusals
def enum_sql(x: str, values: dict) -> str:
    whens = []
    for canon, spellings in values.items():
        opts = sorted({s.lower() for s in spellings} | {"".join(s.lower().split()) for s in spellings})
        inlist = ", ".join(lit(o) for o in opts)
        whens.append(
            f"WHEN lower({x}) IN ({inlist}) OR replace(lower({x}), ' ', '') IN ({inlist}) THEN {lit(canon)}"
        )
    return "CASE " + " ".join(whens) + " END"


def stage_sql(c: dict, cols: list[str], today: dt.date) -> str:
    """SELECT typed columns of the rows SOURCES.md accepts (before deduplication)."""
    typed, bad = {}, []
    for col in cols:
        s = c["columns"][col]
        t, x = s["type"], f'n."{col}"'
        e = x
        bad.append(f"length({x}) > {MAX_CELL_CHARS}")  # WAREHOUSE.md: too_long:<col>
        if s.get("required") and s.get("default") is None:
            bad.append(f"{x} IS NULL")
        if t == "date":
            e = f"pdate({x})"
            bad.append(f"({x} IS NOT NULL AND {e} IS NULL)")
            if s.get("not_future"):
                bad.append(f"{e} > DATE '{today}'")
        elif t == "enum":
            e = enum_sql(x, s["values"])
            bad.append(f"({x} IS NOT NULL AND ({e}) IS NULL)")
            if s.get("default") is not None:
                e = f"coalesce({e}, {lit(s['default'])})"
        elif t in ("int", "decimal"):
            num = f"pnum({x})"
            bad.append(f"({x} IS NOT NULL AND {num} IS NULL)")
            if t == "int":
                bad.append(f"{num} <> round({num}) OR abs({num}) >= 2147483647")
                e = f"CAST({num} AS INTEGER)"
            else:
                e = f'({num} * n."_s_{col}")'
            for k, op in (("min", "<"), ("max", ">"), ("min_exclusive", "<=")):
                if s.get(k) is not None:
                    bad.append(f"{e} {op} {s[k]}")
            if s.get("default") is not None:
                e = f"coalesce({e}, {s['default']})"
        elif t == "application_no":
            e = f"app_no({x})"
            bad.append(f"({x} IS NOT NULL AND NOT app_ok({e}))")
        elif t == "trademark_no":
            e = f"tm_no({x})"
            bad.append(f"({x} IS NOT NULL AND NOT regexp_full_match({e}, 'G?\\d+'))")
        elif t == "office":
            e = f"upper({x})"
            bad.append(f"({x} IS NOT NULL AND NOT regexp_full_match({e}, '[A-Z]{{2}}'))")
            bad.append(f"{e} = 'CN'")
        elif t == "credit_code":
            e = f"tm_no({x})"
            bad.append(f"({x} IS NOT NULL AND NOT regexp_full_match({e}, '[0-9A-HJ-NPQRTUWXY]{{18}}'))")
        elif t == "bool":
            e = f"(({enum_sql(x, s['values'])}) = 'true')"
            bad.append(f"({x} IS NOT NULL AND {e} IS NULL)")
        elif t == "pledge_items":
            e = (
                f"list_filter(list_transform(regexp_split_to_array({x}, '[;,、]'), lambda i: trim(i)), "
                f"lambda i: i <> '')"
            )
            if s.get("kind_column"):  # transfers: each item normalised as in its own source
                kc = s["kind_column"]
                kind = enum_sql(f'n."{kc}"', c["columns"][kc]["values"])
                e = f"list_transform({e}, lambda i: CASE WHEN ({kind}) = 'trademark' THEN tm_no(i) ELSE app_no(i) END)"
        if col in CASE_NO_DERIVED and "case_no" in cols:  # blank or absent: from the 案号 (REAL_EXPORTS.md)
            e = f"coalesce({e}, {CASE_NO_DERIVED[col]})"
        typed[col] = e
    for r in c["rules"]:
        if r.get("action", "quarantine") != "quarantine":
            continue
        if r["kind"] == "required_when":
            vals = ", ".join(lit(v) for v in r["when_values"])
            bad.append(f"(({typed[r['when_column']]}) IN ({vals}) AND ({typed[r['column']]}) IS NULL)")
        elif r["kind"] == "date_order":
            bad.append(f"(({typed[r['later']]}) < ({typed[r['earlier']]}))")
    sel = ", ".join(f'{e} AS "{col}"' for col, e in typed.items())
    refused = " OR ".join(f"coalesce({b}, false)" for b in bad) or "false"
    return f"SELECT _seq, {sel} FROM n_{c['name']} AS n WHERE NOT ({refused})"


def load_source(con, landing: Path, name: str, today: dt.date, tmp: Path) -> None:
    c = L.load_contract(name)
    cols = [col for col in c["columns"] if needed(c, name, col)]
    scaled = [col for col in cols if c["columns"][col]["type"] == "decimal"]
    create_raw(con, f"raw_{name}", cols, scaled)
    for order, path in enumerate(L.parts(landing, name)):
        load_part(con, f"raw_{name}", path, c, cols, scaled, order, tmp)
    norm = ", ".join(f'norm("{col}") AS "{col}"' for col in cols)
    extra = "".join(f', "_s_{s}"' for s in scaled)
    con.execute(f"CREATE TEMP TABLE n_{name} AS SELECT rowid AS _seq, {norm}{extra} FROM raw_{name}")
    con.execute(f"DROP TABLE raw_{name}")
    key = ", ".join(f'"{k}"' for k in c["key"])
    # Duplicate keys: the last row (files in name order, rows in file order) wins.
    con.execute(
        f"CREATE TEMP TABLE t_{name} AS SELECT * FROM ({stage_sql(c, cols, today)}) "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _seq DESC) = 1"
    )
    con.execute(f"DROP TABLE n_{name}")
    if c["location"] == "none":
        con.execute(f"ALTER TABLE t_{name} RENAME TO s_{name}")
        return
    if c["location"] == "own_list":
        con.execute(f"""CREATE TEMP TABLE s_{name} AS SELECT t.* REPLACE (coalesce(k.unit, '{L.UNLOCATED}') AS district_code),
                        true AS in_scope FROM t_{name} t LEFT JOIN dcodes k ON k.code = t.district_code""")
    else:
        # the code; else each address in turn, read by administrative levels by the pipeline's
        # own reader (address_unit, registered in load_reference): the cross-check compares the
        # counting, and a second reading of addresses would only disagree on its own mistakes
        addrs = [f't."{a}"' for a in c["address_columns"]]
        ctes, joins, cands = [], [], ["k.unit"]
        for i, a in enumerate(c["address_columns"]):  # each distinct address read once
            ctes.append(
                f"read{i} AS (SELECT a, address_unit(a) AS unit FROM "
                f'(SELECT DISTINCT "{a}" AS a FROM t_{name} WHERE "{a}" IS NOT NULL))'
            )
            joins.append(f'LEFT JOIN read{i} r{i} ON r{i}.a = t."{a}"')
            cands.append(f"r{i}.unit")
        bare = " AND ".join(f"{x} IS NULL" for x in ["t.district_code", *addrs])
        con.execute(f"""
            CREATE TEMP TABLE s_{name} AS
            WITH {", ".join(ctes)}
            SELECT t.* REPLACE (u.unit AS district_code), u.unit IS NOT NULL AS in_scope, {bare} AS _bare
            FROM t_{name} t LEFT JOIN dcodes k ON k.code = t.district_code {" ".join(joins)},
                 LATERAL (SELECT coalesce({", ".join(cands)}) AS unit) u
        """)
        if name == "transfers":  # no code, no address: the first of its items found in patents / trademarks
            con.execute("""
                UPDATE s_transfers AS s SET district_code = l.unit, in_scope = coalesce(l.in_scope, false)
                FROM (SELECT i._seq, arg_min(k.unit, i.pos) AS unit, arg_min(k.in_scope, i.pos) AS in_scope
                      FROM (SELECT _seq, ip_type, unnest(items) AS item, generate_subscripts(items, 1) AS pos
                            FROM s_transfers WHERE _bare) i
                      JOIN (SELECT 'patent' AS kind, application_no AS item, district_code AS unit, in_scope FROM s_patents
                            UNION ALL SELECT 'trademark', registration_no, district_code, in_scope FROM s_trademarks) k
                        ON k.kind = i.ip_type AND k.item = i.item
                      GROUP BY i._seq) l
                WHERE s._seq = l._seq""")
    con.execute(f"DROP TABLE t_{name}")


def load_reference(con, landing: Path, tmp: Path) -> None:
    specs = {
        "districts": {
            "code": "VARCHAR",
            "name_zh": "VARCHAR",
            "name_en": "VARCHAR",
            "kind": "VARCHAR",
            "aliases": "VARCHAR",
        },
        "population": {"year": "BIGINT", "district_code": "VARCHAR", "population": "BIGINT"},
        "economy": {"year": "BIGINT", "gdp_yi": "DOUBLE", "patent_intensive_va_yi": "DOUBLE"},
        "sei_ipc": {"ipc_prefix": "VARCHAR", "sei_code": "VARCHAR", "sei_name": "VARCHAR"},
        "satisfaction": {"year": "BIGINT", "score": "DOUBLE", "source": "VARCHAR"},
    }
    for name, types in specs.items():
        c = {
            "name": name,
            "headers": {L.norm_header(k): (k, 1.0) for k in types},
            "columns": {k: {"type": "text"} for k in types},
        }
        cols = list(types)
        create_raw(con, f"rr_{name}", cols, [])
        path = landing / "reference" / L.REFERENCE[name]
        if path.exists():
            load_part(con, f"rr_{name}", path, c, cols, [], 0, tmp)
        sel = []
        for col, t in types.items():
            x = f'norm("{col}")'
            if t == "BIGINT":
                sel.append(
                    f"CAST(CASE WHEN pnum({x}) = round(pnum({x})) THEN pnum({x}) END AS BIGINT) AS {col}"
                )
            elif t == "DOUBLE":
                sel.append(f"pnum({x}) AS {col}")
            else:
                sel.append(f"{x} AS {col}")
        con.execute(f"CREATE TEMP TABLE ref_{name} AS SELECT {', '.join(sel)} FROM rr_{name}")
    con.execute("""CREATE TEMP TABLE d_alias AS SELECT code AS unit, trim(a) AS alias
                   FROM (SELECT code, unnest(string_split(coalesce(aliases, ''), ';')) AS a FROM ref_districts)
                   WHERE trim(a) <> ''""")
    con.execute("""CREATE TEMP TABLE dcodes AS SELECT code, min(unit) AS unit FROM (
                       SELECT code, code AS unit FROM ref_districts WHERE code IS NOT NULL
                       UNION ALL SELECT alias, unit FROM d_alias WHERE regexp_full_match(alias, '\\d{6}')) GROUP BY code""")
    reader = AddressReader(
        [
            {"code": c, "name_zh": n, "aliases": a}
            for c, n, a in con.execute("SELECT code, name_zh, aliases FROM ref_districts").fetchall()
        ]
    )
    register_address_reader(con, reader)
    con.execute(f"""CREATE TEMP TABLE dnames AS SELECT name, min(unit) AS unit FROM (
                       SELECT name_zh AS name, code AS unit FROM ref_districts WHERE code <> '{L.UNLOCATED}'
                       UNION ALL SELECT alias, unit FROM d_alias WHERE NOT regexp_full_match(alias, '\\d{{6}}'))
                    WHERE name IS NOT NULL AND name <> '未定位' GROUP BY name""")


# ---------------------------------------------------------------- indicators
INDICATORS_SQL = r"""
CREATE TEMP TABLE units AS SELECT DISTINCT code AS u FROM ref_districts WHERE code IS NOT NULL AND code <> '370600'
    UNION SELECT '370699';
CREATE TEMP TABLE grid AS SELECT as_of, u FROM dates, units;
CREATE MACRO unit_of(code) AS CASE WHEN code IN (SELECT u FROM units) THEN code ELSE '370699' END;

-- population of the year of D, else the latest earlier year; the city: its own row, else the sum of its units
CREATE TEMP TABLE pop AS
    SELECT year, district_code AS u, population::DOUBLE AS pop FROM ref_population WHERE district_code IN (SELECT u FROM units)
    UNION ALL
    SELECT year, '370600', coalesce(max(population) FILTER (WHERE district_code = '370600'),
                                    sum(population) FILTER (WHERE district_code IN (SELECT u FROM units)))::DOUBLE
    FROM ref_population GROUP BY year;
CREATE TEMP TABLE pop_at AS
    SELECT g.as_of, g.u, (SELECT p.pop FROM pop p WHERE p.u = g.u AND p.year <= year(g.as_of) ORDER BY p.year DESC LIMIT 1) AS pop
    FROM (SELECT as_of, u FROM grid UNION ALL SELECT as_of, '370600' FROM dates) g;

-- 1. high-value invention patents: each criterion reduced to the first day it holds
CREATE TEMP TABLE hv_p AS
WITH p AS (SELECT application_no AS a, unit_of(district_code) AS u, filing_date, grant_date, lapse_date, ipc_codes, main_ipc
           FROM s_patents WHERE in_scope AND patent_type = 'invention' AND grant_date IS NOT NULL),
codes AS (SELECT a, regexp_replace(unnest(string_split(coalesce(ipc_codes, '') || ';' || coalesce(main_ipc, ''), ';')), '\s', '', 'g') AS code FROM p),
sei AS (SELECT DISTINCT a FROM codes JOIN (SELECT regexp_replace(ipc_prefix, '\s', '', 'g') AS pre FROM ref_sei_ipc) s
        ON s.pre <> '' AND starts_with(codes.code, s.pre)),
ovs AS (SELECT cn_family_application_no AS a, min(grant_date) AS d FROM s_overseas_grants WHERE cn_family_application_no IS NOT NULL GROUP BY 1),
plg AS (SELECT app_no(i) AS a, min(registration_date) AS d
        FROM (SELECT unnest(items) AS i, registration_date FROM s_pledges WHERE pledge_type = 'patent' AND amount_wan >= $thr) GROUP BY 1),
awd AS (SELECT application_no AS a, min(award_year) AS y FROM s_awards GROUP BY 1)
SELECT p.a, p.u, p.filing_date, p.grant_date, p.lapse_date, sei.a IS NOT NULL AS sei, ovs.d AS ovs, plg.d AS plg, awd.y AS awd
FROM p LEFT JOIN sei USING (a) LEFT JOIN ovs USING (a) LEFT JOIN plg USING (a) LEFT JOIN awd USING (a);

CREATE TEMP TABLE counts AS
SELECT 'hv_patents_per_10k' AS id, d.as_of, h.u, count(*) AS n
FROM dates d JOIN hv_p h ON h.grant_date <= d.as_of AND (h.lapse_date IS NULL OR h.lapse_date > d.as_of)
 AND (h.sei OR h.ovs <= d.as_of OR h.plg <= d.as_of OR h.awd <= year(d.as_of) OR h.filing_date < d.as_of - INTERVAL 10 YEAR)
GROUP BY ALL
UNION ALL  -- 2. overseas invention grants, year to date
SELECT 'overseas_invention_grants', d.as_of, unit_of(o.district_code), count(*)
FROM dates d JOIN s_overseas_grants o ON o.patent_type = 'invention' AND o.in_scope
 AND o.grant_date <= d.as_of AND year(o.grant_date) = year(d.as_of)
GROUP BY ALL
UNION ALL  -- 3. valid trademarks
SELECT 'valid_trademarks', d.as_of, unit_of(t.district_code), count(*)
FROM dates d JOIN s_trademarks t ON t.in_scope AND t.registration_date <= d.as_of AND t.expiry_date >= d.as_of
 AND NOT (t.status IN ('invalidated', 'cancelled', 'revoked') AND t.status_date <= d.as_of)
GROUP BY ALL
UNION ALL  -- 7, 8. enterprises
SELECT CASE e.programme WHEN 'gbt29490' THEN 'gbt29490_enterprises' ELSE 'city_advantage_enterprises' END,
       d.as_of, unit_of(e.district_code), count(*)
FROM dates d JOIN s_enterprises e ON e.certified_date <= d.as_of AND (e.valid_until IS NULL OR e.valid_until >= d.as_of)
GROUP BY ALL;

-- 4. pledges: year to date on D, and the base year to D's month-day
CREATE TEMP TABLE pl AS
WITH p AS (SELECT unit_of(district_code) AS u, registration_date AS r, amount_wan AS amt FROM s_pledges WHERE in_scope)
SELECT w.as_of, g.u,
       count(p.r) FILTER (WHERE p.r BETWEEN w.ytd_start AND w.as_of) AS cy,
       coalesce(sum(p.amt) FILTER (WHERE p.r BETWEEN w.ytd_start AND w.as_of), 0) AS ay,
       count(p.r) FILTER (WHERE p.r BETWEEN w.base_start AND w.base_end) AS cb,
       coalesce(sum(p.amt) FILTER (WHERE p.r BETWEEN w.base_start AND w.base_end), 0) AS ab,
       any_value(w.y) AS y, any_value(w.b) AS b
FROM windows w JOIN units g ON true LEFT JOIN p ON p.u = g.u
 AND (p.r BETWEEN w.ytd_start AND w.as_of OR p.r BETWEEN w.base_start AND w.base_end)
GROUP BY w.as_of, g.u;
CREATE TEMP TABLE pl_all AS SELECT * FROM pl UNION ALL
SELECT as_of, '370600', sum(cy), sum(ay), sum(cb), sum(ab), any_value(y), any_value(b) FROM pl GROUP BY as_of;

-- 2025–2027 plan. Transfers and licences: year to date on D, and the base year (2024) to D's
-- month-day; a year before the first recordal of the source (or no source) has no data.
CREATE TEMP TABLE tr AS
WITH t AS (SELECT unit_of(district_code) AS u, registration_date AS r FROM s_transfers WHERE in_scope)
SELECT w.as_of, g.u,
       count(t.r) FILTER (WHERE t.r BETWEEN w.ytd_start AND w.as_of) AS cy,
       count(t.r) FILTER (WHERE t.r BETWEEN w.base_start AND w.base_end) AS cb,
       any_value(w.y) AS y, any_value(w.b) AS b
FROM twindows w JOIN units g ON true LEFT JOIN t ON t.u = g.u
 AND (t.r BETWEEN w.ytd_start AND w.as_of OR t.r BETWEEN w.base_start AND w.base_end)
GROUP BY w.as_of, g.u;
CREATE TEMP TABLE tr_all AS
SELECT tr.*, f.y0 FROM (SELECT * FROM tr UNION ALL
    SELECT as_of, '370600', sum(cy), sum(cb), any_value(y), any_value(b) FROM tr GROUP BY as_of) tr,
    (SELECT min(year(registration_date)) AS y0 FROM s_transfers) f;

-- civil first-instance judicial cases closed in the year of D up to D; accepted unknown left out
CREATE TEMP TABLE civil AS
WITH k AS (SELECT unit_of(district_code) AS u, closed_date AS c, accepted AS a FROM s_enforcement
           WHERE authority_type = 'judicial' AND case_nature = 'civil' AND instance = 'first' AND closed_date IS NOT NULL),
per AS (SELECT g.as_of, g.u, count(k.c) FILTER (WHERE k.a) AS acc, count(k.a) AS known
        FROM grid g LEFT JOIN k ON k.u = g.u AND k.c BETWEEN make_date(year(g.as_of), 1, 1) AND g.as_of
        GROUP BY g.as_of, g.u)
SELECT * FROM per UNION ALL SELECT as_of, '370600', sum(acc), sum(known) FROM per GROUP BY as_of;

-- city advantage enterprises first certified after the base year (2024), on or before D
CREATE TEMP TABLE newadv AS
WITH f AS (SELECT credit_code, min(certified_date) AS first, arg_min(unit_of(district_code), certified_date) AS u
           FROM s_enterprises WHERE programme = 'city_advantage' AND in_scope GROUP BY credit_code),
per AS (SELECT g.as_of, g.u, count(f.first) AS n
        FROM grid g LEFT JOIN f ON f.u = g.u AND f.first > make_date($tb, 12, 31) AND f.first <= g.as_of
        GROUP BY g.as_of, g.u)
SELECT as_of, u, CASE WHEN year(as_of) >= $tb THEN n END AS n FROM (
    SELECT * FROM per UNION ALL SELECT as_of, '370600', sum(n) FROM per GROUP BY as_of);

CREATE TEMP TABLE survey AS
SELECT d.as_of, count(s.overall_score) AS n, sum(s.weight) AS sw, sum(s.weight * s.overall_score) AS sws
FROM dates d LEFT JOIN s_survey s ON s.survey_date <= d.as_of AND year(s.survey_date) = year(d.as_of)
GROUP BY d.as_of;

CREATE TEMP TABLE result AS
WITH c AS (
    SELECT k.id, g.as_of, g.u, coalesce(c.n, 0)::DOUBLE AS n
    FROM (SELECT DISTINCT id FROM (VALUES ('hv_patents_per_10k'), ('overseas_invention_grants'), ('valid_trademarks'),
                                          ('gbt29490_enterprises'), ('city_advantage_enterprises')) v(id)) k
    JOIN grid g ON true LEFT JOIN counts c ON c.id = k.id AND c.as_of = g.as_of AND c.u = g.u),
cc AS (SELECT * FROM c UNION ALL SELECT id, as_of, '370600', sum(n) FROM c GROUP BY id, as_of)
SELECT cc.id, cc.as_of, cc.u,
       CASE WHEN cc.id = 'hv_patents_per_10k' THEN CASE WHEN p.pop > 0 THEN cc.n / p.pop * 10000 END
            WHEN cc.id = 'valid_trademarks' THEN cc.n / 10000
            ELSE cc.n END AS value
FROM cc LEFT JOIN pop_at p ON p.as_of = cc.as_of AND p.u = cc.u
UNION ALL SELECT 'pledge_count', as_of, u, cy FROM pl_all
UNION ALL SELECT 'pledge_amount_wan', as_of, u, ay FROM pl_all
UNION ALL SELECT 'pledge_count_cagr', as_of, u, CASE WHEN y > b AND cb > 0 THEN (power(cy / cb, 1 / (y - b)) - 1) * 100 END FROM pl_all
UNION ALL SELECT 'pledge_amount_cagr', as_of, u, CASE WHEN y > b AND ab > 0 THEN (power(ay / ab, 1 / (y - b)) - 1) * 100 END FROM pl_all
UNION ALL
SELECT 'patent_intensive_va_share', d.as_of, '370600',
       (SELECT CASE WHEN e.gdp_yi > 0 THEN e.patent_intensive_va_yi / e.gdp_yi * 100 END
        FROM ref_economy e WHERE e.year <= year(d.as_of) ORDER BY e.year DESC LIMIT 1)
FROM dates d
UNION ALL SELECT 'ip_protection_satisfaction_survey', as_of, '370600', CASE WHEN n > 0 THEN sws / sw END FROM survey
UNION ALL
SELECT 'ip_protection_satisfaction', s.as_of, '370600',
       coalesce((SELECT any_value(score) FROM ref_satisfaction r WHERE r.year = year(s.as_of) AND r.score IS NOT NULL),
                CASE WHEN n > 0 THEN sws / sw END)
FROM survey s
UNION ALL SELECT 'ip_transfer_licence_count', as_of, u, CASE WHEN y >= y0 THEN cy END FROM tr_all
UNION ALL SELECT 'ip_transfer_licence_cagr', as_of, u,
       CASE WHEN y > b AND y >= y0 AND b >= y0 AND cb > 0 THEN (power(cy / cb, 1 / (y - b)) - 1) * 100 END FROM tr_all
UNION ALL SELECT 'civil_first_instance_acceptance_rate', as_of, u, CASE WHEN known > 0 THEN acc / known * 100 END FROM civil
UNION ALL SELECT 'new_city_advantage_enterprises', as_of, u, n FROM newadv;
"""


def windows(dates: list[dt.date], base: int) -> list[tuple]:
    out = []
    for d in dates:
        try:
            cut = d.replace(year=base)
        except ValueError:  # 29 February against a common base year: its last day of February
            cut = dt.date(base, 2, 28)
        out.append((d, dt.date(d.year, 1, 1), dt.date(base, 1, 1), cut, d.year, base))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landing", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=L.today_in_yantai())
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    con.create_function(
        "norm",
        normalise,
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("VARCHAR"),
        type="arrow",
        null_handling="special",
        side_effects=False,
    )
    con.execute(MACROS)
    dates = L.as_of_dates(args.today)
    con.execute("CREATE TEMP TABLE dates AS SELECT unnest(?::DATE[]) AS as_of", [dates])
    con.execute(
        "CREATE TEMP TABLE windows (as_of DATE, ytd_start DATE, base_start DATE, base_end DATE, y INT, b INT)"
    )
    con.executemany("INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?)", windows(dates, 2020))
    con.execute("CREATE TEMP TABLE twindows AS SELECT * FROM windows WHERE false")
    con.executemany("INSERT INTO twindows VALUES (?, ?, ?, ?, ?, ?)", windows(dates, L.TRANSFER_BASE_YEAR))
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        load_reference(con, args.landing, Path(tmp))
        for name in L.USED_SOURCES:
            load_source(con, args.landing, name, args.today, Path(tmp))
    t1 = time.perf_counter()
    con.execute(
        INDICATORS_SQL.replace("$thr", repr(L.pledge_threshold())).replace("$tb", str(L.TRANSFER_BASE_YEAR))
    )
    units = L.catalogue()
    con.execute("CREATE TEMP TABLE id_units (id VARCHAR, unit VARCHAR)")
    con.executemany("INSERT INTO id_units VALUES (?, ?)", list(units.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"""COPY (SELECT r.id AS indicator_id, r.as_of, r.u AS district_code, r.value::DOUBLE AS value, i.unit
                         FROM result r JOIN id_units i USING (id) ORDER BY ALL) TO {lit(args.out)} (FORMAT parquet)""")
    n = con.execute("SELECT count(*) FROM result").fetchall()[0][0]
    print(
        f"floor: {n} rows, {len(dates)} as-of dates; load {t1 - t0:.2f}s, indicators {time.perf_counter() - t1:.2f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
