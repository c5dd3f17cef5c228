"""Enforcement's optional judicial columns read from a real PostgreSQL and MariaDB: a native
BOOLEAN (PostgreSQL) or TINYINT (MariaDB) 服判息诉, NULL = not known; a table without the
columns is covered by test_enforcement_database.py (they load as NULL)."""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.database import DatabaseSnapshot
from tests.services import require_service

from .test_enforcement_database import SERVERS


@pytest.fixture(params=sorted(SERVERS))
def judicial_db(request):
    label, host, port, url = SERVERS[request.param]
    require_service(label, host, port)
    table = f"judicial_cases_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    cases = sa.Table(
        table,
        meta,
        sa.Column("case_no", sa.String(40)),
        sa.Column("case_type", sa.String(40)),
        sa.Column("authority_type", sa.String(20)),
        sa.Column("opened_date", sa.Date),
        sa.Column("closed_date", sa.Date),
        sa.Column("district_code", sa.String(10)),
        sa.Column("案件性质", sa.String(10)),
        sa.Column("审级", sa.String(10)),
        sa.Column("服判息诉", sa.Boolean),
    )
    meta.create_all(engine)
    rows = [
        ("J-1", "民事", "一审", True),
        ("J-2", "民事", "一审", False),
        ("J-3", "民事", "一审", None),
        ("J-4", "刑事", "二审", None),
    ]
    with engine.begin() as conn:
        conn.execute(
            cases.insert(),
            [
                {
                    "case_no": no,
                    "case_type": "商标侵权",
                    "authority_type": "司法",
                    "opened_date": dt.date(2025, 1, 2),
                    "closed_date": dt.date(2025, 3, 4),
                    "district_code": "370602",
                    "案件性质": nature,
                    "审级": instance,
                    "服判息诉": accepted,
                }
                for no, nature, instance, accepted in rows
            ],
        )
    yield url, table
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()


def test_judicial_columns_from_a_database(zone, judicial_db, monkeypatch):
    url, table = judicial_db
    monkeypatch.setenv("IP_PIPELINE_ENFORCEMENT_TABLE", table)
    snap = DatabaseSnapshot(load_contract("enforcement"), url)
    snap.fetch()
    s = zone.stage(
        "enforcement",
        parts=snap.parts,
        fingerprint_value=snap.fingerprint,
        snapshot_at=snap.snapshot_at,
        file_labels=[snap.label],
    )
    assert s.result.quarantined == 0
    got = [
        (r.case_no, r.case_nature, r.instance, None if pd.isna(r.accepted) else bool(r.accepted))
        for r in s.stg.astype(object).itertuples()
    ]
    assert got == [
        ("J-1", "civil", "first", True),
        ("J-2", "civil", "first", False),
        ("J-3", "civil", "first", None),
        ("J-4", "criminal", "second", None),
    ]
