"""Amount spellings (SOURCES.md § Value normalisation): a comma is a thousands separator only
between groups of exactly three digits before the decimal point. Everything else is
`bad_number` — quarantined, never read as another number."""

from __future__ import annotations

import pytest

from tests.ingest.test_sources_rules import PLEDGE_HEADER, pledge


@pytest.mark.parametrize(
    "amount",
    [
        "12,5",
        "1.234,5",
        "1,2,3,4",
        "0,5",
        "1234,567",
        "12,345,6",
        "1,23.4",
        "１２，５",
        "1,234,5.0",
        ",123",
        "1,,234",
    ],
)
def test_ambiguous_amount_spellings_are_bad_number(zone, amount):
    zone.csv("pledges", PLEDGE_HEADER, [pledge(no="P1", amount=amount), pledge(no="P2", amount="7")])
    s = zone.stage("pledges")
    assert list(s.stg.registration_no) == ["P2"]
    assert list(s.quarantine.reason) == ["bad_number:amount_wan"]
    assert list(s.quarantine.amount_wan) == [amount]  # kept as written, for the provider


@pytest.mark.parametrize(
    "amount,value",
    [
        ("1,234.5", 1234.5),
        ("１，２３４．５", 1234.5),
        ("1,234,567", 1234567.0),
        ("１２３４.５", 1234.5),
        ("999", 999.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1,000", 1000.0),
        ("12.", 12.0),
    ],
)
def test_good_amount_spellings_read_as_written(zone, amount, value):
    zone.csv("pledges", PLEDGE_HEADER, [pledge(no="P1", amount=amount)])
    s = zone.stage("pledges")
    assert list(s.stg.amount_wan) == [pytest.approx(value)]
    assert s.quarantine.empty


def test_reference_numbers_follow_the_same_rule(zone):
    """A population of `1.234,567` is not 1.234 persons: it is NULL and the blocking check stops the run."""
    (zone.landing / "reference/population.csv").write_text(
        'year,district_code,population\n2020,370602,"900,000"\n2020,370611,"1.234,567"\n', encoding="utf-8"
    )
    zone.csv("pledges", PLEDGE_HEADER, [pledge(no="P1")])
    zone.stage("pledges")
    import duckdb

    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        rows = dict(con.execute("SELECT district_code, population FROM stg_population").fetchall())
    finally:
        con.close()
    assert rows == {"370602": 900000, "370611": None}
