"""Yantai's reporting units, their weight in the city's activity, and postal addresses."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from ..city import UNLOCATED

# Exactly examples/reference/districts.csv of the spec: the real, complete table.
DISTRICTS_CSV = f"""code,name_zh,name_en,kind,aliases
370602,芝罘区,Zhifu,district,芝罘
370611,福山区,Fushan,district,福山
370612,牟平区,Muping,district,牟平
370613,莱山区,Laishan,district,莱山
370614,蓬莱区,Penglai,district,蓬莱市;长岛县;370684;370634
370681,龙口市,Longkou,county_city,龙口
370682,莱阳市,Laiyang,county_city,莱阳
370683,莱州市,Laizhou,county_city,莱州
370685,招远市,Zhaoyuan,county_city,招远
370686,栖霞市,Qixia,county_city,栖霞
370687,海阳市,Haiyang,county_city,海阳
370671,烟台高新技术产业开发区,Yantai Hi-tech Zone,zone,烟台高新区
370672,烟台经济技术开发区,Yantai Economic and Technological Development Area,zone,烟台开发区
{UNLOCATED},未定位,Unlocated,unlocated,
"""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    activity: float  # share of the city's IP activity (patents, marks, pledges)
    sei_bias: float  # multiplies the chance that an invention is in a strategic emerging industry
    population_2020: int  # year-end resident population
    pop_growth: float  # yearly rate


# Activity concentrates in the urban core and the two zones; the county-level cities are
# poorer in patents per head. 2020 populations add up to the city's 7.10 million.
UNITS: tuple[Unit, ...] = (
    Unit("370602", "芝罘区", "district", 0.150, 1.10, 900_000, 0.004),
    Unit("370611", "福山区", "district", 0.070, 0.90, 420_000, 0.003),
    Unit("370612", "牟平区", "district", 0.045, 0.80, 430_000, -0.002),
    Unit("370613", "莱山区", "district", 0.120, 1.20, 400_000, 0.008),
    Unit("370614", "蓬莱区", "district", 0.045, 0.80, 410_000, -0.002),
    Unit("370681", "龙口市", "county_city", 0.085, 0.90, 690_000, 0.000),
    Unit("370682", "莱阳市", "county_city", 0.035, 0.60, 800_000, -0.004),
    Unit("370683", "莱州市", "county_city", 0.050, 0.70, 830_000, -0.003),
    Unit("370685", "招远市", "county_city", 0.040, 0.70, 560_000, -0.003),
    Unit("370686", "栖霞市", "county_city", 0.020, 0.60, 560_000, -0.005),
    Unit("370687", "海阳市", "county_city", 0.020, 0.60, 570_000, -0.004),
    Unit("370671", "烟台高新技术产业开发区", "zone", 0.130, 1.40, 120_000, 0.020),
    Unit("370672", "烟台经济技术开发区", "zone", 0.175, 1.25, 410_000, 0.012),
    Unit(UNLOCATED, "未定位", "unlocated", 0.015, 0.80, 0, 0.0),
)
UNIT_BY_CODE = {u.code: u for u in UNITS}
OLD_CODES = {"370684": "蓬莱市", "370634": "长岛县"}
UNKNOWN_CODES = ("999999", "370000", "370688")  # not units: the address must decide

# Street names chosen so that none contains a district name or alias (the address would
# otherwise resolve to the wrong unit).
STREETS = (
    "港城大道",
    "长江路",
    "观海路",
    "迎春大街",
    "北马路",
    "南大街",
    "黄河路",
    "振华街",
    "府前街",
    "金沙江路",
    "航天路",
    "滨海路",
    "红旗路",
    "胜利路",
    "青年路",
    "科技大道",
    "创业路",
    "环山路",
    "学府路",
    "新城大街",
    "天府街",
    "珠江路",
    "开封路",
    "衡山路",
    "香岛路",
    "岷江路",
    "泰山路",
    "双河路",
    "海港路",
    "工业园路",
    "电子路",
    "银海路",
    "蓝海路",
)
OUTSIDE = (
    ("山东省青岛市市南区", ("香港中路", "东海西路", "山东路", "燕儿岛路")),
    ("山东省青岛市崂山区", ("松岭路", "科苑纬一路", "株洲路")),
    ("山东省济南市历下区", ("经十路", "解放路", "泉城路")),
    ("山东省潍坊市奎文区", ("胜利东街", "东风东街")),
    ("北京市海淀区", ("中关村大街", "学院路", "知春路")),
    ("上海市浦东新区", ("张江路", "世纪大道")),
    ("江苏省苏州市工业园区", ("星湖街", "金鸡湖大道")),
)


def read_districts() -> list[dict]:
    return list(csv.DictReader(io.StringIO(DISTRICTS_CSV)))


def address(rnd: random.Random, code: str) -> str:
    """A postal address that resolves to `code` (by name, or by 烟台 alone for the unlocated bucket)."""
    unit = UNIT_BY_CODE[code]
    street = f"{rnd.choice(STREETS)}{rnd.randint(1, 399)}号"
    if unit.kind == "zone":
        prefix = rnd.choice(("山东省", "山东省", "")) + unit.name
        return prefix + street
    if unit.kind == "unlocated":
        return "山东省烟台市" + street
    if unit.kind == "county_city" and rnd.random() < 0.4:
        return "山东省" + unit.name + street
    return "山东省烟台市" + unit.name + street


def old_name_address(rnd: random.Random) -> str:
    """An address with a pre-2020 name that now belongs to 蓬莱区 (370614)."""
    return f"山东省烟台市{rnd.choice(tuple(OLD_CODES.values()))}{rnd.choice(STREETS)}{rnd.randint(1, 399)}号"


# Streets of other cities named after Yantai's units (Qingdao names many of its streets after
# Shandong's county towns): another city's address that a substring reading would put in Yantai.
NAMESAKE_STREETS = (
    ("山东省青岛市市南区", ("福山路", "龙口路", "莱阳路", "栖霞路", "招远路", "蓬莱路", "芝罘路")),
    ("青岛市市南区", ("龙口路", "莱阳路", "海阳路")),
    ("山东省威海市环翠区", ("蓬莱路", "龙口路")),
    ("上海市黄浦区", ("烟台路",)),
)


def outside_address(rnd: random.Random) -> str:
    """An address outside Yantai; two in five on a street named after one of Yantai's units."""
    prefix, streets = rnd.choice(NAMESAKE_STREETS if rnd.random() < 0.4 else OUTSIDE)
    return f"{prefix}{rnd.choice(streets)}{rnd.randint(1, 399)}号"
