"""The city's code is written once, in ip_pipeline/city.py: Python imports it, the SQL names it
as the parameter `$city` (indicators/sql.py binds it), so another city is one line to change; the
unlocated bucket's code is derived from it there."""

from __future__ import annotations

from pathlib import Path

import ip_pipeline
from ip_pipeline.city import CITY, UNLOCATED
from ip_pipeline.paths import SQL_DIR

PACKAGE = Path(ip_pipeline.__file__).resolve().parent


def test_the_city_code_is_written_only_in_city_py():
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "city.py"] + sorted(
        SQL_DIR.rglob("*.sql")
    )
    assert len(files) > 100
    found = [
        f"{p}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CITY in line
    ]
    assert not found, f"{CITY} written outside ip_pipeline/city.py:\n" + "\n".join(found)


def test_the_unlocated_code_is_written_only_in_city_py():
    # the bucket of records in the city whose unit is unknown: derived from the city's code in
    # city.py, so a module that writes it out would keep the old city's bucket after a change
    assert UNLOCATED.startswith(CITY[:4]) and UNLOCATED != CITY
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "city.py"] + sorted(
        SQL_DIR.rglob("*.sql")
    )
    found = [
        f"{p}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if UNLOCATED in line
    ]
    assert not found, f"{UNLOCATED} written outside ip_pipeline/city.py:\n" + "\n".join(found)
