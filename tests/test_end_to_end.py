"""The whole product on a small sample city: run, then read the contract table back through the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from ip_pipeline.cli.main import main
from ip_pipeline.dates import as_of_dates, today_in_yantai
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.ingest.contracts import load_reference_tables
from ip_pipeline.sample import generate_sample

CONTRACT_COLUMNS = [
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
CITY_ONLY = {"patent_intensive_va_share", "ip_protection_satisfaction", "ip_protection_satisfaction_survey"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    home = tmp_path_factory.mktemp("city")
    manifest = generate_sample(home, scale=0.02, seed=7, dirt_rate=0.01, progress=False)
    assert main(["run", "--home", str(home), "--no-report"]) == 0
    return home, manifest


def test_run_then_indicators_csv_gives_every_id_month_and_unit(city, capsys):
    home, _ = city
    capsys.readouterr()
    assert main(["indicators", "--home", str(home), "--format", "csv", "--all"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0].keys()) == CONTRACT_COLUMNS
    ids = {i.id for p in load_plans() for i in p.indicators + p.companions}
    ids |= {"pledge_count", "pledge_amount_wan", "ip_protection_satisfaction_survey"}
    months = as_of_dates(dt.date(2020, 12, 31), today_in_yantai())
    units = 14  # 13 reporting units + 370699 未定位, from districts.csv
    expected = sum(len(months) * (1 if i in CITY_ONLY else units + 1) for i in ids)
    assert len(rows) == expected
    assert {r["indicator_id"] for r in rows} == ids
    assert {dt.date.fromisoformat(r["as_of"]) for r in rows} == set(months)
    assert len({(r["indicator_id"], r["as_of"], r["district_code"]) for r in rows}) == expected


def test_indicator_materialisation_shows_latest_values_against_targets(city):
    home, _ = city
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("indicator_values"))
    table = event.asset_materialization.metadata["latest_city_values"].value
    # Against the plans in force on the latest as-of date (an ended plan's targets are not shown).
    from ip_pipeline.dates import today_in_yantai
    from ip_pipeline.indicators.catalogue import load_plans

    in_force = [p for p in load_plans() if p.in_force(today_in_yantai())]
    assert in_force, "the catalogue has a plan in force today"
    hv_targets = [f"| {p.indicator('hv_patents_per_10k').target.value:.2f} |" for p in in_force]
    assert "| hv_patents_per_10k |" in table and all(t in table for t in hv_targets), table
    # The ended 14th FYP is shown by its final word beside its 2025 target, never by a progress status.
    ended_words = ("规划已结束", "已实现目标", "目标未完成")
    fyp_row = next(line for line in table.splitlines() if line.startswith("| hv_patents_per_10k |"))
    cells = [c.strip() for c in fyp_row.strip("|").split("|")]
    assert cells[cells.index("10.34") + 1] in ended_words, fyp_row


def test_every_source_reconciles_and_matches_the_injected_dirt(city, capsys):
    home, manifest = city
    capsys.readouterr()
    assert main(["reconcile", "--home", str(home), "--format", "json"]) == 0
    report = {r["source"]: r for r in json.loads(capsys.readouterr().out)}
    for source, entry in manifest["sources"].items():
        r = report[source]
        assert r["reconciles"], source
        assert r["raw"] == entry["rows_written"], source
        assert r["reasons"] == entry["expected_quarantine"], source
        assert r["duplicates"] == entry["identical_duplicates"], source


def test_second_run_with_nothing_new_recomputes_nothing(city):
    home, _ = city
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    before = con.execute("SELECT max(computed_at) FROM indicator_runs").fetchall()[0][0]
    loaded_before = con.execute("SELECT source, loaded_at FROM source_snapshots ORDER BY 1").fetchall()
    con.close()
    assert main(["run", "--home", str(home), "--no-report"]) == 0
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    after = con.execute("SELECT max(computed_at) FROM indicator_runs").fetchall()[0][0]
    loaded_after = con.execute("SELECT source, loaded_at FROM source_snapshots ORDER BY 1").fetchall()
    con.close()
    assert loaded_after == loaded_before
    assert after == before


def test_reference_tables_are_all_staged(city):
    home, _ = city
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        for name, t in load_reference_tables().items():
            raw = con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0]
            staged = con.execute(f"SELECT count(*) FROM stg_{name}").fetchall()[0][0]
            assert staged == raw and (staged > 0 or not t.required), name
        assert con.execute("SELECT count(*) FROM stg_districts").fetchall()[0][0] == 14
    finally:
        con.close()


def test_report_is_rebuilt_only_when_what_it_shows_can_differ(city):
    home, _ = city
    assert main(["run", "--home", str(home)]) == 0
    from ip_pipeline.report.months import last_complete_month

    month = last_complete_month()  # `run` reports the last complete month, not the one just begun
    pdf = home / "reports" / month / f"ip_indicators_{month}_zh.pdf"
    first = pdf.stat().st_mtime_ns
    assert main(["run", "--home", str(home)]) == 0
    assert pdf.stat().st_mtime_ns == first  # nothing new: not rebuilt
    (home / "reports" / month / ".fingerprint").write_text("stale")
    assert main(["run", "--home", str(home)]) == 0
    assert pdf.stat().st_mtime_ns > first
