"""District resolution by administrative levels (SOURCES.md): one test per clause of the rule,
with real addresses of Yantai and of the cities whose streets are named after Yantai's units."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from ip_pipeline.city import UNLOCATED
from ip_pipeline.ingest import addresses
from ip_pipeline.ingest.addresses import AddressReader, explain_lines
from ip_pipeline.sample.geo import DISTRICTS_CSV

from .conftest import PATENT_HEADER, app_no, patent
from .test_real_exports import INCOPAT_HEADER


@pytest.fixture(scope="module")
def reader() -> AddressReader:
    return AddressReader(list(csv.DictReader(io.StringIO(DISTRICTS_CSV))))


def unit(reader, address):
    return reader.read(address).unit


# ---- A place name is a unit only with its level, or as an alias right after 烟台 --------------


@pytest.mark.parametrize(
    "address, code",
    [
        ("山东省烟台市芝罘区北马路1号", "370602"),  # with 烟台市
        ("烟台市福山区港城大道2号", "370611"),
        ("莱山区观海路5号", "370613"),  # without 烟台市: the unit with its level
        ("山东省龙口市东城区振华街1号", "370681"),  # 山东省 and a county-level city
        ("山东省招远市府前街8号", "370685"),
    ],
)
def test_a_unit_with_its_level_resolves_with_or_without_the_city(reader, address, code):
    assert unit(reader, address) == code


@pytest.mark.parametrize(
    "address, code",
    [
        ("烟台开发区长江路1号", "370672"),
        ("山东省烟台开发区长江路1号", "370672"),
        ("烟台高新区航天路9号", "370671"),
        ("烟台市高新区航天路9号", "370671"),
        ("烟台芝罘北马路1号", "370602"),
    ],
)
def test_an_alias_right_after_yantai_is_its_unit(reader, address, code):
    assert unit(reader, address) == code


def test_a_bare_alias_not_after_yantai_is_no_unit(reader):
    # 高新区 and 福山 name no level: elsewhere they are some other city's zone or a word
    assert unit(reader, "山东省青岛市崂山区高新区株洲路1号") is None
    assert unit(reader, "福山镇某村1号") is None


@pytest.mark.parametrize(
    "address",
    [
        "山东省烟台市蓬莱市登州路1号",
        "山东省蓬莱市钟楼东路2号",
        "山东省长岛县南长山街道1号",
        "烟台市长岛县乐园大街3号",
    ],
)
def test_former_names_penglai_and_changdao_are_penglai_district(reader, address):
    assert unit(reader, address) == "370614"


# ---- A name followed by a street word is a street -----------------------------------------------


@pytest.mark.parametrize("address", ["烟台福山路3号", "烟台市龙口街5号", "山东省烟台市栖霞大厦"])
def test_a_unit_name_before_a_street_word_is_a_street(reader, address):
    # the city is named, the street is not a unit: in Yantai, unit unknown
    assert unit(reader, address) == "370699"


def test_a_market_named_after_a_city_is_no_city(reader):
    # 市场 is a market: the name before it is read without 市 (a bare 龙口 is no unit; 烟台 is the city)
    assert unit(reader, "龙口市场东门") is None
    assert unit(reader, "烟台市场监督管理局") == "370699"


# ---- Another province or prefecture-level city before any Yantai unit: outside -----------------


@pytest.mark.parametrize(
    "address",
    [
        "山东省青岛市市南区福山路3号",
        "青岛市市南区龙口路15号",
        "山东省青岛市市南区莱阳路8号",
        "山东省青岛市市南区栖霞路2号",
        "山东省青岛市市北区招远路6号",
        "山东省威海市环翠区蓬莱路5号",
        "上海市黄浦区烟台路100号",
        "北京市海淀区学院路1号烟台分公司",
    ],
)
def test_another_city_or_province_first_is_outside_whatever_streets_follow(reader, address):
    reading = reader.read(address)
    assert reading.unit is None and reading.outside and not reading.in_scope


def test_yantai_named_first_stays_in_yantai_whatever_follows(reader):
    assert unit(reader, "山东省烟台市芝罘区青岛路5号") == "370602"


# ---- Otherwise the longest unit; else the city itself is 未定位; else outside ---------------------


def test_the_longest_unit_wins(reader):
    assert unit(reader, "山东省烟台高新技术产业开发区莱山区段1号") == "370671"


def test_the_city_without_a_unit_is_unlocated(reader):
    assert unit(reader, "山东省烟台市港城大道9号") == UNLOCATED
    assert unit(reader, "烟台大学") == UNLOCATED


def test_an_address_that_names_nothing_of_yantai_has_no_unit_and_names_no_other_city(reader):
    # no unit, so out of scope; yet not `outside`: no other city or province decided it
    reading = reader.read("滨海路1号")
    assert reading.unit is None and not reading.outside


# ---- explain: the words that decided ----------------------------------------------------------


def test_explain_names_the_words_that_decided(reader):
    text = "\n".join(explain_lines(reader.read("山东省青岛市市南区福山路3号")))
    assert "decided by: 「青岛市」" in text and "「福山路」" in text and "outside" in text


# ---- One resolver for every source with an address ---------------------------------------------

QINGDAO = "山东省青岛市市南区福山路3号"


def test_staged_sources_read_addresses_by_levels(zone):
    a1, a2, a3 = app_no(2021, 1, 1), app_no(2021, 1, 2), app_no(2021, 1, 3)
    zone.csv(
        "patents",
        PATENT_HEADER,
        [
            patent(app=a1, address=QINGDAO),
            patent(app=a2, address="山东省龙口市振华街1号"),
            patent(app=a3, address="上海市黄浦区烟台路100号"),
        ],
    )
    s = zone.stage("patents")
    got = dict(zip(s.stg.application_no, zip(s.stg.district_code, s.stg.in_scope)))
    assert got[a2] == ("370681", True)
    assert got[a1][1] is False and got[a3][1] is False
    header = [
        "注册号",
        "类别",
        "商标名称",
        "注册人",
        "注册人地址",
        "行政区划代码",
        "申请日",
        "注册日",
        "专用权期限至",
        "状态",
        "状态日期",
    ]
    zone.csv(
        "trademarks",
        header,
        [
            [
                "10001972",
                "21",
                "",
                "甲公司",
                "山东省青岛市市南区莱阳路8号",
                "",
                "2012-01-18",
                "2013-05-24",
                "2033-05-23",
                "注册",
                "",
            ],
            [
                "10001973",
                "21",
                "",
                "乙公司",
                "烟台开发区长江路1号",
                "",
                "2012-01-18",
                "2013-05-24",
                "2033-05-23",
                "注册",
                "",
            ],
        ],
    )
    t = zone.stage("trademarks")
    got = dict(zip(t.stg.registration_no, zip(t.stg.district_code, t.stg.in_scope)))
    assert got["10001972"][1] is False and got["10001973"] == ("370672", True)


def test_overseas_grants_and_pledges_read_addresses_by_levels(zone):
    overseas_header = [
        "授权国家/地区",
        "授权号",
        "授权日",
        "专利类型",
        "专利权人",
        "专利权人地址",
        "行政区划代码",
    ]
    zone.csv(
        "overseas_grants",
        overseas_header,
        [
            ["US", "US11000001B2", "2022-03-01", "发明", "甲", "山东省青岛市市南区栖霞路2号", ""],
            ["EP", "EP3900001B1", "2022-03-01", "发明", "乙", "山东省长岛县海港路1号", ""],
            ["JP", "JP7000001B2", "2022-03-01", "发明", "丙", "烟台高新区航天路9号", ""],
        ],
    )
    o = zone.stage("overseas_grants")
    got = dict(zip(o.stg.grant_no, zip(o.stg.district_code, o.stg.in_scope)))
    assert got["US11000001B2"][1] is False  # Qingdao's 栖霞路 is a street, not 栖霞市
    assert got["EP3900001B1"] == ("370614", True) and got["JP7000001B2"] == ("370671", True)
    pledge_header = [
        "登记号",
        "质押类型",
        "登记日",
        "出质人",
        "出质人地址",
        "行政区划代码",
        "质权人",
        "质押金额(万元)",
        "涉及专利/商标号",
    ]
    item = app_no(2020, 1, 5)
    zone.csv(
        "pledges",
        pledge_header,
        [
            ["Y2021980000001", "专利", "2021-02-03", "甲", "青岛市市南区招远路6号", "", "银行", "100", item],
            ["Y2021980000002", "专利", "2021-02-03", "乙", "山东省莱阳市旌旗路3号", "", "银行", "100", item],
            ["Y2021980000003", "专利", "2021-02-03", "丙", "威海市环翠区烟台路1号", "", "银行", "100", item],
        ],
    )
    p = zone.stage("pledges")
    got = dict(zip(p.stg.registration_no, zip(p.stg.district_code, p.stg.in_scope)))
    assert got["Y2021980000001"][1] is False and got["Y2021980000003"][1] is False
    assert got["Y2021980000002"] == ("370682", True)


# ---- An export's region and county columns: read by the same levels --------------------------


@pytest.mark.parametrize(
    "region, place, said",
    [
        ("烟台市", "龙口市", "370681"),
        ("山东省", "福山区", "370611"),
        ("37", "蓬莱市", "370614"),  # a province code, then a former name
        (None, "长岛县", "370614"),
        ("龙口市", None, "370681"),  # a county-level city of the city in the region column
        ("3706", None, UNLOCATED),  # the city's code: the city, unit unknown
        ("烟台市", None, UNLOCATED),
        ("青岛市", "市南区", addresses.OUTSIDE),  # another city's county
        ("370202", "市南区", addresses.OUTSIDE),  # its code: Qingdao's 市南区
        ("青岛市", "福山区", addresses.OUTSIDE),  # another city named first: never guessed
        ("北京市", None, addresses.OUTSIDE),
        ("37", None, None),  # the province says nothing
        (None, "市南区", None),  # a county of no unit, no city: nothing said
    ],
)
def test_region_and_county_columns_are_read_by_levels(reader, region, place, said):
    assert reader.region(region, place) == said


def test_staged_region_and_county_columns_decide_by_levels(zone):
    cases = [  # (省市代码, 地市, 区县, address) -> (unit, in scope)
        ("37", "烟台市", "龙口市", "山东省龙口市东城区振华街1号", ("370681", True)),
        ("37", "龙口市", None, "龙口经济开发区1号", ("370681", True)),
        ("37", None, "蓬莱市", "山东省蓬莱市南关路5号", ("370614", True)),
        ("37", "青岛市", "市南区", "山东省青岛市市南区福山路3号", (None, False)),
        ("37", "青岛市", "市南区", "市南区龙口路15号", (None, False)),  # the columns decide
        ("370202", None, "市南区", "莱阳路8号", (None, False)),
        ("37", "烟台市", None, "山东省某县", (UNLOCATED, True)),
    ]
    apps = [app_no(2021, 1, 40 + i) for i in range(len(cases))]
    rows = [
        [i, "t", a, "2021-03-01", "CN1A", "2021-09-01", "发明申请", "甲", "甲", address, code, city, county]
        + ["H01M10/052", "H01M10/052", "审中", "实质审查", None, None]
        for i, (a, (code, city, county, address, _)) in enumerate(zip(apps, cases))
    ]
    zone.csv("patents", INCOPAT_HEADER, rows)  # an incoPat export: 地市 and 区县 beside the address
    s = zone.stage("patents")
    got = {
        a: (None if pd.isna(d) else d, bool(sc))
        for a, d, sc in zip(s.stg.application_no, s.stg.district_code, s.stg.in_scope)
    }
    assert [got[a] for a in apps] == [c[-1] for c in cases]


# ---- What changed is visible: records moved by a new rule are a revision -------------------------


def test_records_moved_by_a_new_rule_are_counted_as_a_revision(zone, monkeypatch):
    a1, a2 = app_no(2021, 1, 11), app_no(2021, 1, 12)
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=a1, address="烟台福山路3号"), patent(app=a2, address="山东省烟台市莱山区港城大道1号")],
    )
    # an older rule that did not know 路 as a street word: 烟台福山路 read as 福山
    monkeypatch.setattr(addresses, "STREET_WORDS", tuple(w for w in addresses.STREET_WORDS if w != "路"))
    addresses.rule_fingerprint.cache_clear()
    first = zone.stage("patents")
    assert dict(zip(first.stg.application_no, first.stg.district_code))[a1] == "370611"
    monkeypatch.undo()
    addresses.rule_fingerprint.cache_clear()
    second = zone.stage("patents")  # the same files: the new rule alone makes a new snapshot
    assert second.result.status == "loaded"
    assert dict(zip(second.stg.application_no, second.stg.district_code))[a1] == UNLOCATED
    assert second.result.change["relocated_rows"] == 1 and second.result.change["changed_rows"] == 2


def test_explain_record_shows_the_words_of_a_staged_record(zone, capsys):
    import argparse

    from ip_pipeline.cli.indicators import add_cli

    a1 = app_no(2021, 1, 21)
    zone.csv("patents", PATENT_HEADER, [patent(app=a1, address="青岛市市南区龙口路15号")])
    zone.stage("patents")
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["explain", "--home", str(zone.root), "--record", f"patents:{a1}"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "outside Yantai" in out and "「青岛市」" in out and "「龙口路」" in out
