"""CLI tables for people (names beside codes, units, status words, wide-character alignment),
id options that list their ids, and explain's summary and paged records — on a warehouse built here."""

from __future__ import annotations

import argparse
import csv
import io
import re
from datetime import date

import duckdb
import pytest

from ip_pipeline.cli.indicators import add_cli
from ip_pipeline.cli.tables import char_width, display_width, render
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.indicators.registry import COMPUTATIONS
from ip_pipeline.labels import format_number

from .builder import WarehouseBuilder

D = date(2023, 6, 30)


def run(*argv):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def home(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    wh.sei("H01M")
    for code, n in (("370602", 120_000), ("370611", 80_000), ("370671", 50_000)):
        wh.population(2022, code, n)
    # Five high-value patents: criteria overlapping (sei + award on two of them).
    wh.hv_patent(district_code="370602", ipc_codes="H01M 4/00")
    wh.hv_patent(district_code="370602", ipc_codes="H01M 10/00")
    wh.hv_patent(district_code="370611")
    wh.patent(district_code="370611", ipc_codes="H01M 2/00")
    wh.patent(district_code="370671", filing_date=date(2010, 1, 1), grant_date=date(2012, 1, 1))
    wh.patent(district_code="370671")  # no criterion: not high-value
    wh.enterprise(district_code="370611")
    wh.enterprise(district_code="370671", programme="city_advantage")
    wh.trademark(district_code="370671")
    wh.rows(
        "stg_enforcement",
        [
            dict(
                case_no="C1",
                case_type="other",
                authority_type="judicial",
                opened_date=D,
                party="张三丰",
                district_code="370602",
                in_scope=True,
            )
        ],
    )
    wh.compute(D)
    wh.progress(D)
    con.close()
    return tmp_path


# --------------------------------------------------------------------------- alignment


def slots(line: str) -> list[str]:
    """One entry per terminal column: a wide character fills two (the second is '')."""
    out: list[str] = []
    for ch in line:
        w = char_width(ch)
        if w == 2:
            out += [ch, ""]
        elif w == 1:
            out.append(ch)
    return out


def assert_aligned(table: str) -> list[list[str]]:
    """Every line's cells start and end on the columns the `----` rule gives; returns the cells (the
    summary under the table, after a blank line, is not a row)."""
    lines = table.split("\n\n")[0].splitlines()
    rule = lines[1]
    assert set(rule) <= {"-", " "}, rule
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    cells = []
    for line in [lines[0]] + lines[2:]:
        s = slots(line)
        row = []
        for i, (a, b) in enumerate(spans):
            assert a >= len(s) or a == 0 or s[a - 1] == " ", f"column {i} does not start at {a}: {line!r}"
            if a < len(s):
                assert s[a] != "", f"a wide character straddles column {i} start: {line!r}"
            nxt = spans[i + 1][0] if i + 1 < len(spans) else None
            if nxt is not None:
                assert all(c == " " for c in s[b:nxt]), f"column {i} overflows its width: {line!r}"
            row.append("".join(s[a:b]).strip())
        assert display_width(line) <= spans[-1][1], line
        cells.append(row)
    return cells


def test_display_width_counts_wide_and_full_width_characters():
    assert display_width("abc") == 3
    assert display_width("芝罘区") == 6
    assert display_width("（万元）") == 8  # full-width parentheses
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("370602 芝罘区") == 13


def test_render_aligns_wide_characters_by_display_width():
    table = render(
        ["区划", "值", "note"],
        [["370602 芝罘区", "1,234", "a"], ["370671 烟台高新技术产业开发区", "5", "（全角）"], ["x", "—", ""]],
    )
    cells = assert_aligned(table)
    assert cells[2] == ["370671 烟台高新技术产业开发区", "5", "（全角）"]
    # numbers are right-aligned: their last characters share a column
    value_end = [m.end() for m in re.finditer(r"-+", table.splitlines()[1])][1]
    for line in table.splitlines()[2:]:
        assert slots(line)[value_end - 1] != " ", line


def test_numbers_are_formatted_by_unit():
    assert format_number(140.0, "家") == "140 家"
    assert format_number(11.2345, "万件") == "11.23 万件"
    assert format_number(31.44, "%") == "31.4%"
    assert format_number(5.061, "%") == "5.06%"
    assert format_number(85.04, "分") == "85.0 分"
    assert format_number(280.0, "件") == "280 件"
    assert format_number(None, "件") == "—"


def test_indicators_table_names_units_and_alignment(home, capsys):
    assert run("indicators", "--home", str(home), "--as-of", D.isoformat(), "--all") == 0
    out = capsys.readouterr().out
    cells = assert_aligned(out)
    assert cells[0] == ["日期", "指标", "区划", "值", "分子", "分母", "标记"]
    by = {(r[1], r[2]): r for r in cells[1:]}
    gbt = by[("运行《企业知识产权管理规范》企业", "370611 福山区")]
    assert gbt[3] == "1 家" and gbt[4] == "1"  # a count, not "1.00 家"
    hv = by[("每万人口高价值发明专利拥有量", "370602 芝罘区")]
    assert hv[3] == "0.17 件" and hv[4] == "2" and hv[5] == "120,000" and hv[6] == "provisional_denominator"
    assert "烟台高新技术产业开发区" in out and "370600 烟台市" in out


def test_indicators_table_in_english_and_filtered(home, capsys):
    assert (
        run(
            "indicators",
            "--home",
            str(home),
            "--as-of",
            D.isoformat(),
            "--lang",
            "en",
            "--indicator",
            "valid_trademarks",
            "--district",
            "370671",
        )
        == 0
    )
    cells = assert_aligned(capsys.readouterr().out)
    assert cells[0][:4] == ["As of", "Indicator", "Unit", "Value"]
    assert cells[1:] == [
        [
            "2023-06-30",
            "Valid registered trademarks",
            "370671 Yantai Hi-tech Zone",
            "0.00 10k marks",
            "1",
            "—",
            "",
        ]
    ]


def test_machine_formats_keep_the_warehouse_columns_and_ids(home, capsys):
    assert (
        run(
            "indicators",
            "--home",
            str(home),
            "--as-of",
            D.isoformat(),
            "--format",
            "csv",
            "--lang",
            "en",
            "--all",
        )
        == 0
    )
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
    assert {r[2] for r in rows[1:]} >= {"370600", "370602"}  # codes, no names
    assert (
        run(
            "progress",
            "--home",
            str(home),
            "--format",
            "json",
            "--plan",
            "yantai_ip_14th_fyp",
            "--as-of",
            D.isoformat(),
        )
        == 0
    )  # the plan is in force on D (it ended on 2025-12-31)
    out = capsys.readouterr().out
    assert '"plan_id": "yantai_ip_14th_fyp"' in out and "烟台市“十四五”" not in out


def test_progress_table_shows_plan_names_and_status_words(home, capsys):
    assert run("progress", "--home", str(home), "--district", "370600") == 0
    out = capsys.readouterr().out
    cells = assert_aligned(out)
    plan = load_plans()[0]
    assert {r[1] for r in cells[1:]} == {plan.name_zh} and "yantai_ip_14th_fyp" not in out
    words = {w["zh"] for w in plan.status["labels"].values()}
    assert {r[9] for r in cells[1:]} <= words
    assert run("progress", "--home", str(home), "--district", "370600", "--lang", "en") == 0
    cells = assert_aligned(capsys.readouterr().out)
    assert {r[1] for r in cells[1:]} == {plan.name_en}
    assert {r[9] for r in cells[1:]} <= {w["en"] for w in plan.status["labels"].values()}


def test_id_options_list_the_valid_ids_in_their_help(capsys):
    parser = argparse.ArgumentParser(prog="ip-pipeline")
    add_cli(parser.add_subparsers())
    for command in ("indicators", "progress", "explain"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        text = re.sub(r"\s+", " ", capsys.readouterr().out)
        for ind in COMPUTATIONS:
            assert ind in text.replace("- ", "-"), (command, ind)
        assert "370602 (芝罘区)" in text and "370699 (未定位)" in text
        if command == "progress":
            assert all(p.id in text for p in load_plans())


def test_a_wrong_id_is_one_line_with_the_valid_ones(home, capsys):
    assert run("indicators", "--home", str(home), "--indicator", "hv_patent") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "hv_patents_per_10k" in err
    assert run("progress", "--home", str(home), "--plan", "fyp14") == 2
    assert "yantai_ip_14th_fyp" in capsys.readouterr().err


# --------------------------------------------------------------------------- explain


def test_explain_opens_with_value_criteria_overlap_and_units(home, capsys):
    assert (
        run("explain", "--home", str(home), "--indicator", "hv_patents_per_10k", "--as-of", D.isoformat())
        == 0
    )
    out = capsys.readouterr().out
    # 5 high-value patents / 250,000 residents × 10,000 = 0.2
    assert "值 = 分子 / 分母 × 10,000 = 5 件 / 250,000 人 × 10,000 = 0.20 件" in out
    assert "记录数: 5" in out and "provisional_denominator" in out
    blocks = out.split("\n\n")
    crit = next(b for b in blocks if b.startswith("按条件"))
    rows = {r[0]: r[1:] for r in assert_aligned(crit.split("\n", 1)[1])[1:]}
    assert rows["战略性新兴产业"] == ["3", "60.0%"] and rows["获得专利奖"] == ["3", "60.0%"]
    assert rows["维持年限超过10年"] == ["1", "20.0%"] and rows["海外同族授权"] == ["0", "0.0%"]
    overlap = next(b for b in blocks if b.startswith("条件重叠"))
    over = {r[0]: r[1] for r in assert_aligned(overlap.split("\n", 1)[1])[1:]}
    assert over == {"满足 1 项": "3", "满足 2 项": "2", "满足多项 (≥2)": "2"}
    units = next(b for b in blocks if b.startswith("按区划"))
    by_unit = {r[0]: r[1:] for r in assert_aligned(units.split("\n", 1)[1].split("\n\n")[0])[1:]}
    assert (
        by_unit["370602 芝罘区"][:2] == ["2", "0.17 件"]
        and by_unit["370671 烟台高新技术产业开发区"][0] == "1"
    )
    assert by_unit["370613 莱山区"][:2] == ["0", "—"]
    assert "application_no" not in out  # no record without --records
    assert "--records" in out


def test_explain_in_english(home, capsys):
    assert (
        run(
            "explain",
            "--home",
            str(home),
            "--indicator",
            "hv_patents_per_10k",
            "--as-of",
            D.isoformat(),
            "--lang",
            "en",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "value = numerator / denominator × 10,000 = 5 patents / 250,000 residents × 10,000 = 0.20 patents"
        in out
    )
    assert "several (≥2)" in out and "370602 Zhifu" in out


def test_explain_records_are_paged_and_exported_whole(home, capsys):
    argv = ["explain", "--home", str(home), "--indicator", "hv_patents_per_10k", "--as-of", D.isoformat()]
    assert run(*argv, "--records", "--limit", "2", "--offset", "1") == 0
    out = capsys.readouterr().out
    listing = out.split("记录 2–3 / 5\n", 1)[1]
    table = listing.split("\n… ")[0]
    cells = assert_aligned(table)
    assert cells[0][0] == "application_no" and len(cells) == 3
    assert "--offset 3 --limit 2" in out
    assert run(*argv, "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 5 and rows[0]["district_code"] == "370602"  # codes, the SQL's columns
    assert run(*argv, "--format", "csv", "--limit", "2", "--offset", "4") == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 1


def test_explain_never_shows_personal_data(home, capsys):
    for ind in COMPUTATIONS:
        for extra in ((), ("--records",), ("--format", "csv")):
            code = run("explain", "--home", str(home), "--indicator", ind, "--as-of", D.isoformat(), *extra)
            captured = capsys.readouterr()
            assert code in (0, 2), ind
            assert "张三丰" not in captured.out + captured.err and "party" not in captured.out, (ind, extra)


def test_explain_summary_for_a_growth_rate_names_its_years(home, capsys):
    assert (
        run("explain", "--home", str(home), "--indicator", "pledge_count_cagr", "--as-of", D.isoformat()) == 0
    )
    out = capsys.readouterr().out
    assert "(2023 − 2020)" in out and "基期年同期" in out


def test_a_cell_wider_than_the_limit_is_cut_on_a_character_boundary():
    long = "烟台市推进新时代知识产权强市建设三年行动计划（2025—2027年）"
    table = render(["plan", "n"], [[long, "1"], ["x", "2"]], max_width=20)
    cells = assert_aligned(table)
    assert cells[1][0].endswith("…") and display_width(cells[1][0]) <= 20
    assert long.startswith(cells[1][0][:-1])
