"""Real exports as they come (REAL_EXPORTS.md): one fixture per format, built the way that
system writes it, staged and checked column by column; refusals, user formats, mixed folders."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ip_pipeline.db import connect
from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.errors import SourceFileError
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import stage_source
from ip_pipeline.paths import SOURCES_DIR

from .conftest import PATENT_HEADER, Staged, app_no, patent, write_csv

P = [app_no(2019, 1, 100 + i) for i in range(10)]  # inventions
U = [app_no(2019, 2, 200 + i) for i in range(10)]  # utility models
D = [app_no(2019, 3, 300 + i) for i in range(10)]  # designs


def xlsx(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def day(text: str | None):
    return None if text is None else pd.Timestamp(text)


def check(s: Staged, key: str, expected: dict[str, dict]) -> None:
    """Every staged row named in `expected`, column by column (None = NULL)."""
    stg = s.stg.set_index(key)
    assert sorted(expected) == sorted(stg.index), "staged keys"
    for k, cols in expected.items():
        row = stg.loc[k]
        for col, want in cols.items():
            got = row[col]
            if want is None:
                assert pd.isna(got), f"{k}.{col}: {got!r} (expected NULL)"
            elif isinstance(want, pd.Timestamp):
                assert pd.Timestamp(got) == want, f"{k}.{col}: {got!r} != {want!r}"
            else:
                assert got == want, f"{k}.{col}: {got!r} != {want!r}"


def balanced(s: Staged) -> None:
    r = s.result
    assert r.raw == r.staged + r.quarantined + r.duplicates
    assert r.reconciles


# ---- incoPat (XLSX, full-width brackets, date cells) ---------------------------------------

INCOPAT_HEADER = [
    "序号",
    "标题",
    "申请号",
    "申请日",
    "公开（公告）号",
    "公开（公告）日",
    "专利类型",
    "申请人",
    "当前权利人",
    "申请人地址",
    "申请人省市代码",
    "中国申请人地市",
    "中国申请人区县",
    "IPC主分类",
    "IPC",
    "专利有效性",
    "当前法律状态",
    "授权公告日",
    "失效日",
]


def test_incopat_xlsx(zone):
    rows = [
        INCOPAT_HEADER,
        # a granted invention without a grant date: the 公开（公告）日 of its grant publication;
        # the current holder (two, '; ') wins over the applicant; the county column over the address
        [
            1,
            "电池",
            f"CN{P[0][:12]}.{P[0][12]}",
            dt.datetime(2019, 3, 1),
            "CN110000001B",
            dt.datetime(2021, 5, 4),
            "发明授权",
            "烟台老公司",
            "烟台甲科技有限公司; 北京乙有限公司",
            "山东省烟台市芝罘区南大街1号",
            "37",
            "烟台市",
            "莱山区",
            "H01M10/052",
            "H01M10/052; H01M4/13",
            "有效",
            "授权",
            None,
            None,
        ],
        # an invention publication: not granted, whatever its publication date
        [
            2,
            "方法",
            P[1],
            "2020-06-01",
            "CN111000002A",
            "2020-12-01",
            "发明申请",
            "烟台甲科技有限公司",
            None,
            "山东省烟台市莱山区1号",
            "37",
            "烟台市",
            "莱山区",
            "G06F16/00",
            "G06F16/00",
            "审中",
            "实质审查",
            None,
            None,
        ],
        # lapsed with its lapse date; only the city column says Yantai -> 未定位
        [
            3,
            "装置",
            U[0],
            dt.datetime(2018, 1, 10),
            "CN208000003U",
            "2018-09-01",
            "实用新型",
            "丙机械有限公司",
            "丙机械有限公司",
            "山东省某县工业园",
            "37",
            "烟台市",
            None,
            "B23K37/04",
            "B23K37/04",
            "无效",
            "未缴年费",
            dt.datetime(2018, 9, 1),
            dt.datetime(2021, 1, 10),
        ],
        # outside Yantai: kept, out of scope
        [
            4,
            "瓶",
            D[0],
            "2020-02-02",
            "CN305000004S",
            "2020-07-07",
            "外观设计",
            "青岛丁有限公司",
            "青岛丁有限公司",
            "山东省青岛市市南区1号",
            "37",
            "青岛市",
            "市南区",
            "09-01",
            "09-01",
            "有效",
            "授权",
            "2020-07-07",
            None,
        ],
        # PCT designated phase: pending with a warning
        [
            5,
            "PCT",
            P[2],
            "2021-01-01",
            "WO2021000005A1",
            "2021-07-01",
            "发明申请",
            "烟台戊有限公司",
            "烟台戊有限公司",
            "山东省烟台市福山区1号",
            "37",
            "烟台市",
            "福山区",
            "A61K31/00",
            "A61K31/00",
            "PCT指定期内",
            "PCT指定期内",
            None,
            None,
        ],
        # lapsed with no date at all: quarantined as its row deserves
        [
            6,
            "缺日",
            U[1],
            "2017-05-05",
            "CN207000006U",
            "2017-12-12",
            "实用新型",
            "烟台己有限公司",
            "烟台己有限公司",
            "山东省烟台市芝罘区1号",
            "37",
            "烟台市",
            "芝罘区",
            "F16K1/00",
            "F16K1/00",
            "无效",
            "权利终止",
            "2017-12-12",
            None,
        ],
    ]
    xlsx(zone.landing / "patents" / "incopat_export.xlsx", rows)
    s = zone.stage("patents")
    balanced(s)
    assert list(s.quarantine.reason) == ["missing:lapse_date"]
    assert s.result.file_details[0]["format"] == "incopat"
    assert set(s.stg._format) == {"incopat"} and set(s.raw._format) == {"incopat"}
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                patent_type="invention",
                filing_date=day("2019-03-01"),
                grant_date=day("2021-05-04"),
                holder="烟台甲科技有限公司;北京乙有限公司",
                holder_address="山东省烟台市芝罘区南大街1号",
                district_code="370613",
                in_scope=True,
                main_ipc="H01M10/052",
                ipc_codes="H01M10/052;H01M4/13",
                legal_status="in_force",
                lapse_date=None,
            ),
            P[1]: dict(
                patent_type="invention",
                grant_date=None,
                legal_status="pending",
                district_code="370613",
                holder="烟台甲科技有限公司",
            ),
            U[0]: dict(
                patent_type="utility_model",
                filing_date=day("2018-01-10"),
                grant_date=day("2018-09-01"),
                legal_status="lapsed",
                lapse_date=day("2021-01-10"),
                district_code="370699",
                in_scope=True,
            ),
            D[0]: dict(
                patent_type="design",
                district_code=None,
                in_scope=False,
                legal_status="in_force",
                grant_date=day("2020-07-07"),
            ),
            P[2]: dict(legal_status="pending", district_code="370611", grant_date=None),
        },
    )
    warnings = dict(zip(s.stg.application_no, s.stg.warnings))
    assert list(warnings[P[2]]) == ["uncertain_value:legal_status"]
    assert list(warnings[P[0]]) == []
    # raw_ keeps each cell as read: the holder list with its '; ', the date-less grant from 公开（公告）日
    raw = s.raw.set_index("_row_number")
    assert raw.loc[1, "holder"] == "烟台甲科技有限公司; 北京乙有限公司"
    assert s.result.formats == {"incopat": 6}


# ---- Patsnap 智慧芽 (CSV, ' | ' separators) --------------------------------------------------

PATSNAP_HEADER = [
    "序号",
    "申请号",
    "申请日",
    "公开(公告)号",
    "公开(公告)日",
    "专利类型",
    "申请(专利权)人",
    "[标]当前申请(专利权)人",
    "当前申请(专利权)人州/省",
    "当前申请(专利权)人地市",
    "当前申请(专利权)人区县",
    "IPC主分类号",
    "IPC分类号",
    "简单法律状态",
    "法律状态/事件",
    "授权日",
]


def test_patsnap_csv_with_pipe_separators(zone):
    zone.csv(
        "patents",
        PATSNAP_HEADER,
        [
            [
                "1",
                P[0],
                "2019-03-01",
                "CN110000001B",
                "2021-05-04",
                "授权发明",
                "烟台甲公司 | 烟台乙公司",
                "烟台丙公司 | 烟台丁公司",
                "山东省 | 山东省",
                "烟台市 | 烟台市",
                "福山区 | 芝罘区",
                "H01M 10/052",
                "H01M 10/052 | H01M 4/13",
                "有效",
                "授权 | 权利转移",
                "",
            ],
            [
                "2",
                U[0],
                "2018-01-10",
                "CN208000003U",
                "2018-09-01",
                "实用新型",
                "烟台戊公司",
                "烟台戊公司",
                "山东省",
                "烟台市",
                "",
                "B23K 37/04",
                "B23K 37/04",
                "未确认",
                "",
                "2018-09-01",
            ],
            [
                "3",
                D[0],
                "2020-02-02",
                "CN305000004S",
                "2020-07-07",
                "外观设计",
                "潍坊己公司",
                "",
                "山东省",
                "潍坊市",
                "奎文区",
                "09-01",
                "09-01",
                "审中",
                "",
                "",
            ],
            [
                "4",
                P[1],
                "2019-06-01",
                "CN110000005A",
                "2019-12-01",
                "发明申请",
                "烟台庚公司",
                "烟台庚公司",
                "山东省",
                "烟台市",
                "莱州市",
                "C07D 1/00",
                "C07D 1/00",
                "失效",
                "驳回",
                "",
            ],  # lapsed, no date: quarantined
        ],
        name="patsnap.csv",
    )
    s = zone.stage("patents")
    balanced(s)
    assert list(s.quarantine.reason) == ["missing:lapse_date"]
    assert s.result.formats == {"patsnap": 4}
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                patent_type="invention",
                grant_date=day("2021-05-04"),
                holder="烟台丙公司;烟台丁公司",
                ipc_codes="H01M 10/052;H01M 4/13",
                main_ipc="H01M 10/052",
                legal_status="in_force",
                district_code="370611",
                in_scope=True,
                holder_address=None,
            ),
            U[0]: dict(
                patent_type="utility_model",
                grant_date=day("2018-09-01"),
                legal_status="pending",
                district_code="370699",
                in_scope=True,
                holder="烟台戊公司",
            ),
            D[0]: dict(
                patent_type="design",
                holder="潍坊己公司",
                in_scope=False,
                district_code=None,
                legal_status="pending",
                grant_date=None,
            ),
        },
    )
    warnings = dict(zip(s.stg.application_no, s.stg.warnings))
    assert list(warnings[U[0]]) == ["uncertain_value:legal_status"]


# ---- innojoy 大为 (';' separated, 国省代码) ------------------------------------------------

INNOJOY_HEADER = [
    "申请号",
    "申请日",
    "公开(公告)号",
    "申请(专利权)人",
    "当前专利权人",
    "申请人地址",
    "当前专利权人地址",
    "申请人（地市）",
    "申请人（区县）",
    "国省代码",
    "主分类号",
    "授权公告日",
    "权利失效日",
    "当前法律状态",
    "有效性",
    "专利类型",
]


def test_innojoy(zone):
    zone.csv(
        "patents",
        INNOJOY_HEADER,
        [
            # a 6-digit code of a Yantai unit decides, before the county column and the address
            [
                P[0],
                "2019.03.01",
                "CN110000001B",
                "烟台甲公司;烟台乙公司",
                "烟台丙公司；烟台丁公司",
                "山东省烟台市芝罘区",
                "山东省烟台市龙口市东城区",
                "烟台市",
                "芝罘区",
                "370682",
                "H01M10/052",
                "2021-05-04",
                "",
                "授权",
                "有效",
                "发明授权",
            ],
            # province code only: the county column decides
            [
                U[0],
                "2018-01-10",
                "CN208000003U",
                "烟台戊公司",
                "烟台戊公司",
                "山东省烟台市",
                "",
                "烟台市",
                "栖霞市",
                "37",
                "B23K37/04",
                "2018-09-01",
                "2022-01-10",
                "未缴年费",
                "无效",
                "实用新型",
            ],
        ],
        name="innojoy.csv",
        encoding="gb18030",
    )
    s = zone.stage("patents")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                patent_type="invention",
                filing_date=day("2019-03-01"),
                grant_date=day("2021-05-04"),
                holder="烟台丙公司;烟台丁公司",
                holder_address="山东省烟台市龙口市东城区",
                district_code="370682",
                legal_status="in_force",
                main_ipc="H01M10/052",
                ipc_codes=None,
            ),
            U[0]: dict(
                district_code="370686",
                legal_status="lapsed",
                lapse_date=day("2022-01-10"),
                holder="烟台戊公司",
                holder_address="山东省烟台市",
            ),
        },
    )
    assert s.result.formats == {"innojoy": 2}


# ---- CNIPA search (dotted dates, 有权/无权/审中, SooPAT forms, 12-digit numbers) -----------

CNIPA_HEADER = [
    "申请号",
    "申请日",
    "公开（公告）号",
    "公开（公告）日",
    "专利类型",
    "申请（专利权）人",
    "地址",
    "国省代码",
    "主分类号",
    "分类号",
    "专利权状态",
    "法律状态",
]


def test_cnipa_search_export(zone):
    zone.csv(
        "patents",
        CNIPA_HEADER,
        [
            # the 12-digit form without check digit; the B publication is the grant
            [
                P[0][:12],
                "2019.03.01",
                "CN110000001B",
                "2021.05.04",
                "发明专利",
                "烟台甲有限公司",
                "山东省烟台市莱州市文昌路1号",
                "37",
                "H01M10/052",
                "H01M10/052;H01M4/13",
                "有权-授权",
                "2021.05.04 授权",
            ],
            # an A publication: not a grant; pending (SooPAT form)
            [
                P[1],
                "2020.06.01",
                "CN111000002A",
                "2020.12.01",
                "发明专利",
                "烟台乙有限公司",
                "山东省烟台市海阳市1号",
                "37",
                "G06F16/00",
                "G06F16/00",
                "审中-实审",
                "2020.12.01 公开; 2021.01.05 实质审查的生效",
            ],
            # lapsed: the date of the last legal-status event
            [
                U[0],
                "2018.01.10",
                "CN208000003U",
                "2018.09.01",
                "实用新型",
                "烟台丙有限公司",
                "山东省烟台市招远市1号",
                "37",
                "B23K37/04",
                "B23K37/04",
                "无权-终止",
                "2018.09.01 授权; 2021.03.05 未缴年费专利权终止",
            ],
        ],
        name="cnipa.csv",
    )
    s = zone.stage("patents")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                patent_type="invention",
                filing_date=day("2019-03-01"),
                grant_date=day("2021-05-04"),
                legal_status="in_force",
                district_code="370683",
                holder="烟台甲有限公司",
                ipc_codes="H01M10/052;H01M4/13",
            ),
            P[1]: dict(grant_date=None, legal_status="pending", district_code="370687"),
            U[0]: dict(
                patent_type="utility_model",
                grant_date=day("2018-09-01"),
                legal_status="lapsed",
                lapse_date=day("2021-03-05"),
                district_code="370685",
            ),
        },
    )
    warnings = dict(zip(s.stg.application_no, s.stg.warnings))
    assert list(warnings[P[0]]) == ["no_check_digit:application_no"]
    assert s.result.formats == {"cnipa": 3}


# ---- Mixed folders ------------------------------------------------------------------------


def test_incopat_and_patsnap_of_the_same_patents_deduplicate_on_application_no(zone):
    inc = [
        INCOPAT_HEADER,
        [
            1,
            "t",
            P[0],
            "2019-03-01",
            "CN1B",
            "2021-05-04",
            "发明授权",
            "烟台甲公司",
            "烟台甲公司",
            None,
            "37",
            "烟台市",
            "莱山区",
            "H01M10/052",
            "H01M10/052",
            "有效",
            "授权",
            None,
            None,
        ],
        [
            2,
            "t",
            P[1],
            "2019-06-01",
            "CN2A",
            "2019-12-01",
            "发明申请",
            "烟台乙公司",
            "烟台乙公司",
            None,
            "37",
            "烟台市",
            "莱山区",
            "G06F16/00",
            "G06F16/00",
            "审中",
            "实质审查",
            None,
            None,
        ],
    ]
    xlsx(zone.landing / "patents" / "a_incopat.xlsx", inc)
    zone.csv(
        "patents",
        PATSNAP_HEADER,
        [
            # the same patent, the same facts in Patsnap's words: one row
            [
                "1",
                P[0],
                "2019-03-01",
                "CN1B",
                "2021-05-04",
                "授权发明",
                "烟台甲公司",
                "烟台甲公司",
                "山东省",
                "烟台市",
                "莱山区",
                "H01M10/052",
                "H01M10/052",
                "有效",
                "授权",
                "",
            ],
            # newer facts in the later file: it wins, the other is a conflicting duplicate
            [
                "2",
                P[1],
                "2019-06-01",
                "CN2B",
                "2021-08-08",
                "授权发明",
                "烟台乙公司",
                "烟台乙公司",
                "山东省",
                "烟台市",
                "莱山区",
                "G06F16/00",
                "G06F16/00",
                "有效",
                "授权",
                "",
            ],
        ],
        name="b_patsnap.csv",
    )
    s = zone.stage("patents")
    balanced(s)
    assert s.result.duplicates == 1
    assert list(s.quarantine.reason) == ["conflicting_duplicate"]
    assert list(s.quarantine._format) == ["incopat"]
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                grant_date=day("2021-05-04"),
                legal_status="in_force",
                district_code="370613",
                _format="patsnap",
            ),
            P[1]: dict(
                grant_date=day("2021-08-08"),
                legal_status="in_force",
                district_code="370613",
                _format="patsnap",
            ),
        },
    )
    assert s.result.formats == {"incopat": 2, "patsnap": 2}


def test_canonical_and_export_files_mix_in_one_folder(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=P[3])], name="a.csv")
    zone.csv(
        "patents",
        CNIPA_HEADER,
        [
            [
                P[4],
                "2019.03.01",
                "CN3B",
                "2021.05.04",
                "发明专利",
                "烟台甲有限公司",
                "山东省烟台市莱州市1号",
                "37",
                "H01M10/052",
                "H01M10/052",
                "有权",
                "",
            ]
        ],
        name="b.csv",
    )
    s = zone.stage("patents")
    assert dict(zip(s.stg.application_no, s.stg._format)) == {P[3]: "canonical", P[4]: "cnipa"}
    assert [d["format"] for d in s.result.file_details] == ["canonical", "cnipa"]


# ---- Refusals -----------------------------------------------------------------------------


def test_a_file_matching_no_format_is_refused_naming_the_closest_and_what_it_lacks(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=P[0])], name="a.csv")
    zone.stage("patents")
    zone.csv(
        "patents",
        ["申请号", "申请日", "公开（公告）号", "专利类型", "当前权利人", "中国申请人区县"],
        [[P[1], "2020-01-01", "CN1A", "发明申请", "烟台甲", "莱山区"]],
        name="b.csv",
    )
    with pytest.raises(SourceFileError) as e:
        zone.stage("patents")
    msg = e.value.problem
    assert e.value.file == "patents/b.csv"
    assert "lacks required column(s) 专利权人 (holder), 法律状态 (legal_status)" in msg
    assert (
        "closest, incoPat export (sources/formats/patents_incopat.yaml), lacks 专利有效性 or 当前法律状态 "
        "(legal_status) and the header(s) that recognise it, 专利有效性;"
    ) in msg
    assert "\n" not in str(e.value)
    # the previous snapshot is kept
    con = connect(zone.warehouse)
    try:
        assert con.execute("SELECT list(application_no) FROM stg_patents").fetchone()[0] == [P[0]]
    finally:
        con.close()


def test_a_recognised_format_lacking_a_required_column_is_refused(zone):
    header = [h for h in INCOPAT_HEADER if h != "申请日"]
    xlsx(zone.landing / "patents" / "x.xlsx", [header, [1] + [""] * (len(header) - 1)])
    with pytest.raises(SourceFileError) as e:
        zone.stage("patents")
    assert "recognised as incoPat export (sources/formats/patents_incopat.yaml)" in e.value.problem
    assert "lacks required column(s) 申请日 (filing_date)" in e.value.problem


# ---- Two headers for one column (SOURCES.md) -----------------------------------------------


def test_two_headers_for_one_column_must_agree_on_every_row(zone):
    header = PATENT_HEADER + ["申请日期"]
    zone.csv("patents", header, [patent(app=P[0]) + ["2021-01-05"], patent(app=P[1]) + ["2021/1/5"]])
    with pytest.raises(SourceFileError) as e:
        zone.stage("patents")
    assert "'申请日' and '申请日期'" in e.value.problem and "filing_date" in e.value.problem
    assert "data row 2" in e.value.problem
    zone.csv("patents", header, [patent(app=P[0]) + ["2021-01-05"], patent(app=P[1]) + ["2021-01-05"]])
    s = zone.stage("patents")
    assert len(s.stg) == 2 and s.quarantine.empty


# ---- Trademarks ---------------------------------------------------------------------------

TMO_HEADER = [
    "申请/注册号",
    "国际分类",
    "商标名称",
    "申请人名称（中文）",
    "申请人地址（中文）",
    "申请日期",
    "注册公告日期",
    "专用权期限",
    "商标类型",
    "商标状态",
]


def test_trademark_office_detail_export_gb18030(zone):
    zone.csv(
        "trademarks",
        TMO_HEADER,
        [
            [
                "12345678",
                "9",
                "烟台星",
                "烟台星科技有限公司",
                "山东省烟台市芝罘区1号",
                "2012年01月05日",
                "2013年05月21日",
                "2013年05月21日至2023年05月20日",
                "普通商标",
                "商标续展完成",
            ],
            [
                "22345678",
                "35",
                "海风",
                "烟台海风有限公司",
                "山东省烟台市蓬莱市1号",
                "2020年03月01日",
                "",
                "",
                "普通商标",
                "注册申请初步审定",
            ],
            [
                "32345678",
                "30",
                "过期",
                "烟台旧有限公司",
                "山东省烟台市莱阳市1号",
                "2005年01月01日",
                "2006年02月07日",
                "2006年02月07日至2016年02月06日",
                "普通商标",
                "期满未续展",
            ],
            [
                "42345678",
                "30",
                "驳回",
                "烟台驳有限公司",
                "山东省烟台市莱阳市1号",
                "2019年01月01日",
                "",
                "",
                "普通商标",
                "驳回或部分驳回",
            ],
            [
                "G1234567",
                "25",
                "MADRID",
                "烟台马有限公司",
                "山东省烟台市海阳市1号",
                "2018年01月01日",
                "2018年09月07日",
                "2018年09月07日至2028年09月06日",
                "普通商标",
                "商标已注册",
            ],
            # invalidated with no status date: quarantined as its row deserves (SOURCES.md)
            [
                "52345678",
                "9",
                "无效",
                "烟台无有限公司",
                "山东省烟台市莱阳市1号",
                "2015年01月01日",
                "2016年02月07日",
                "2016年02月07日至2026年02月06日",
                "普通商标",
                "商标无效",
            ],
        ],
        name="tmo.csv",
        encoding="gb18030",
    )
    s = zone.stage("trademarks")
    balanced(s)
    assert list(s.quarantine.reason) == ["missing:status_date"]
    assert s.result.file_details[0]["encoding"] == "gb18030"
    check(
        s,
        "registration_no",
        {
            "12345678": dict(
                nice_class=9,
                mark_name="烟台星",
                registrant="烟台星科技有限公司",
                district_code="370602",
                filing_date=day("2012-01-05"),
                registration_date=day("2013-05-21"),
                expiry_date=day("2023-05-20"),
                status="registered",
                status_date=None,
                _format="tmo_detail",
            ),
            "22345678": dict(
                status="pending", registration_date=None, expiry_date=None, district_code="370614"
            ),
            "32345678": dict(status="expired", expiry_date=day("2016-02-06"), district_code="370682"),
            "42345678": dict(status="refused", registration_date=None),
            "G1234567": dict(status="registered", expiry_date=day("2028-09-06"), district_code="370687"),
        },
    )
    # raw_ keeps the whole 专用权期限 cell
    assert "2013年05月21日至2023年05月20日" in set(s.raw.expiry_date)


GSJ_HEADER = ["regNum", "intCls", "entname", "uniscid", "regAnncDate", "propertyBgnDate", "propertyEndDate"]


def test_gsj_tm_baseinfo_data_sharing_table(zone):
    xlsx(
        zone.landing / "trademarks" / "GSJ_TM_BASEINFO.xlsx",
        [
            GSJ_HEADER,
            [
                "12345678",
                "09",
                "烟台星科技有限公司",
                "91370613MA3C00001X",
                "2013-05-21 00:00:00",
                "2013-05-21",
                "2023-05-20 00:00:00",
            ],
            [
                "22345678",
                "35",
                "烟台海风有限公司",
                "91370600MA3C00002X",
                "",
                dt.datetime(2020, 3, 7),
                dt.datetime(2030, 3, 6),
            ],
            [
                "32345678",
                "30",
                "北京某有限公司",
                "91110108MA0000003X",
                "2019-01-01",
                "2019-01-01",
                "2029-12-31",
            ],
        ],
    )
    s = zone.stage("trademarks")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "registration_no",
        {
            "12345678": dict(
                nice_class=9,
                registrant="烟台星科技有限公司",
                filing_date=None,
                status="registered",
                registration_date=day("2013-05-21"),
                expiry_date=day("2023-05-20"),
                district_code="370613",
                in_scope=True,
                registrant_address=None,
                _format="gsj_tm_baseinfo",
            ),
            "22345678": dict(
                registration_date=day("2020-03-07"), expiry_date=day("2030-03-06"), in_scope=True
            ),
            "32345678": dict(in_scope=False, district_code=None),
        },
    )


# ---- A format added by the user (README § Pointing it at real exports) --------------------

BAITEN = """\
# 佰腾 export (made up for the README's worked example)
source: patents
name: baiten
title: 佰腾 export
detect: [专利权状态(佰腾)]
columns:
  application_no: 申请号码
  patent_type: 专利种类
  filing_date: 申请日期
  grant_date: 授权日期
  holder: [当前专利权人, 申请人]
  holder_address: 通讯地址
  main_ipc: 主IPC
  ipc_codes: 全部IPC
  legal_status: 专利权状态(佰腾)
  lapse_date: 失效日期
  _place: 所在区县
split:
  columns: [holder, ipc_codes]
  separators: ["、", ";"]
values:
  patent_type:
    invention: [发明授权, 发明公开]
  legal_status:
    in_force: [维持]
    lapsed: [终止, 届满]
    pending: [在审]
"""


def test_a_user_adds_a_format_by_writing_a_mapping_file(tmp_path, zone):
    sources = tmp_path / "my_sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "formats" / "patents_baiten.yaml").write_text(BAITEN, encoding="utf-8")
    contract = load_contract("patents", str(sources))
    assert "baiten" in [f.name for f in contract.formats]
    write_csv(
        zone.landing / "patents" / "baiten.csv",
        [
            "申请号码",
            "专利种类",
            "申请日期",
            "授权日期",
            "申请人",
            "当前专利权人",
            "通讯地址",
            "所在区县",
            "主IPC",
            "全部IPC",
            "专利权状态(佰腾)",
            "失效日期",
        ],
        [
            [
                P[0],
                "发明授权",
                "2019-03-01",
                "2021-05-04",
                "烟台甲公司",
                "烟台乙公司、烟台丙公司",
                "烟台市某路1号",
                "龙口市",
                "H01M10/052",
                "H01M10/052、H01M4/13",
                "维持",
                "",
            ],
            [
                U[0],
                "实用新型",
                "2018-01-10",
                "2018-09-01",
                "烟台丁公司",
                "",
                "山东省烟台市莱州市1号",
                "",
                "B23K37/04",
                "B23K37/04",
                "终止",
                "2021-02-02",
            ],
        ],
    )
    con = connect(zone.warehouse)
    try:
        stage_reference(con, zone.landing)
        r = stage_source(con, contract, zone.landing)
        stg = con.execute("SELECT * FROM stg_patents ORDER BY _row_number").df()
    finally:
        con.close()
    assert r.reconciles and r.quarantined == 0 and r.formats == {"baiten": 2}
    assert list(stg.holder) == ["烟台乙公司;烟台丙公司", "烟台丁公司"]
    assert list(stg.district_code) == ["370681", "370683"]
    assert list(stg.legal_status) == ["in_force", "lapsed"]
    assert list(stg.ipc_codes) == ["H01M10/052;H01M4/13", "B23K37/04"]
    assert list(stg.patent_type) == ["invention", "utility_model"]


def test_region_columns_only_say_whether_the_holder_is_in_yantai(zone):
    rows = [INCOPAT_HEADER]
    cases = [  # (地市, 省市代码, 区县, address) -> (unit, in scope)
        ("烟台市", "37", None, "山东省某县", ("370699", True)),  # the city column alone: 未定位
        (
            "青岛市",
            "37",
            None,
            "山东省青岛市烟台路1号",
            (None, False),
        ),  # another city: not Yantai, whatever the street
        (None, "37", None, "山东省某县", (None, False)),  # the province code says nothing
        (None, "370687", None, "某路1号", ("370687", True)),  # the 6-digit code of a unit decides
        (None, "370600", None, "某路1号", ("370699", True)),  # the city's code is no unit: it says Yantai
        (None, "370202", None, "山东省烟台市芝罘区", (None, False)),  # another city's code: not Yantai
        ("青岛市", "37", "莱山区", "某路", (None, False)),  # contradictory: out of scope, never guessed
    ]
    for i, (city, code, county, address, _) in enumerate(cases):
        rows.append(
            [
                i,
                "t",
                (P + U)[i],
                "2019-03-01",
                "CN1A",
                "2019-09-01",
                "发明申请",
                "甲",
                "甲",
                address,
                code,
                city,
                county,
                "H01M10/052",
                "H01M10/052",
                "审中",
                "实质审查",
                None,
                None,
            ]
        )
    xlsx(zone.landing / "patents" / "regions.xlsx", rows)
    s = zone.stage("patents")
    got = {
        a: (None if pd.isna(d) else d, bool(sc))
        for a, d, sc in zip(s.stg.application_no, s.stg.district_code, s.stg.in_scope)
    }
    assert [got[(P + U)[i]] for i in range(len(cases))] == [c[-1] for c in cases]


# ---- Court cases: 审级 and 案件性质 from the case number -----------------------------------


def test_instance_and_case_nature_from_the_case_number_when_absent(zone):
    header = ["案号", "案件类型", "机关类型", "办理机关", "立案日", "结案日"]
    rows = [
        ["(2021)鲁06知民初12号", "专利侵权纠纷", "司法", "烟台市中级人民法院", "2021-03-01", "2021-09-01"],
        ["（2015）沪知民初字第58号", "专利侵权纠纷", "司法", "上海知识产权法院", "2015-03-01", ""],
        ["(2022)鲁民终345号", "商标侵权", "司法", "山东省高级人民法院", "2022-01-05", ""],
        ["(2023)最高法民申7号", "商标侵权", "司法", "最高人民法院", "2023-02-01", ""],
        ["(2022)鲁0613刑初9号", "商标假冒", "司法", "莱山区人民法院", "2022-04-01", ""],
        ["(2020)鲁06行初3号", "其他", "司法", "烟台市中级人民法院", "2020-04-01", ""],
        ["〔2020〕鲁06民再1号", "其他", "司法", "烟台市中级人民法院", "2020-05-01", ""],
        ["YTSJ202100001", "假冒专利", "行政", "烟台市市场监督管理局", "2021-01-01", ""],
    ]
    zone.csv("enforcement", header, rows, name="court.csv")
    s = zone.stage("enforcement")
    balanced(s)
    assert s.quarantine.empty
    got = {
        k: (None if pd.isna(n) else n, None if pd.isna(i) else i)
        for k, n, i in zip(s.stg.case_no, s.stg.case_nature, s.stg.instance)
    }
    assert got == {
        "(2021)鲁06知民初12号": ("civil", "first"),
        "(2015)沪知民初字第58号": ("civil", "first"),
        "(2022)鲁民终345号": ("civil", "second"),
        "(2023)最高法民申7号": ("civil", "retrial"),
        "(2022)鲁0613刑初9号": ("criminal", "first"),
        "(2020)鲁06行初3号": ("administrative", "first"),
        "〔2020〕鲁06民再1号": ("civil", "retrial"),
        "YTSJ202100001": (None, None),
    }


def test_a_given_instance_wins_over_the_case_number(zone):
    header = ["案号", "案件类型", "机关类型", "立案日", "案件性质", "审级"]
    zone.csv(
        "enforcement",
        header,
        [
            ["(2021)鲁06知民初12号", "专利侵权纠纷", "司法", "2021-03-01", "民事", "二审"],
            ["(2021)鲁06知民初13号", "专利侵权纠纷", "司法", "2021-03-01", "", ""],
        ],
    )
    s = zone.stage("enforcement")
    assert list(s.stg.instance) == ["second", "first"] and list(s.stg.case_nature) == ["civil", "civil"]


# ---- Gazette transfers and licences (EE01, TR01) and innojoy's columns -------------------


def _patents_for_the_gazette(zone):
    zone.csv(
        "patents",
        PATENT_HEADER,
        [
            patent(app=P[0], address="山东省烟台市莱山区港城大道1号"),
            patent(app=P[1], address="北京市海淀区1号"),
            patent(app=U[0], ptype="实用新型", address="山东省烟台市龙口市1号"),
        ],
        name="patents.csv",
    )
    zone.stage("patents")


def test_gazette_ee01_licences_take_their_unit_from_the_patent_they_name(zone):
    _patents_for_the_gazette(zone)
    zone.csv(
        "transfers",
        ["专利号", "发明名称", "合同备案号", "让与人", "受让人", "许可种类", "备案日"],
        [
            [
                f"ZL{P[0][:12]}.{P[0][12]}",
                "电池",
                "X2021370000012",
                "烟台甲公司",
                "某乙公司",
                "独占许可",
                "2021.05.06",
            ],
            [P[1], "方法", "X2021110000034", "北京丙公司", "北京丁公司", "普通许可", "2021.07.08"],
            [app_no(2020, 1, 999), "不在库", "X2021370000056", "戊公司", "己公司", "排他许可", "2021.08.09"],
        ],
        name="EE01.csv",
    )
    s = zone.stage("transfers")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "record_no",
        {
            "X2021370000012": dict(
                kind="licence",
                ip_type="patent",
                items=P[0],
                assignor="烟台甲公司",
                assignee="某乙公司",
                registration_date=day("2021-05-06"),
                district_code="370613",
                in_scope=True,
                _format="gazette_ee01",
            ),
            "X2021110000034": dict(
                kind="licence", district_code=None, in_scope=False
            ),  # the patent is in Beijing
            "X2021370000056": dict(
                kind="licence", district_code=None, in_scope=False
            ),  # found nowhere: never guessed
        },
    )


def test_gazette_tr01_transfers_record_no_from_patent_and_date(zone):
    _patents_for_the_gazette(zone)
    zone.csv(
        "transfers",
        ["专利号", "变更前权利人", "变更后权利人", "地址", "变更生效日"],
        [
            [U[0], "烟台甲公司", "青岛乙公司", "", "2022.03.04"],  # no address: the patent's unit
            [P[1], "北京丙公司", "烟台丁公司", "山东省烟台市福山区1号", "2022.05.06"],  # the address decides
        ],
        name="TR01.csv",
    )
    s = zone.stage("transfers")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "record_no",
        {
            f"{U[0]}@2022.03.04": dict(
                kind="transfer",
                ip_type="patent",
                items=U[0],
                assignor="烟台甲公司",
                assignee="青岛乙公司",
                registration_date=day("2022-03-04"),
                district_code="370681",
                in_scope=True,
                _format="gazette_tr01",
            ),
            f"{P[1]}@2022.05.06": dict(
                kind="transfer",
                assignee_address="山东省烟台市福山区1号",
                district_code="370611",
                in_scope=True,
            ),
        },
    )


def test_innojoy_transfer_and_licence_columns(zone):
    _patents_for_the_gazette(zone)
    zone.csv(
        "transfers",
        [
            "申请号",
            "转让人",
            "受让人",
            "转让生效日",
            "许可人",
            "被许可人",
            "许可类型",
            "许可生效日",
            "许可合同备案号",
        ],
        [
            [P[0], "甲", "乙", "2021-01-02", "", "", "", "", ""],
            [U[0], "", "", "", "丙", "丁", "普通许可", "2021-03-04", "X2021370000078"],
        ],
        name="innojoy_transfers.csv",
    )
    s = zone.stage("transfers")
    balanced(s)
    assert s.quarantine.empty
    check(
        s,
        "record_no",
        {
            f"{P[0]}@2021-01-02": dict(
                kind="transfer",
                assignor="甲",
                assignee="乙",
                district_code="370613",
                registration_date=day("2021-01-02"),
                _format="innojoy_licences",
            ),
            "X2021370000078": dict(
                kind="licence",
                assignor="丙",
                assignee="丁",
                district_code="370681",
                registration_date=day("2021-03-04"),
            ),
        },
    )


def test_the_dagster_ui_shows_rows_by_format(zone):
    from ip_pipeline.defs.metadata import load_metadata

    zone.csv("patents", PATENT_HEADER, [patent(app=P[5])], name="a.csv")
    zone.csv(
        "patents",
        CNIPA_HEADER,
        [
            [
                P[6],
                "2019.03.01",
                "CN3B",
                "2021.05.04",
                "发明专利",
                "烟台甲有限公司",
                "山东省烟台市莱州市1号",
                "37",
                "H01M10/052",
                "H01M10/052",
                "有权",
                "",
            ]
        ],
        name="b.csv",
    )
    s = zone.stage("patents")
    md = load_metadata(s.result)["rows_by_format"].value
    assert "| `canonical` | 1 |" in md and "| `cnipa` | 1 |" in md


def test_older_incopat_headers_are_recognised_too(zone):
    header = [
        "申请号",
        "申请日",
        "公开(公告)号",
        "公开(公告)日",
        "专利类型",
        "申请人",
        "当前专利权人",
        "标准化当前专利权人",
        "申请人地址",
        "中国申请人区县",
        "主分类号",
        "IPC",
        "专利有效性",
        "授权公告日",
        "失效日",
    ]
    xlsx(
        zone.landing / "patents" / "old_incopat.xlsx",
        [
            header,
            [
                P[0],
                "2019-03-01",
                "CN1B",
                "2021-05-04",
                "发明授权",
                "甲",
                "",
                "烟台标准化公司",
                "山东省烟台市1号",
                "牟平区",
                "H01M10/052",
                "H01M10/052",
                "有效",
                None,
                None,
            ],
        ],
    )
    s = zone.stage("patents")
    check(
        s,
        "application_no",
        {
            P[0]: dict(
                holder="烟台标准化公司",
                main_ipc="H01M10/052",
                district_code="370612",
                grant_date=day("2021-05-04"),
                _format="incopat",
            )
        },
    )


def test_an_export_repeating_a_header_must_repeat_its_values(zone):
    header = PATSNAP_HEADER + ["申请号"]
    row = [
        "1",
        P[0],
        "2019-03-01",
        "CN1B",
        "2021-05-04",
        "授权发明",
        "甲",
        "甲",
        "山东省",
        "烟台市",
        "莱山区",
        "H01M10/052",
        "H01M10/052",
        "有效",
        "",
        "",
    ]
    zone.csv("patents", header, [row + [P[0]], row[:1] + [P[1]] + row[2:] + [P[2]]], name="p.csv")
    with pytest.raises(SourceFileError) as e:
        zone.stage("patents")
    assert "two headers for column application_no, '申请号' and '申请号'" in e.value.problem
