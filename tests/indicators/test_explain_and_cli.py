"""explain() and the CLI subcommands."""

import argparse
import csv
import io
import json
from datetime import date

import duckdb
import pytest

from ip_pipeline.cli.indicators import add_cli
from ip_pipeline.indicators import explain

from .builder import WarehouseBuilder

D = date(2023, 6, 30)


def test_explain_lists_hv_patents_with_the_criteria_each_met(wh):
    wh.sei("H01M")
    a = wh.patent(ipc_codes="H01M 4/00", district_code="370611")
    b = wh.hv_patent(district_code="370602")
    wh.patent()  # no criterion
    df = explain(wh.con, "hv_patents_per_10k", D)
    assert sorted(df["application_no"]) == sorted([a, b])
    crit = dict(zip(df["application_no"], df["criteria"].map(list)))
    assert crit == {a: ["sei"], b: ["award"]}
    only = explain(wh.con, "hv_patents_per_10k", D, "370611")
    assert list(only["application_no"]) == [a]


def test_explain_pledges_of_the_year_and_base_period_for_growth(wh):
    wh.pledge(registration_date=date(2023, 3, 1), registration_no="P2023")
    wh.pledge(registration_date=date(2020, 3, 1), registration_no="P2020")
    wh.pledge(registration_date=date(2020, 8, 1), registration_no="P2020b")  # after D's month-day in B
    assert list(explain(wh.con, "pledge_count", D)["registration_no"]) == ["P2023"]
    growth = explain(wh.con, "pledge_count_cagr", D)
    assert dict(zip(growth["registration_no"], growth["period"])) == {
        "P2023": "year_to_date",
        "P2020": "base_year",
    }


def test_explain_never_returns_party(wh):
    wh.rows(
        "stg_enforcement",
        [
            dict(
                case_no="C1",
                case_type="other",
                authority_type="administrative",
                opened_date=D,
                party="张三",
                district_code="370602",
                in_scope=True,
            )
        ],
    )
    wh.response(survey_date=date(2023, 1, 5))
    for ind in [
        "hv_patents_per_10k",
        "overseas_invention_grants",
        "valid_trademarks",
        "pledge_count",
        "pledge_amount_cagr",
        "patent_intensive_va_share",
        "ip_protection_satisfaction",
        "ip_protection_satisfaction_survey",
        "gbt29490_enterprises",
        "city_advantage_enterprises",
    ]:
        df = explain(wh.con, ind, D)
        assert "party" not in df.columns
        assert not df.astype(str).apply(lambda c: c.str.contains("张三")).any().any()


def test_explain_survey_is_a_summary(wh):
    wh.response(survey_date=date(2023, 1, 5), respondent_type="企业", overall_score=80.0, weight=1.0)
    wh.response(survey_date=date(2023, 1, 6), respondent_type="企业", overall_score=90.0, weight=3.0)
    wh.response(survey_date=date(2023, 1, 7), respondent_type="公众", overall_score=60.0, weight=1.0)
    df = explain(wh.con, "ip_protection_satisfaction", D).set_index("respondent_type")
    assert df.loc["企业", "n_responses"] == 2 and df.loc["企业", "weighted_mean"] == pytest.approx(87.5)
    assert df.loc["(合计)", "n_responses"] == 3 and df.loc["(合计)", "weighted_mean"] == pytest.approx(
        (80 * 1 + 90 * 3 + 60 * 1) / 5
    )


@pytest.fixture
def home(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    wh.enterprise(district_code="370611")
    wh.patent(district_code="370602")  # patents delivered (else hv is no_data: an empty source)
    wh.compute(D)
    wh.progress(date(2023, 12, 31))
    con.close()
    return tmp_path


def run(*argv):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_indicators_csv_has_contract_columns_and_joined_flags(home, capsys):
    assert run("indicators", "--home", str(home), "--as-of", D.isoformat(), "--format", "csv", "--all") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == [
        "indicator_id",
        "as_of",
        "district_code",
        "value",
        "numerator",
        "denominator",
        "unit",
        "flags",
        "vintage",
    ]
    hv = [r for r in rows if r[0] == "hv_patents_per_10k" and r[2] == "370611"][0]
    assert hv[7] == "no_population" and hv[1] == "2023-06-30"
    gbt = [r for r in rows if r[0] == "gbt29490_enterprises" and r[2] == "370611"][0]
    assert float(gbt[3]) == 1


def test_cli_progress_table_in_chinese(home, capsys):
    assert run("progress", "--home", str(home)) == 0
    out = capsys.readouterr().out
    assert "运行《企业知识产权管理规范》企业" in out and "数据不足" in out


def test_cli_explain_json(home, capsys):
    assert (
        run(
            "explain",
            "--home",
            str(home),
            "--indicator",
            "gbt29490_enterprises",
            "--as-of",
            D.isoformat(),
            "--district",
            "370611",
            "--format",
            "json",
        )
        == 0
    )
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 1 and records[0]["district_code"] == "370611"


def test_cli_missing_warehouse_exits_2_with_one_line(tmp_path, capsys):
    assert run("indicators", "--home", str(tmp_path / "none")) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "warehouse" in err


def test_cli_explain_address_names_the_words_that_decided(tmp_path, capsys):
    assert run("explain", "--home", str(tmp_path / "none"), "--address", "山东省青岛市市南区福山路3号") == 0
    out = capsys.readouterr().out
    assert "outside" in out and "decided by: 「青岛市」" in out and "「福山路」" in out
    assert run("explain", "--home", str(tmp_path / "none"), "--address", "山东省长岛县南长山街道1号") == 0
    assert "370614" in capsys.readouterr().out


def test_cli_explain_without_indicator_or_address_is_one_line(home, capsys):
    assert run("explain", "--home", str(home), "--as-of", D.isoformat()) == 2
    assert "--address" in capsys.readouterr().err
