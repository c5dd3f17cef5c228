"""The enforcement source read from a real PostgreSQL and a real MariaDB (SOURCES.md § enforcement)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.database import DatabaseSnapshot, mask_url
from ip_pipeline.ingest.errors import SourceFileError
from tests.services import require_service

SERVERS = {
    "postgresql": ("PostgreSQL", "127.0.0.1", 5432, "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
    "mariadb": ("MariaDB", "127.0.0.1", 3306, "mysql+pymysql://root:@127.0.0.1:3306/test?charset=utf8mb4"),
}


@pytest.fixture(params=sorted(SERVERS))
def enforcement_db(request, monkeypatch):
    label, host, port, url = SERVERS[request.param]
    require_service(label, host, port)
    table = f"enforcement_cases_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    cases = sa.Table(
        table,
        meta,
        sa.Column("case_no", sa.String(40)),
        sa.Column("case_type", sa.String(40)),
        sa.Column("authority_type", sa.String(20)),
        sa.Column("authority", sa.String(80)),
        sa.Column("opened_date", sa.Date),
        sa.Column("closed_date", sa.String(20)),
        sa.Column("district_code", sa.String(10)),
        sa.Column("value_wan", sa.Numeric(12, 2)),
        sa.Column("penalty_wan", sa.Numeric(12, 2)),
        sa.Column("party", sa.String(80)),
        sa.Column("outcome", sa.String(80)),
    )
    meta.create_all(engine)
    import datetime as dt

    with engine.begin() as conn:
        conn.execute(
            cases.insert(),
            [
                dict(
                    case_no="YT-1",
                    case_type="假冒专利",
                    authority_type="行政",
                    authority="烟台市市场监督管理局",
                    opened_date=dt.date(2024, 3, 1),
                    closed_date="2024年4月2日",
                    district_code="370611",
                    value_wan=12.5,
                    penalty_wan=1.2,
                    party="张三",
                    outcome="结案",
                ),
                dict(
                    case_no="YT-2",
                    case_type="trademark_infringement",
                    authority_type="司法",
                    authority=None,
                    opened_date=dt.date(2024, 5, 1),
                    closed_date="2024-04-01",
                    district_code=None,
                    value_wan=None,
                    penalty_wan=None,
                    party="李四",
                    outcome=None,
                ),
                dict(
                    case_no="YT-3",
                    case_type="商标侵权🙂",
                    authority_type="海关",
                    authority=None,
                    opened_date=dt.date(2024, 6, 1),
                    closed_date=None,
                    district_code="999999",
                    value_wan=3,
                    penalty_wan=0,
                    party="𠮷野家",
                    outcome=None,
                ),
            ],
        )
    monkeypatch.setenv("IP_PIPELINE_ENFORCEMENT_DB_URL", url)
    monkeypatch.setenv("IP_PIPELINE_ENFORCEMENT_TABLE", table)
    yield url, table
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()


def test_enforcement_cases_read_from_database_with_the_file_rules(zone, enforcement_db):
    url, table = enforcement_db
    snap = DatabaseSnapshot(load_contract("enforcement"), url)
    snap.fetch()
    s = zone.stage(
        "enforcement",
        parts=snap.parts,
        fingerprint_value=snap.fingerprint,
        snapshot_at=snap.snapshot_at,
        file_labels=[snap.label],
    )
    assert list(s.stg.case_no) == ["YT-1"]
    row = s.stg.iloc[0]
    assert (row.case_type, row.authority_type, str(row.closed_date.date()), row.district_code) == (
        "patent_counterfeit",
        "administrative",
        "2024-04-02",
        "370611",
    )
    assert row.value_wan == pytest.approx(12.5)
    assert dict(zip(s.quarantine.case_no, s.quarantine.reason)) == {
        "YT-2": "date_order:closed_date",
        "YT-3": "bad_enum:case_type",
    }
    assert s.result.raw == 3 and s.result.files == [f"database:{table}"]
    # rare characters survive the round trip intact
    assert "𠮷野家" in list(s.quarantine.party)


def test_unchanged_database_snapshot_is_not_reloaded(zone, enforcement_db):
    url, _ = enforcement_db
    contract = load_contract("enforcement")
    for expected in ("loaded", "unchanged"):
        snap = DatabaseSnapshot(contract, url)
        snap.fetch()
        s = zone.stage(
            "enforcement",
            parts=snap.parts,
            fingerprint_value=snap.fingerprint,
            snapshot_at=snap.snapshot_at,
            file_labels=[snap.label],
        )
        assert s.result.status == expected


def test_unreachable_database_names_it_and_masks_the_password():
    url = "postgresql+psycopg2://ipuser:s3cret@127.0.0.1:1/test"
    snap = DatabaseSnapshot(load_contract("enforcement"), url)
    with pytest.raises(SourceFileError) as err:
        snap.fetch()
    assert "s3cret" not in str(err.value) and "***" in str(err.value)
    assert (
        mask_url("mysql://u:p@h/db and postgresql://a:b@c/d")
        == "mysql://u:***@h/db and postgresql://a:***@c/d"
    )
