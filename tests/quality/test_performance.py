"""Validating a 1,000,000-row stg_trademarks-like table stays within a nightly budget (2 cores)."""

import time

import duckdb
import pytest
from conftest import DDL, build_clean_warehouse

from ip_pipeline.defs.quality_checks import run_table_check
from ip_pipeline.defs.resources import Warehouse

ROWS = 1_000_000


@pytest.mark.slow
def test_one_million_trademarks_validate_in_time(tmp_path):
    build_clean_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        con.execute(f"CREATE OR REPLACE TABLE stg_trademarks ({DDL['stg_trademarks']})")
        con.execute(f"""
            INSERT INTO stg_trademarks
            SELECT (10000000 + i)::VARCHAR, 1 + i % 45, '商标' || i, '注册人' || (i % 50000), '山东省烟台市芝罘区某路' || i || '号',
                   ['370602','370611','370612','370613','370614','370681','370682','370683','370685','370686','370687','370671','370672'][1 + i % 13],
                   TRUE, DATE '2005-01-01' + (i % 6000)::INTEGER, DATE '2005-07-01' + (i % 6000)::INTEGER,
                   DATE '2005-07-01' + (i % 6000)::INTEGER + 3651,
                   CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'registered' END, NULL,
                   [], 'trademarks/export.csv', i + 1, TIMESTAMP '2024-06-30 12:00:00', 'canonical'
            FROM range({ROWS}) t(i)""")
        con.execute(
            "UPDATE stg_trademarks SET registration_date = NULL, expiry_date = NULL WHERE status = 'pending'"
        )
        con.execute("UPDATE source_snapshots SET staged_rows = ? WHERE source = 'trademarks'", [ROWS])
        con.execute(
            "UPDATE source_snapshots_history SET staged_rows = ? WHERE source = 'trademarks'", [ROWS - 1000]
        )
    finally:
        con.close()
    warehouse = Warehouse(home=str(tmp_path))
    t0 = time.perf_counter()
    result = run_table_check("stg_trademarks", warehouse)
    elapsed = time.perf_counter() - t0
    print(
        f"\n1,000,000-row stg_trademarks: check {elapsed:.1f} s (GX validation + Data Docs {result.duration_s:.1f} s), "
        f"{result.evaluated} expectations, columns read {len(result.extra['columns_read'])}: {result.message}"
    )
    assert result.rows == ROWS
    assert result.passed, result.message
    assert elapsed < 180
    t0 = time.perf_counter()
    assert run_table_check("stg_trademarks", warehouse).skipped
    assert time.perf_counter() - t0 < 5
