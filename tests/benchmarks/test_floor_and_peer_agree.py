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
    (ref / "economy.csv").write_text(
        "year,gdp_yi,patent_intensive_va_yi\n2020,7400,860\n2021,7800,920\n2022,8200,1000\n", encoding="utf-8"
    )
    (ref / "sei_ipc.csv").write_text(
        "ipc_prefix,sei_code,sei_name\nH01M,5,新能源汽车\nG06N 3/,1,新一代信息技术\n", encoding="utf-8"
    )
    (ref / "satisfaction.csv").write_text("year,score,source\n2021,83.9,published\n", encoding="utf-8")

    # ---- patents: part 1 UTF-8 CSV with canonical headers
    ph = [
        "申请号",
        "专利类型",
        "申请日",
        "授权公告日",
        "专利权人",
        "专利权人地址",
        "行政区划代码",
        "主分类号",
        "分类号",
        "法律状态",
        "失效日",
    ]
    rows = [
        [
            f"CN{A[1][:12]}.{A[1][12]}",
            "发明",
            "2019-01-05",
            "2021-03-01",
            "甲公司",
            YT + "芝罘区南大街1号",
            "370602",
            "H01M 10/052",
            "H01M 10/052",
            "有效",
            "",
        ],
        [
            A[2],
            "发明专利",
            "2018/2/3",
            "2020.11.11",
            "乙公司",
            YT + "福山区1号",
            "",
            "H01M 4/00",
            "H01M 4/00;B65D 81/32",
            "失效",
            "2023-06-30",
        ],
        [
            A[3],
            "发明",
            "2013-06-30",
            "2015-01-01",
            "丙公司",
            YT + "莱山区",
            "370613",
            "F16K 1/00",
            "F16K 1/00",
            "有效",
            "",
        ],  # >10 y after 2023-06-30
        [
            A[4],
            "发明",
            "2016-04-01",
            "2019-09-15",
            "丁公司",
            YT + "牟平区",
            "",
            "F16K 1/00",
            "F16K 1/00",
            "有效",
            "",
        ],  # overseas family
        [
            A[5],
            "发明",
            "2017-04-01",
            "2020-09-15",
            "戊公司",
            YT + "海阳市",
            "",
            "F16K 1/00",
            "F16K 1/00",
            "有效",
            "",
        ],  # pledge 1000
        [
            A[6],
            "发明",
            "2017-05-01",
            "2020-10-15",
            "己公司",
            YT + "海阳市",
            "",
            "F16K 1/00",
            "F16K 1/00",
            "有效",
            "",
        ],  # pledge 999.99
        [
            A[7],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "庚公司",
            YT + "龙口市",
            "",
            "F16K 1/00",
            "F16K 1/00",
            "有效",
            "",
        ],  # award 2023
        [
            UM,
            "实用新型",
            "2016-05-01",
            "2016-10-15",
            "辛公司",
            YT + "龙口市",
            "",
            "H01M 2/00",
            "H01M 2/00",
            "有效",
            "",
        ],  # not an invention
        [
            A[8],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "壬公司",
            "山东省青岛市市南区福山路3号",
            "",
            "H01M 2/00",
            "H01M 2/00",
            "有效",
            "",
        ],  # outside Yantai: a Qingdao street named after 福山区
        [
            A[9],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "癸公司",
            "山东省蓬莱市1号",
            "",
            "G06N 3/08",
            "G06N 3/08",
            "有效",
            "",
        ],  # old name
        [
            A[10],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "子公司",
            "",
            "370684",
            "H01M 2/00",
            "H01M 2/00",
            "有效",
            "",
        ],  # old code
        [
            A[11],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "丑公司",
            YT + "某路1号",
            "999999",
            "H01M 2/00",
            "H01M 2/00",
            "有效",
            "",
        ],  # unknown code
        [
            A[12],
            "发明",
            "2018-05-01",
            "2021-10-15",
            "寅公司",
            YT + "芝罘区",
            "",
            "H01M 2/00",
            "H01M 2/00",
            "有效",
            "",
        ],  # later: lapsed
        [
            A[13],
            "发明",
            "2019-05-01",
            "2023-06-30",
            "卯公司",
            YT + "高新区振华街",
            "370671",
            "G06N3/04",
            "G06N3/04",
            "有效",
            "",
        ],  # granted on D
        [
            A[14],
            "发明",
            "2019-05-01",
            "2021-10-15",
            "辰公司",
            YT + "芝罘区",
            "",
            "H01M 2/00",
            "H01M 2/00",
            "失效",
            "2021-02-30",
        ],  # bad date
        [
            A[15],
            "发明",
            (today + dt.timedelta(days=40)).isoformat(),
            "",
            "巳公司",
            YT,
            "",
            "H01M 2/00",
            "H01M 2/00",
            "审中",
            "",
        ],  # future
        [
            A[16],
            "发明",
            "2010-01-31",
            "2012-05-05",
            "午公司",
            YT + "栖霞市",
            "",
            "A01B 1/00",
            "A01B 1/00",
            "有效",
            "",
        ],  # >10 y on 2020-01-31+
        [
            A[17],
            "发明",
            "2014-02-28",
            "2016-05-05",
            "未公司",
            YT + "招远市",
            "",
            "A01B 1/00",
            "A01B 1/00",
            "有效",
            "",
        ],  # 10 y at 2024-02-29
        [
            A[18],
            "发明",
            "2019-05-01",
            "",
            "申公司",
            YT + "莱州市",
            "",
            "H01M 2/00",
            "H01M 2/00",
            "审中",
            "",
        ],  # pending
    ]
    write_csv(landing / "patents" / "patents-1.csv", ph, rows)
    # part 2, GB18030, English headers: a conflicting duplicate (the later row wins) and an identical one
    eh = [
        "application_no",
        "patent_type",
        "filing_date",
        "grant_date",
        "holder",
        "holder_address",
        "district_code",
        "main_ipc",
        "ipc_codes",
        "legal_status",
        "lapse_date",
    ]
    write_csv(
        landing / "patents" / "patents-2.csv",
        eh,
        [
            [
                A[12],
                "invention",
                "2018-05-01",
                "2021-10-15",
                "寅公司",
                YT + "芝罘区",
                "",
                "H01M 2/00",
                "H01M 2/00",
                "lapsed",
                "2022-01-01",
            ],
            [
                A[3],
                "发明",
                "2013-06-30",
                "2015-01-01",
                "丙公司",
                YT + "莱山区",
                "370613",
                "F16K 1/00",
                "F16K 1/00",
                "有效",
                "",
            ],
            [
                A[19],
                "发明",
                "２０１８年５月１日",
                "2021年10月15日",
                "酉公司",
                YT + "莱阳市",
                "",
                "Ｈ０１Ｍ 2/00",
                "H01M 2/00",
                "有效",
                "",
            ],
        ],
        encoding="gb18030",
    )

    # ---- overseas grants
    write_csv(
        landing / "overseas_grants" / "og.csv",
        [
            "授权国家/地区",
            "授权号",
            "授权日",
            "专利类型",
            "专利权人",
            "专利权人地址",
            "行政区划代码",
            "中国同族申请号",
        ],
        [
            ["US", "US1000001B2", "2022-05-15", "发明", "丁公司", YT + "牟平区", "", f"ZL{A[4]}"],
            ["JP", "JP1000002B2", "2023-12-31", "发明", "甲公司", YT + "芝罘区", "370602", ""],
            ["EP", "EP1000003B1", "2023-03-01", "实用新型", "甲公司", YT + "芝罘区", "370602", ""],
            ["KR", "KR1000004B1", "2023-03-01", "发明", "青公司", "山东省青岛市", "", ""],
            ["CN", "CN1000005B", "2023-03-01", "发明", "甲公司", YT, "", ""],  # not overseas: quarantined
            ["US", "US1000006B2", "2024-02-29", "发明", "丑公司", YT + "某路1号", "", ""],
        ],
    )

    # ---- awards: an XLSX file
    write_xlsx(landing / "awards" / "awards.xlsx", ["申请号", "奖项", "年度"], [[A[7], "中国专利银奖", 2023]])

    # ---- trademarks: GB18030 CSV
    th = [
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
    write_csv(
        landing / "trademarks" / "tm.csv",
        th,
        [
            [
                "10000001",
                "9",
                "甲",
                "甲公司",
                YT + "芝罘区",
                "",
                "2020-05-01",
                "2021-01-10",
                "2023-06-30",
                "注册",
                "",
            ],
            [
                "10000002",
                "9",
                "",
                "乙公司",
                YT + "福山区",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "撤销",
                "2022-03-31",
            ],
            [
                "10000003",
                "9",
                "",
                "丙公司",
                YT + "福山区",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "撤销",
                "",
            ],  # quarantined
            ["10000004", "9", "", "丁公司", YT + "福山区", "", "2022-05-01", "", "", "申请中", ""],
            ["10000005", "9", "", "戊公司", YT + "福山区", "", "2019-05-01", "2020-01-10", "", "注册", ""],
            [
                "10000006",
                "9",
                "",
                "己公司",
                "北京市海淀区",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "注册",
                "",
            ],
            [
                "G1000007",
                "35",
                "",
                "庚公司",
                YT + "海阳市",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "注册",
                "",
            ],
            [
                "10000008",
                "46",
                "",
                "辛公司",
                YT + "海阳市",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "注册",
                "",
            ],  # class out of range
            [
                "10000009",
                "9",
                "",
                "壬公司",
                YT + "海阳市",
                "",
                "2019-05-01",
                "2020-01-10",
                "2030-01-09",
                "注销",
                "2024-01-31",
            ],
        ],
        encoding="gb18030",
    )

    # ---- pledges: CSV in 万元, XLSX in 元 with Excel serial dates
    plh = [
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
    write_csv(
        landing / "pledges" / "pledges-1.csv",
        plh,
        [
            [
                "Y2020001",
                "专利",
                "2020-03-10",
                "戊公司",
                YT + "海阳市",
                "",
                "烟台银行",
                "500",
                f"ZL{A[5][:12]}.{A[5][12]}",
                "生效",
            ],
            [
                "Y2020002",
                "商标",
                "2020-07-10",
                "甲公司",
                YT + "芝罘区",
                "",
                "烟台银行",
                "1,200.5",
                "10000001",
                "注销",
            ],
            [
                "Y2022001",
                "专利",
                "2022-08-10",
                "戊公司",
                YT + "海阳市",
                "",
                "烟台银行",
                "1000",
                f"{A[5]}；{A[16]}",
                "生效",
            ],
            [
                "Y2023001",
                "专利",
                "2023-03-10",
                "青公司",
                "山东省青岛市",
                "",
                "青岛银行",
                "5000",
                A[9],
                "生效",
            ],  # outside, still a criterion
            [
                "Y2023002",
                "商标",
                "2023-06-30",
                "甲公司",
                YT + "芝罘区",
                "",
                "烟台银行",
                "80",
                "10000001",
                "生效",
            ],
        ],
    )
    write_xlsx(
        landing / "pledges" / "pledges-2.xlsx",
        [
            "登记号",
            "质押类型",
            "登记日",
            "出质人",
            "出质人地址",
            "行政区划代码",
            "质权人",
            "质押金额(元)",
            "涉及专利/商标号",
            "状态",
        ],
        [
            [
                "Y2022002",
                "专利",
                excel_serial(dt.date(2022, 9, 1)),
                "己公司",
                YT + "海阳市",
                None,
                "烟台银行",
                9999900,
                A[6],
                "生效",
            ],
            [
                "Y2024001",
                "专利",
                dt.datetime(2024, 2, 29),
                "己公司",
                YT + "海阳市",
                None,
                "烟台银行",
                3000000,
                A[6],
                "生效",
            ],
            [
                "Y2024002",
                "专利",
                excel_serial(dt.date(2024, 5, 5)),
                "己公司",
                YT + "海阳市",
                None,
                "烟台银行",
                -5,
                A[6],
                "生效",
            ],
        ],
    )

    # ---- enforcement (read by the pipeline, used by no indicator)
    write_csv(
        landing / "enforcement" / "enf.csv",
        [
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
        ],
        [
            [
                "YT1",
                "假冒专利",
                "行政",
                "局",
                "2022-01-19",
                "2022-02-25",
                "370672",
                "62.83",
                "2.17",
                "张三",
                "结案",
            ]
        ],
    )

    # ---- judicial cases with the optional columns (2025–2027 plan: civil first-instance acceptance)
    write_csv(
        landing / "enforcement" / "enf-2-courts.csv",
        [
            "案件编号",
            "案件类型",
            "机关类型",
            "办理机关",
            "立案日",
            "结案日",
            "行政区划代码",
            "案件性质",
            "审级",
            "服判息诉",
        ],
        [
            [
                "(2025)鲁06知民初1号",
                "专利侵权纠纷",
                "司法",
                "中院",
                "2025-01-05",
                "2025-03-10",
                "370602",
                "民事",
                "一审",
                "是",
            ],
            [
                "(2025)鲁06知民初2号",
                "商标侵权",
                "司法",
                "中院",
                "2025-01-06",
                "2025-04-20",
                "370602",
                "民事",
                "一审",
                "否",
            ],
            [
                "(2025)鲁06知民初3号",
                "商标侵权",
                "司法",
                "中院",
                "2025-01-07",
                "2025-05-05",
                "370602",
                "民事",
                "一审",
                "",
            ],  # unknown
            [
                "(2025)鲁民终4号",
                "商标侵权",
                "司法",
                "高院",
                "2025-02-01",
                "2025-05-06",
                "370602",
                "民事",
                "二审",
                "是",
            ],  # appeal
            [
                "(2025)鲁06知刑初5号",
                "商标假冒",
                "司法",
                "中院",
                "2025-02-02",
                "2025-05-07",
                "370602",
                "刑事",
                "一审",
                "是",
            ],  # criminal
            [
                "（2025）鲁0613知民初6号",
                "专利侵权纠纷",
                "司法",
                "莱山法院",
                "2025-02-03",
                "2025-06-30",
                "370613",
                "",
                "",
                "Y",
            ],  # derived
            [
                "(2024)鲁06知民初7号",
                "专利侵权纠纷",
                "司法",
                "中院",
                "2024-05-03",
                "2024-12-31",
                "370602",
                "民事",
                "一审",
                "1",
            ],
            [
                "(2025)鲁06知民初8号",
                "专利侵权纠纷",
                "司法",
                "中院",
                "2025-08-01",
                "",
                "370602",
                "民事",
                "一审",
                "",
            ],  # open
            [
                "(2025)鲁06知民初9号",
                "专利侵权纠纷",
                "司法",
                "中院",
                "2025-03-01",
                "2025-07-01",
                "370602",
                "民事",
                "一审",
                "也许",
            ],  # refused
            [
                "(2025)鲁06知民初10号",
                "专利侵权纠纷",
                "司法",
                "中院",
                "2025-03-02",
                "2025-07-02",
                "370602",
                "民事",
                "再审",
                "是",
            ],
            [
                "(2025)鲁06知民初11号",
                "专利侵权纠纷",
                "行政",
                "局",
                "2025-03-03",
                "2025-07-03",
                "370602",
                "民事",
                "一审",
                "是",
            ],  # not judicial
        ],
    )

    # ---- transfers and licences (2025–2027 plan): the first recordal (2022, out of scope) starts the source
    trh = [
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
    bj, qd = "北京市海淀区知春路1号", "山东省青岛市市南区香港中路1号"
    write_csv(
        landing / "transfers" / "tr-1.csv",
        trh,
        [
            ["R2022001", "转让", "专利", A[8], "壬公司", qd, "京公司", bj, "", "2022-11-11"],  # out of scope
            ["R2023001", "普通许可", "专利", A[1], "甲公司", "", "京公司", bj, "370602", "2023-05-05"],
            [
                "R2024001",
                "专利权转移",
                "专利",
                f"ZL{A[1][:12]}.{A[1][12]}",
                "甲公司",
                YT + "芝罘区南大街1号",
                "京公司",
                bj,
                "",
                "2024-03-31",
            ],
            [
                "R2024002",
                "独占许可",
                "专利",
                A[2],
                "山东大学",
                "山东省济南市历下区山大南路1号",
                "乙公司",
                YT + "福山区1号",
                "",
                "2024-04-01",
            ],
            [
                "R2024003",
                "商标使用许可",
                "商标",
                "10000001",
                "甲公司",
                YT + "芝罘区",
                "津公司",
                "天津市滨海新区1号",
                "370602",
                "2024-12-31",
            ],
            ["R2025001", "转让", "专利", A[3], "青公司", qd, "京公司", bj, "", "2025-02-10"],  # out of scope
            [
                "R2025002",
                "转让",
                "专利",
                A[4],
                "丁公司",
                "",
                "京公司",
                bj,
                "370684",
                "2025-03-15",
            ],  # old code -> 370614
            [
                "R2025003",
                "许可",
                "专利",
                A[5],
                "戊公司",
                YT + "海阳市",
                "丙公司",
                YT + "莱山区",
                "",
                "2025-01-20",
            ],  # later corrected
            [
                "R2025004",
                "转让",
                "商标",
                "G1000007",
                "庚公司",
                YT + "海阳市",
                "丙公司",
                "山东省烟台市某路",
                "",
                "2025-06-01",
            ],  # assignee 未定位
            [
                "R2025005",
                "转让",
                "专利",
                f"{A[20]};{A[9]}",
                "癸公司",
                "",
                "丑公司",
                "",
                "",
                "2025-07-01",
            ],  # no address: from its item
            [
                "R2025006",
                "转让",
                "专利",
                A[21],
                "某公司",
                "",
                "某公司",
                "",
                "",
                "2025-07-02",
            ],  # item unknown: out of scope
            [
                "R2025007",
                "转让",
                "专利",
                A[6],
                "己公司",
                YT + "海阳市",
                "京公司",
                bj,
                "",
                "2025-02-30",
            ],  # bad date
            [
                "R2025003",
                "许可",
                "专利",
                A[5],
                "戊公司",
                YT + "海阳市",
                "丙公司",
                YT + "莱山区",
                "",
                "2025-03-31",
            ],  # wins
            [
                "R2024003",
                "商标使用许可",
                "商标",
                "10000001",
                "甲公司",
                YT + "芝罘区",
                "津公司",
                "天津市滨海新区1号",
                "370602",
                "2024-12-31",
            ],
            ["R2026001", "转让", "专利", A[7], "庚公司", YT + "龙口市", "京公司", bj, "", "2026-01-15"],
        ],
    )

    # ---- enterprises
    write_csv(
        landing / "enterprises" / "ent.csv",
        ["统一社会信用代码", "企业名称", "行政区划代码", "项目", "认定日", "有效期至"],
        [
            ["91370642K87PYYBTF6", "甲公司", "370672", "贯标", "2021-05-01", "2023-06-30"],
            ["91370829EUP6PG6X7Y", "乙公司", "", "市优势企业", "2020年8月9日", ""],
            ["91370778GKRNWC8BNM", "丙公司", "999999", "市优势企业", "20220924", "20250924"],
            ["91370778GKRNWC8BNM", "丙公司", "370683", "贯标", "2022-09-24", ""],
            ["9137048083Q4TJ8QXG", "丁公司", "370684", "贯标", "2023-06-30", ""],
            # 2025–2027 plan: newly cultivated city advantage enterprises (first certified after 31 Dec 2024)
            [
                "91370602MA3C000011",
                "戊公司",
                "370602",
                "市优势企业",
                "2024-12-31",
                "",
            ],  # the base year: not new
            [
                "91370611MA3C000022",
                "己公司",
                "370611",
                "市优势企业",
                "2025-01-01",
                "2025-06-30",
            ],  # new, counts after expiry
            ["91370611MA3C000022", "己公司", "370611", "贯标", "2025-03-01", ""],  # another programme
            ["91370613MA3C000033", "庚公司", "370613", "市优势企业", "2024-12-31", "2025-12-31"],
            [
                "91370613MA3C000033",
                "庚公司",
                "370613",
                "市优势企业",
                "2026-03-01",
                "",
            ],  # later row of the same key: it wins
        ],
    )

    # ---- survey: UTF-8 with BOM
    sv = [
        ["S1", "2021-03-01", "370602", "企业", "80", "1"],
        ["S2", "2021-04-01", "370611", "公众", "90", "3"],
        ["S3", "2022-02-01", "", "企业", "70", ""],
        ["S4", "2022-06-30", "370611", "律师", "95.5", "2.5"],
        ["S5", "2022-07-01", "370611", "公众", "101", "1"],
        ["S6", "2023-01-15", "370687", "公众", "60", "0.5"],
    ]
    write_csv(
        landing / "survey" / "survey.csv",
        ["问卷编号", "调查日期", "行政区划代码", "受访者类型", "总体满意度", "权重"],
        sv,
        encoding="utf-8-sig",
    )


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
    # 2025–2027 plan (INDICATORS.md, "The plan in force now")
    D, C = dt.date, "370600"
    count = lambda d, u=C: v[("ip_transfer_licence_count", d, u)][0]  # noqa: E731
    cagr = lambda d, u=C: v[("ip_transfer_licence_cagr", d, u)][0]  # noqa: E731
    assert count(D(2021, 12, 31)) is None  # before the source's first recordal: no_data
    assert count(D(2022, 12, 31)) == 0  # the first recordal (2022) is out of scope
    assert count(D(2023, 12, 31)) == 1
    assert count(D(2024, 3, 31)) == 1 and count(D(2024, 12, 31)) == 3  # the identical duplicate counts once
    assert (
        count(D(2025, 3, 31)) == 2
    )  # old code; the corrected duplicate on 31 Mar; out of scope and bad date not
    assert (
        count(D(2025, 6, 30), "370699") == 1
    )  # the assignee's address (烟台, no unit) before the assignor's
    assert count(D(2025, 7, 31), "370614") == 2  # old code 370684, and a record placed by its item
    assert count(D(2025, 12, 31)) == 4
    assert cagr(D(2024, 12, 31)) is None  # the base year itself
    assert cagr(D(2025, 3, 31)) == pytest.approx(100.0)  # 2 against 1 (31 Mar 2024 counts in the base)
    assert cagr(D(2025, 4, 30)) == pytest.approx(0.0)  # 2 against 2 (1 Apr 2024 joins the base)
    assert cagr(D(2025, 12, 31)) == pytest.approx((4 / 3 - 1) * 100)
    assert cagr(D(2025, 3, 31), "370614") is None  # zero base
    rate = lambda d, u=C: v[("civil_first_instance_acceptance_rate", d, u)][0]  # noqa: E731
    assert rate(D(2024, 11, 30)) is None and rate(D(2026, 1, 31)) is None  # no cases: no_data
    assert rate(D(2024, 12, 31)) == pytest.approx(100.0)
    assert rate(D(2025, 3, 31)) == pytest.approx(100.0)
    assert rate(D(2025, 4, 30)) == pytest.approx(50.0)
    # unknown, second instance, criminal, open, refused, retrial and administrative cases left out;
    # 审级/案件性质 blank: from the case number
    assert rate(D(2025, 7, 31)) == pytest.approx(200 / 3)
    assert rate(D(2025, 6, 30), "370613") == pytest.approx(100.0)
    new = lambda d, u=C: v[("new_city_advantage_enterprises", d, u)][0]  # noqa: E731
    assert new(D(2023, 12, 31)) is None  # before the base year
    assert new(D(2024, 12, 31)) == 0  # certified 31 Dec 2024 is not new
    assert new(D(2025, 1, 31)) == 1 and new(D(2025, 12, 31)) == 1  # 1 Jan 2025; expiry does not remove it
    # A later row of the same (credit_code, programme) key replaces the earlier one (SOURCES.md:
    # the last row wins, the other is quarantined), so its certification of 2026 is its earliest.
    assert new(D(2026, 2, 28)) == 1 and new(D(2026, 3, 31)) == 2
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
    run = subprocess.run(
        [IP_PIPELINE, "run", "--no-report", "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("floor", "pandas_peer"):
        p = subprocess.run(
            [
                sys.executable,
                str(BENCH / f"{name}.py"),
                "--landing",
                str(home / "landing"),
                "--out",
                str(home / f"{name}.parquet"),
                "--today",
                today,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        assert p.returncode == 0, p.stdout + p.stderr
    return {
        "pipeline": compare.pipeline_values(home / "warehouse.duckdb"),
        "floor": compare.file_values(home / "floor.parquet"),
        "peer": compare.file_values(home / "pandas_peer.parquet"),
    }


@pytest.mark.slow
def test_three_implementations_agree_on_the_dirty_sample(tmp_path):
    """The sample generator's dirty landing zone (mixed encodings, XLSX parts, 元 headers,
    duplicates, injected refusals) at scale 0.01."""
    from ip_pipeline.sample import generate_sample

    generate_sample(tmp_path, scale=0.01, seed=7, end=dt.date(2026, 10, 31), progress=False)
    out = _three_way(tmp_path)
    diffs = compare.differences(out["pipeline"], out["floor"], "pipeline", "floor") + compare.differences(
        out["pipeline"], out["peer"], "pipeline", "pandas peer"
    )
    assert not diffs, "\n" + compare.summarise(diffs)
