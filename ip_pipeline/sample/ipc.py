"""IPC codes and the strategic-emerging-industry concordance (sei_ipc.csv)."""
from __future__ import annotations

import random

SEI_NAMES = {
    "1": "新一代信息技术", "2": "高端装备制造", "3": "新材料", "4": "生物", "5": "新能源汽车",
    "6": "新能源", "7": "节能环保", "8": "数字创意",
}

# (prefix, sei_code): the first six are the spec example's rows.
SEI_PREFIXES = (
    ("H01M", "5"), ("G06N3/", "1"), ("C12N15/", "4"), ("B33Y", "2"), ("H04W", "1"), ("C01B32/", "3"),
    ("H04L", "1"), ("H04N19/", "1"), ("G06F16/", "1"), ("G06F21/", "1"), ("G06Q50/", "1"), ("H01L27/", "1"),
    ("H01L29/", "1"), ("G06T7/", "1"), ("G05B19/", "2"), ("B25J", "2"), ("B23K26/", "2"), ("B64C", "2"),
    ("B63B", "2"), ("B63H", "2"), ("B61L", "2"), ("F03D", "6"), ("H02S", "6"), ("H01L31/", "6"),
    ("C08G64/", "3"), ("C08G18/", "3"), ("C08L75/", "3"), ("C04B35/", "3"), ("C22C14/", "3"), ("C22C19/", "3"),
    ("B82Y", "3"), ("C01G", "3"), ("C07K16/", "4"), ("A61K39/", "4"), ("A61K38/", "4"), ("C12Q1/68", "4"),
    ("A61P35/", "4"), ("A61B34/", "4"), ("A61F2/", "4"), ("B60L", "5"), ("B60K6/", "5"), ("B60W", "5"),
    ("H02J7/", "5"), ("F24S", "6"), ("H02J3/38", "6"), ("B01D53/", "7"), ("C02F", "7"), ("F23G", "7"),
    ("B09B", "7"), ("F27D17/", "7"), ("G06T19/", "8"), ("A63F13/", "8"),
)

# Codes that match a prefix above (spaces as printed: "H01M 10/052").
SEI_CODES = (
    "H01M 10/052", "H01M 4/00", "H01M 4/525", "H01M 8/04", "G06N 3/08", "G06N 3/04", "C12N 15/11",
    "C12N 15/82", "B33Y 10/00", "B33Y 70/00", "H04W 72/04", "H04W 4/38", "C01B 32/182", "C01B 32/05",
    "H04L 67/12", "H04L 9/40", "H04N 19/176", "G06F 16/29", "G06F 21/60", "G06Q 50/02", "H01L 27/146",
    "H01L 29/786", "G06T 7/00", "G06T 7/73", "G05B 19/418", "B25J 9/16", "B25J 11/00", "B23K 26/38",
    "B64C 39/02", "B63B 35/44", "B63H 21/17", "B61L 27/00", "F03D 7/00", "H02S 40/42", "H01L 31/18",
    "C08G 64/30", "C08G 18/76", "C08L 75/04", "C04B 35/10", "C22C 14/00", "C22C 19/03", "B82Y 30/00",
    "C01G 53/00", "C07K 16/28", "A61K 39/395", "A61K 38/17", "C12Q 1/6883", "A61P 35/00", "A61B 34/30",
    "A61F 2/82", "B60L 58/12", "B60K 6/44", "B60W 20/15", "H02J 7/00", "F24S 10/40", "H02J 3/38",
    "B01D 53/86", "C02F 9/00", "F23G 5/027", "B09B 3/00", "F27D 17/00", "G06T 19/00", "A63F 13/42",
)

# Codes that match none: the city's traditional industries (wine, food, gold, fishing,
# machinery, chemicals) and near misses of listed prefixes (G06N 5/, C01B 33/, C12N 1/).
OTHER_CODES = (
    "C12G 1/00", "C12G 3/04", "C12H 6/00", "A23L 2/38", "A23L 17/00", "A23L 19/00", "A23B 7/04",
    "A01K 61/00", "A01K 80/00", "A01G 9/14", "A01G 17/00", "C22B 11/00", "C22B 3/04", "B03D 1/02",
    "E21B 43/26", "E21B 33/13", "F16K 31/00", "F16K 1/22", "B23K 37/04", "B21D 28/00", "B65D 81/32",
    "B65G 47/90", "E04B 1/00", "E04G 21/00", "B60C 11/03", "B29D 30/06", "C08K 3/04", "C07C 263/10",
    "C07C 45/00", "C07D 301/00", "B01J 19/00", "F16L 55/00", "G01N 33/00", "G01N 21/00", "G01M 3/00",
    "F04B 49/00", "F24F 11/00", "H02K 5/00", "A61K 36/00", "A61K 9/20", "A61M 5/00", "A47J 31/00",
    "D06F 39/00", "G06N 5/04", "C01B 33/12", "C12N 1/20", "H04M 1/02", "B62D 65/00", "F01N 3/00",
)


def codes(rnd: random.Random, sei: bool) -> list[str]:
    """1–4 IPC codes, main first; strategic-industry patents have at least one listed code."""
    main = rnd.choice(SEI_CODES if sei else OTHER_CODES)
    out = [main]
    for _ in range(rnd.choice((0, 0, 1, 1, 2, 3))):
        extra = rnd.choice(SEI_CODES if sei and rnd.random() < 0.3 else OTHER_CODES)
        if extra not in out:
            out.append(extra)
    return out


def matches(code_list: list[str], prefixes: list[str]) -> bool:
    squashed = [c.replace(" ", "") for c in code_list]
    return any(c.startswith(p) for c in squashed for p in prefixes)
