"""Three independent implementations of INDICATORS.md must publish the same indicator_values:
the pipeline (`ip-pipeline run --no-report`), the DuckDB floor (benchmarks/floor.py) and the
pandas peer (benchmarks/pandas_peer.py).

The landing zone is written here, a handful of rows per source, each row aimed at a rule
(a boundary date, a criterion switching on, a header in 元, a GB18030 part, an XLSX part
with serial dates, a conflicting duplicate, an out-of-scope address, an old district code).
"""
from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))
import compare  # noqa: E402

from ip_pipeline.sample.geo import DISTRICTS_CSV  # noqa: E402

BIN = Path(sys.executable).parent
IP_PIPELINE = str(BIN / "ip-pipeline") if (BIN / "ip-pipeline").exists() else "ip-pipeline"

DISTRICTS = DISTRICTS_CSV  # the complete table of the spec
UNITS = [line.split(",")[0] for line in DISTRICTS.splitlines()[1:] if line]


def app_no(year: int, kind: int, serial: int) -> str:
    """A 13-character 申请号 with a correct check digit (SOURCES.md)."""
    digits = f"{year}{kind}0{serial:06d}"
    total = sum(int(d) * w for d, w in zip(digits, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]))
    check = total % 11
    return digits + ("X" if check == 10 else str(check))


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(["" if c is None else c for c in r] for r in rows)


def write_xlsx(path: Path, header: list[str], rows: list[list], blank_first_row: bool = True) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    if blank_first_row:
        ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def excel_serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


YT = "山东省烟台市"
A = {k: app_no(2015 + k % 8, 1, 100 + k) for k in range(1, 30)}  # inventions
UM = app_no(2016, 2, 555)  # a utility model


def build_landing(landing: Path) -> None:
    today = dt.date.today()
    ref = landing / "reference"
    ref.mkdir(parents=True)
    (ref / "districts.csv").write_text(DISTRICTS, encoding="utf-8")
    pop = ["year,district_code,population", "2020,370600,7100000"]  # 2020: the city's own row
    # 2023 on: provisional (2022). 370672 has no population at all: NULL value, numerator still published.
    for y, base in ((2020, 500000), (2021, 505000), (2022, 510000)):
        pop += [f"{y},{u},{base + i * 1000}" for i, u in enumerate(UNITS) if u not in ("370699", "370672")]
    (ref / "population.csv").write_text("\n".join(pop) + "\n", encoding="utf-8")
    (ref / "economy.csv").write_text("year,gdp_yi,patent_intensive_va_yi\n2020,7400,860\n2021,7800,920\n2022,8200,1000\n",
                                     encoding="utf-8")
    (ref / "sei_ipc.csv").write_text("ipc_prefix,sei_code,sei_name\nH01M,5,新能源汽车\nG06N 3/,1,新一代信息技术\n",
                                     encoding="utf-8")
    (ref / "satisfaction.csv").write_text("year,score,source\n2021,83.9,published\n", encoding="utf-8")

    # ---- patents: part 1 UTF-8 CSV with canonical headers
    ph = ["申请号", "专利类型", "申请日", "授权公告日", "专利权人", "专利权人地址", "行政区划代码", "主分类号", "分类号", "法律状态", "失效日"]
    rows = [
        [f"CN{A[1][:12]}.{A[1][12]}", "发明", "2019-01-05", "2021-03-01", "甲公司", YT + "芝罘区南大街1号", "370602", "H01M 10/052", "H01M 10/052", "有效", ""],
        [A[2], "发明专利", "2018/2/3", "2020.11.11", "乙公司", YT + "福山区1号", "", "H01M 4/00", "H01M 4/00;B65D 81/32", "失效", "2023-06-30"],
        [A[3], "发明", "2013-06-30", "2015-01-01", "丙公司", YT + "莱山区", "370613", "F16K 1/00", "F16K 1/00", "有效", ""],  # >10 y after 2023-06-30
        [A[4], "发明", "2016-04-01", "2019-09-15", "丁公司", YT + "牟平区", "", "F16K 1/00", "F16K 1/00", "有效", ""],   # overseas family
        [A[5], "发明", "2017-04-01", "2020-09-15", "戊公司", YT + "海阳市", "", "F16K 1/00", "F16K 1/00", "有效", ""],   # pledge 1000
        [A[6], "发明", "2017-05-01", "2020-10-15", "己公司", YT + "海阳市", "", "F16K 1/00", "F16K 1/00", "有效", ""],   # pledge 999.99
        [A[7], "发明", "2018-05-01", "2021-10-15", "庚公司", YT + "龙口市", "", "F16K 1/00", "F16K 1/00", "有效", ""],   # award 2023
        [UM, "实用新型", "2016-05-01", "2016-10-15", "辛公司", YT + "龙口市", "", "H01M 2/00", "H01M 2/00", "有效", ""],  # not an invention
        [A[8], "发明", "2018-05-01", "2021-10-15", "壬公司", "山东省青岛市市南区1号", "", "H01M 2/00", "H01M 2/00", "有效", ""],  # outside Yantai
        [A[9], "发明", "2018-05-01", "2021-10-15", "癸公司", "山东省蓬莱市1号", "", "G06N 3/08", "G06N 3/08", "有效", ""],  # old name
        [A[10], "发明", "2018-05-01", "2021-10-15", "子公司", "", "370684", "H01M 2/00", "H01M 2/00", "有效", ""],  # old code
        [A[11], "发明", "2018-05-01", "2021-10-15", "丑公司", YT + "某路1号", "999999", "H01M 2/00", "H01M 2/00", "有效", ""],  # unknown code
        [A[12], "发明", "2018-05-01", "2021-10-15", "寅公司", YT + "芝罘区", "", "H01M 2/00", "H01M 2/00", "有效", ""],  # later: lapsed
        [A[13], "发明", "2019-05-01", "2023-06-30", "卯公司", YT + "高新区振华街", "370671", "G06N3/04", "G06N3/04", "有效", ""],  # granted on D
        [A[14], "发明", "2019-05-01", "2021-10-15", "辰公司", YT + "芝罘区", "", "H01M 2/00", "H01M 2/00", "失效", "2021-02-30"],  # bad date
        [A[15], "发明", (today + dt.timedelta(days=40)).isoformat(), "", "巳公司", YT, "", "H01M 2/00", "H01M 2/00", "审中", ""],  # future
        [A[16], "发明", "2010-01-31", "2012-05-05", "午公司", YT + "栖霞市", "", "A01B 1/00", "A01B 1/00", "有效", ""],  # >10 y on 2020-01-31+
        [A[17], "发明", "2014-02-28", "2016-05-05", "未公司", YT + "招远市", "", "A01B 1/00", "A01B 1/00", "有效", ""],  # 10 y at 2024-02-29
        [A[18], "发明", "2019-05-01", "", "申公司", YT + "莱州市", "", "H01M 2/00", "H01M 2/00", "审中", ""],  # pending
    ]
    write_csv(landing / "patents" / "patents-1.csv", ph, rows)
    # part 2, GB18030, English headers: a conflicting duplicate (the later row wins) and an identical one
    eh = ["application_no", "patent_type", "filing_date", "grant_date", "holder", "holder_address", "district_code",
          "main_ipc", "ipc_codes", "legal_status", "lapse_date"]
    write_csv(landing / "patents" / "patents-2.csv", eh, [
        [A[12], "invention", "2018-05-01", "2021-10-15", "寅公司", YT + "芝罘区", "", "H01M 2/00", "H01M 2/00", "lapsed", "2022-01-01"],
        [A[3], "发明", "2013-06-30", "2015-01-01", "丙公司", YT + "莱山区", "370613", "F16K 1/00", "F16K 1/00", "有效", ""],
        [A[19], "发明", "２０１８年５月１日", "2021年10月15日", "酉公司", YT + "莱阳市", "", "Ｈ０１Ｍ 2/00", "H01M 2/00", "有效", ""],
    ], encoding="gb18030")

    # ---- overseas grants
    write_csv(landing / "overseas_grants" / "og.csv",
              ["授权国家/地区", "授权号", "授权日", "专利类型", "专利权人", "专利权人地址", "行政区划代码", "中国同族申请号"], [
                  ["US", "US1000001B2", "2022-05-15", "发明", "丁公司", YT + "牟平区", "", f"ZL{A[4]}"],
                  ["JP", "JP1000002B2", "2023-12-31", "发明", "甲公司", YT + "芝罘区", "370602", ""],
                  ["EP", "EP1000003B1", "2023-03-01", "实用新型", "甲公司", YT + "芝罘区", "370602", ""],
                  ["KR", "KR1000004B1", "2023-03-01", "发明", "青公司", "山东省青岛市", "", ""],
                  ["CN", "CN1000005B", "2023-03-01", "发明", "甲公司", YT, "", ""],  # not overseas: quarantined
                  ["US", "US1000006B2", "2024-02-29", "发明", "丑公司", YT + "某路1号", "", ""],
              ])

    # ---- awards (XLSX)
    write_xlsx(landing / "awards" / "awards.xlsx", ["申请号", "奖项", "年度"], [[A[7], "中国专利银奖", 2023]])

    # ---- trademarks: GB18030 CSV
    th = ["注册号", "国际分类", "商标名称", "注册人", "注册人地址", "行政区划代码", "申请日", "注册日", "专用权期限截止日", "商标状态", "状态变更日"]
    write_csv(landing / "trademarks" / "tm.csv", th, [
        ["10000001", "9", "甲", "甲公司", YT + "芝罘区", "", "2020-05-01", "2021-01-10", "2023-06-30", "注册", ""],
        ["10000002", "9", "", "乙公司", YT + "福山区", "", "2019-05-01", "2020-01-10", "2030-01-09", "撤销", "2022-03-31"],
        ["10000003", "9", "", "丙公司", YT + "福山区", "", "2019-05-01", "2020-01-10", "2030-01-09", "撤销", ""],  # quarantined
        ["10000004", "9", "", "丁公司", YT + "福山区", "", "2022-05-01", "", "", "申请中", ""],
        ["10000005", "9", "", "戊公司", YT + "福山区", "", "2019-05-01", "2020-01-10", "", "注册", ""],
        ["10000006", "9", "", "己公司", "北京市海淀区", "", "2019-05-01", "2020-01-10", "2030-01-09", "注册", ""],
        ["G1000007", "35", "", "庚公司", YT + "海阳市", "", "2019-05-01", "2020-01-10", "2030-01-09", "注册", ""],
        ["10000008", "46", "", "辛公司", YT + "海阳市", "", "2019-05-01", "2020-01-10", "2030-01-09", "注册", ""],  # class out of range
        ["10000009", "9", "", "壬公司", YT + "海阳市", "", "2019-05-01", "2020-01-10", "2030-01-09", "注销", "2024-01-31"],
    ], encoding="gb18030")

    # ---- pledges: CSV in 万元, XLSX in 元 with Excel serial dates
    plh = ["登记号", "质押类型", "登记日", "出质人", "出质人地址", "行政区划代码", "质权人", "质押金额(万元)", "涉及专利/商标号", "状态"]
    write_csv(landing / "pledges" / "pledges-1.csv", plh, [
        ["Y2020001", "专利", "2020-03-10", "戊公司", YT + "海阳市", "", "烟台银行", "500", f"ZL{A[5][:12]}.{A[5][12]}", "生效"],
        ["Y2020002", "商标", "2020-07-10", "甲公司", YT + "芝罘区", "", "烟台银行", "1,200.5", "10000001", "注销"],
        ["Y2022001", "专利", "2022-08-10", "戊公司", YT + "海阳市", "", "烟台银行", "1000", f"{A[5]}；{A[16]}", "生效"],
        ["Y2023001", "专利", "2023-03-10", "青公司", "山东省青岛市", "", "青岛银行", "5000", A[9], "生效"],  # outside, still a criterion
        ["Y2023002", "商标", "2023-06-30", "甲公司", YT + "芝罘区", "", "烟台银行", "80", "10000001", "生效"],
    ])
    write_xlsx(landing / "pledges" / "pledges-2.xlsx",
               ["登记号", "质押类型", "登记日", "出质人", "出质人地址", "行政区划代码", "质权人", "质押金额(元)", "涉及专利/商标号", "状态"], [
                   ["Y2022002", "专利", excel_serial(dt.date(2022, 9, 1)), "己公司", YT + "海阳市", None, "烟台银行", 9999900, A[6], "生效"],
                   ["Y2024001", "专利", dt.datetime(2024, 2, 29), "己公司", YT + "海阳市", None, "烟台银行", 3000000, A[6], "生效"],
                   ["Y2024002", "专利", excel_serial(dt.date(2024, 5, 5)), "己公司", YT + "海阳市", None, "烟台银行", -5, A[6], "生效"],
               ])

    # ---- enforcement (read by the pipeline, used by no indicator)
    write_csv(landing / "enforcement" / "enf.csv",
              ["案件编号", "案件类型", "机关类型", "办理机关", "立案日", "结案日", "行政区划代码", "案值(万元)", "罚没款(万元)", "当事人", "结果"],
              [["YT1", "假冒专利", "行政", "局", "2022-01-19", "2022-02-25", "370672", "62.83", "2.17", "张三", "结案"]])

    # ---- enterprises
    write_csv(landing / "enterprises" / "ent.csv", ["统一社会信用代码", "企业名称", "行政区划代码", "项目", "认定日", "有效期至"], [
        ["91370642K87PYYBTF6", "甲公司", "370672", "贯标", "2021-05-01", "2023-06-30"],
        ["91370829EUP6PG6X7Y", "乙公司", "", "市优势企业", "2020年8月9日", ""],
        ["91370778GKRNWC8BNM", "丙公司", "999999", "市优势企业", "20220924", "20250924"],
        ["91370778GKRNWC8BNM", "丙公司", "370683", "贯标", "2022-09-24", ""],
        ["9137048083Q4TJ8QXG", "丁公司", "370684", "贯标", "2023-06-30", ""],
    ])

    # ---- survey: UTF-8 with BOM
    sv = [["S1", "2021-03-01", "370602", "企业", "80", "1"], ["S2", "2021-04-01", "370611", "公众", "90", "3"],
          ["S3", "2022-02-01", "", "企业", "70", ""], ["S4", "2022-06-30", "370611", "律师", "95.5", "2.5"],
          ["S5", "2022-07-01", "370611", "公众", "101", "1"], ["S6", "2023-01-15", "370687", "公众", "60", "0.5"]]
    write_csv(landing / "survey" / "survey.csv", ["问卷编号", "调查日期", "行政区划代码", "受访者类型", "总体满意度", "权重"], sv,
              encoding="utf-8-sig")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("bench_home")
    build_landing(home / "landing")
    return _three_way(home)


def test_the_landing_zone_exercises_the_indicators(outputs):
    v = outputs["floor"]
    hv = v[("hv_patents_per_10k", dt.date(2023, 6, 30), "370600")]
    assert hv[0] is not None and hv[0] > 0
    assert v[("valid_trademarks", dt.date(2023, 6, 30), "370602")][0] == pytest.approx(1 / 10000)
    assert v[("valid_trademarks", dt.date(2023, 7, 31), "370602")][0] == 0
    assert v[("ip_protection_satisfaction", dt.date(2021, 12, 31), "370600")][0] == pytest.approx(83.9)
    assert len(v) == len(outputs["pipeline"])


def test_floor_agrees_with_the_pipeline(outputs):
    diffs = compare.differences(outputs["pipeline"], outputs["floor"], "pipeline", "floor")
    assert not diffs, "\n" + compare.summarise(diffs)


def test_pandas_peer_agrees_with_the_pipeline(outputs):
    diffs = compare.differences(outputs["pipeline"], outputs["peer"], "pipeline", "pandas peer")
    assert not diffs, "\n" + compare.summarise(diffs)


def test_floor_and_peer_agree(outputs):
    diffs = compare.differences(outputs["floor"], outputs["peer"], "floor", "pandas peer")
    assert not diffs, "\n" + compare.summarise(diffs)


def _three_way(home: Path) -> dict:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()  # as the partitions
    run = subprocess.run([IP_PIPELINE, "run", "--no-report", "--home", str(home)], capture_output=True, text=True,
                         cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("floor", "pandas_peer"):
        p = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), "--landing", str(home / "landing"),
                            "--out", str(home / f"{name}.parquet"), "--today", today],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert p.returncode == 0, p.stdout + p.stderr
    return {"pipeline": compare.pipeline_values(home / "warehouse.duckdb"),
            "floor": compare.file_values(home / "floor.parquet"),
            "peer": compare.file_values(home / "pandas_peer.parquet")}


@pytest.mark.slow
def test_three_implementations_agree_on_the_dirty_sample(tmp_path):
    """The sample generator's dirty landing zone (mixed encodings, XLSX parts, 元 headers,
    duplicates, injected refusals) at scale 0.01."""
    from ip_pipeline.sample import generate_sample

    generate_sample(tmp_path, scale=0.01, seed=7, end=dt.date(2026, 10, 31), progress=False)
    out = _three_way(tmp_path)
    diffs = (compare.differences(out["pipeline"], out["floor"], "pipeline", "floor")
             + compare.differences(out["pipeline"], out["peer"], "pipeline", "pandas peer"))
    assert not diffs, "\n" + compare.summarise(diffs)
