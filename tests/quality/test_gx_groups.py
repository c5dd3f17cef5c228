"""Value rules run in column groups (narrow frames) report exactly what one GX run on the whole frame would."""

import json

import numpy as np
import pandas as pd

from ip_pipeline.quality import gx_validation as gxr


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": ["k1", "k2", "k3", "k3", None, "k6"],
            "a": [1.0, None, 3.0, 4.0, 5.0, 6.0],
            "b": pd.array([5, 1, 2, None, 9, 0], dtype="Int32"),
            "d": pd.to_datetime(["2020-01-01", "1970-01-01", None, "2021-01-01", "2022-01-01", "2023-01-01"]),
            "s": ["x", "y", "x", "z", "y", "q"],
            "l": [np.array(["w"]), np.array([]), None, np.array(["a", "b"]), np.array([]), np.array(["c"])],
        }
    )


def _exp(type_: str, severity: str = "error", **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"severity": severity, "rule": f"{type_} {kwargs}"}}


VALUE_RULES = [
    _exp("expect_column_values_to_not_be_null", column="a"),
    _exp("expect_column_values_to_be_between", "warn", column="b", min_value=1, max_value=5),
    _exp("expect_column_values_to_be_in_set", column="missing", value_set=[1]),  # cannot be evaluated
    _exp("expect_column_values_to_be_unique", column="k"),
    _exp(
        "expect_column_pair_values_a_to_be_greater_than_b",
        "warn",
        column_A="a",
        column_B="b",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    ),
    _exp("expect_table_row_count_to_be_between", min_value=10),
    _exp(
        "expect_column_values_to_not_be_null", column="b", row_condition='s == "x"', condition_parser="pandas"
    ),
    _exp("expect_column_values_to_be_between", column="d", min_value="2000-01-01T00:00:00"),
    _exp("expect_column_values_to_be_in_set", column="s", value_set=["x", "y"], mostly=0.9),
    _exp("expect_column_values_to_not_be_null", column="a", row_condition="b > 4", condition_parser="pandas"),
    _exp("expect_compound_columns_to_be_unique", column_list=["s", "a"]),
    _exp("expect_column_values_to_not_be_null", column="l"),
    _exp(
        "expect_column_values_to_be_in_set",
        "warn",
        column="s",
        value_set=["x"],
        row_condition="a > 2",
        condition_parser="pandas",
    ),
]


def _comparable(result) -> str:
    d = result.to_json_dict()
    exc = d.get("exception_info") or {}
    return json.dumps(
        {
            "type": d["expectation_config"]["type"],
            "kwargs": d["expectation_config"]["kwargs"],
            "success": d["success"],
            "result": d["result"],
            "raised": gxr._raised(result),
            "message": exc.get("exception_message")
            or [v.get("exception_message") for v in exc.values() if isinstance(v, dict)],
        },
        sort_keys=True,
        default=str,
    )


def test_column_groups_hold_only_the_columns_each_rule_reads():
    groups = dict(
        (tuple(cols), positions) for cols, positions in gxr.column_groups(VALUE_RULES, _frame().columns)
    )
    assert groups[("a",)] == [0]
    assert groups[("a", "b")] == [4, 9]  # the pair, and a rule on a restricted to b > 4
    assert groups[("b", "s")] == [6]
    assert groups[()] == [2, 5]  # a missing column, and the row count
    assert groups[("a", "s")] == [10, 12]


def test_grouped_run_reports_what_one_run_on_the_whole_frame_reports():
    df = gxr._normalise_for_gx(_frame())
    meta = {"key": ["k"]}
    ctx = gxr._context("t", None)
    batch_def = (
        ctx.data_sources.add_pandas("t_source")
        .add_dataframe_asset("t")
        .add_batch_definition_whole_dataframe("w")
    )
    with gxr._without_batch_fingerprint():
        one_run = gxr._run_suite(ctx, batch_def, "t.one", VALUE_RULES, df, meta, None, ["k"])
        grouped = gxr._validate_groups(ctx, batch_def, "t", VALUE_RULES, df, meta, None, ["k"])
    assert [_comparable(r) for _, r in one_run] == [_comparable(r) for r, _ in grouped]
    assert any(not r.success for r, _ in grouped) and any(gxr._raised(r) for r, _ in grouped)


def test_batch_fingerprint_setting_is_restored():
    from great_expectations.execution_engine import pandas_execution_engine as engine

    before = engine.HASH_THRESHOLD
    suite = {"name": "t", "meta": {"table": "t", "key": ["k"]}, "expectations": VALUE_RULES[:2]}
    result = gxr.validate_frames("t", _frame(), suite)
    assert result.evaluated == 2 and not result.passed
    assert engine.HASH_THRESHOLD == before
