"""Sanity checks on indicator_values: ranges, high-value stock, city = sum of units, jumps."""

import dagster as dg
import duckdb
import pytest
from conftest import UNITS, sql

from ip_pipeline.defs.indicator_checks import build_indicator_checks
from ip_pipeline.defs.partitions import monthly_partitions
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.quality.indicator_checks import (
    CITY_SUM_CHECK,
    HV_STOCK_CHECK,
    JUMP_CHECK,
    RANGE_CHECK,
    RULES,
    run_indicator_rule,
)

MONTHS = ["2024-01-31", "2024-02-29", "2024-03-31"]
RULE = {r.check_name: r for r in RULES}


def indicator_rows():
    rows = []
    for m, as_of in enumerate(MONTHS):
        for kind, unit_value in [("gbt29490_enterprises", 10 + m), ("valid_trademarks", 0.0012)]:
            for u in UNITS:
                rows.append((kind, as_of, u, unit_value, unit_value, None, "家", [], "v1"))
            rows.append(
                (
                    kind,
                    as_of,
                    "370600",
                    unit_value * len(UNITS),
                    unit_value * len(UNITS),
                    None,
                    "家",
                    [],
                    "v1",
                )
            )
        for u in UNITS:
            rows.append(("hv_patents_per_10k", as_of, u, 0.01, 0, 400000, "件", [], "v1"))
        rows.append(("hv_patents_per_10k", as_of, "370600", 0.0, 0, 5_000_000, "件", [], "v1"))
        rows.append(
            ("patent_intensive_va_share", as_of, "370600", 12.1, 980, 8200, "%", ["lagged:2023"], "v1")
        )
        rows.append(("ip_protection_satisfaction", as_of, "370600", 84.0 + m, None, None, "分", [], "v1"))
    return rows


@pytest.fixture
def with_indicators(home):
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute("""CREATE TABLE indicator_values (indicator_id VARCHAR, as_of DATE, district_code VARCHAR,
            value DOUBLE, numerator DOUBLE, denominator DOUBLE, unit VARCHAR, flags VARCHAR[], vintage VARCHAR)""")
        con.executemany("INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", indicator_rows())
    finally:
        con.close()
    return home


@pytest.mark.parametrize("check", [RANGE_CHECK, HV_STOCK_CHECK, CITY_SUM_CHECK, JUMP_CHECK])
def test_clean_indicators_pass(with_indicators, warehouse, check):
    result, found = run_indicator_rule(RULE[check], warehouse)
    assert result.failures == [], result.message
    assert found.checked > 0


def test_share_above_100_fails(with_indicators, warehouse):
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 120 WHERE indicator_id = 'patent_intensive_va_share' AND as_of = '2024-02-29'",
    )
    result, found = run_indicator_rule(RULE[RANGE_CHECK], warehouse)
    assert not result.passed and result.severity == "ERROR"
    assert "indicator_values" in result.message and "0-100" in result.message
    assert found.rows[0]["indicator_id"] == "patent_intensive_va_share"


def test_hv_numerator_above_invention_stock_fails(with_indicators, warehouse):
    # The fixture's units hold only a handful of invention patents in force.
    sql(
        with_indicators,
        "UPDATE indicator_values SET numerator = 10000 WHERE indicator_id = 'hv_patents_per_10k' AND district_code = '370602' AND as_of = '2024-03-31'",
    )
    result, found = run_indicator_rule(RULE[HV_STOCK_CHECK], warehouse)
    assert not result.passed and result.severity == "ERROR"
    assert [(str(r["as_of"]), r["district_code"]) for r in found.rows] == [("2024-03-31", "370602")]
    assert found.rows[0]["invention_patents_in_force"] < 10000


def test_hv_stock_matches_a_direct_count(with_indicators, warehouse):
    # Setting each numerator to the exact in-force count passes; one more fails.
    con = duckdb.connect(str(with_indicators / "warehouse.duckdb"))
    try:
        n = con.execute("""SELECT count(*) FROM stg_patents WHERE patent_type = 'invention' AND in_scope
            AND district_code = '370611' AND grant_date <= DATE '2024-01-31'
            AND (lapse_date IS NULL OR lapse_date > DATE '2024-01-31')""").fetchone()[0]
        con.execute(
            "UPDATE indicator_values SET numerator = ? WHERE indicator_id = 'hv_patents_per_10k' AND district_code = '370611' AND as_of = '2024-01-31'",
            [n],
        )
    finally:
        con.close()
    assert n > 0
    assert run_indicator_rule(RULE[HV_STOCK_CHECK], warehouse)[0].failures == []
    sql(
        with_indicators,
        "UPDATE indicator_values SET numerator = numerator + 1 WHERE indicator_id = 'hv_patents_per_10k' AND district_code = '370611' AND as_of = '2024-01-31'",
    )
    assert not run_indicator_rule(RULE[HV_STOCK_CHECK], warehouse)[0].passed


def test_city_not_equal_to_sum_of_units_fails(with_indicators, warehouse):
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = value + 1, numerator = numerator + 1 WHERE indicator_id = 'gbt29490_enterprises' AND district_code = '370600' AND as_of = '2024-01-31'",
    )
    result, found = run_indicator_rule(RULE[CITY_SUM_CHECK], warehouse)
    assert not result.passed and "city count = sum of units" in result.message
    assert found.rows[0]["indicator_id"] == "gbt29490_enterprises"


def test_unexplained_jump_is_a_warning_listing_it(with_indicators, warehouse):
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = value * 3 WHERE indicator_id = 'gbt29490_enterprises' AND district_code = '370611' AND as_of = '2024-03-31'",
    )
    # A jump that comes with a change of flags is explained.
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 40, flags = ['lagged:2024'] WHERE indicator_id = 'patent_intensive_va_share' AND as_of = '2024-03-31'",
    )
    result, found = run_indicator_rule(RULE[JUMP_CHECK], warehouse)
    assert result.passed and result.severity == "WARN"  # not blocking
    assert [(r["indicator_id"], r["district_code"]) for r in found.rows] == [
        ("gbt29490_enterprises", "370611")
    ]
    assert found.extra["explained_jumps"] == 1


def test_partition_scope_limits_the_rows_checked(with_indicators, warehouse):
    from datetime import date

    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 120 WHERE indicator_id = 'patent_intensive_va_share' AND as_of = '2024-01-31'",
    )
    march, _ = run_indicator_rule(RULE[RANGE_CHECK], warehouse, date(2024, 3, 1), date(2024, 4, 1))
    assert march.passed
    january, _ = run_indicator_rule(RULE[RANGE_CHECK], warehouse, date(2024, 1, 1), date(2024, 2, 1))
    assert not january.passed


@pytest.mark.parametrize("partitioned", [False, True])
def test_checks_run_on_a_partitioned_indicator_asset(with_indicators, partitioned):
    @dg.asset(name="indicator_values", partitions_def=monthly_partitions, group_name="indicators")
    def indicator_values(context) -> None:
        pass  # the table was written by the fixture

    @dg.asset(deps=[indicator_values], partitions_def=monthly_partitions, group_name="indicators")
    def indicator_progress() -> None:
        pass

    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 120 WHERE indicator_id = 'patent_intensive_va_share' AND as_of = '2024-03-31'",
    )
    result = dg.materialize(
        [
            indicator_values,
            indicator_progress,
            *build_indicator_checks(partitioned=partitioned, upstream_deps=False),
        ],
        resources={"warehouse": Warehouse(home=str(with_indicators))},
        partition_key="2024-03-01",
        raise_on_error=False,
    )
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evals) == {RANGE_CHECK, HV_STOCK_CHECK, CITY_SUM_CHECK, JUMP_CHECK}
    assert not evals[RANGE_CHECK].passed and evals[RANGE_CHECK].severity == dg.AssetCheckSeverity.ERROR
    assert "2024-03-01" in evals[RANGE_CHECK].metadata["scope"].value
    assert evals[CITY_SUM_CHECK].passed
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "indicator_progress" not in materialized


def test_early_year_reset_of_a_year_to_date_flow_is_not_a_jump(with_indicators, warehouse):
    # pledge_count is a year-to-date flow (kind: flow): 300 in December, 20 in January is its reset,
    # and this January against last January (18) is no jump either.
    rows = [
        ("pledge_count", "2023-01-31", 18.0),
        ("pledge_count", "2023-12-31", 300.0),
        ("pledge_count", "2024-01-31", 20.0),
        ("pledge_count", "2024-02-29", 45.0),
        ("pledge_count", "2023-02-28", 40.0),
        ("pledge_count", "2023-03-31", 60.0),
        ("pledge_count", "2024-03-31", 66.0),
    ]
    con = duckdb.connect(str(with_indicators / "warehouse.duckdb"))
    try:
        con.executemany(
            "INSERT INTO indicator_values VALUES (?, ?, '370600', ?, ?, NULL, '件', [], 'v1')",
            [(i, d, v, v) for i, d, v in rows],
        )
    finally:
        con.close()
    result, found = run_indicator_rule(RULE[JUMP_CHECK], warehouse)
    assert found.rows == [], found.rows
    assert result.failures == []


def test_a_small_count_moving_by_chance_is_not_a_jump(with_indicators, warehouse):
    # 2 -> 5 enterprises in a district is +150% but well within 3√(2+5): chance, not a jump
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 2 WHERE indicator_id = 'gbt29490_enterprises' "
        "AND district_code = '370611' AND as_of = '2024-02-29'",
    )
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = 5 WHERE indicator_id = 'gbt29490_enterprises' "
        "AND district_code = '370611' AND as_of = '2024-03-31'",
    )
    _, found = run_indicator_rule(RULE[JUMP_CHECK], warehouse)
    assert [r for r in found.rows if r["district_code"] == "370611"] == []


def test_jump_message_is_a_sentence_and_a_markdown_table(with_indicators, warehouse):
    sql(
        with_indicators,
        "UPDATE indicator_values SET value = value * 3 WHERE indicator_id = 'gbt29490_enterprises' AND district_code = '370611' AND as_of = '2024-03-31'",
    )
    result, _ = run_indicator_rule(RULE[JUMP_CHECK], warehouse)
    first, _, table = result.message.partition("\n\n")
    assert first.startswith("1 of ") and "without a flag that explains it" in first
    assert table.splitlines()[0].startswith("| indicator |") and table.splitlines()[1].startswith("|---")
    assert "gbt29490_enterprises | 370611 | 2024-03-31" in table
    assert "{" not in result.message  # no JSON
