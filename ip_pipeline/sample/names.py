"""Fake but plausible Chinese names: companies (the shared pool of IP holders), people, banks."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from ..city import CITY
from . import geo
from .numbers import credit_code

_SYLLABLES = "万华杰瑞南山东方海信恒邦玲珑张裕龙大冰轮正蓝创鲁宝中泰德隆新合源博远丰盛汇金鼎润康达天鸿亿佳宏兴凯科成安福祥荣通世豪诚卓越航星辉"
_TRADES = (
    "新材料",
    "生物科技",
    "智能装备",
    "化工",
    "机械制造",
    "电子科技",
    "食品",
    "葡萄酒",
    "海洋科技",
    "医药",
    "汽车零部件",
    "环保科技",
    "信息技术",
    "新能源",
    "精密机械",
    "黄金矿业",
    "水产",
    "果业",
    "建材",
    "轮胎",
    "船舶重工",
    "光电",
    "软件",
    "仪器仪表",
)
_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
_INSTITUTES = (
    "烟台大学",
    "鲁东大学",
    "滨州医学院",
    "山东工商学院",
    "烟台南山学院",
    "烟台职业学院",
    "中国科学院烟台海岸带研究所",
    "中国农业大学烟台研究院",
    "哈尔滨工程大学烟台研究院",
    "烟台市农业科学研究院",
    "山东省烟台市农业科学研究院",
    "烟台毓璜顶医院",
    "烟台山医院",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华建国志红玉萍鹏飞斌辉亮宁波海燕晨阳丹雪梅琳"
BANKS = (
    "烟台银行",
    "恒丰银行",
    "中国银行烟台分行",
    "中国工商银行烟台分行",
    "中国建设银行烟台分行",
    "中国农业银行烟台分行",
    "交通银行烟台分行",
    "兴业银行烟台分行",
    "齐鲁银行烟台分行",
    "烟台农村商业银行",
    "招商银行烟台分行",
    "浦发银行烟台分行",
    "烟台市融资担保集团有限公司",
)


def person(rnd: random.Random) -> str:
    given = rnd.choice(_GIVEN) + (rnd.choice(_GIVEN) if rnd.random() < 0.7 else "")
    return rnd.choice(_SURNAMES) + given


def company_name(rnd: random.Random, unit: geo.Unit) -> str:
    brand = rnd.choice(_SYLLABLES) + rnd.choice(_SYLLABLES)
    r = rnd.random()
    if r < 0.55:
        place = "烟台"
    elif r < 0.75 and unit.kind == "county_city":
        place = unit.name[:2]
    elif r < 0.85:
        place = "山东"
    else:
        place = ""
    return f"{place}{brand}{rnd.choice(_TRADES)}{rnd.choice(_FORMS)}"


@dataclass(frozen=True)
class Holder:
    """An IP owner of the pool: its name, seat, and the credit code companies have."""

    idx: int
    name: str
    code: str
    address: str
    credit_code: str | None
    kind: str  # company | institute | person


def _weighted_units() -> tuple[list[str], list[float]]:
    codes = [u.code for u in geo.UNITS]
    cum = list(itertools.accumulate(u.activity for u in geo.UNITS))
    return codes, cum


_UNIT_CODES, _UNIT_CUM = _weighted_units()


def pick_unit(rnd: random.Random) -> str:
    return _UNIT_CODES[bisect.bisect(_UNIT_CUM, rnd.random() * _UNIT_CUM[-1])]


class HolderPool:
    """The city's IP holders. Index 0 is the biggest: holders are drawn with Zipf-like
    weights so that a few groups own many patents, like the city's real champions."""

    def __init__(self, rnd: random.Random, size: int):
        self.holders: list[Holder] = []
        seen: set[str] = set()
        credit_seen: set[str] = set()
        institutes = list(_INSTITUTES)
        while len(self.holders) < size:
            idx = len(self.holders)
            code = pick_unit(rnd)
            unit = geo.UNIT_BY_CODE[code]
            if institutes and idx % 7 == 3:
                name, kind = institutes.pop(0), "institute"
            elif rnd.random() < 0.08:
                name, kind = person(rnd), "person"
                if name in seen:
                    name += rnd.choice("甲乙丙丁")
            else:
                name, kind = company_name(rnd, unit), "company"
            if name in seen:
                continue
            seen.add(name)
            credit = None
            if kind == "company":
                region = code if unit.kind != "zone" and code != geo.UNLOCATED else CITY
                credit = credit_code(rnd, region)
                while credit in credit_seen:
                    credit = credit_code(rnd, region)
                credit_seen.add(credit)
            self.holders.append(Holder(idx, name, code, geo.address(rnd, code), credit, kind))
        self._cum = list(itertools.accumulate(1.0 / (i + 8) ** 0.9 for i in range(size)))

    def pick(self, rnd: random.Random) -> Holder:
        """A holder, big ones more often."""
        return self.holders[bisect.bisect(self._cum, rnd.random() * self._cum[-1])]

    def pick_uniform(self, rnd: random.Random) -> Holder:
        return self.holders[rnd.randrange(len(self.holders))]

    def companies(self) -> list[Holder]:
        return [h for h in self.holders if h.kind == "company"]
