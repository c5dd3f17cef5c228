"""A blocking quality check that fails: `ip-pipeline run` exits non-zero, names the table and
the rule in one paragraph, and the indicators already published stay as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from ip_pipeline.cli.main import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "landing"


def _values(home: Path) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT indicator_id, as_of, district_code, value FROM indicator_values ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_failed_blocking_check_names_table_and_rule_and_keeps_published_values(tmp_path, capsys):
    home = tmp_path / "home"
    shutil.copytree(FIXTURE, home / "landing")
    assert main(["run", "--home", str(home), "--no-report"]) == 0
    published = _values(home)
    assert published

    population = home / "landing" / "reference" / "population.csv"
    population.write_text(
        population.read_text(encoding="utf-8").replace("2019,370602,319946", "2019,370602,-5"),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["run", "--home", str(home), "--no-report"]) == 1
    err = capsys.readouterr().err
    assert "stg_population" in err and "population is positive" in err
    assert "Traceback" not in err
    assert _values(home) == published
