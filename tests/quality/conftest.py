"""A clean warehouse built in the test: every staged table of docs/WAREHOUSE.md, exact columns."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.ingest.contracts import load_reference_tables
from ip_pipeline.ingest.reference import DEFAULT_PREFIX, DEFAULTS_DIR
from ip_pipeline.sample.geo import DISTRICTS_CSV

SNAPSHOT_AT = datetime(2024, 6, 30, 12, 0, 0)
THIS_YEAR = date.today().year

# The spec's complete districts.csv (one copy in the project), as (code, name_zh, name_en, kind, aliases).
DISTRICTS = [
    tuple(r[k] or None for k in ("code", "name_zh", "name_en", "kind", "aliases"))
    for r in csv.DictReader(io.StringIO(DISTRICTS_CSV))
]
UNITS = [d[0] for d in DISTRICTS if d[0] != "370699"]

LINEAGE = (
    "warnings VARCHAR[], _source_file VARCHAR, _row_number BIGINT, _snapshot_at TIMESTAMP, _format VARCHAR"
)
DISTRICT_COLS = "district_code VARCHAR, in_scope BOOLEAN"

DDL = {
    "stg_patents": f"""application_no VARCHAR, patent_type VARCHAR, filing_date DATE, grant_date DATE, holder VARCHAR,
        holder_address VARCHAR, {DISTRICT_COLS}, main_ipc VARCHAR, ipc_codes VARCHAR, legal_status VARCHAR,
        lapse_date DATE, {LINEAGE}""",
    "stg_overseas_grants": f"""office VARCHAR, grant_no VARCHAR, grant_date DATE, patent_type VARCHAR, holder VARCHAR,
        holder_address VARCHAR, {DISTRICT_COLS}, cn_family_application_no VARCHAR, {LINEAGE}""",
    "stg_trademarks": f"""registration_no VARCHAR, nice_class INTEGER, mark_name VARCHAR, registrant VARCHAR,
        registrant_address VARCHAR, {DISTRICT_COLS}, filing_date DATE, registration_date DATE, expiry_date DATE,
        status VARCHAR, status_date DATE, {LINEAGE}""",
    "stg_pledges": f"""registration_no VARCHAR, pledge_type VARCHAR, registration_date DATE, pledgor VARCHAR,
        pledgor_address VARCHAR, {DISTRICT_COLS}, pledgee VARCHAR, amount_wan DOUBLE, items VARCHAR, status VARCHAR, {LINEAGE}""",
    "stg_enforcement": f"""case_no VARCHAR, case_type VARCHAR, authority_type VARCHAR, authority VARCHAR, opened_date DATE,
        closed_date DATE, {DISTRICT_COLS}, value_wan DOUBLE, penalty_wan DOUBLE, party VARCHAR, outcome VARCHAR, {LINEAGE}""",
    "stg_awards": f"application_no VARCHAR, award VARCHAR, award_year INTEGER, {LINEAGE}",
    "stg_enterprises": f"""credit_code VARCHAR, name VARCHAR, {DISTRICT_COLS}, programme VARCHAR, certified_date DATE,
        valid_until DATE, {LINEAGE}""",
    "stg_survey": f"""response_id VARCHAR, survey_date DATE, {DISTRICT_COLS}, respondent_type VARCHAR,
        overall_score DOUBLE, weight DOUBLE, {LINEAGE}""",
    "stg_transfers": f"""record_no VARCHAR, kind VARCHAR, ip_type VARCHAR, items VARCHAR, assignor VARCHAR,
        assignor_address VARCHAR, assignee VARCHAR, assignee_address VARCHAR, {DISTRICT_COLS}, registration_date DATE,
        {LINEAGE}""",
    "stg_districts": "code VARCHAR, name_zh VARCHAR, name_en VARCHAR, kind VARCHAR, aliases VARCHAR",
    "stg_population": "year INTEGER, district_code VARCHAR, population BIGINT",
    "stg_economy": "year INTEGER, gdp_yi DOUBLE, patent_intensive_va_yi DOUBLE",
    "stg_sei_ipc": "ipc_prefix VARCHAR, sei_code VARCHAR, sei_name VARCHAR",
    "stg_satisfaction": "year INTEGER, score DOUBLE, source VARCHAR",
    "stg_peers": """year BIGINT, level VARCHAR, indicator_id VARCHAR, value DOUBLE, source VARCHAR,
        _source_file VARCHAR, _row_number BIGINT""",
    "source_snapshots": """source VARCHAR, snapshot_at TIMESTAMP, fingerprint VARCHAR, files VARCHAR[], raw_rows BIGINT,
        staged_rows BIGINT, quarantined_rows BIGINT, duplicate_rows BIGINT, loaded_at TIMESTAMP""",
    "source_snapshots_history": """source VARCHAR, snapshot_at TIMESTAMP, fingerprint VARCHAR, raw_rows BIGINT,
        staged_rows BIGINT, loaded_at TIMESTAMP""",
}


def check_digit(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    s = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    r = s % 11
    return "X" if r == 10 else str(r)


def application_no(year: int, kind: int, serial: int) -> str:
    digits = f"{year}{kind}{serial:07d}"
    return digits + check_digit(digits)


def credit_code(i: int) -> str:
    return f"91370600{i:09d}X"[:17] + "X"


def _lineage(source: str, i: int):
    return ([], f"{source}/export.csv", i + 1, SNAPSHOT_AT, "canonical")


def _unit(i: int) -> str:
    return UNITS[i % len(UNITS)]


def rows_patents(n=240):
    out = []
    kinds = {1: "invention", 2: "utility_model", 3: "design"}
    for i in range(n):
        k = 1 + i % 3
        fy = 2010 + i % 13
        filing = date(fy, 1 + i % 12, 1 + i % 28)
        status = ["in_force", "in_force", "lapsed", "pending"][i % 4]
        grant = None if status == "pending" else filing + timedelta(days=300 + i % 400)
        lapse = grant + timedelta(days=900) if status == "lapsed" else None
        ipc = "12-08" if k == 3 else ["H01M 10/052", "G06N 3/08", "B33Y 10/00", "A01B 1/00"][i % 4]
        out_of_scope = i % 17 == 0
        out.append(
            (
                application_no(fy, k, i),
                kinds[k],
                filing,
                grant,
                f"烟台某公司{i}",
                "北京市海淀区" if out_of_scope else "山东省烟台市芝罘区",
                None if out_of_scope else _unit(i),
                not out_of_scope,
                ipc,
                ipc,
                status,
                lapse,
                *_lineage("patents", i),
            )
        )
    return out


def rows_overseas(n=40):
    offices = ["US", "EP", "JP", "KR", "DE"]
    return [
        (
            offices[i % 5],
            f"G{i:06d}",
            date(2019 + i % 5, 3, 1 + i % 27),
            "invention",
            f"烟台某公司{i}",
            "烟台市",
            _unit(i),
            application_no(2018, 1, i),
            True,
            *_lineage("overseas_grants", i),
        )
        for i in range(n)
    ]


def rows_trademarks(n=300):
    out = []
    for i in range(n):
        filing = date(2005 + i % 18, 1 + i % 12, 1 + i % 28)
        status = ["registered", "registered", "registered", "pending", "cancelled"][i % 5]
        reg = None if status == "pending" else filing + timedelta(days=200 + i % 300)
        expiry = None if reg is None else reg + timedelta(days=3652 * (1 if reg.year >= 2016 else 2) - 1)
        status_date = reg + timedelta(days=400) if status == "cancelled" else None
        out.append(
            (
                f"{10000000 + i}" if i % 20 else f"G{900000 + i}",
                1 + i % 45,
                f"商标{i}",
                f"注册人{i}",
                "烟台市",
                _unit(i),
                True,
                filing,
                reg,
                expiry,
                status,
                status_date,
                *_lineage("trademarks", i),
            )
        )
    return out


def _reorder_trademark(r):
    # (registration_no, nice_class, mark_name, registrant, registrant_address, district_code, in_scope, ...)  # noqa: ERA001
    return r


def rows_pledges(n=60):
    return [
        (
            f"Y{2021 + i % 4}{i:05d}",
            "patent" if i % 3 else "trademark",
            date(2021 + i % 4, 1 + i % 12, 5),
            f"出质人{i}",
            "烟台市莱山区",
            _unit(i),
            True,
            "烟台银行",
            100.0 + 50 * i,
            application_no(2016, 1, i) if i % 3 else f"{10000000 + i}",
            ["active", "released", "amended"][i % 3],
            *_lineage("pledges", i),
        )
        for i in range(n)
    ]


def rows_enforcement(n=80):
    case_types = [
        "patent_dispute",
        "patent_counterfeit",
        "trademark_infringement",
        "trademark_counterfeit",
        "other",
    ]
    auth = ["administrative", "judicial", "customs"]
    return [
        (
            f"YT-{2021 + i % 4}-{i:04d}",
            case_types[i % 5],
            auth[i % 3],
            "烟台市市场监督管理局",
            date(2021 + i % 4, 1 + i % 12, 3),
            date(2021 + i % 4, 1 + i % 12, 20) if i % 4 else None,
            _unit(i) if i % 9 else "370699",
            True,
            12.5 + i,
            1.0 * (i % 7),
            f"张{i}",
            "结案",
            *_lineage("enforcement", i),
        )
        for i in range(n)
    ]


def rows_transfers(n=70):
    return [
        (
            f"ZL{2024 + i % 2}{i:05d}",
            "transfer" if i % 2 else "licence",
            "patent" if i % 3 else "trademark",
            application_no(2018, 1, i) if i % 3 else f"{20000000 + i}",
            f"让与人{i}",
            "烟台市芝罘区",
            f"受让人{i}",
            "烟台市莱山区",
            _unit(i),
            True,
            date(2024 + i % 2, 1 + i % 12, 8),
            *_lineage("transfers", i),
        )
        for i in range(n)
    ]


def rows_awards(patents):
    inventions = [p[0] for p in patents if p[1] == "invention"][:12]
    awards = ["中国专利金奖", "中国专利银奖", "中国专利优秀奖"]
    return [(a, awards[i % 3], 2019 + i % 5, *_lineage("awards", i)) for i, a in enumerate(inventions)]


def rows_enterprises(n=50):
    return [
        (
            credit_code(i),
            f"企业{i}",
            _unit(i),
            True,
            "gbt29490" if i % 2 else "city_advantage",
            date(2018 + i % 6, 1 + i % 12, 10),
            date(2027, 12, 31) if i % 3 else None,
            *_lineage("enterprises", i),
        )
        for i in range(n)
    ]


def rows_survey(n=120):
    rnd = random.Random(7)
    return [
        (
            f"Q{i:05d}",
            date(2021 + i % 3, 6, 1 + i % 28),
            _unit(i),
            True,
            ["企业", "公众", "律师"][i % 3],
            round(60 + 40 * rnd.random(), 1),
            round(0.5 + rnd.random(), 3),
            *_lineage("survey", i),
        )
        for i in range(n)
    ]


def rows_population():
    out = []
    for y in range(THIS_YEAR - 5, THIS_YEAR):
        total = 0
        for j, code in enumerate(UNITS):
            p = int((300_000 + 37_000 * j) * (1.004 ** (y - 2019)))
            total += p
            out.append((y, code, p))
        out.append((y, "370600", total))
    return out


ECONOMY = [(y, 7000.0 + 400 * i, 800.0 + 60 * i) for i, y in enumerate(range(THIS_YEAR - 6, THIS_YEAR))]
SEI = [
    ("H01M", "5", "新能源汽车"),
    ("G06N3/", "1", "新一代信息技术"),
    ("C12N15/", "4", "生物"),
    ("B33Y", "2", "高端装备制造"),
    ("H04W", "1", "新一代信息技术"),
    ("C01B32/", "3", "新材料"),
]


def rows_shipped_peers():
    """The project's default peers.csv, as staging types it."""
    with open(DEFAULTS_DIR / "peers.csv", encoding="utf-8", newline="") as fh:
        return [
            (
                int(r["year"]),
                r["level"],
                r["indicator_id"],
                float(r["value"]),
                r["source"],
                DEFAULT_PREFIX + "peers.csv",
                i,
            )
            for i, r in enumerate(csv.DictReader(fh), start=1)
        ]


def _insert(con, table, rows):
    if rows:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        frame = pd.DataFrame(rows, columns=cols)
        con.register("_rows", frame)
        con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
        con.unregister("_rows")


def build_clean_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        for t, cols in DDL.items():
            con.execute(f"CREATE OR REPLACE TABLE {t} ({cols})")
        patents = rows_patents()
        data = {
            "stg_patents": patents,
            "stg_overseas_grants": [
                # reorder to DDL: office, grant_no, grant_date, patent_type, holder, holder_address, district_code, in_scope, cn_family...
                (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[8], r[7], *r[9:])
                for r in rows_overseas()
            ],
            "stg_trademarks": rows_trademarks(),
            "stg_pledges": rows_pledges(),
            "stg_enforcement": rows_enforcement(),
            "stg_awards": rows_awards(patents),
            "stg_enterprises": rows_enterprises(),
            "stg_survey": rows_survey(),
            "stg_transfers": rows_transfers(),
            "stg_districts": DISTRICTS,
            "stg_population": rows_population(),
            "stg_economy": ECONOMY,
            "stg_sei_ipc": SEI,
            "stg_satisfaction": [(2021, 83.9, "published")],
            "stg_peers": rows_shipped_peers(),
        }
        for t, rows in data.items():
            _insert(con, t, rows)
        # Every source has a current snapshot and one previous, slightly smaller, in the history.
        loaded = datetime(2024, 7, 1, 2, 0, 0)
        for t in data:
            if t.removeprefix("stg_") in load_reference_tables():
                continue
            src = t.removeprefix("stg_")
            n = len(data[t])
            con.execute(
                "INSERT INTO source_snapshots VALUES (?, ?, ?, [], ?, ?, 0, 0, ?)",
                [src, SNAPSHOT_AT, f"fp-{src}-2", n, n, loaded],
            )
            con.execute(
                "INSERT INTO source_snapshots_history VALUES (?, ?, ?, ?, ?, ?)",
                [
                    src,
                    SNAPSHOT_AT - timedelta(days=30),
                    f"fp-{src}-1",
                    n - 1,
                    max(n - 1, 1),
                    loaded - timedelta(days=30),
                ],
            )
            con.execute(
                "INSERT INTO source_snapshots_history VALUES (?, ?, ?, ?, ?, ?)",
                [src, SNAPSHOT_AT, f"fp-{src}-2", n, n, loaded],
            )
    finally:
        con.close()


@pytest.fixture
def home(tmp_path) -> Path:
    build_clean_warehouse(tmp_path / "warehouse.duckdb")
    return tmp_path


@pytest.fixture
def warehouse(home) -> Warehouse:
    return Warehouse(home=str(home))


def sql(home: Path, statement: str, params=None) -> None:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute(statement, params or [])
    finally:
        con.close()
