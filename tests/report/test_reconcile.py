"""BULLETIN.md "Numbers" and "Quality, said honestly" on data built in the test: the penalties a
table shows add up and a court row carries none; a check that warned is not counted as passed."""

import json
from datetime import date, datetime

import duckdb
import pandas as pd

from ip_pipeline.quality.warehouse_io import check_outcome
from ip_pipeline.report.data_quality import read_checks
from ip_pipeline.report.protection import read_protection


def _enforcement(con):
    con.execute("""CREATE TABLE stg_enforcement (case_no VARCHAR, authority_type VARCHAR, case_type VARCHAR,
                   opened_date DATE, value_wan DOUBLE, penalty_wan DOUBLE, party VARCHAR)""")
    rows = [
        ("A1", "administrative", "patent_dispute", date(2026, 3, 1), 100.0, 20.5, "x"),
        ("A2", "administrative", "trademark_infringement", date(2026, 5, 1), 50.0, 10.0, "x"),
        ("C1", "customs", "trademark_counterfeit", date(2026, 4, 1), 30.0, 7.25, "x"),
        # a court's criminal fine in the source: not 罚没款, never counted
        ("J1", "judicial", "trademark_counterfeit", date(2026, 6, 1), 80.0, 60.2, "x"),
        ("J2", "judicial", "patent_dispute", date(2025, 6, 1), 10.0, 3.0, "x"),
    ]
    con.executemany("INSERT INTO stg_enforcement VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def test_penalties_add_up_and_courts_have_none():
    con = duckdb.connect()
    _enforcement(con)
    values = pd.DataFrame(columns=["indicator_id", "as_of", "district_code", "value", "month"])
    districts = pd.DataFrame(columns=["district_code", "name_zh", "name_en"])
    pr = read_protection(con, {"stg_enforcement"}, date(2026, 11, 30), values, districts, [])
    by = pr.by_type
    court = by[by["authority_type"] == "judicial"]
    assert court["penalty_wan"].isna().all() and court["penalty_wan_prev"].isna().all()
    admin = by[by["authority_type"] == "administrative"]["penalty_wan"].sum()
    customs = by[by["authority_type"] == "customs"]["penalty_wan"].sum()
    assert admin == 30.5 and customs == 7.25
    # The city total the page and the XLSX print is the sum of the rows: administrative + customs.
    assert by["penalty_wan"].sum(min_count=1) == admin + customs


def test_a_check_that_warned_is_never_counted_as_passed(tmp_path):
    assert check_outcome(True, "WARN", json.dumps([{"rule": "jump"}])) == "warned"
    assert check_outcome(True, "WARN", "[]") == "passed"
    assert check_outcome(False, "ERROR", "[]") == "failed"
    con = duckdb.connect()
    con.execute("""CREATE TABLE quality_results (table_name VARCHAR, check_name VARCHAR, severity VARCHAR,
                   passed BOOLEAN, failed_expectations VARCHAR, evaluated_at TIMESTAMP, details VARCHAR)""")
    at = datetime(2026, 12, 1, 2, 0)
    rows = [
        ("indicator_values", "no_unexplained_jumps", "WARN", True, json.dumps([{"rows": 167}]), at, "{}"),
        ("indicator_values", "range", "ERROR", True, "[]", at, "{}"),
        ("indicator_values", "complete", "ERROR", True, "[]", at, "{}"),
        ("indicator_values", "units", "WARN", True, "[]", at, "{}"),
    ]
    con.executemany("INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    df, note = read_checks(con, {"quality_results"})
    assert note is None
    outcome = dict(zip(df["check_name"], df["outcome"]))
    assert outcome == {
        "no_unexplained_jumps": "warned",
        "range": "passed",
        "complete": "passed",
        "units": "passed",
    }
    assert (df["outcome"] == "passed").sum() == 3  # 3 of 4 passed, one warned
