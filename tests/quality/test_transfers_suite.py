"""expectations/stg_transfers.json: staged transfers pass, an empty source (no transfers/ folder)
passes, and a broken table fails with ERROR naming the rule."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from ip_pipeline.defs.quality_checks import run_table_check
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import stage_source
from ip_pipeline.sample.geo import DISTRICTS_CSV

HEADER = [
    "登记号",
    "类型",
    "知识产权类型",
    "涉及专利/商标号",
    "让与人/许可人",
    "让与人/许可人地址",
    "受让人/被许可人",
    "受让人/被许可人地址",
    "行政区划代码",
    "登记日",
]
ROWS = [
    [
        "2025370000123",
        "专利权转移",
        "专利",
        "ZL202110123456.7",
        "某大学",
        "山东省青岛市崂山区香港东路1号",
        "烟台某新材料有限公司",
        "山东省烟台市莱山区港城东大街100号",
        "",
        "2025-03-18",
    ],
    [
        "X2025370600045",
        "普通许可",
        "专利",
        "CN202010553120.X",
        "烟台某研究院",
        "山东省烟台市芝罘区南大街2号",
        "威海某机械有限公司",
        "山东省威海市环翠区海滨路8号",
        "370602",
        "2025-06-03",
    ],
    [
        "T2026000078",
        "转让",
        "商标",
        "10280636",
        "烟台某酒业有限公司",
        "山东省烟台市蓬莱区钟楼北路3号",
        "烟台某酒庄有限公司",
        "山东省烟台市蓬莱区海港路5号",
        "370614",
        "2026-01-09",
    ],
]


def _home(tmp_path: Path, with_transfers: bool) -> Path:
    landing = tmp_path / "landing"
    ref = landing / "reference"
    ref.mkdir(parents=True)
    (ref / "districts.csv").write_text(DISTRICTS_CSV, encoding="utf-8")
    (ref / "population.csv").write_text(
        "year,district_code,population\n2020,370602,900000\n", encoding="utf-8"
    )
    (ref / "economy.csv").write_text("year,gdp_yi,patent_intensive_va_yi\n2020,7400,860\n", encoding="utf-8")
    (ref / "sei_ipc.csv").write_text("ipc_prefix,sei_code,sei_name\nH01M,5,新能源汽车\n", encoding="utf-8")
    if with_transfers:
        (landing / "transfers").mkdir()
        with open(landing / "transfers" / "t.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(ROWS)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        stage_reference(con, landing)
        stage_source(con, load_contract("transfers"), landing)
    finally:
        con.close()
    return tmp_path


def test_staged_transfers_pass_the_suite(tmp_path):
    result = run_table_check("stg_transfers", Warehouse(home=str(_home(tmp_path, True))), use_cache=False)
    assert result.passed and not result.failures, result.message


def test_an_empty_source_passes_the_suite(tmp_path):
    result = run_table_check("stg_transfers", Warehouse(home=str(_home(tmp_path, False))), use_cache=False)
    assert result.passed and not result.errors, result.message


def test_a_bad_kind_fails_with_error(tmp_path):
    home = _home(tmp_path, True)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("UPDATE stg_transfers SET kind = 'gift' WHERE record_no = 'T2026000078'")
    con.close()
    result = run_table_check("stg_transfers", Warehouse(home=str(home)), use_cache=False)
    assert not result.passed and result.severity == "ERROR"
    assert any("kind in its enumeration" in f.rule for f in result.errors)
