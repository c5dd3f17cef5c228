"""A tiny warehouse built in each test: the stg_* tables of docs/WAREHOUSE.md
(exact columns), the reporting units of districts.csv, and helpers to add a few
records, compute, and read a value back."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from ip_pipeline.indicators.progress import compute_indicator_progress
from ip_pipeline.indicators.values import compute_indicator_values
from ip_pipeline.ingest.contracts import SOURCE_NAMES
from ip_pipeline.sample.geo import DISTRICTS_CSV

CITY = "370600"
# The spec's complete districts.csv (one copy in the project), as (code, name_zh, name_en, kind, aliases).
UNITS = [
    tuple(r[k] or None for k in ("code", "name_zh", "name_en", "kind", "aliases"))
    for r in csv.DictReader(io.StringIO(DISTRICTS_CSV))
]
UNIT_CODES = [u[0] for u in UNITS]

_TAIL = [
    ("in_scope", "BOOLEAN"),
    ("warnings", "VARCHAR[]"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_snapshot_at", "TIMESTAMP"),
]
STG: dict[str, list[tuple[str, str]]] = {
    "stg_patents": [
        ("application_no", "VARCHAR"),
        ("patent_type", "VARCHAR"),
        ("filing_date", "DATE"),
        ("grant_date", "DATE"),
        ("holder", "VARCHAR"),
        ("holder_address", "VARCHAR"),
        ("district_code", "VARCHAR"),
        ("main_ipc", "VARCHAR"),
        ("ipc_codes", "VARCHAR"),
        ("legal_status", "VARCHAR"),
        ("lapse_date", "DATE"),
    ]
    + _TAIL,
    "stg_overseas_grants": [
        ("office", "VARCHAR"),
        ("grant_no", "VARCHAR"),
        ("grant_date", "DATE"),
        ("patent_type", "VARCHAR"),
        ("holder", "VARCHAR"),
        ("holder_address", "VARCHAR"),
        ("district_code", "VARCHAR"),
        ("cn_family_application_no", "VARCHAR"),
    ]
    + _TAIL,
    "stg_trademarks": [
        ("registration_no", "VARCHAR"),
        ("nice_class", "INTEGER"),
        ("mark_name", "VARCHAR"),
        ("registrant", "VARCHAR"),
        ("registrant_address", "VARCHAR"),
        ("district_code", "VARCHAR"),
        ("filing_date", "DATE"),
        ("registration_date", "DATE"),
        ("expiry_date", "DATE"),
        ("status", "VARCHAR"),
        ("status_date", "DATE"),
    ]
    + _TAIL,
    "stg_pledges": [
        ("registration_no", "VARCHAR"),
        ("pledge_type", "VARCHAR"),
        ("registration_date", "DATE"),
        ("pledgor", "VARCHAR"),
        ("pledgor_address", "VARCHAR"),
        ("district_code", "VARCHAR"),
        ("pledgee", "VARCHAR"),
        ("amount_wan", "DOUBLE"),
        ("items", "VARCHAR"),
        ("status", "VARCHAR"),
    ]
    + _TAIL,
    "stg_enforcement": [
        ("case_no", "VARCHAR"),
        ("case_type", "VARCHAR"),
        ("authority_type", "VARCHAR"),
        ("authority", "VARCHAR"),
        ("opened_date", "DATE"),
        ("closed_date", "DATE"),
        ("district_code", "VARCHAR"),
        ("value_wan", "DOUBLE"),
        ("penalty_wan", "DOUBLE"),
        ("party", "VARCHAR"),
        ("outcome", "VARCHAR"),
    ]
    + _TAIL,
    "stg_awards": [
        ("application_no", "VARCHAR"),
        ("award", "VARCHAR"),
        ("award_year", "INTEGER"),
        ("warnings", "VARCHAR[]"),
        ("_source_file", "VARCHAR"),
        ("_row_number", "BIGINT"),
        ("_snapshot_at", "TIMESTAMP"),
    ],
    "stg_enterprises": [
        ("credit_code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("district_code", "VARCHAR"),
        ("programme", "VARCHAR"),
        ("certified_date", "DATE"),
        ("valid_until", "DATE"),
    ]
    + _TAIL,
    "stg_survey": [
        ("response_id", "VARCHAR"),
        ("survey_date", "DATE"),
        ("district_code", "VARCHAR"),
        ("respondent_type", "VARCHAR"),
        ("overall_score", "DOUBLE"),
        ("weight", "DOUBLE"),
    ]
    + _TAIL,
    "stg_districts": [
        ("code", "VARCHAR"),
        ("name_zh", "VARCHAR"),
        ("name_en", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("aliases", "VARCHAR"),
    ],
    "stg_population": [("year", "INTEGER"), ("district_code", "VARCHAR"), ("population", "BIGINT")],
    "stg_economy": [("year", "INTEGER"), ("gdp_yi", "DOUBLE"), ("patent_intensive_va_yi", "DOUBLE")],
    "stg_sei_ipc": [("ipc_prefix", "VARCHAR"), ("sei_code", "VARCHAR"), ("sei_name", "VARCHAR")],
    "stg_satisfaction": [("year", "INTEGER"), ("score", "DOUBLE"), ("source", "VARCHAR")],
    "source_snapshots": [
        ("source", "VARCHAR"),
        ("snapshot_at", "TIMESTAMP"),
        ("fingerprint", "VARCHAR"),
        ("files", "VARCHAR[]"),
        ("raw_rows", "BIGINT"),
        ("staged_rows", "BIGINT"),
        ("quarantined_rows", "BIGINT"),
        ("duplicate_rows", "BIGINT"),
        ("loaded_at", "TIMESTAMP"),
    ],
    "source_snapshots_history": [
        ("source", "VARCHAR"),
        ("snapshot_at", "TIMESTAMP"),
        ("fingerprint", "VARCHAR"),
        ("raw_rows", "BIGINT"),
        ("staged_rows", "BIGINT"),
        ("loaded_at", "TIMESTAMP"),
    ],
}


class WarehouseBuilder:
    """Adds staged rows with sensible defaults; every keyword overrides a column."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._n = 0
        for table, cols in STG.items():
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols)})")
        self.rows(
            "stg_districts", [dict(zip(["code", "name_zh", "name_en", "kind", "aliases"], u)) for u in UNITS]
        )
        # every source has had data (a published snapshot with rows), so an indicator computes
        # even where a test stages none of its rows; never_delivered() makes one an empty source
        self.rows(
            "source_snapshots_history", [dict(source=n, raw_rows=1, staged_rows=1) for n in SOURCE_NAMES]
        )

    def never_delivered(self, source: str) -> None:
        """Make `source` an empty source (ingest/empty_sources.py): no published snapshot had rows."""
        self.con.execute("DELETE FROM source_snapshots_history WHERE source = ?", [source])

    def rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        cols = [c for c, _ in STG[table]]
        for row in rows:
            unknown = set(row) - set(cols)
            assert not unknown, f"{table} has no column {unknown}"
        if rows:
            self.con.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [[row.get(c) for c in cols] for row in rows],
            )

    def _next(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:06d}"

    @staticmethod
    def _scope(kw: dict[str, Any]) -> dict[str, Any]:
        kw.setdefault("district_code", "370602")
        kw.setdefault("in_scope", kw["district_code"] is not None)
        kw.setdefault("warnings", [])
        return kw

    def patent(self, **kw: Any) -> str:
        kw.setdefault("application_no", self._next("20211"))
        kw.setdefault("patent_type", "invention")
        kw.setdefault("filing_date", date(2019, 1, 1))
        kw.setdefault("grant_date", date(2020, 6, 1))
        kw.setdefault("holder", "烟台某公司")
        kw.setdefault("legal_status", "in_force" if kw.get("lapse_date") is None else "lapsed")
        self.rows("stg_patents", [self._scope(kw)])
        return kw["application_no"]

    def hv_patent(self, **kw: Any) -> str:
        """An invention patent that is high-value by an award of 2000 (criterion 5) unless told otherwise."""
        no = self.patent(**kw)
        self.award(application_no=no, award_year=2000)
        return no

    def award(self, **kw: Any) -> None:
        kw.setdefault("award", "中国专利优秀奖")
        self.rows("stg_awards", [kw])

    def overseas_grant(self, **kw: Any) -> None:
        kw.setdefault("office", "US")
        kw.setdefault("grant_no", self._next("US"))
        kw.setdefault("grant_date", date(2021, 5, 1))
        kw.setdefault("patent_type", "invention")
        kw.setdefault("holder", "烟台某公司")
        self.rows("stg_overseas_grants", [self._scope(kw)])

    def trademark(self, **kw: Any) -> None:
        kw.setdefault("registration_no", self._next("9"))
        kw.setdefault("nice_class", 9)
        kw.setdefault("registrant", "烟台某公司")
        kw.setdefault("filing_date", date(2018, 1, 1))
        kw.setdefault("registration_date", date(2019, 1, 1))
        kw.setdefault("expiry_date", date(2029, 1, 1))
        kw.setdefault("status", "registered")
        self.rows("stg_trademarks", [self._scope(kw)])

    def pledge(self, **kw: Any) -> str:
        kw.setdefault("registration_no", self._next("Y"))
        kw.setdefault("pledge_type", "patent")
        kw.setdefault("registration_date", date(2021, 3, 1))
        kw.setdefault("pledgor", "烟台某公司")
        kw.setdefault("amount_wan", 100.0)
        kw.setdefault("items", "2019100000001")
        kw.setdefault("status", "active")
        self.rows("stg_pledges", [self._scope(kw)])
        return kw["registration_no"]

    def enterprise(self, **kw: Any) -> None:
        kw.setdefault("credit_code", self._next("91370600MA"))
        kw.setdefault("name", "烟台某公司")
        kw.setdefault("programme", "gbt29490")
        kw.setdefault("certified_date", date(2020, 1, 1))
        self.rows("stg_enterprises", [self._scope(kw)])

    def response(self, **kw: Any) -> None:
        kw.setdefault("response_id", self._next("Q"))
        kw.setdefault("survey_date", date(2021, 6, 1))
        kw.setdefault("overall_score", 80.0)
        kw.setdefault("weight", 1.0)
        self.rows("stg_survey", [self._scope(kw)])

    def population(self, year: int, district_code: str, population: int) -> None:
        self.rows("stg_population", [dict(year=year, district_code=district_code, population=population)])

    def economy(self, year: int, gdp_yi: float, va_yi: float) -> None:
        self.rows("stg_economy", [dict(year=year, gdp_yi=gdp_yi, patent_intensive_va_yi=va_yi)])

    def sei(self, prefix: str, code: str = "1") -> None:
        self.rows("stg_sei_ipc", [dict(ipc_prefix=prefix, sei_code=code, sei_name="x")])

    def published(self, year: int, score: float) -> None:
        self.rows("stg_satisfaction", [dict(year=year, score=score, source="统计局")])

    def snapshot(self, source: str, at: datetime) -> None:
        self.rows("source_snapshots", [dict(source=source, snapshot_at=at)])

    # -- computing and reading back ------------------------------------------------
    def compute(self, *dates: date, plans=None) -> int:
        return compute_indicator_values(self.con, list(dates), plans)

    def progress(self, *dates: date, plans=None) -> int:
        return compute_indicator_progress(self.con, list(dates), plans)

    def row(self, indicator_id: str, as_of: date, district_code: str = CITY) -> dict[str, Any]:
        cur = self.con.execute(
            "SELECT * FROM indicator_values WHERE indicator_id = ? AND as_of = ? AND district_code = ?",
            [indicator_id, as_of, district_code],
        )
        rows = cur.fetchall()
        assert len(rows) == 1, f"{len(rows)} rows for {indicator_id} {as_of} {district_code}"
        return dict(zip([d[0] for d in cur.description], rows[0]))

    def value(self, indicator_id: str, as_of: date, district_code: str = CITY) -> float | None:
        return self.row(indicator_id, as_of, district_code)["value"]

    def progress_row(
        self, indicator_id: str, as_of: date, district_code: str = CITY, plan_id: str = "yantai_ip_14th_fyp"
    ) -> dict[str, Any]:
        cur = self.con.execute(
            "SELECT * FROM indicator_progress WHERE plan_id = ? AND indicator_id = ? AND as_of = ? AND district_code = ?",
            [plan_id, indicator_id, as_of, district_code],
        )
        rows = cur.fetchall()
        assert len(rows) == 1, (
            f"{len(rows)} progress rows for {plan_id} {indicator_id} {as_of} {district_code}"
        )
        return dict(zip([d[0] for d in cur.description], rows[0]))


FIXTURES = Path(__file__).parent / "fixtures"


def bulk(wh: WarehouseBuilder, table: str, n: int, **kw: Any) -> None:
    """n staged rows in one statement (for counts in the tens of thousands); `{i}` in a
    text value is replaced by the row number, so keys stay distinct."""
    cols = [c for c, _ in STG[table]]
    exprs = []
    for c, t in STG[table]:
        v = kw.get(c)
        if v is None:
            exprs.append(f"NULL::{t}")
        elif isinstance(v, str) and "{i}" in v:
            pre, post = v.split("{i}")
            exprs.append(f"'{pre}' || i::VARCHAR || '{post}'")
        elif isinstance(v, bool):
            exprs.append("true" if v else "false")
        elif isinstance(v, date):
            exprs.append(f"DATE '{v.isoformat()}'")
        elif isinstance(v, (int, float)):
            exprs.append(f"{v}::{t}")
        else:
            exprs.append(f"'{v}'::{t}")
    wh.con.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM range({n}) AS r(i)"
    )


def enterprises(
    wh: WarehouseBuilder,
    n: int,
    certified: date,
    district_code: str = "370602",
    programme: str = "gbt29490",
    valid_until: date | None = None,
) -> None:
    tag = f"{programme}{district_code}{certified.isoformat()}{valid_until}"
    bulk(
        wh,
        "stg_enterprises",
        n,
        credit_code=f"{tag}-{{i}}",
        name="企业",
        district_code=district_code,
        programme=programme,
        certified_date=certified,
        valid_until=valid_until,
        in_scope=True,
    )


def trademarks(
    wh: WarehouseBuilder, n: int, registered: date, expiry: date, district_code: str = "370602"
) -> None:
    bulk(
        wh,
        "stg_trademarks",
        n,
        registration_no=f"{district_code}{registered.isoformat()}-{{i}}",
        nice_class=9,
        registrant="烟台某公司",
        district_code=district_code,
        filing_date=date(2000, 1, 1),
        registration_date=registered,
        expiry_date=expiry,
        status="registered",
        in_scope=True,
    )
