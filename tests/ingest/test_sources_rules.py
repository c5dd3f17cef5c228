"""One test per rule of SOURCES.md, each on data built here."""

from __future__ import annotations

import openpyxl
import pytest

from ip_pipeline.ingest.errors import SourceFileError

from .conftest import PATENT_HEADER, app_no, patent

A1, A2, A3 = app_no(2021, 1, 123456), app_no(2021, 1, 123457), app_no(2019, 2, 1)


# ---- Landing zone -------------------------------------------------------------------------


def test_every_file_in_a_source_folder_is_part_of_the_snapshot(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1)], name="a.csv")
    zone.csv("patents", PATENT_HEADER, [patent(app=A2)], name="b.csv")
    s = zone.stage("patents")
    assert sorted(s.stg.application_no) == sorted([A1, A2])
    assert s.result.files == ["patents/a.csv", "patents/b.csv"]


def test_other_extensions_ignored_with_warning_hidden_and_partial_files_silently(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1)])
    (zone.landing / "patents" / "notes.txt").write_text("hello")
    zone.csv("patents", PATENT_HEADER, [patent(app=A2)], name="next.csv.part")
    zone.csv("patents", PATENT_HEADER, [patent(app=A3)], name=".hidden.csv")
    zone.csv("patents", PATENT_HEADER, [patent(app=A3)], name="~$open.xlsx.csv")
    s = zone.stage("patents")
    assert list(s.stg.application_no) == [A1]
    assert any("notes.txt" in w for w in s.result.warnings)
    assert not any("part" in w or "hidden" in w or "~$" in w for w in s.result.warnings)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encoding_detected_utf8_bom_or_gb18030(zone, encoding):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, holder="烟台龍口鑫磊科技有限公司")], encoding=encoding)
    s = zone.stage("patents")
    assert list(s.stg.holder) == ["烟台龍口鑫磊科技有限公司"]
    assert s.result.file_details[0]["encoding"] == encoding


def _xlsx(path, rows, sheet_title="Sheet1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_xlsx_first_sheet_header_on_first_non_empty_row_and_excel_serial_dates(zone):
    # 44201 is 2021-01-05 as an Excel serial day number.
    _xlsx(
        zone.landing / "patents" / "export.xlsx",
        [[None] * 3, PATENT_HEADER, patent(app=A1, filed=44201, granted=None)],
    )
    s = zone.stage("patents")
    assert str(s.stg.filing_date[0].date()) == "2021-01-05"
    assert s.result.file_details[0]["encoding"] == "xlsx"


def test_headers_match_after_nfkc_and_trim_and_english_names(zone):
    header = [
        "登记号",
        "质押类型",
        "登记日",
        "出质人",
        " 出质人地址 ",
        "行政区划代码",
        "质权人",
        "质押金额（万元）",
        "涉及专利/商标号",
        "status",
    ]
    zone.csv(
        "pledges",
        header,
        [["P1", "专利", "2021-02-03", "甲公司", "山东省烟台市芝罘区", "", "银行", "12.5", A1, ""]],
    )
    s = zone.stage("pledges")
    assert s.stg.amount_wan[0] == 12.5
    assert s.stg.status[0] == "active"  # the default when empty


# ---- Value normalisation ------------------------------------------------------------------


def test_text_is_nfkc_trimmed_whitespace_collapsed_and_empty_is_null(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, holder="  烟台　ＡＢＣ   科技  ", main_ipc="   ")])
    s = zone.stage("patents")
    assert s.stg.holder[0] == "烟台 ABC 科技"
    assert s.stg.main_ipc.isna()[0]


@pytest.mark.parametrize(
    "text", ["2021-03-05", "2021/3/5", "2021.03.05", "20210305", "2021年3月5日", "２０２１-０３-０５"]
)
def test_accepted_date_styles(zone, text):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, filed=text, granted="")])
    s = zone.stage("patents")
    assert str(s.stg.filing_date[0].date()) == "2021-03-05"


@pytest.mark.parametrize("text", ["2021-02-30", "05/03/2021", "2021-03", "unknown"])
def test_bad_date_is_quarantined_with_column(zone, text):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, filed=text), patent(app=A2)])
    s = zone.stage("patents")
    assert list(s.stg.application_no) == [A2]
    assert list(s.quarantine.reason) == ["bad_date:filing_date"]


PLEDGE_HEADER = [
    "登记号",
    "质押类型",
    "登记日",
    "出质人",
    "出质人地址",
    "行政区划代码",
    "质权人",
    "质押金额(万元)",
    "涉及专利/商标号",
    "状态",
]


def pledge(
    no="P1",
    kind="专利",
    date="2021-02-03",
    amount="100",
    items=None,
    status="生效",
    address="山东省烟台市芝罘区某路1号",
    code="",
):
    return [no, kind, date, "甲公司", address, code, "烟台银行", amount, items or A1, status]


def test_amounts_in_wan_unless_header_says_yuan(zone):
    header = PLEDGE_HEADER[:7] + ["质押金额(元)"] + PLEDGE_HEADER[8:]
    zone.csv("pledges", header, [pledge(amount="12,345,000")])
    s = zone.stage("pledges")
    assert s.stg.amount_wan[0] == pytest.approx(1234.5)


def test_amounts_accept_thousands_separator_and_fullwidth_digits(zone):
    zone.csv(
        "pledges", PLEDGE_HEADER, [pledge(no="P1", amount="1,234.5"), pledge(no="P2", amount="１２３４.５")]
    )
    s = zone.stage("pledges")
    assert list(s.stg.amount_wan) == [1234.5, 1234.5]


@pytest.mark.parametrize(
    "amount,reason",
    [
        ("-5", "out_of_range:amount_wan"),
        ("abc", "bad_number:amount_wan"),
        ("0", "out_of_range:amount_wan"),
        ("", "missing:amount_wan"),
    ],
)
def test_negative_non_numeric_or_missing_amount_is_quarantined(zone, amount, reason):
    zone.csv("pledges", PLEDGE_HEADER, [pledge(amount=amount), pledge(no="P2")])
    s = zone.stage("pledges")
    assert list(s.quarantine.reason) == [reason]
    assert list(s.stg.registration_no) == ["P2"]


# ---- District resolution ------------------------------------------------------------------


def _district(zone, address, code=""):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, address=address, code=code)])
    s = zone.stage("patents")
    return s.stg.district_code[0], bool(s.stg.in_scope[0])


def test_valid_district_code_wins_over_address(zone):
    assert _district(zone, "山东省烟台市龙口市某路", "370602") == ("370602", True)


def test_longest_district_name_or_alias_in_address(zone):
    # 烟台高新技术产业开发区 (zone) is longer than anything else found in this address.
    assert _district(zone, "山东省烟台高新技术产业开发区蓝海路1号") == ("370671", True)
    assert _district(zone, "山东省烟台市莱山区港城大道") == ("370613", True)


def test_old_district_names_and_codes_resolve_to_penglai(zone):
    assert _district(zone, "山东省烟台市长岛县南长山街道") == ("370614", True)
    assert _district(zone, "", "370684") == ("370614", True)


def test_yantai_without_a_unit_is_unlocated(zone):
    assert _district(zone, "山东省烟台市某某路8号") == ("370699", True)


def test_outside_yantai_is_kept_out_of_scope_not_quarantined(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, address="山东省青岛市市南区香港中路1号")])
    s = zone.stage("patents")
    assert len(s.stg) == 1 and len(s.quarantine) == 0
    assert s.stg.district_code.isna()[0] and not bool(s.stg.in_scope[0])
    assert s.result.out_of_scope == 1


def test_unknown_code_is_ignored_and_the_address_decides(zone):
    assert _district(zone, "山东省烟台市海阳市某路", "999999") == ("370687", True)


def test_sources_without_address_are_in_scope_and_unknown_code_is_unlocated(zone):
    header = [
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
    zone.csv(
        "enforcement",
        header,
        [
            ["C1", "假冒专利", "行政", "局", "2021-01-01", "", "999999", "1", "0", "张三", ""],
            ["C2", "假冒专利", "行政", "局", "2021-01-01", "", "370611", "1", "0", "李四", ""],
        ],
    )
    s = zone.stage("enforcement")
    assert list(s.stg.district_code) == ["370699", "370611"]
    assert s.stg.in_scope.all()


# ---- Enumerations and required values ----------------------------------------------------


@pytest.mark.parametrize("text", ["发明", "发明专利", "发明授权", "invention", "Invention"])
def test_enum_accepts_listed_long_and_english_forms(zone, text):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, ptype=text)])
    assert list(zone.stage("patents").stg.patent_type) == ["invention"]


def test_other_enum_value_is_quarantined(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, ptype="软件著作权")])
    assert list(zone.stage("patents").quarantine.reason) == ["bad_enum:patent_type"]


def test_missing_required_value_is_quarantined(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, holder="")])
    assert list(zone.stage("patents").quarantine.reason) == ["missing:holder"]


# ---- patents ----------------------------------------------------------------------------


def test_application_no_drops_prefix_dots_spaces_and_uppercases_x(zone):
    x_no = next(n for n in (app_no(2018, 1, s) for s in range(1, 200)) if n.endswith("X"))
    written = "zl " + x_no[:12] + "." + x_no[12].lower()
    zone.csv("patents", PATENT_HEADER, [patent(app=written)])
    s = zone.stage("patents")
    assert list(s.stg.application_no) == [x_no]
    assert list(s.stg.warnings[0]) == []


def test_wrong_check_digit_is_a_warning_not_a_rejection(zone):
    wrong = A1[:12] + str((int(A1[12]) + 1) % 10) if A1[12] != "X" else A1[:12] + "0"
    zone.csv("patents", PATENT_HEADER, [patent(app=wrong)])
    s = zone.stage("patents")
    assert len(s.stg) == 1 and "check_digit:application_no" in list(s.stg.warnings[0])


def test_type_digit_conflict_with_patent_type_is_a_warning(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, ptype="外观设计")])  # 5th digit 1 = invention
    s = zone.stage("patents")
    assert "type_conflict:application_no" in list(s.stg.warnings[0])


def test_old_nine_character_numbers_are_valid(zone):
    body = "98101234"
    check = sum(int(d) * (2 + i % 8) for i, d in enumerate(body)) % 11
    zone.csv("patents", PATENT_HEADER, [patent(app=f"ZL{body}.{'X' if check == 10 else check}")])
    s = zone.stage("patents")
    assert len(s.stg) == 1 and list(s.stg.warnings[0]) == []


def test_application_no_of_wrong_length_is_quarantined(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app="CN2021101234")])
    assert list(zone.stage("patents").quarantine.reason) == ["bad_format:application_no"]


def test_lapse_date_required_when_lapsed(zone):
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=A1, status="失效", lapsed=""), patent(app=A2, status="失效", lapsed="2023-01-01")],
    )
    s = zone.stage("patents")
    assert list(s.quarantine.reason) == ["missing:lapse_date"]
    assert list(s.stg.legal_status) == ["lapsed"]


def test_identical_duplicates_collapse_to_one(zone):
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=A1), patent(app=A1.replace("2021", "CN2021", 1), filed="2021/1/5")],
    )
    s = zone.stage("patents")
    assert len(s.stg) == 1 and len(s.quarantine) == 0 and s.result.duplicates == 1


def test_conflicting_duplicates_last_wins_files_in_name_order(zone):
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=A1, holder="第二家"), patent(app=A1, holder="第三家")],
        name="b.csv",
    )
    zone.csv("patents", PATENT_HEADER, [patent(app=A1, holder="第一家")], name="a.csv")
    s = zone.stage("patents")
    assert list(s.stg.holder) == ["第三家"]
    assert sorted(s.quarantine.holder) == ["第一家", "第二家"]
    assert set(s.quarantine.reason) == {"conflicting_duplicate"}


def test_counts_reconcile_raw_equals_staged_plus_quarantined_plus_duplicates(zone):
    zone.csv(
        "patents",
        PATENT_HEADER,
        [
            patent(app=A1),
            patent(app=A1),
            patent(app=A1, holder="X"),
            patent(app=A2, filed="bad"),
            patent(app=A3),
        ],
    )
    r = zone.stage("patents").result
    assert (r.raw, r.staged, r.quarantined, r.duplicates) == (5, 2, 2, 1)


# ---- overseas_grants -----------------------------------------------------------------------

OVERSEAS_HEADER = [
    "授权国家/地区",
    "授权号",
    "授权日",
    "专利类型",
    "专利权人",
    "专利权人地址",
    "行政区划代码",
    "中国同族申请号",
]


def test_cn_is_not_overseas_and_key_is_office_with_grant_no(zone):
    rows = [
        ["US", "G1", "2022-01-01", "发明", "甲", "山东省烟台市芝罘区", "", "CN" + A1],
        ["EP", "G1", "2022-01-01", "发明", "甲", "山东省烟台市芝罘区", "", ""],
        ["CN", "G2", "2022-01-01", "发明", "甲", "山东省烟台市芝罘区", "", ""],
    ]
    zone.csv("overseas_grants", OVERSEAS_HEADER, rows)
    s = zone.stage("overseas_grants")
    assert sorted(s.stg.office) == ["EP", "US"]
    assert list(s.quarantine.reason) == ["not_overseas:office"]
    assert s.stg.set_index("office").cn_family_application_no["US"] == A1


# ---- trademarks -----------------------------------------------------------------------------

TM_HEADER = [
    "注册号",
    "国际分类",
    "商标名称",
    "注册人",
    "注册人地址",
    "行政区划代码",
    "申请日",
    "注册日",
    "专用权期限截止日",
    "商标状态",
    "状态变更日",
]


def tm(no="10001972", cls="21", status="注册", status_date="", address="山东省烟台市栖霞市府前街"):
    return [no, cls, "", "甲公司", address, "", "2012-01-18", "2013-05-24", "2033-05-23", status, status_date]


def test_trademark_registration_no_digits_or_g_madrid(zone):
    zone.csv("trademarks", TM_HEADER, [tm("10001972"), tm("g 1234567"), tm("TM-12")])
    s = zone.stage("trademarks")
    assert sorted(s.stg.registration_no) == ["10001972", "G1234567"]
    assert list(s.quarantine.reason) == ["bad_format:registration_no"]


@pytest.mark.parametrize("cls,ok", [("1", True), ("45", True), ("0", False), ("46", False)])
def test_nice_class_between_1_and_45(zone, cls, ok):
    zone.csv("trademarks", TM_HEADER, [tm(cls=cls)])
    s = zone.stage("trademarks")
    assert (len(s.stg) == 1) is ok
    if not ok:
        assert list(s.quarantine.reason) == ["out_of_range:nice_class"]


def test_status_date_required_for_invalidated_cancelled_revoked(zone):
    zone.csv(
        "trademarks",
        TM_HEADER,
        [
            tm("1", status="注销"),
            tm("2", status="撤销", status_date="2020-01-01"),
            tm("3", status="无效", status_date=""),
        ],
    )
    s = zone.stage("trademarks")
    assert list(s.stg.status) == ["revoked"]
    assert list(s.quarantine.reason) == ["missing:status_date", "missing:status_date"]


# ---- pledges ---------------------------------------------------------------------------------


def test_pledge_items_normalised_each_as_in_its_own_source(zone):
    zone.csv(
        "pledges",
        PLEDGE_HEADER,
        [
            pledge(no="P1", items=f"ZL{A1[:12]}.{A1[12]}；CN{A2}"),
            pledge(no="P2", kind="商标", items="10280636; g 99"),
        ],
    )
    s = zone.stage("pledges").stg.set_index("registration_no")
    assert s["items"]["P1"] == f"{A1};{A2}"
    assert s["items"]["P2"] == "10280636;G99"


@pytest.mark.parametrize(
    "text,status", [("", "active"), ("注销", "released"), ("变更", "amended"), ("released", "released")]
)
def test_pledge_status_enum_defaults_to_active(zone, text, status):
    zone.csv("pledges", PLEDGE_HEADER, [pledge(status=text)])
    assert list(zone.stage("pledges").stg.status) == [status]


# ---- enforcement -----------------------------------------------------------------------------

ENF_HEADER = [
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


def test_closed_before_opened_is_quarantined(zone):
    zone.csv(
        "enforcement",
        ENF_HEADER,
        [
            ["C1", "商标侵权", "司法", "", "2021-05-01", "2021-04-30", "", "", "", "", ""],
            ["C2", "商标侵权", "司法", "", "2021-05-01", "2021-05-01", "", "", "", "", ""],
        ],
    )
    s = zone.stage("enforcement")
    assert list(s.quarantine.reason) == ["date_order:closed_date"]
    assert list(s.stg.case_no) == ["C2"]


def test_case_value_and_penalty_must_not_be_negative(zone):
    zone.csv(
        "enforcement",
        ENF_HEADER,
        [
            ["C1", "其他", "海关", "", "2021-05-01", "", "", "-1", "", "", ""],
            ["C2", "其他", "海关", "", "2021-05-01", "", "", "0", "0", "", ""],
        ],
    )
    s = zone.stage("enforcement")
    assert list(s.quarantine.reason) == ["out_of_range:value_wan"]


# ---- enterprises and survey --------------------------------------------------------------------


def credit_code(body17: str) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = (31 - sum(charset.index(ch) * w for ch, w in zip(body17, weights)) % 31) % 31
    return body17 + charset[c]


ENT_HEADER = ["统一社会信用代码", "企业名称", "行政区划代码", "项目", "认定日", "有效期至"]


def test_credit_code_18_characters_and_wrong_check_is_a_warning(zone):
    good = credit_code("91370600MA3C00001")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    zone.csv(
        "enterprises",
        ENT_HEADER,
        [
            [good, "甲", "370602", "贯标", "2021-01-01", ""],
            [bad_check, "乙", "370602", "市优势企业", "2021-01-01", ""],
            ["91370600", "丙", "370602", "贯标", "2021-01-01", ""],
        ],
    )
    s = zone.stage("enterprises")
    warnings = {r.credit_code: list(r.warnings) for r in s.stg.itertuples()}
    assert warnings == {good: [], bad_check: ["check_digit:credit_code"]}
    assert list(s.quarantine.reason) == ["bad_format:credit_code"]


SURVEY_HEADER = ["问卷编号", "调查日期", "行政区划代码", "受访者类型", "总体满意度", "权重"]


def test_survey_score_between_0_and_100_and_weight_positive_default_1(zone):
    zone.csv(
        "survey",
        SURVEY_HEADER,
        [
            ["S1", "2021-05-01", "", "企业", "100", ""],
            ["S2", "2021-05-01", "", "企业", "100.5", "1"],
            ["S3", "2021-05-01", "", "企业", "80", "0"],
        ],
    )
    s = zone.stage("survey")
    assert list(s.stg.weight) == [1.0]
    assert list(s.quarantine.reason) == ["out_of_range:overall_score", "out_of_range:weight"]


# ---- Snapshots --------------------------------------------------------------------------------


def test_unreadable_file_refuses_the_snapshot_and_keeps_the_previous_one(zone):
    zone.csv("patents", PATENT_HEADER, [patent(app=A1)])
    zone.stage("patents")
    zone.csv("patents", PATENT_HEADER, [patent(app=A2)], name="b.csv")
    (zone.landing / "patents" / "c.csv").write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == "patents/c.csv"
    (zone.landing / "patents" / "c.csv").unlink()
    (zone.landing / "patents" / "b.csv").unlink()
    s = zone.stage("patents")
    assert list(s.stg.application_no) == [A1] and s.result.status == "unchanged"


def test_missing_required_column_refuses_the_file_naming_it(zone):
    zone.csv("patents", [h for h in PATENT_HEADER if h != "申请日"], [patent(app=A1)[:2] + patent()[3:]])
    with pytest.raises(SourceFileError, match=r"申请日 \(filing_date\)"):
        zone.stage("patents")


def test_unchanged_snapshot_is_not_reloaded_even_if_touched(zone):
    path = zone.csv("patents", PATENT_HEADER, [patent(app=A1)])
    assert zone.stage("patents").result.status == "loaded"
    import os

    os.utime(path, None)
    assert zone.stage("patents").result.status == "unchanged"
    zone.csv("patents", PATENT_HEADER, [patent(app=A2)])
    assert zone.stage("patents").result.status == "loaded"


def test_rows_with_too_many_or_too_few_cells_are_quarantined(zone):
    good = patent(app=A1)
    zone.csv("patents", PATENT_HEADER, [good, patent(app=A2) + ["extra"], patent(app=A3)[:5]])
    s = zone.stage("patents")
    assert list(s.stg.application_no) == [A1]
    assert list(s.quarantine.reason) == ["bad_row:cell_count", "bad_row:cell_count"]


def test_event_dates_in_the_future_are_quarantined_scheduled_ends_are_not(zone):
    import datetime as dt

    ahead = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=A1, filed=ahead, granted=""), patent(app=A2, status="失效", lapsed=ahead)],
    )
    s = zone.stage("patents")
    assert list(s.quarantine.reason) == ["future_date:filing_date"]
    assert list(s.stg.application_no) == [A2]
