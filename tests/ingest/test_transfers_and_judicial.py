"""The transfers source, enforcement's optional judicial columns and a source folder that
does not exist (SOURCES.md), each rule on data built here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ip_pipeline.db import connect
from ip_pipeline.ingest.contracts import SOURCE_NAMES, load_contract
from ip_pipeline.ingest.database import DatabaseSnapshot
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import stage_source

from .conftest import app_no

FIXTURES = Path(__file__).parent / "fixtures"  # copies of the spec's examples

HEADER = [
    "登记号",
    "类型",
    "知识产权类型",
    "涉及专利/商标号",
    "让与人/许可人",
    "让与人/许可人地址",
    "受让人/被许可人",
    "受让人/被许可人地址",
    "行政区划代码",
    "登记日",
]
YT_LAISHAN = "山东省烟台市莱山区港城大道1号"
YT_ZHIFU = "山东省烟台市芝罘区南大街2号"
QINGDAO = "山东省青岛市崂山区香港东路1号"
WEIHAI = "山东省威海市环翠区海滨路8号"
A1, A2 = app_no(2021, 1, 123456), app_no(2022, 1, 987654)


def transfer(
    no="2025370000001",
    kind="专利权转移",
    ip="专利",
    items=None,
    assignor="某大学",
    assignor_address=QINGDAO,
    assignee="烟台某公司",
    assignee_address=YT_LAISHAN,
    code="",
    date="2025-03-18",
) -> list:
    return [
        no,
        kind,
        ip,
        items if items is not None else f"ZL{A1[:-1]}.{A1[-1]}",
        assignor,
        assignor_address,
        assignee,
        assignee_address,
        code,
        date,
    ]


def test_transfers_is_a_source():
    assert "transfers" in SOURCE_NAMES
    c = load_contract("transfers")
    assert c.key == ("record_no",) and c.address_columns == ("assignee_address", "assignor_address")


def test_spec_example_loads(zone):
    (zone.landing / "transfers").mkdir(parents=True)
    (zone.landing / "transfers" / "example.csv").write_bytes(
        (FIXTURES / "transfers_example.csv").read_bytes()
    )
    s = zone.stage("transfers")
    assert s.result.quarantined == 0 and len(s.stg) == 3
    assert list(s.stg.kind) == ["transfer", "licence", "transfer"]
    assert list(s.stg.district_code) == ["370613", "370602", "370614"]
    assert s.stg["items"][1] == "202010553120X;2022109876543"  # full-width ； and CN prefix


@pytest.mark.parametrize(
    "text,kind",
    [
        ("转让", "transfer"),
        ("专利权转移", "transfer"),
        ("专利申请权转移", "transfer"),
        ("转移", "transfer"),
        ("transfer", "transfer"),
        ("许可", "licence"),
        ("独占许可", "licence"),
        ("排他许可", "licence"),
        ("普通许可", "licence"),
        ("开放许可", "licence"),
        ("实施许可", "licence"),
        ("licence", "licence"),
    ],
)
def test_kind_accepts_its_long_forms(zone, text, kind):
    zone.csv("transfers", HEADER, [transfer(kind=text)])
    assert list(zone.stage("transfers").stg.kind) == [kind]


def test_items_normalised_by_ip_type(zone):
    zone.csv(
        "transfers",
        HEADER,
        [
            transfer(no="P1", ip="专利", items=f"CN{A1[:-1]}.{A1[-1]}；ZL {A2}"),
            transfer(no="T1", ip="商标", items="10280636; G1234567"),
        ],
    )
    s = zone.stage("transfers")
    assert list(s.stg["items"]) == [f"{A1};{A2}", "10280636;G1234567"]
    assert list(s.stg.ip_type) == ["patent", "trademark"]


def test_district_code_then_assignee_then_assignor(zone):
    zone.csv(
        "transfers",
        HEADER,
        [
            transfer(no="CODE", code="370611", assignee_address=YT_LAISHAN, assignor_address=YT_ZHIFU),
            transfer(no="ASSIGNEE", assignee_address=YT_LAISHAN, assignor_address=YT_ZHIFU),
            transfer(no="ASSIGNOR", assignee_address=WEIHAI, assignor_address=YT_ZHIFU),
            transfer(no="BAD_CODE", code="999999", assignee_address=WEIHAI, assignor_address=YT_ZHIFU),
        ],
    )
    s = zone.stage("transfers")
    assert dict(zip(s.stg.record_no, s.stg.district_code)) == {
        "CODE": "370611",
        "ASSIGNEE": "370613",
        "ASSIGNOR": "370602",
        "BAD_CODE": "370602",
    }
    assert s.stg.in_scope.all()


def test_in_scope_when_either_party_is_in_yantai(zone):
    zone.csv(
        "transfers",
        HEADER,
        [
            transfer(no="IN", assignor_address=QINGDAO, assignee_address=YT_LAISHAN),
            transfer(no="OUT", assignor_address=YT_ZHIFU, assignee_address=WEIHAI),
            transfer(no="UNLOCATED", assignor_address=QINGDAO, assignee_address="山东省烟台市港城大道9号"),
            transfer(no="NEITHER", assignor_address=QINGDAO, assignee_address=WEIHAI),
        ],
    )
    s = zone.stage("transfers")
    scope = dict(zip(s.stg.record_no, s.stg.in_scope))
    assert scope == {"IN": True, "OUT": True, "UNLOCATED": True, "NEITHER": False}
    codes = dict(zip(s.stg.record_no, s.stg.district_code))
    assert codes["UNLOCATED"] == "370699" and codes["NEITHER"] is None
    assert s.result.out_of_scope == 1 and s.result.quarantined == 0  # kept, not quarantined


def test_quarantine_reasons_as_for_other_sources(zone):
    zone.csv(
        "transfers",
        HEADER,
        [
            transfer(no="OK"),
            transfer(no="E1", kind="赠与"),
            transfer(no="E2", ip="著作权"),
            transfer(no="E3", items=""),
            transfer(no="E4", assignee=""),
            transfer(no="E7", kind=""),
            transfer(no="E8", ip=""),
            transfer(no="E9", assignor=""),
            transfer(no="E10", date=""),
            transfer(no="E5", date="2025-02-30"),
            transfer(no="E6", date=(dt.date.today() + dt.timedelta(days=40)).isoformat()),
            transfer(no="", kind="转让"),
            transfer(no="DUP", date="2025-01-01"),
            transfer(no="DUP", date="2025-01-02"),
        ],
    )
    s = zone.stage("transfers")
    reasons = dict(zip(s.quarantine.record_no.fillna(""), s.quarantine.reason))
    assert reasons == {
        "E1": "bad_enum:kind",
        "E2": "bad_enum:ip_type",
        "E3": "missing:items",
        "E4": "missing:assignee",
        "E5": "bad_date:registration_date",
        "E7": "missing:kind",
        "E8": "missing:ip_type",
        "E9": "missing:assignor",
        "E10": "missing:registration_date",
        "E6": "future_date:registration_date",
        "": "missing:record_no",
        "DUP": "conflicting_duplicate",
    }
    assert set(s.stg.record_no) == {"OK", "DUP"} and s.result.reconciles


def test_bad_patent_item_is_a_warning(zone):
    zone.csv("transfers", HEADER, [transfer(items="12345")])
    s = zone.stage("transfers")
    assert s.result.quarantined == 0 and list(s.stg.warnings[0]) == ["bad_item:items"]


# ---- enforcement: the optional judicial columns ------------------------------------------------

CASE_HEADER = [
    "案件编号",
    "案件类型",
    "机关类型",
    "办理机关",
    "立案日",
    "结案日",
    "行政区划代码",
    "案值(万元)",
    "罚没款(万元)",
    "当事人",
    "结果",
]
JUDICIAL = ["案件性质", "审级", "服判息诉"]


def case(no, nature="民事", instance="一审", accepted="是") -> list:
    return [
        no,
        "商标侵权",
        "司法",
        "烟台市中级人民法院",
        "2025-02-11",
        "2025-07-30",
        "370602",
        "10",
        "",
        "某公司",
        "判决",
        nature,
        instance,
        accepted,
    ]


@pytest.mark.parametrize(
    "text,value",
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("N", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("", None),
    ],
)
def test_accepted_is_a_bool_and_blank_is_unknown(zone, text, value):
    zone.csv("enforcement", CASE_HEADER + JUDICIAL, [case("C1", accepted=text)])
    s = zone.stage("enforcement")
    got = s.stg.accepted.astype(object)[0]
    assert pd.isna(got) if value is None else bool(got) is value


@pytest.mark.parametrize(
    "nature,instance,expected",
    [
        ("民事", "一审", ("civil", "first")),
        ("行政", "二审", ("administrative", "second")),
        ("刑事", "再审", ("criminal", "retrial")),
        ("civil", "first", ("civil", "first")),
    ],
)
def test_case_nature_and_instance_enums(zone, nature, instance, expected):
    zone.csv("enforcement", CASE_HEADER + JUDICIAL, [case("C1", nature, instance)])
    s = zone.stage("enforcement")
    assert (s.stg.case_nature[0], s.stg.instance[0]) == expected


def test_other_judicial_values_are_quarantined(zone):
    zone.csv(
        "enforcement",
        CASE_HEADER + JUDICIAL,
        [case("C1", nature="仲裁"), case("C2", instance="三审"), case("C3", accepted="不详")],
    )
    s = zone.stage("enforcement")
    assert list(s.quarantine.reason) == ["bad_enum:case_nature", "bad_enum:instance", "bad_enum:accepted"]


def test_spec_judicial_example_loads(zone):
    (zone.landing / "enforcement").mkdir(parents=True)
    (zone.landing / "enforcement" / "j.csv").write_bytes(
        (FIXTURES / "enforcement_example_judicial.csv").read_bytes()
    )
    s = zone.stage("enforcement")
    assert s.result.quarantined == 0
    rows = s.stg[["case_nature", "instance", "accepted"]].astype(object).where(s.stg.notna(), None)
    assert [tuple(r) for r in rows.itertuples(index=False)] == [
        ("civil", "first", True),
        ("civil", "first", False),
        ("civil", "first", None),
        ("criminal", "first", True),
    ]


def test_files_without_the_optional_columns_still_load_with_them_null(zone):
    zone.csv("enforcement", CASE_HEADER, [case("C1")[:11]])
    s = zone.stage("enforcement")
    assert s.result.staged == 1 and s.result.quarantined == 0
    assert s.stg.case_nature.isna().all() and s.stg.instance.isna().all() and s.stg.accepted.isna().all()


def test_database_table_without_the_optional_columns_still_loads(zone, tmp_path):
    sa = pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE enforcement_cases (case_no TEXT, case_type TEXT, authority_type TEXT, "
                "opened_date DATE, closed_date DATE, district_code TEXT)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO enforcement_cases VALUES ('D1', '商标侵权', '司法', '2025-01-02', "
                "'2025-03-04', '370602')"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE judicial_cases (case_no TEXT, case_type TEXT, authority_type TEXT, "
                "opened_date DATE, closed_date DATE, case_nature TEXT, instance TEXT, accepted BOOLEAN)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO judicial_cases VALUES ('D2', '商标侵权', '司法', '2025-01-02', "
                "'2025-03-04', '民事', '一审', 1), ('D3', '商标侵权', '司法', '2025-01-02', "
                "'2025-03-04', 'civil', 'first', NULL)"
            )
        )
    engine.dispose()
    contract = load_contract("enforcement")
    con = connect(zone.warehouse)
    try:
        stage_reference(con, zone.landing)
        for table, expected in (
            ("enforcement_cases", [(None, None, None)]),
            ("judicial_cases", [("civil", "first", True), ("civil", "first", None)]),
        ):
            import os

            os.environ["IP_PIPELINE_ENFORCEMENT_TABLE"] = table
            try:
                snap = DatabaseSnapshot(contract, url)
                snap.fetch()
                r = stage_source(
                    con,
                    contract,
                    zone.landing,
                    parts=snap.parts,
                    fingerprint_value=snap.fingerprint,
                    snapshot_at=snap.snapshot_at,
                    file_labels=[snap.label],
                )
            finally:
                del os.environ["IP_PIPELINE_ENFORCEMENT_TABLE"]
            assert r.quarantined == 0
            assert (
                con.execute(
                    "SELECT case_nature, instance, accepted FROM stg_enforcement ORDER BY case_no"
                ).fetchall()
                == expected
            )
    finally:
        con.close()


# ---- a source folder that does not exist -------------------------------------------------------


def test_missing_source_folder_is_an_empty_source_said_once(zone):
    assert not (zone.landing / "transfers").exists()
    s = zone.stage("transfers")
    assert s.result.missing_folder and s.result.raw == s.result.staged == s.result.quarantined == 0
    notes = [w for w in s.result.warnings if "no folder transfers/" in w]
    assert len(notes) == 1 and "no_data" in notes[0]
    assert list(s.stg.columns[:3]) == ["record_no", "kind", "ip_type"]


def test_run_notes_name_each_missing_source_once(tmp_path):
    from ip_pipeline.defs.runner import empty_source_notes
    from ip_pipeline.paths import Home

    home = Home.of(tmp_path)
    for name in SOURCE_NAMES:
        if name != "transfers":
            (home.landing / name).mkdir(parents=True)
    notes = empty_source_notes(home)
    assert len(notes) == 1 and notes[0].startswith("transfers:")
    (home.landing / "transfers").mkdir()
    assert empty_source_notes(home) == []
