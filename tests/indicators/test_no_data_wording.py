"""An empty source's indicators say 暂无数据 / no data yet wherever a person reads a value: the CLI's
`indicators` table, `explain`'s summary, and the UI's latest-values markdown; `progress` judges
none of them. A delivered indicator beside them shows its number (so the words are not printed
for everything)."""

from __future__ import annotations

import argparse
from datetime import date

import duckdb
import pytest

from ip_pipeline.cli.indicators import add_cli
from ip_pipeline.defs.markdown import latest_values_markdown
from ip_pipeline.labels import NO_DATA_YET

from .builder import WarehouseBuilder

D = date(2023, 6, 30)
NO_DATA = "pledge_count_cagr"  # pledges never delivered: its sole source is empty
NAME = "知识产权质押登记项目数年均增长率"
DELIVERED_NAME = "有效注册商标量"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("no-data")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    wh.never_delivered("pledges")
    wh.trademark()
    wh.compute(D)
    wh.progress(D)
    con.close()
    return root


def run(*argv):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def line_of(text: str, name: str) -> str:
    lines = [line for line in text.splitlines() if name in line]
    assert len(lines) == 1, (name, text)
    return lines[0]


def test_the_indicators_table_says_no_data_yet(home, capsys):
    assert run("indicators", "--home", str(home), "--as-of", D.isoformat()) == 0
    out = capsys.readouterr().out
    assert NO_DATA_YET["zh"] in line_of(out, NAME) and "no_data" in line_of(out, NAME)
    assert NO_DATA_YET["zh"] not in line_of(out, DELIVERED_NAME)


def test_the_progress_table_does_not_judge_an_indicator_without_data(home, capsys):
    assert run("progress", "--home", str(home), "--as-of", D.isoformat()) == 0
    row = line_of(capsys.readouterr().out, NAME)
    assert "数据不足" in row  # insufficient data: no status, no score
    for judged in ("达到", "落后", "出现倒退"):
        assert judged not in row


@pytest.mark.parametrize(
    "lang,words",
    [("zh", "暂无数据：所需数据源尚无可用于计算的记录"), ("en", "no data yet: the sources it needs")],
)
def test_explain_says_no_data_yet(home, capsys, lang, words):
    argv = ["explain", "--home", str(home), "--indicator", NO_DATA, "--as-of", D.isoformat(), "--lang", lang]
    assert run(*argv) == 0
    assert words in capsys.readouterr().out
    argv[4] = "valid_trademarks"
    assert run(*argv) == 0
    assert words not in capsys.readouterr().out


def test_the_indicators_table_in_english_says_no_data_yet(home, capsys):
    assert run("indicators", "--home", str(home), "--as-of", D.isoformat(), "--lang", "en") == 0
    out = capsys.readouterr().out
    assert NO_DATA_YET["en"] in line_of(out, "Average annual growth of IP pledge registrations (count)")
    assert NO_DATA_YET["en"] not in line_of(out, "Valid registered trademarks")


def test_the_ui_markdown_says_no_data_yet(home):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        md = latest_values_markdown(con, D)
    finally:
        con.close()
    cells = [c.strip() for c in line_of(md, f"| {NO_DATA} |").split("|")]
    assert cells[3] == NO_DATA_YET["zh"] and "no_data" in cells[-2]
    assert NO_DATA_YET["zh"] not in line_of(md, "| valid_trademarks |")
