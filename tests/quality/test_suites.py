"""Each staged table's suite: clean data passes, each kind of poison fails with ERROR naming table and rule."""

import json

import dagster as dg
import duckdb
import pytest
from conftest import sql

from ip_pipeline.defs.quality_checks import GX_SUITE_CHECK, SKIPPED_STATUS, check_result, run_table_check
from ip_pipeline.paths import EXPECTATIONS_DIR
from ip_pipeline.quality.suites import list_suites, load_suite

STAGED = [
    "stg_patents",
    "stg_overseas_grants",
    "stg_trademarks",
    "stg_pledges",
    "stg_enforcement",
    "stg_awards",
    "stg_enterprises",
    "stg_survey",
    "stg_transfers",
    "stg_districts",
    "stg_population",
    "stg_economy",
    "stg_sei_ipc",
    "stg_satisfaction",
    "stg_peers",
]


def test_every_staged_table_has_a_suite_with_a_severity_and_rule_on_each_expectation():
    assert list_suites() == sorted(STAGED)
    for table in STAGED:
        raw = json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
        assert raw["name"] == table
        for exp in raw["expectations"]:
            assert exp["meta"]["severity"] in ("error", "warn"), (table, exp)
            assert exp["meta"]["rule"], (table, exp)


@pytest.mark.parametrize("table", STAGED)
def test_clean_data_passes_every_suite(warehouse, table):
    result = run_table_check(table, warehouse)
    assert result.passed, result.message
    assert result.failures == [], result.message
    check = check_result(result)
    assert check.passed


def assert_blocking_failure(warehouse, table, rule_words):
    result = run_table_check(table, warehouse)
    assert not result.passed
    assert result.severity == "ERROR"
    assert table in result.message
    assert rule_words in result.message, result.message
    assert any(rule_words in f.rule and f.severity == "error" for f in result.failures)
    check = check_result(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    return result


def test_negative_population_fails(home, warehouse):
    sql(
        home,
        "UPDATE stg_population SET population = -5 WHERE district_code = '370602' AND year = (SELECT max(year) FROM stg_population)",
    )
    r = assert_blocking_failure(warehouse, "stg_population", "population is positive")
    failure = next(f for f in r.failures if f.rule == "population is positive")
    assert failure.unexpected_count == 1
    assert failure.sample[0]["district_code"] == "370602"


def test_halved_snapshot_fails(home, warehouse):
    # The previous snapshot had twice the rows now staged.
    sql(
        home,
        "UPDATE source_snapshots_history SET staged_rows = 480 WHERE source = 'patents' AND fingerprint = 'fp-patents-1'",
    )
    r = assert_blocking_failure(
        warehouse, "stg_patents", "row count within 0.75x-2.5x of the previous snapshot"
    )
    assert r.extra["previous_row_count"] == 480


def test_unknown_district_code_in_a_reference_table_fails(home, warehouse):
    sql(home, "UPDATE stg_population SET district_code = '379999' WHERE district_code = '370611'")
    assert_blocking_failure(warehouse, "stg_population", "district_code is a reporting unit of stg_districts")


def test_unresolved_district_code_in_a_source_fails(home, warehouse):
    sql(
        home,
        "UPDATE stg_pledges SET district_code = '370684' WHERE registration_no IN (SELECT registration_no FROM stg_pledges LIMIT 2)",
    )
    assert_blocking_failure(warehouse, "stg_pledges", "district_code is a code of stg_districts (resolved)")


def test_duplicate_key_fails(home, warehouse):
    sql(home, "INSERT INTO stg_trademarks SELECT * FROM stg_trademarks LIMIT 1")
    r = assert_blocking_failure(warehouse, "stg_trademarks", "key registration_no is unique")
    assert any("registration_no" in s for f in r.failures for s in f.sample if isinstance(s, dict))


def test_duplicate_compound_key_fails(home, warehouse):
    sql(
        home, "INSERT INTO stg_population SELECT * FROM stg_population WHERE district_code = '370602' LIMIT 1"
    )
    assert_blocking_failure(warehouse, "stg_population", "key (year, district_code) is unique")


def test_gdp_below_value_added_fails(home, warehouse):
    sql(
        home,
        "UPDATE stg_economy SET patent_intensive_va_yi = gdp_yi + 10 WHERE year = (SELECT min(year) FROM stg_economy)",
    )
    assert_blocking_failure(warehouse, "stg_economy", "GDP above the patent-intensive value added")


def test_missing_district_fails(home, warehouse):
    sql(home, "DELETE FROM stg_districts WHERE code = '370672'")
    r = assert_blocking_failure(warehouse, "stg_districts", "districts complete")
    assert "370672" in r.message


def test_population_jump_fails(home, warehouse):
    sql(
        home,
        "UPDATE stg_population SET population = population * 2 WHERE district_code = '370613' AND year = (SELECT max(year) FROM stg_population)",
    )
    assert_blocking_failure(warehouse, "stg_population", "year-on-year population growth within +/-20%")


def test_closed_before_opened_is_blocking(home, warehouse):
    sql(
        home,
        "UPDATE stg_enforcement SET closed_date = opened_date - 5 WHERE closed_date IS NOT NULL AND case_no IN (SELECT case_no FROM stg_enforcement WHERE closed_date IS NOT NULL LIMIT 1)",
    )
    assert_blocking_failure(warehouse, "stg_enforcement", "closed after opened")


def test_a_column_of_the_wrong_type_fails(home, warehouse):
    sql(home, "ALTER TABLE stg_satisfaction ALTER score TYPE VARCHAR")
    assert_blocking_failure(warehouse, "stg_satisfaction", "score is typed DOUBLE")


def test_grant_before_filing_is_only_a_warning(home, warehouse):
    sql(
        home,
        "UPDATE stg_patents SET grant_date = filing_date - 3 WHERE application_no IN (SELECT application_no FROM stg_patents WHERE grant_date IS NOT NULL LIMIT 2)",
    )
    result = run_table_check("stg_patents", warehouse)
    assert result.passed and result.severity == "WARN"
    assert [f.rule for f in result.failures] == ["grant after filing (grant_date >= filing_date)"]
    check = check_result(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN


def test_unchanged_snapshot_skips_revalidation(home, warehouse):
    first = run_table_check("stg_trademarks", warehouse)
    assert not first.skipped
    second = run_table_check("stg_trademarks", warehouse)
    assert second.skipped and second.passed
    assert check_result(second).metadata["status"].value == SKIPPED_STATUS
    # A new snapshot is validated again.
    sql(home, "UPDATE source_snapshots SET fingerprint = 'fp-trademarks-3' WHERE source = 'trademarks'")
    assert not run_table_check("stg_trademarks", warehouse).skipped


def test_failed_validation_is_not_cached(home, warehouse):
    sql(home, "INSERT INTO stg_trademarks SELECT * FROM stg_trademarks LIMIT 1")
    assert not run_table_check("stg_trademarks", warehouse).passed
    again = run_table_check("stg_trademarks", warehouse)
    assert not again.skipped and not again.passed


def test_results_are_recorded_in_quality_results(home, warehouse):
    sql(home, "DELETE FROM stg_districts WHERE code = '370672'")
    run_table_check("stg_districts", warehouse)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute(
            "SELECT table_name, check_name, severity, passed, failed_expectations, evaluated_at, details FROM quality_results"
        ).fetchone()
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'quality_results'"
            ).fetchall()
        )
    finally:
        con.close()
    assert row[:4] == ("stg_districts", GX_SUITE_CHECK, "ERROR", False)
    assert "districts complete" in json.loads(row[4])[0]["rule"]
    assert "stg_districts" in json.loads(row[6])["message"]
    assert types == {
        "table_name": "VARCHAR",
        "check_name": "VARCHAR",
        "severity": "VARCHAR",
        "passed": "BOOLEAN",
        "failed_expectations": "VARCHAR",
        "evaluated_at": "TIMESTAMP",
        "details": "VARCHAR",
    }


def test_data_docs_are_built_under_home_quality(home, warehouse):
    result = run_table_check("stg_economy", warehouse)
    assert result.data_docs == str(home.resolve() / "quality" / "data_docs" / "stg_economy" / "index.html")
    assert (home / "quality" / "data_docs" / "stg_economy" / "index.html").exists()
    assert (home / "quality" / "data_docs" / "index.html").exists()
    assert check_result(result).metadata["data_docs"].value == result.data_docs


def test_only_the_columns_the_suite_needs_are_read(warehouse):
    result = run_table_check("stg_patents", warehouse)
    read = set(result.extra["columns_read"])
    assert {"application_no", "filing_date", "district_code"} <= read
    assert not {"holder_address", "ipc_codes", "_source_file", "_row_number"} & read


def test_suite_severity_must_be_error_or_warn(tmp_path):
    bad = {
        "name": "stg_x",
        "meta": {},
        "expectations": [
            {"type": "expect_column_to_exist", "kwargs": {"column": "a"}, "meta": {"severity": "fatal"}}
        ],
    }
    (tmp_path / "stg_x.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="severity"):
        load_suite("stg_x", tmp_path)


def test_cross_table_rule_with_other_table_not_loaded_is_skipped_not_a_crash(warehouse, home):
    # A sensor run may stage awards before patents ever existed in this warehouse.
    sql(home, "DROP TABLE stg_patents")
    result = run_table_check("stg_awards", warehouse)
    assert result.passed, result.message


def test_a_date_beyond_pandas_range_in_the_schema_sample_fails_the_rule_not_the_check(home, warehouse):
    """Every row dated 2990: the shape rules' sample holds it too, and pandas cannot hold it
    as datetime64[ns]; it is clamped there as in the value frame, so the date rule fails."""
    sql(home, "UPDATE stg_trademarks SET filing_date = DATE '2990-01-01'")
    r = run_table_check("stg_trademarks", warehouse)
    failed = {f.rule: f for f in r.failures}
    rule = "filing_date is a plausible date (1980-01-01 to today)"
    assert failed[rule].unexpected_count == r.rows > 0
    assert not any(f.error for f in r.failures), [f.error for f in r.failures]
