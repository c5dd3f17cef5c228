"""INDICATORS.md § 1 — 每万人口高价值发明专利拥有量, one test per rule."""

from datetime import date

from .builder import CITY

D = date(2023, 6, 30)
HV = "hv_patents_per_10k"


def hv_count(wh, as_of=D, district=CITY):
    return wh.row(HV, as_of, district)["numerator"]


def test_grant_on_as_of_date_counts(wh):
    wh.hv_patent(grant_date=D)
    wh.hv_patent(grant_date=date(2023, 7, 1))  # granted the day after D
    wh.compute(D)
    assert hv_count(wh) == 1


def test_lapse_on_as_of_date_no_longer_counts(wh):
    wh.hv_patent(lapse_date=D)
    wh.hv_patent(lapse_date=date(2023, 7, 1))  # lapses the day after: still in force on D
    wh.compute(D)
    assert hv_count(wh) == 1


def test_only_invention_patents_count(wh):
    wh.hv_patent(patent_type="utility_model")
    wh.hv_patent(patent_type="design")
    wh.hv_patent()
    wh.compute(D)
    assert hv_count(wh) == 1


def test_patent_without_criterion_does_not_count(wh):
    wh.patent()  # in force, no criterion
    wh.compute(D)
    assert hv_count(wh) == 0


def test_sei_matches_any_ipc_prefix_ignoring_spaces(wh):
    wh.sei("G06N3/")
    a = wh.patent(main_ipc="H01M 10/052", ipc_codes="H01M 10/052; G06N 3/08")  # second code matches
    wh.patent(main_ipc="G06N 5/00", ipc_codes="G06N 5/00")  # G06N5 is not G06N3/
    wh.compute(D)
    crit = wh.con.execute(
        "SELECT application_no, sei FROM high_value_patent_criteria WHERE as_of = ?", [D]
    ).fetchall()
    assert crit == [(a, True)]


def test_overseas_family_judged_on_as_of_date(wh):
    a = wh.patent()
    wh.overseas_grant(cn_family_application_no=a, grant_date=date(2023, 7, 1), district_code=None)
    wh.compute(D, date(2023, 7, 31))
    assert hv_count(wh, D) == 0
    assert hv_count(wh, date(2023, 7, 31)) == 1


def test_maintained_over_ten_years_is_strict(wh):
    wh.patent(filing_date=date(2013, 6, 30))  # exactly ten years before D: not counted
    wh.patent(filing_date=date(2013, 6, 29))  # one day more: counted
    wh.compute(D)
    assert hv_count(wh) == 1


def test_pledge_threshold_is_inclusive_and_a_catalogue_parameter(wh, plan14):
    a = wh.patent(application_no="2019100000011")
    b = wh.patent(application_no="2019100000022")
    wh.pledge(
        items=f"{a};2019100000099", amount_wan=1000.0, registration_date=date(2022, 1, 1)
    )  # = threshold
    wh.pledge(items=b, amount_wan=999.99, registration_date=date(2022, 1, 1))
    wh.compute(D)
    assert hv_count(wh) == 1

    # The threshold comes from the catalogue: lowering it lets the 999.99 pledge count.
    from dataclasses import replace

    hv = plan14.indicator(HV)
    lowered = replace(
        plan14,
        indicators=tuple(
            replace(i, parameters={"pledge_threshold_wan": 500}) if i.id == HV else i
            for i in plan14.indicators
        ),
    )
    assert hv.parameters["pledge_threshold_wan"] == 1000
    wh.compute(D, plans=[lowered])
    assert hv_count(wh) == 2


def test_pledge_financing_needs_registration_on_or_before_as_of(wh):
    a = wh.patent()
    wh.pledge(items=a, amount_wan=5000.0, registration_date=date(2023, 7, 1), pledge_type="patent")
    wh.compute(D)
    assert hv_count(wh) == 0


def test_award_counts_from_its_year(wh):
    a = wh.patent()
    wh.award(application_no=a, award_year=2023)
    b = wh.patent()
    wh.award(application_no=b, award_year=2024)
    wh.compute(D)
    assert hv_count(wh) == 1


def test_patent_meeting_several_criteria_counts_once_and_keeps_each(wh):
    wh.sei("H01M")
    a = wh.patent(ipc_codes="H01M 4/00", filing_date=date(2010, 1, 1))
    wh.award(application_no=a, award_year=2015)
    wh.compute(D)
    assert hv_count(wh) == 1
    row = wh.con.execute(
        "SELECT sei, overseas_family, maintained_10y, pledge_financing, award FROM high_value_patent_criteria "
        "WHERE as_of = ? AND application_no = ?",
        [D, a],
    ).fetchall()
    assert row == [(True, False, True, False, True)]


def test_out_of_scope_holder_does_not_count(wh):
    wh.hv_patent(district_code=None, in_scope=False)
    wh.compute(D)
    assert hv_count(wh) == 0


def test_value_is_per_ten_thousand_residents(wh):
    wh.population(2023, "370602", 40000)
    for _ in range(3):
        wh.hv_patent(district_code="370602")
    wh.compute(D)
    r = wh.row(HV, D, "370602")
    assert r["numerator"] == 3 and r["denominator"] == 40000
    assert abs(r["value"] - 3 / 40000 * 10000) < 1e-12
