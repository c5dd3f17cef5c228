"""Identifiers with check characters: patent application numbers, GB 32100 credit codes,
trademark and overseas grant numbers."""

from __future__ import annotations

import random

_APP_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

# GB 32100 leaves out I, O, Z, S and V so that codes cannot be misread.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

PATENT_TYPE_DIGIT = {"invention": "1", "utility_model": "2", "design": "3"}
PCT_TYPE_DIGIT = {"invention": "8", "utility_model": "9"}


def app_check_digit(digits: str) -> str:
    """CNIPA check digit of the 8 or 12 digits before the dot; 10 is written X."""
    total = sum(int(d) * _APP_WEIGHTS[i % 12] for i, d in enumerate(digits))
    r = total % 11
    return "X" if r == 10 else str(r)


def application_no(year: int, type_digit: str, serial: int) -> str:
    """Normalised application number: 13 characters since 2003, 9 before."""
    if year >= 2003:
        body = f"{year:04d}{type_digit}{serial:07d}"
    else:
        body = f"{year % 100:02d}{type_digit}{serial:05d}"
    return body + app_check_digit(body)


def valid_application_no(number: str) -> bool:
    return len(number) in (9, 13) and number[:-1].isdigit() and app_check_digit(number[:-1]) == number[-1]


def display_application_no(number: str, rnd: random.Random, granted: bool) -> str:
    """One of the spellings real exports use: CN…/ZL… prefixes, with or without the dot."""
    body, check = number[:-1], number[-1]
    r = rnd.random()
    if r < 0.35:
        text = f"CN{body}.{check}"
    elif r < 0.55 and granted:
        text = f"ZL{body}.{check}"
    elif r < 0.75:
        text = number
    elif r < 0.9:
        text = f"{body}.{check}"
    else:
        text = f"CN{number}"
    if check == "X" and rnd.random() < 0.2:
        text = text[:-1] + "x"
    return text


def org_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters and their check character."""
    values = [int(c, 36) for c in body8]
    c = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    check = "X" if c == 10 else ("0" if c == 11 else str(c))
    return body8 + check


def credit_check_char(code17: str) -> str:
    total = sum(CREDIT_CHARSET.index(ch) * w for ch, w in zip(code17, _CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code(rnd: random.Random, region: str) -> str:
    """18-character unified social credit code of an enterprise (9 = market regulator, 1 = company)."""
    body8 = "".join(rnd.choice(CREDIT_CHARSET) for _ in range(8))
    code17 = "91" + region + org_code(body8)
    return code17 + credit_check_char(code17)


def valid_credit_code(code: str) -> bool:
    return (
        len(code) == 18
        and all(ch in CREDIT_CHARSET for ch in code)
        and credit_check_char(code[:17]) == code[17]
    )


def spread_serials(rnd: random.Random, start: int, width: int, count: int):
    """`count` strictly increasing integers in [start, start + width), spread with random gaps."""
    step = width / max(count, 1)
    if step < 1:
        raise ValueError("serial range too narrow")
    last = start - 1
    for k in range(count):
        value = max(last + 1, start + int((k + rnd.random()) * step))
        last = value
        yield value
