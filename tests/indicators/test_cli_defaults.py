"""The CLI speaks as the bulletin does: the latest month end and the city by default, a date inside
a month takes the month's end and says so, a closed pipe ends quietly, a missed target never
prints as met — on a warehouse built here."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.indicators.outcomes import compute_plan_outcomes

from .builder import CITY, WarehouseBuilder

MAY, JUNE = date(2026, 5, 31), date(2026, 6, 30)
P14 = "yantai_ip_14th_fyp"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_home")
    con = duckdb.connect(str(path / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    for code, n in (("370602", 120_000), ("370611", 80_000)):
        wh.population(2025, code, n)
    wh.enterprise(district_code="370611")
    wh.enterprise(district_code="370602", certified_date=date(2026, 6, 1))
    # Pledge amounts growing 29.99 % a year from 2020 to 2025 against the 14th FYP's ≥ 30 %.
    wh.pledge(registration_date=date(2020, 5, 1), amount_wan=10000.0)
    wh.pledge(registration_date=date(2025, 5, 1), amount_wan=10000.0 * 1.2999**5)
    wh.compute(date(2025, 12, 31), MAY, JUNE, date(2026, 6, 15))
    wh.progress(date(2025, 12, 31), MAY, JUNE)
    compute_plan_outcomes(con, JUNE)
    con.close()
    return str(path)


def cli(*argv):
    from ip_pipeline.cli.main import build_parser

    args = build_parser().parse_args(list(argv))
    return args.func(args)


def _csv(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


def test_indicators_default_to_the_latest_month_end_and_the_city(home, capsys):
    assert cli("indicators", "--home", home, "--format", "csv") == 0
    rows = _csv(capsys.readouterr().out)
    assert (
        rows
        and {r["as_of"] for r in rows} == {JUNE.isoformat()}
        and {r["district_code"] for r in rows} == {CITY}
    )
    assert cli("indicators", "--home", home, "--format", "csv", "--all") == 0
    rows = _csv(capsys.readouterr().out)
    assert {r["as_of"] for r in rows} >= {MAY.isoformat(), JUNE.isoformat()}
    assert {"370602", "370611"} <= {r["district_code"] for r in rows}


def test_progress_defaults_and_its_summary_line_in_the_chosen_language(home, capsys):
    assert cli("progress", "--home", home) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith("共 ") and JUNE.isoformat() in out and "烟台市" in out
    assert "日期" in out.splitlines()[0] and "状态" in out.splitlines()[0]
    assert cli("progress", "--home", home, "--lang", "en") == 0
    out = capsys.readouterr().out
    assert (
        out.rstrip().splitlines()[-1].endswith("(--all for every date and unit)") and " rows · as of " in out
    )
    assert "As of" in out.splitlines()[0] and "Status" in out.splitlines()[0]


def test_a_date_inside_a_month_takes_the_months_end_and_says_so(home, capsys):
    assert cli("indicators", "--home", home, "--as-of", "2026-06-15", "--format", "csv") == 0
    captured = capsys.readouterr()
    assert {r["as_of"] for r in _csv(captured.out)} == {JUNE.isoformat()}  # not the stored 15 June row
    assert "2026-06-15" in captured.err and "2026-06-30" in captured.err and "月末" in captured.err
    assert "run" not in captured.err  # no advice to run the pipeline: the data is there
    assert cli("indicators", "--home", home, "--as-of", "2026-07-10", "--lang", "en") == 0
    captured = capsys.readouterr()
    assert "not a month end" in captured.err and "latest month end, 2026-06-30" in captured.err
    assert "(no rows)" not in captured.out and JUNE.isoformat() in captured.out


def test_a_closed_pipe_ends_quietly(home):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ip_pipeline.cli.main", "indicators", "--home", home, "--all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    proc.stdout.close()  # the reader leaves before a line is written (`| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err and "error" not in err.lower()


def test_outcomes_print_29_99_against_30_as_missed(home, capsys):
    assert cli("outcomes", "--home", home, "--plan", P14, "--district", CITY) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if "质押登记金额" in ln][0]
    assert "29.99%" in line and "30.0%" in line and "目标未完成" in line
    assert "-0.01 个百分点" in line and "100%" not in line  # gap in percentage points, attainment below 100 %


def test_progress_prints_29_99_against_30_as_not_met(home, capsys):
    assert (
        cli(
            "progress",
            "--home",
            home,
            "--plan",
            P14,
            "--as-of",
            "2025-12-31",
            "--indicator",
            "pledge_amount_cagr",
        )
        == 0
    )
    line = [ln for ln in capsys.readouterr().out.splitlines() if "质押登记金额" in ln][0]
    assert "29.99%" in line and "30.0%" in line and "已实现目标" not in line
