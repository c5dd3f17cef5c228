"""The 2025–2027 action plan's new indicators (INDICATORS.md, "The plan in force now") and the
growth base year per indicator, one rule per test, on data built here."""

from __future__ import annotations

from datetime import date

import pytest

from ip_pipeline.indicators.calc_frame import growth_base_year
from ip_pipeline.indicators.catalogue import load_plan
from ip_pipeline.indicators.engine import evaluate

from .builder import CITY, FIXTURES

ACTION = "plan_action_2025_2027_minimal.yaml"
NEW_IDS = (
    "ip_transfer_licence_count",
    "ip_transfer_licence_cagr",
    "new_city_advantage_enterprises",
    "civil_first_instance_acceptance_rate",
)


@pytest.fixture
def action():
    return load_plan(FIXTURES / ACTION)


@pytest.fixture
def plans(plan14, action):
    return [plan14, action]


# ---- staged tables the builder does not make: transfers and the judicial columns ----------------


def add_transfers_table(wh) -> None:
    wh.con.execute("""CREATE TABLE IF NOT EXISTS stg_transfers (record_no VARCHAR, kind VARCHAR, ip_type VARCHAR,
        items VARCHAR, assignor VARCHAR, assignor_address VARCHAR, assignee VARCHAR, assignee_address VARCHAR,
        district_code VARCHAR, registration_date DATE, in_scope BOOLEAN, warnings VARCHAR[], _source_file VARCHAR,
        _row_number BIGINT, _snapshot_at TIMESTAMP)""")


_seq = iter(range(1, 10**9))


def transfer(
    wh,
    registration_date: date,
    district_code: str | None = "370602",
    in_scope: bool | None = None,
    record_no: str | None = None,
    kind: str = "transfer",
    ip_type: str = "patent",
) -> None:
    add_transfers_table(wh)
    wh.con.execute(
        "INSERT INTO stg_transfers (record_no, kind, ip_type, items, assignor, assignee, district_code, "
        "registration_date, in_scope, warnings) VALUES (?, ?, ?, '2021101234567', '甲', '乙', ?, ?, ?, [])",
        [
            record_no or f"R{next(_seq):07d}",
            kind,
            ip_type,
            district_code,
            registration_date,
            district_code is not None if in_scope is None else in_scope,
        ],
    )


def transfers(wh, n: int, registration_date: date, district_code: str = "370602") -> None:
    for _ in range(n):
        transfer(wh, registration_date, district_code)


def add_judicial_columns(wh) -> None:
    for col, typ in (("case_nature", "VARCHAR"), ("instance", "VARCHAR"), ("accepted", "BOOLEAN")):
        wh.con.execute(f"ALTER TABLE stg_enforcement ADD COLUMN IF NOT EXISTS {col} {typ}")


def court_case(
    wh,
    closed: date | None,
    accepted: bool | None,
    nature: str = "civil",
    instance: str = "first",
    authority_type: str = "judicial",
    district_code: str = "370602",
) -> None:
    add_judicial_columns(wh)
    wh.con.execute(
        "INSERT INTO stg_enforcement (case_no, case_type, authority_type, opened_date, closed_date, "
        "district_code, case_nature, instance, accepted, in_scope, warnings) "
        "VALUES (?, 'trademark_infringement', ?, DATE '2020-01-01', ?, ?, ?, ?, ?, true, [])",
        [f"C{next(_seq):07d}", authority_type, closed, district_code, nature, instance, accepted],
    )


def values(wh, d: date, plans, ids=NEW_IDS, district_code: str = CITY) -> dict:
    evaluate(wh.con, [d], plans, list(ids))
    rows = wh.con.execute(
        "SELECT indicator_id, value, numerator, denominator, flags FROM _calc_values WHERE district_code = ?",
        [district_code],
    ).fetchall()
    return {r[0]: dict(value=r[1], numerator=r[2], denominator=r[3], flags=r[4]) for r in rows}


# ---- ip_transfer_licence_count ------------------------------------------------------------------


def test_count_is_distinct_records_of_the_year_to_d_in_scope(wh, plans):
    D = date(2025, 6, 30)
    transfers(wh, 3, date(2025, 1, 1))
    transfer(wh, D, kind="licence", ip_type="trademark")  # on D counts; licences and marks too
    transfer(wh, date(2025, 7, 1))  # after D
    transfer(wh, date(2024, 12, 31))  # last year
    transfer(wh, date(2025, 3, 1), district_code=None)  # neither party in Yantai
    transfer(wh, date(2025, 3, 1), district_code="370613")
    v = values(wh, D, plans)["ip_transfer_licence_count"]
    assert v == dict(value=5.0, numerator=5.0, denominator=None, flags=[])
    assert values(wh, D, plans, district_code="370613")["ip_transfer_licence_count"]["value"] == 1


def test_count_written_to_indicator_values_with_unit(wh, plans):
    transfers(wh, 2, date(2025, 2, 1))
    wh.compute(date(2025, 12, 31), plans=plans)
    r = wh.row("ip_transfer_licence_count", date(2025, 12, 31))
    assert r["value"] == 2 and r["unit"] == "次"


def test_years_before_the_source_existed_are_no_data(wh, plans):
    transfers(wh, 2, date(2023, 5, 1))
    before = values(wh, date(2022, 12, 31), plans)["ip_transfer_licence_count"]
    assert before == dict(value=None, numerator=None, denominator=None, flags=["no_data"])
    assert values(wh, date(2023, 12, 31), plans)["ip_transfer_licence_count"]["value"] == 2
    # a year of the source without recordals is a zero, not no_data
    assert values(wh, date(2024, 12, 31), plans)["ip_transfer_licence_count"] == dict(
        value=0.0, numerator=0.0, denominator=None, flags=[]
    )


# ---- ip_transfer_licence_cagr -------------------------------------------------------------------


def test_cagr_like_the_pledge_rates_year_to_date_against_the_same_month_day_of_2024(wh, plans):
    D = date(2025, 6, 30)
    transfers(wh, 10, date(2024, 6, 30))  # on B's cut-off: counts in x_B
    transfers(wh, 5, date(2024, 7, 1))  # after D's month-day in B: not in x_B
    transfers(wh, 12, date(2025, 6, 30))
    v = values(wh, D, plans)["ip_transfer_licence_cagr"]
    assert v["numerator"] == 12 and v["denominator"] == 10 and v["flags"] == []
    assert v["value"] == pytest.approx(20.0)
    full = values(wh, date(2026, 12, 31), plans)["ip_transfer_licence_cagr"]  # two years, full B
    assert full["denominator"] == 15 and full["numerator"] == 0 and full["value"] == pytest.approx(-100.0)


def test_cagr_two_years_is_the_geometric_mean(wh, plans):
    transfers(wh, 100, date(2024, 3, 1))
    transfers(wh, 121, date(2026, 3, 1))
    v = values(wh, date(2026, 12, 31), plans)["ip_transfer_licence_cagr"]
    assert v["value"] == pytest.approx(10.0)


def test_cagr_zero_base(wh, plans):
    transfers(wh, 3, date(2023, 1, 5))  # the source exists before B
    transfers(wh, 3, date(2025, 1, 5))
    v = values(wh, date(2025, 12, 31), plans)["ip_transfer_licence_cagr"]
    assert (
        v["value"] is None and v["flags"] == ["zero_base"] and v["denominator"] == 0 and v["numerator"] == 3
    )


def test_cagr_in_the_base_period(wh, plans):
    transfers(wh, 3, date(2024, 1, 5))
    v = values(wh, date(2024, 12, 31), plans)["ip_transfer_licence_cagr"]
    assert v["value"] is None and v["flags"] == ["base_period"]


def test_cagr_base_year_before_the_source_existed_is_no_data(wh, plans):
    transfers(wh, 3, date(2025, 1, 5))
    v = values(wh, date(2025, 12, 31), plans)["ip_transfer_licence_cagr"]
    assert v["value"] is None and v["flags"] == ["no_data"]


# ---- the base year per indicator -----------------------------------------------------------------


def test_growth_base_year_per_indicator(plan14, action):
    plans = [plan14, action]
    d = date(2025, 6, 30)
    assert growth_base_year(plans, d, "ip_transfer_licence_cagr") == 2024
    assert growth_base_year(plans, d, "new_city_advantage_enterprises") == 2024
    assert growth_base_year(plans, d, "pledge_count_cagr") == 2020
    assert growth_base_year(plans, date(2026, 12, 31), "pledge_count_cagr") == 2020
    assert growth_base_year([plan14], d) == growth_base_year([plan14], d, "pledge_count_cagr") == 2020


def test_a_new_plan_does_not_move_the_pledge_rates_base(wh, plan14, action):
    wh.pledge(registration_date=date(2020, 3, 1), amount_wan=100.0)
    wh.pledge(registration_date=date(2024, 3, 1), amount_wan=300.0)
    wh.pledge(registration_date=date(2025, 3, 1), amount_wan=200.0)
    wh.pledge(registration_date=date(2025, 4, 1), amount_wan=200.0)
    ids = ("pledge_count_cagr", "pledge_amount_cagr")
    d = date(2025, 12, 31)
    alone = values(wh, d, [plan14], ids)
    both = values(wh, d, [plan14, action], ids)
    assert alone == both
    assert both["pledge_count_cagr"]["denominator"] == 1  # base 2020, not 2024
    assert both["pledge_count_cagr"]["value"] == pytest.approx((2 ** (1 / 5) - 1) * 100)
    assert wh.con.execute("SELECT DISTINCT base_year FROM _calc_pledge_totals").fetchall() == [(2020,)]


def test_growth_base_given_by_progress_applies_to_every_based_id(wh, plan14, action):
    d = date(2025, 12, 31)
    evaluate(wh.con, [d], [action, plan14], ["pledge_count_cagr", "ip_transfer_licence_cagr"], {d: 2024})
    bases = dict(wh.con.execute("SELECT indicator_id, base_year FROM _calc_growth_base").fetchall())
    assert bases["pledge_count_cagr"] == 2024 and bases["ip_transfer_licence_cagr"] == 2024


# ---- new_city_advantage_enterprises ---------------------------------------------------------------


def test_certified_on_31_dec_2024_is_not_new_on_1_jan_2025_is(wh, plans):
    wh.enterprise(credit_code="A", programme="city_advantage", certified_date=date(2024, 12, 31))
    wh.enterprise(credit_code="B", programme="city_advantage", certified_date=date(2025, 1, 1))
    wh.enterprise(credit_code="C", programme="gbt29490", certified_date=date(2025, 1, 1))
    assert values(wh, date(2025, 1, 1), plans)["new_city_advantage_enterprises"]["value"] == 1
    assert values(wh, date(2024, 12, 31), plans)["new_city_advantage_enterprises"]["value"] == 0


def test_new_enterprise_counts_from_its_certification_date(wh, plans):
    wh.enterprise(credit_code="B", programme="city_advantage", certified_date=date(2025, 6, 1))
    assert values(wh, date(2025, 5, 31), plans)["new_city_advantage_enterprises"]["value"] == 0
    assert values(wh, date(2025, 6, 1), plans)["new_city_advantage_enterprises"]["value"] == 1


def test_earliest_certification_over_all_rows_decides(wh, plans):
    # recertified in 2025, first certified in 2023: not newly cultivated
    wh.enterprise(
        credit_code="OLD",
        programme="city_advantage",
        certified_date=date(2023, 4, 1),
        valid_until=date(2024, 3, 31),
    )
    wh.enterprise(credit_code="OLD", programme="city_advantage", certified_date=date(2025, 4, 1))
    # two rows after the base year count once
    wh.enterprise(credit_code="NEW", programme="city_advantage", certified_date=date(2025, 2, 1))
    wh.enterprise(credit_code="NEW", programme="city_advantage", certified_date=date(2026, 2, 1))
    # only the gbt29490 row is before the base year: the programme's own rows decide
    wh.enterprise(credit_code="OTHER", programme="gbt29490", certified_date=date(2020, 1, 1))
    wh.enterprise(credit_code="OTHER", programme="city_advantage", certified_date=date(2025, 9, 1))
    v = values(wh, date(2026, 12, 31), plans)["new_city_advantage_enterprises"]
    assert v == dict(value=2.0, numerator=2.0, denominator=None, flags=[])


def test_later_expiry_does_not_remove_a_new_enterprise(wh, plans):
    wh.enterprise(
        credit_code="E",
        programme="city_advantage",
        certified_date=date(2025, 1, 10),
        valid_until=date(2025, 6, 30),
    )
    assert values(wh, date(2026, 11, 30), plans)["new_city_advantage_enterprises"]["value"] == 1
    wh.compute(date(2026, 11, 30), plans=plans)
    assert wh.value("city_advantage_enterprises", date(2026, 11, 30)) == 0  # the stock lost it
    assert wh.value("new_city_advantage_enterprises", date(2026, 11, 30)) == 1


def test_new_enterprises_by_district_sum_to_the_city(wh, plans):
    wh.enterprise(programme="city_advantage", certified_date=date(2025, 3, 1), district_code="370613")
    wh.enterprise(programme="city_advantage", certified_date=date(2025, 3, 1), district_code="370602")
    wh.compute(date(2025, 12, 31), plans=plans)
    assert wh.value("new_city_advantage_enterprises", date(2025, 12, 31), "370613") == 1
    assert wh.value("new_city_advantage_enterprises", date(2025, 12, 31)) == 2


# ---- civil_first_instance_acceptance_rate ----------------------------------------------------------


def test_acceptance_rate_leaves_unknown_outcomes_out_and_says_how_many(wh, plans):
    D = date(2025, 12, 31)
    for _ in range(8):
        court_case(wh, date(2025, 5, 1), True)
    for _ in range(2):
        court_case(wh, date(2025, 5, 1), False)
    for _ in range(3):
        court_case(wh, date(2025, 5, 1), None)  # 服判息诉 not known
    court_case(wh, date(2025, 5, 1), False, nature="criminal")  # not civil
    court_case(wh, date(2025, 5, 1), False, instance="second")  # not first instance
    court_case(wh, date(2025, 5, 1), False, authority_type="administrative")
    court_case(wh, date(2024, 12, 31), False)  # closed last year
    court_case(wh, None, None)  # still open
    v = values(wh, D, plans)["civil_first_instance_acceptance_rate"]
    assert v == dict(value=80.0, numerator=8.0, denominator=10.0, flags=["unknown_outcome:3"])


def test_acceptance_rate_year_to_date(wh, plans):
    court_case(wh, date(2025, 3, 1), True)
    court_case(wh, date(2025, 3, 2), False)
    court_case(wh, date(2025, 9, 1), False)
    v = values(wh, date(2025, 3, 31), plans)["civil_first_instance_acceptance_rate"]
    assert v["value"] == 50.0 and v["denominator"] == 2


def test_acceptance_rate_without_cases_is_no_data(wh, plans):
    court_case(wh, date(2025, 3, 1), True, district_code="370613")
    v = values(wh, date(2025, 12, 31), plans, district_code="370602")["civil_first_instance_acceptance_rate"]
    assert v == dict(value=None, numerator=None, denominator=None, flags=["no_data"])
    v = values(wh, date(2024, 12, 31), plans)["civil_first_instance_acceptance_rate"]
    assert v["value"] is None and v["flags"] == ["no_data"]


def test_acceptance_rate_with_only_unknown_outcomes(wh, plans):
    court_case(wh, date(2025, 3, 1), None)
    v = values(wh, date(2025, 12, 31), plans)["civil_first_instance_acceptance_rate"]
    assert v["value"] is None and v["flags"] == ["no_data", "unknown_outcome:1"]


# ---- a landing zone without transfers, enforcement without the new columns ------------------------


def _old_data(wh) -> None:
    wh.hv_patent(grant_date=date(2021, 6, 1))
    wh.population(2024, "370602", 900_000)
    wh.trademark(registration_date=date(2022, 1, 1))
    wh.pledge(registration_date=date(2020, 2, 1))
    wh.pledge(registration_date=date(2025, 2, 1), amount_wan=500.0)
    wh.enterprise(programme="city_advantage", certified_date=date(2025, 2, 1))
    wh.enterprise(programme="gbt29490", certified_date=date(2021, 2, 1))
    wh.response(survey_date=date(2025, 3, 1))
    wh.economy(2024, 9000, 1000)
    wh.con.execute(
        "INSERT INTO stg_enforcement (case_no, case_type, authority_type, opened_date, closed_date, "
        "district_code, in_scope) VALUES ('E1', 'other', 'judicial', DATE '2025-01-01', "
        "DATE '2025-02-01', '370602', true)"
    )


def test_without_transfers_and_judicial_columns_new_ids_are_no_data_and_the_rest_unchanged(
    wh, plan14, action
):
    _old_data(wh)
    dates = [date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31), date(2026, 11, 30)]
    wh.compute(*dates, plans=[plan14])
    old = wh.con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall()
    assert not {r[0] for r in old} & set(NEW_IDS)
    wh.compute(*dates, plans=[plan14, action])
    rows = wh.con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall()
    assert [r for r in rows if r[0] not in NEW_IDS] == old
    for r in rows:
        if r[0] in (
            "ip_transfer_licence_count",
            "ip_transfer_licence_cagr",
            "civil_first_instance_acceptance_rate",
        ):
            assert r[3] is None and "no_data" in r[7], r
    assert wh.value("new_city_advantage_enterprises", date(2025, 12, 31)) == 1


def test_adding_transfers_and_judicial_columns_changes_only_the_new_ids(wh, plan14, action):
    _old_data(wh)
    dates = [date(2025, 6, 30), date(2025, 12, 31)]
    wh.compute(*dates, plans=[plan14, action])
    before = wh.con.execute(
        "SELECT * FROM indicator_values WHERE indicator_id NOT IN "
        f"({', '.join(repr(i) for i in NEW_IDS)}) ORDER BY ALL"
    ).fetchall()
    transfers(wh, 4, date(2024, 2, 1))
    transfers(wh, 5, date(2025, 2, 1))
    court_case(wh, date(2025, 3, 1), True)
    wh.compute(*dates, plans=[plan14, action])
    after = wh.con.execute(
        "SELECT * FROM indicator_values WHERE indicator_id NOT IN "
        f"({', '.join(repr(i) for i in NEW_IDS)}) ORDER BY ALL"
    ).fetchall()
    assert after == before
    assert wh.value("ip_transfer_licence_cagr", date(2025, 12, 31)) == pytest.approx(25.0)
    assert wh.value("civil_first_instance_acceptance_rate", date(2025, 12, 31)) == 100.0


# ---- explain ------------------------------------------------------------------------------------


def test_explain_lists_the_records_behind_the_new_ids(wh, plans):
    from ip_pipeline.indicators import explain

    D = date(2025, 6, 30)
    assert explain(wh.con, "ip_transfer_licence_count", D, plans=plans).empty  # no transfers table at all
    transfer(wh, date(2024, 6, 1), record_no="B1")
    transfer(wh, date(2025, 6, 1), record_no="Y1", district_code="370613")
    transfer(wh, date(2025, 7, 1), record_no="LATE")
    df = explain(wh.con, "ip_transfer_licence_cagr", D, plans=plans)
    assert dict(zip(df.record_no, df.period)) == {"Y1": "year_to_date", "B1": "base_year"}
    assert list(explain(wh.con, "ip_transfer_licence_count", D, "370613", plans=plans).record_no) == ["Y1"]
    wh.enterprise(
        credit_code="N",
        programme="city_advantage",
        certified_date=date(2025, 1, 1),
        valid_until=date(2025, 3, 1),
    )
    wh.enterprise(credit_code="O", programme="city_advantage", certified_date=date(2024, 12, 31))
    assert list(explain(wh.con, "new_city_advantage_enterprises", D, plans=plans).credit_code) == ["N"]
    court_case(wh, date(2025, 3, 1), True)
    court_case(wh, date(2025, 3, 2), None)
    df = explain(wh.con, "civil_first_instance_acceptance_rate", D, plans=plans)
    assert sorted(df.outcome) == ["accepted", "unknown"] and "party" not in df.columns
