"""What the Dagster UI shows: the latest-values table (names, values by unit, statuses filled
before indicator_progress runs) and check failures as markdown tables, not JSON."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb

from ip_pipeline.defs.markdown import latest_values_markdown, md_table, records_table
from ip_pipeline.defs.quality_checks import check_result
from ip_pipeline.quality.failures import ExpectationFailure, QualityResult
from tests.indicators.builder import WarehouseBuilder

D = date(2023, 12, 31)


def _rows(markdown: str) -> dict[str, list[str]]:
    out = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| indicator "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[cells[0]] = cells[1:]
    return out


def test_latest_values_have_names_units_and_a_status_before_progress_exists():
    con = duckdb.connect(":memory:")
    wh = WarehouseBuilder(con)
    for i in range(140):
        wh.enterprise(district_code="370611", credit_code=f"9137{i:014d}")
    wh.trademark(district_code="370602")
    wh.compute(date(2020, 12, 31), D)  # indicator_values only: indicator_progress does not exist yet
    text = latest_values_markdown(con, D)
    rows = _rows(text)
    gbt = rows["gbt29490_enterprises"]
    assert gbt[0] == "运行《企业知识产权管理规范》企业"
    assert gbt[1] == "140 家"  # not "140.00 家"
    assert gbt[2] == "400"
    assert gbt[3] in {"进展有限", "需加快进度", "进度正常", "出现倒退", "已实现目标", "数据不足"} and gbt[3]
    assert rows["valid_trademarks"][1] == "0.00 万件" and rows["valid_trademarks"][2] == "13.78"
    assert "| hv_patents_per_10k |" in text and "| 10.34 |" in text
    assert "computed for this date" in text
    # The status shown equals what indicator_progress then computes.
    wh.progress(D)
    published = con.execute(
        "SELECT status_label_zh FROM indicator_progress WHERE indicator_id = 'gbt29490_enterprises' "
        "AND as_of = ? AND district_code = '370600'",
        [D],
    ).fetchone()[0]
    assert gbt[3] == published
    after = _rows(latest_values_markdown(con, D, compute_status=False))
    assert after["gbt29490_enterprises"][3] == published


def test_gx_check_failures_are_markdown_tables():
    failures = [
        ExpectationFailure(
            rule="application_no is unique",
            expectation="expect_column_values_to_be_unique",
            column="application_no",
            severity="error",
            unexpected_count=3,
            unexpected_percent=1.5,
            sample=["2021100000001", "2021100000002"],
        ),
        ExpectationFailure(
            rule="rows",
            expectation="expect_table_row_count_to_be_between",
            column=None,
            severity="warn",
            observed=0,
        ),
    ]
    result = QualityResult(
        table="stg_patents",
        passed=False,
        failures=failures,
        evaluated=10,
        rows=200,
        message="stg_patents FAILED",
    )
    meta = check_result(result).metadata
    failed = meta["failed_expectations"]
    assert isinstance(failed, dg.MarkdownMetadataValue)
    lines = failed.value.splitlines()
    assert lines[0] == "| severity | rule | column | unexpected rows | share | observed / error | e.g. |"
    assert lines[2].startswith("| error | application_no is unique | application_no | 3 | 1.50% |")
    assert "2021100000001" in lines[2]
    sample = meta["offending_sample"]
    assert isinstance(sample, dg.MarkdownMetadataValue) and "| application_no |" in sample.value
    assert not any(isinstance(v, dg.JsonMetadataValue) for v in meta.values())


def test_indicator_check_sample_is_a_table_with_district_names():
    rows = [
        {
            "indicator_id": "valid_trademarks",
            "as_of": "2023-06-30",
            "district_code": "370602",
            "value": -1.0,
            "rule": "negative count or ratio",
        }
    ] * 25
    text = records_table(rows, total=25)
    lines = text.splitlines()
    assert lines[0] == "| indicator_id | as_of | district_code | value | rule |"
    assert lines[1] == "|---|---|---|---:|---|"
    assert "| 370602 芝罘区 |" in lines[2]
    assert "20 of 25 rows shown" in text
    assert md_table(["a"], [["x|y"]]).splitlines()[2] == "| x\\|y |"  # a pipe in a cell does not split it


def test_an_ended_plan_is_said_to_have_ended_not_given_a_status():
    con = duckdb.connect(":memory:")
    wh = WarehouseBuilder(con)
    wh.enterprise(district_code="370611")
    d = date(2026, 6, 30)
    wh.compute(d)
    text = latest_values_markdown(con, d)
    assert "(ended 2025-12-31)" in text.splitlines()[0]
    assert _rows(text)["gbt29490_enterprises"][3] in ("规划已结束",) or _rows(text)["gbt29490_enterprises"][
        3
    ].startswith("终期")
