"""Table-level map rules judged on their witnesses (quality/witness.py): uniqueness, compound
uniqueness and bounds that move with `today` give, from the few rows DuckDB picks, the verdicts,
unexpected counts and percentages of GX run on the whole table."""

from __future__ import annotations

import duckdb
import pytest

from ip_pipeline.quality.gx_validation import validate_frames
from ip_pipeline.quality.incremental import validate_incremental
from ip_pipeline.quality.suites import POSITION, number_expectations, row_level_positions, sub_suite
from ip_pipeline.quality.validation_plan import witnesses
from ip_pipeline.quality.warehouse_io import frame_sql

TODAY = "2026-12-07T00:00:00"
ROWS = 2000


def _suite(mostly: float = 1.0) -> dict:
    def exp(type_: str, rule: str, severity: str = "error", **kwargs) -> dict:
        return {"type": type_, "kwargs": kwargs, "meta": {"rule": rule, "severity": severity}}

    return number_expectations(
        {
            "name": "stg_demo",
            "meta": {"table": "stg_demo", "key": ["app"]},
            "expectations": [
                exp("expect_column_values_to_be_unique", "one row per app", column="app"),
                exp(
                    "expect_compound_columns_to_be_unique",
                    "one grant per office",
                    column_list=["office", "grant_no"],
                ),
                exp(
                    "expect_column_values_to_be_between",
                    "filed by today",
                    severity="warn",
                    column="filed",
                    min_value="1985-04-01",
                    max_value={"$PARAMETER": "today"},
                    mostly=mostly,
                ),
                exp(
                    "expect_column_values_to_be_between",
                    "amount in (0, 100]",
                    column="amount",
                    min_value=0,
                    max_value=100,
                    strict_min=True,
                ),
                exp("expect_column_values_to_not_be_null", "app given", column="office"),
                exp("expect_table_row_count_to_be_between", "rows", min_value=1),
                exp(
                    "expect_column_unique_value_count_to_be_between",
                    "one snapshot",
                    column="_snapshot_at",
                    min_value=1,
                    max_value=1,
                ),
            ],
        }
    )


def _table(con: duckdb.DuckDBPyConnection, clean: bool) -> None:
    con.execute(f"""
        CREATE OR REPLACE TABLE stg_demo AS
        SELECT 'A' || lpad(i::VARCHAR, 6, '0') AS app,
               ['US', 'EP', 'JP'][1 + i % 3] AS office, 'G' || i::VARCHAR AS grant_no,
               DATE '2020-01-01' + (i % 1500)::INTEGER AS filed,
               (1 + i % 99)::DOUBLE AS amount,
               TIMESTAMP '2026-12-06 02:00:00' AS _snapshot_at
        FROM range({ROWS}) t(i)
    """)
    if clean:
        return
    con.execute("""
        UPDATE stg_demo SET app = 'A000001' WHERE app IN ('A000002', 'A000003');  -- three copies
        UPDATE stg_demo SET app = NULL WHERE app = 'A000010';                    -- missing, not unexpected
        UPDATE stg_demo SET office = 'US', grant_no = 'G0' WHERE app = 'A000021';  -- a second (US, G0)
        UPDATE stg_demo SET grant_no = NULL WHERE app = 'A000022';
        UPDATE stg_demo SET filed = DATE '2026-12-08' WHERE app IN ('A000030', 'A000031');  -- after today
        UPDATE stg_demo SET filed = DATE '2026-12-07' WHERE app = 'A000032';  -- today: passes
        UPDATE stg_demo SET filed = DATE '1985-04-01' WHERE app = 'A000033';  -- the bound: passes
        UPDATE stg_demo SET filed = NULL WHERE app = 'A000034';
        UPDATE stg_demo SET amount = 0 WHERE app = 'A000040';    -- strict: fails
        UPDATE stg_demo SET amount = 100 WHERE app = 'A000041';  -- passes
        UPDATE stg_demo SET amount = 150 WHERE app = 'A000042';
        UPDATE stg_demo SET amount = NULL WHERE app = 'A000043';
    """)


def _verdicts(result) -> tuple:
    return (
        result.passed,
        result.evaluated,
        sorted(
            (f.position, f.severity, f.unexpected_count, round(f.unexpected_percent, 9))
            for f in result.failures
        ),
    )


@pytest.mark.parametrize(("clean", "mostly"), [(False, 1.0), (False, 0.99), (True, 1.0)])
def test_witnesses_give_the_verdicts_of_the_whole_table(clean: bool, mostly: float):
    con = duckdb.connect()
    _table(con, clean)
    suite = _suite(mostly)
    params = {"today": TODAY}
    rows_pos = row_level_positions(suite)
    everything = {e["meta"][POSITION] for e in suite["expectations"]}

    sql, witnessed = witnesses(con, "stg_demo", suite, everything - rows_pos, params)
    # the amount rule is row-level (the rows that came and went); the row count and the
    # distinct count read the table
    assert witnessed == [0, 1, 2]
    witness = con.execute(sql).df()
    whole_sql, schema_sql, cols = frame_sql(
        con, "stg_demo", sub_suite(suite, everything - rows_pos - set(witnessed))
    )
    assert cols == ["_snapshot_at"]  # no key string per row for a row count and a distinct count
    frame, schema = con.execute(whole_sql).df(), con.execute(schema_sql).df()
    full_sql, _, _ = frame_sql(con, "stg_demo", suite)
    full = validate_frames("stg_demo", con.execute(full_sql).df(), suite, params, schema, counts_for=rows_pos)

    none = con.execute(f"SELECT * FROM ({full_sql}) LIMIT 0").df()
    got = validate_incremental(
        "stg_demo",
        suite,
        params,
        frame,
        schema,
        none,
        none,
        full.extra["row_counts"],
        witness=witness,
        witnessed=set(witnessed),
        rows=ROWS,
    )
    assert got is not None
    assert _verdicts(got) == _verdicts(full)
    if clean:
        assert len(witness) == 0 and got.passed
        return
    # the copies of A000001 and the null app; (US, G0) twice and a null grant_no; two late
    # filings, a null one and the two on a bound (they pass, but are witnesses)
    assert len(witness) == 4 + 3 + 5
    failed = {f.position: f for f in got.failures}
    assert failed[0].unexpected_count == 3 and failed[1].unexpected_count == 2
    assert failed[3].unexpected_count == 2
    assert (2 in failed) is (mostly == 1.0)
    assert {s.get("app") for s in failed[0].sample} == {"A000001"}
