"""Case 2 — bad rows. Each is quarantined with its reason while the good rows of the same file go
through, and raw = staged + quarantined + duplicates holds for every source, always.

`test_every_quarantine_rule_broken_once` covers the rules of SOURCES.md that
tests/ingest/test_sources_rules.py does not already break (see ALREADY_TESTED); one staging per
source, one assertion (test) per rule.
"""

from __future__ import annotations

import duckdb
import openpyxl
import pytest

from ip_pipeline.ingest.contracts import load_contracts
from ip_pipeline.ingest.typing_sql import MAX_CELL_CHARS
from tests.ingest.conftest import PATENT_HEADER, Zone, app_no, patent
from tests.ingest.test_sources_rules import credit_code

from .conftest import cli

# One valid row per source, by canonical header; `key(i)` makes row i unique.
GOOD = {
    "patents": dict(zip(PATENT_HEADER, patent())),
    "overseas_grants": {
        "授权国家/地区": "US",
        "授权号": "US1000000B2",
        "授权日": "2022-03-01",
        "专利类型": "发明",
        "专利权人": "烟台测试科技有限公司",
        "专利权人地址": "山东省烟台市莱山区港城大道1号",
        "行政区划代码": "",
        "中国同族申请号": "CN202110123456.7",
    },
    "trademarks": {
        "注册号": "10000000",
        "国际分类": "9",
        "商标名称": "测试",
        "注册人": "烟台测试科技有限公司",
        "注册人地址": "山东省烟台市芝罘区",
        "行政区划代码": "",
        "申请日": "2020-01-02",
        "注册日": "2021-01-02",
        "专用权期限截止日": "2031-01-01",
        "商标状态": "注册",
        "状态变更日": "",
    },
    "pledges": {
        "登记号": "Y0",
        "质押类型": "专利",
        "登记日": "2021-05-01",
        "出质人": "烟台测试科技有限公司",
        "出质人地址": "山东省烟台市莱山区",
        "行政区划代码": "",
        "质权人": "烟台银行",
        "质押金额(万元)": "100",
        "涉及专利/商标号": "CN202110123456.7",
        "状态": "生效",
    },
    "enforcement": {
        "案件编号": "YT-0",
        "案件类型": "假冒专利",
        "机关类型": "行政",
        "办理机关": "烟台市市场监督管理局",
        "立案日": "2024-03-01",
        "结案日": "2024-04-01",
        "行政区划代码": "370611",
        "案值(万元)": "1",
        "罚没款(万元)": "0.5",
        "当事人": "张三",
        "结果": "结案",
    },
    "awards": {"申请号": "CN202110123456.7", "奖项": "中国专利金奖", "年度": "2021"},
    "enterprises": {
        "统一社会信用代码": credit_code("91370600MA3C00001"),
        "企业名称": "烟台测试科技有限公司",
        "行政区划代码": "370602",
        "项目": "贯标",
        "认定日": "2021-01-01",
        "有效期至": "",
    },
    "survey": {
        "问卷编号": "S0",
        "调查日期": "2024-01-01",
        "行政区划代码": "370602",
        "受访者类型": "企业",
        "总体满意度": "90",
        "权重": "1",
    },
}
KEY = {
    "patents": ("申请号", lambda i: app_no(2021, 1, 1000 + i)),
    "overseas_grants": ("授权号", lambda i: f"US{1000000 + i}B2"),
    "trademarks": ("注册号", lambda i: str(10000000 + i)),
    "pledges": ("登记号", lambda i: f"Y{i}"),
    "enforcement": ("案件编号", lambda i: f"YT-{i}"),
    "awards": ("申请号", lambda i: app_no(2020, 1, 1000 + i)),
    "enterprises": ("统一社会信用代码", lambda i: credit_code(f"91370600MA3C{10000 + i:05d}")),
    "survey": ("问卷编号", lambda i: f"S{i}"),
}

FUTURE = "2099-01-01"
BAD_DATE = "2021-02-30"
# (source, expected reason, {header: bad value}); each row breaks exactly one rule.
CASES = [
    ("patents", "missing:application_no", {"申请号": ""}),
    ("patents", "missing:patent_type", {"专利类型": ""}),
    ("patents", "missing:filing_date", {"申请日": ""}),
    ("patents", "bad_date:grant_date", {"授权公告日": BAD_DATE}),
    ("patents", "future_date:grant_date", {"授权公告日": FUTURE}),
    ("patents", "missing:legal_status", {"法律状态": ""}),
    ("patents", "bad_enum:legal_status", {"法律状态": "休眠"}),
    ("patents", "bad_date:lapse_date", {"失效日": BAD_DATE}),
    ("overseas_grants", "missing:office", {"授权国家/地区": ""}),
    ("overseas_grants", "bad_format:office", {"授权国家/地区": "USA"}),
    ("overseas_grants", "missing:grant_no", {"授权号": ""}),
    ("overseas_grants", "missing:grant_date", {"授权日": ""}),
    ("overseas_grants", "bad_date:grant_date", {"授权日": BAD_DATE}),
    ("overseas_grants", "future_date:grant_date", {"授权日": FUTURE}),
    ("overseas_grants", "missing:patent_type", {"专利类型": ""}),
    ("overseas_grants", "bad_enum:patent_type", {"专利类型": "植物新品种"}),
    ("overseas_grants", "missing:holder", {"专利权人": ""}),
    ("overseas_grants", "bad_format:cn_family_application_no", {"中国同族申请号": "CN123"}),
    ("trademarks", "missing:registration_no", {"注册号": ""}),
    ("trademarks", "missing:nice_class", {"国际分类": ""}),
    ("trademarks", "bad_number:nice_class", {"国际分类": "第九类"}),
    ("trademarks", "bad_number:nice_class", {"国际分类": "9.5"}),
    ("trademarks", "missing:registrant", {"注册人": ""}),
    ("trademarks", "missing:filing_date", {"申请日": ""}),
    ("trademarks", "bad_date:filing_date", {"申请日": BAD_DATE}),
    ("trademarks", "future_date:filing_date", {"申请日": FUTURE}),
    ("trademarks", "bad_date:registration_date", {"注册日": BAD_DATE}),
    ("trademarks", "future_date:registration_date", {"注册日": FUTURE}),
    ("trademarks", "bad_date:expiry_date", {"专用权期限截止日": BAD_DATE}),
    ("trademarks", "missing:status", {"商标状态": ""}),
    ("trademarks", "bad_enum:status", {"商标状态": "冻结"}),
    ("trademarks", "bad_date:status_date", {"状态变更日": BAD_DATE}),
    ("pledges", "missing:registration_no", {"登记号": ""}),
    ("pledges", "missing:pledge_type", {"质押类型": ""}),
    ("pledges", "bad_enum:pledge_type", {"质押类型": "股权"}),
    ("pledges", "missing:registration_date", {"登记日": ""}),
    ("pledges", "bad_date:registration_date", {"登记日": BAD_DATE}),
    ("pledges", "future_date:registration_date", {"登记日": FUTURE}),
    ("pledges", "missing:pledgor", {"出质人": ""}),
    ("pledges", "missing:items", {"涉及专利/商标号": ""}),
    ("pledges", "bad_enum:status", {"状态": "冻结"}),
    ("enforcement", "missing:case_no", {"案件编号": ""}),
    ("enforcement", "missing:case_type", {"案件类型": ""}),
    ("enforcement", "bad_enum:case_type", {"案件类型": "著作权"}),
    ("enforcement", "missing:authority_type", {"机关类型": ""}),
    ("enforcement", "bad_enum:authority_type", {"机关类型": "仲裁"}),
    ("enforcement", "missing:opened_date", {"立案日": ""}),
    ("enforcement", "bad_date:opened_date", {"立案日": BAD_DATE}),
    ("enforcement", "future_date:opened_date", {"立案日": FUTURE, "结案日": ""}),
    ("enforcement", "bad_date:closed_date", {"结案日": BAD_DATE}),
    ("enforcement", "bad_number:value_wan", {"案值(万元)": "十万"}),
    ("enforcement", "bad_number:penalty_wan", {"罚没款(万元)": "n/a"}),
    ("enforcement", "out_of_range:penalty_wan", {"罚没款(万元)": "-0.5"}),
    ("awards", "missing:application_no", {"申请号": ""}),
    ("awards", "bad_format:application_no", {"申请号": "CN2021"}),
    ("awards", "missing:award", {"奖项": ""}),
    ("awards", "missing:award_year", {"年度": ""}),
    ("awards", "bad_number:award_year", {"年度": "二〇二一"}),
    ("awards", "out_of_range:award_year", {"年度": "1900"}),
    ("enterprises", "missing:credit_code", {"统一社会信用代码": ""}),
    ("enterprises", "missing:name", {"企业名称": ""}),
    ("enterprises", "missing:programme", {"项目": ""}),
    ("enterprises", "bad_enum:programme", {"项目": "瞪羚企业"}),
    ("enterprises", "missing:certified_date", {"认定日": ""}),
    ("enterprises", "bad_date:certified_date", {"认定日": BAD_DATE}),
    ("enterprises", "future_date:certified_date", {"认定日": FUTURE}),
    ("enterprises", "bad_date:valid_until", {"有效期至": BAD_DATE}),
    ("survey", "missing:response_id", {"问卷编号": ""}),
    ("survey", "missing:survey_date", {"调查日期": ""}),
    ("survey", "bad_date:survey_date", {"调查日期": BAD_DATE}),
    ("survey", "future_date:survey_date", {"调查日期": FUTURE}),
    ("survey", "missing:overall_score", {"总体满意度": ""}),
    ("survey", "bad_number:overall_score", {"总体满意度": "很满意"}),
    ("survey", "bad_number:weight", {"权重": "heavy"}),
]
# Broken in tests/ingest/test_sources_rules.py already (not repeated here).
ALREADY_TESTED = {
    ("patents", "bad_date:filing_date"),
    ("patents", "future_date:filing_date"),
    ("patents", "bad_enum:patent_type"),
    ("patents", "missing:holder"),
    ("patents", "bad_format:application_no"),
    ("patents", "missing:lapse_date"),
    ("overseas_grants", "not_overseas:office"),
    ("trademarks", "bad_format:registration_no"),
    ("trademarks", "out_of_range:nice_class"),
    ("trademarks", "missing:status_date"),
    ("pledges", "missing:amount_wan"),
    ("pledges", "bad_number:amount_wan"),
    ("pledges", "out_of_range:amount_wan"),
    ("enforcement", "date_order:closed_date"),
    ("enforcement", "out_of_range:value_wan"),
    ("enterprises", "bad_format:credit_code"),
    ("survey", "out_of_range:overall_score"),
    ("survey", "out_of_range:weight"),
    # tests/ingest/test_transfers_and_judicial.py
    *(
        ("transfers", f"missing:{c}")
        for c in ("record_no", "kind", "ip_type", "items", "assignor", "assignee", "registration_date")
    ),
    ("transfers", "bad_enum:kind"),
    ("transfers", "bad_enum:ip_type"),
    ("transfers", "bad_date:registration_date"),
    ("transfers", "future_date:registration_date"),
    ("enforcement", "bad_enum:case_nature"),
    ("enforcement", "bad_enum:instance"),
    ("enforcement", "bad_enum:accepted"),
}


def _rows(source: str, n: int, changes: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = list(GOOD[source])
    key_header, key = KEY[source]
    rows = []
    for i in range(n):
        row = {**GOOD[source], key_header: key(i)}
        row.update(changes[i] if i < len(changes) else {})
        rows.append([row[h] for h in header])
    return header, rows


@pytest.fixture(scope="module")
def staged_rules(tmp_path_factory):
    """Per source: one file = a good row, one bad row per case, a good row; staged once."""
    cache: dict[str, tuple] = {}

    def get(source: str):
        if source not in cache:
            cases = [c for c in CASES if c[0] == source]
            changes = [{}] + [c[2] for c in cases] + [{}]
            zone = Zone(tmp_path_factory.mktemp(source))
            header, rows = _rows(source, len(changes), changes)
            zone.csv(source, header, rows)
            cache[source] = (zone.stage(source), {id(c): i + 2 for i, c in enumerate(cases)}, len(rows))
        return cache[source]

    return get


def test_every_rule_of_the_contracts_is_covered():
    """Every quarantine reason a contract can produce is broken here or in tests/ingest."""
    from ip_pipeline.ingest.typing_sql import column_sql

    produced = set()
    for name, contract in load_contracts().items():
        for col in contract.columns:
            produced |= {
                (name, r) for _, r in column_sql(contract, col).reasons if not r.startswith("too_long:")
            }
        rules = [r for r in contract.rules if r.action == "quarantine"]  # the others are warnings
        produced |= {(name, f"missing:{r.params['column']}") for r in rules if r.kind == "required_when"}
        produced |= {(name, f"date_order:{r.params['later']}") for r in rules if r.kind == "date_order"}
    covered = {(s, r) for s, r, _ in CASES} | ALREADY_TESTED
    assert produced - covered == set()
    assert not {(s, r) for s, r, _ in CASES} & ALREADY_TESTED


@pytest.mark.parametrize("case", CASES, ids=[f"{s}-{r}-{i}" for i, (s, r, _) in enumerate(CASES)])
def test_every_quarantine_rule_broken_once(staged_rules, case):
    source, reason, _ = case
    staged, row_of, n = staged_rules(source)
    row = row_of[id(case)]
    q = staged.quarantine[staged.quarantine._row_number == row]
    assert len(q) == 1, f"row {row} was not quarantined"
    assert list(q.reasons.iloc[0]) == [reason]
    assert {1, n} <= set(staged.stg._row_number)  # the good rows of the same file went through
    assert staged.result.reconciles


# ---- hostile and odd content ------------------------------------------------------------------


def _patents(zone: Zone, rows: list[list]) -> object:
    good = [patent(app=app_no(2021, 1, 1)), patent(app=app_no(2021, 1, 2))]
    zone.csv("patents", PATENT_HEADER, good + rows)
    return zone.stage("patents")


def _staged_holder(s, app: str) -> str:
    return s.stg.loc[s.stg.application_no == app, "holder"].iloc[0]


def test_rows_with_too_many_cells_in_xlsx(zone):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PATENT_HEADER)
    ws.append(patent(app=app_no(2021, 1, 1)))
    ws.append(patent(app=app_no(2021, 1, 2)) + ["", "", "an extra filled cell"])
    ws.append(patent(app=app_no(2021, 1, 3)))
    zone.landing.joinpath("patents").mkdir(parents=True, exist_ok=True)
    wb.save(zone.landing / "patents" / "part1.xlsx")
    s = zone.stage("patents")
    assert list(s.quarantine.reason) == ["bad_row:cell_count"]
    assert set(s.stg.application_no) == {app_no(2021, 1, 1), app_no(2021, 1, 3)}
    assert s.result.reconciles


def test_a_100000_character_field(zone):
    long_app = app_no(2021, 1, 9)
    s = _patents(
        zone,
        [
            patent(app=long_app, holder="烟" * 100_000),
            patent(app=app_no(2021, 1, 8), holder="A" * MAX_CELL_CHARS),
        ],
    )  # the limit itself is fine
    assert list(s.quarantine.reason) == ["too_long:holder"]
    assert len(s.quarantine.holder.iloc[0]) == 100_000  # kept whole in the quarantine, for the provider
    assert len(s.stg) == 3 and s.result.reconciles


def test_nul_bytes(zone):
    """Control characters (NUL …) are dropped from the normalised value (normalise.py); the raw table keeps
    the cell exactly as read. A NUL does not make a row bad by itself, nor break the file."""
    app = app_no(2021, 1, 7)
    s = _patents(zone, [patent(app=app, holder="烟台\x00测试\x00公司", filed="2021-01-\x0005")])
    assert _staged_holder(s, app) == "烟台测试公司"
    assert str(s.stg.loc[s.stg.application_no == app, "filing_date"].iloc[0])[:10] == "2021-01-05"
    assert "烟台\x00测试\x00公司" in set(s.raw.holder)
    assert len(s.quarantine) == 0 and s.result.reconciles


def test_spreadsheet_formulas(zone):
    """Formula text in a text column is data: staged verbatim (exports neutralise it, see
    test_security). In a typed column it is simply not a value of that type: quarantined."""
    a, b, c, d = (app_no(2021, 1, i) for i in (11, 12, 13, 14))
    s = _patents(
        zone,
        [
            patent(app=a, holder="=cmd|' /C calc'!A0"),
            patent(app=b, holder="+1+1", filed="@SUM(1)"),
            patent(app=c, ptype="=cmd|' /C calc'!A0"),
            patent(app=d, holder="@SUM(1)", code="+1+1"),
        ],
    )
    assert _staged_holder(s, a) == "=cmd|' /C calc'!A0"
    assert _staged_holder(s, d) == "@SUM(1)"
    assert dict(zip(s.quarantine.application_no, s.quarantine.reason)) == {
        b: "bad_date:filing_date",
        c: "bad_enum:patent_type",
    }
    assert s.result.reconciles


def test_spreadsheet_formula_cells_in_xlsx_are_never_evaluated(zone):
    """A real formula cell in an XLSX export: only the cached result is read (none here, as no
    spreadsheet computed it), never the formula itself."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PATENT_HEADER)
    ws.append(patent(app=app_no(2021, 1, 1)))
    ws.append(patent(app=app_no(2021, 1, 2), holder="=cmd|' /C calc'!A0"))
    zone.landing.joinpath("patents").mkdir(parents=True, exist_ok=True)
    wb.save(zone.landing / "patents" / "part1.xlsx")
    s = zone.stage("patents")
    assert list(s.quarantine.reason) == ["missing:holder"]
    assert list(s.stg.application_no) == [app_no(2021, 1, 1)] and s.result.reconciles


def test_sql_fragments_in_names(zone):
    hostile = ["'; DROP TABLE stg_patents; --", 'Robert"); DROP TABLE raw_patents;--', "1' OR '1'='1"]
    apps = [app_no(2021, 1, 20 + i) for i in range(len(hostile))]
    zone.csv(
        "patents",
        PATENT_HEADER + ["'; DROP TABLE quarantine_patents; --"],
        [patent(app=a, holder=h) + ["x"] for a, h in zip(apps, hostile)]
        + [patent(app="'; DROP TABLE stg_patents; --") + ["x"]],
    )
    s = zone.stage("patents")
    assert [_staged_holder(s, a) for a in apps] == hostile
    assert list(s.quarantine.reason) == ["bad_format:application_no"]
    assert "ignored unknown header(s) '; DROP TABLE quarantine_patents; --" in " ".join(s.result.warnings)
    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    assert {"raw_patents", "stg_patents", "quarantine_patents"} <= tables
    assert s.result.reconciles


@pytest.mark.parametrize("fmt", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
def test_emoji_and_rare_cjk_characters_survive_intact(zone, fmt):
    names = ["𠮷野家🙂", "𪚥研究院", "烟台👩‍🔬实验室"]
    apps = [app_no(2021, 1, 30 + i) for i in range(len(names))]
    rows = [patent(app=a, holder=n, address=f"烟台市芝罘区{n}路1号") for a, n in zip(apps, names)]
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        wb.active.append(PATENT_HEADER)
        for r in rows:
            wb.active.append(r)
        zone.landing.joinpath("patents").mkdir(parents=True, exist_ok=True)
        wb.save(zone.landing / "patents" / "part1.xlsx")
    else:
        zone.csv("patents", PATENT_HEADER, rows, encoding=fmt)
    s = zone.stage("patents")
    assert [_staged_holder(s, a) for a in apps] == names
    assert len(s.quarantine) == 0 and s.result.reconciles


def test_reconciliation_holds_for_every_source(zone):
    """Every source at once, each file mixing good rows, every kind of bad row, identical and
    conflicting duplicates, short and long rows: raw = staged + quarantined + duplicates."""
    for source in GOOD:
        cases = [c[2] for c in CASES if c[0] == source]
        header, rows = _rows(source, len(cases) + 4, [{}] + cases)
        rows.append(rows[0])  # identical duplicate
        rows.append(
            [*rows[1][:-1], rows[1][-1] + "x"] if rows[1][-1] else rows[1][:-1] + ["9"]
        )  # conflicting
        rows.append(rows[2][:-1])  # a cell short
        rows.append(rows[3] + ["extra"])  # a cell too many
        rows.append([("长" * (MAX_CELL_CHARS + 1)) if i == 1 else v for i, v in enumerate(rows[-5])])
        zone.csv(source, header, rows)
        s = zone.stage(source)
        assert s.result.reconciles, source
        assert (len(s.raw), len(s.stg) + len(s.quarantine)) == (
            s.result.raw,
            s.result.raw - s.result.duplicates,
        )
        assert s.result.quarantined >= len(cases)


def test_reconciliation_holds_for_the_sample_city(home):
    """The sample city has dirt injected in every source: `ip-pipeline reconcile` agrees for all."""
    import json

    done = cli("reconcile", "--home", str(home), "--format", "json", timeout=120)
    assert done.returncode == 0, done.output
    rows = json.loads(done.stdout)
    assert {r["source"] for r in rows} == set(load_contracts()) and all(r["reconciles"] for r in rows)
    assert all(r["raw"] > 0 for r in rows) and sum(r["quarantined"] for r in rows) > 0
