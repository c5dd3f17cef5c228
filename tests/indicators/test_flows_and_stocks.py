"""INDICATORS.md §§ 2, 3, 7, 8 — overseas grants, trademarks, enterprises."""

from datetime import date

D = date(2023, 6, 30)


def test_overseas_grants_are_year_to_date_inclusive(wh):
    wh.overseas_grant(grant_date=date(2023, 1, 1))
    wh.overseas_grant(grant_date=D)
    wh.overseas_grant(grant_date=date(2023, 7, 1))  # after D
    wh.overseas_grant(grant_date=date(2022, 12, 31))  # last year
    wh.compute(D, date(2023, 12, 31))
    assert wh.value("overseas_invention_grants", D) == 2
    assert wh.value("overseas_invention_grants", date(2023, 12, 31)) == 3  # full year on 31 December


def test_overseas_grants_count_inventions_in_scope_distinct_by_office_and_number(wh):
    g = date(2023, 3, 1)
    wh.overseas_grant(office="US", grant_no="1", grant_date=g)
    wh.overseas_grant(office="EP", grant_no="1", grant_date=g)  # same number, other office: another grant
    wh.overseas_grant(patent_type="utility_model", grant_date=g)
    wh.overseas_grant(district_code=None, in_scope=False, grant_date=g)
    wh.compute(D)
    assert wh.value("overseas_invention_grants", D) == 2


def test_expiry_date_is_last_day_of_validity(wh):
    wh.trademark(expiry_date=D)  # still valid on its expiry date
    wh.trademark(expiry_date=date(2023, 6, 29))
    wh.compute(D)
    r = wh.row("valid_trademarks", D)
    assert r["numerator"] == 1 and r["value"] == 1 / 10000


def test_trademark_registered_on_as_of_date_counts(wh):
    wh.trademark(registration_date=D)
    wh.trademark(registration_date=date(2023, 7, 1))
    wh.trademark(registration_date=None, status="pending")
    wh.compute(D)
    assert wh.row("valid_trademarks", D)["numerator"] == 1


def test_trademark_cancelled_on_as_of_date_no_longer_counts(wh):
    wh.trademark(status="cancelled", status_date=D)
    wh.trademark(status="invalidated", status_date=date(2023, 7, 1))  # later: still counts on D
    wh.trademark(status="revoked", status_date=date(2022, 1, 1))
    wh.compute(D)
    assert wh.row("valid_trademarks", D)["numerator"] == 1


def test_valid_trademarks_published_in_ten_thousands(wh):
    from .builder import trademarks

    trademarks(wh, 25000, date(2020, 1, 1), date(2030, 1, 1))
    wh.compute(D)
    r = wh.row("valid_trademarks", D)
    assert r["numerator"] == 25000 and r["value"] == 2.5 and r["unit"] == "万件"


def test_enterprise_certified_on_as_of_date_counts_and_valid_until_is_inclusive(wh):
    wh.enterprise(certified_date=D)
    wh.enterprise(certified_date=date(2020, 1, 1), valid_until=D)
    wh.enterprise(certified_date=date(2020, 1, 1), valid_until=date(2023, 6, 29))
    wh.enterprise(certified_date=date(2023, 7, 1))
    wh.compute(D)
    assert wh.value("gbt29490_enterprises", D) == 2


def test_enterprise_programmes_are_counted_apart(wh):
    wh.enterprise(credit_code="913706001", programme="gbt29490")
    wh.enterprise(credit_code="913706001", programme="city_advantage")
    wh.enterprise(programme="city_advantage")
    wh.compute(D)
    assert wh.value("gbt29490_enterprises", D) == 1
    assert wh.value("city_advantage_enterprises", D) == 2
