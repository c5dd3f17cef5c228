"""Adding an indicator is one definition file and one SQL file (and a plan entry
that targets it). The fixture's three files go into copies of assets/catalogue and assets/sql
($IP_PIPELINE_CATALOGUE_DIR, $IP_PIPELINE_SQL_DIR); `ip-pipeline run` on the example landing
zone then publishes its values and progress, `explain` lists its records, and the indicator
checks apply its rules; the marts are assets with row counts and key checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.indicators.indicator_definitions import load_definitions
from ip_pipeline.paths import CATALOGUE_DIR, SQL_DIR
from ip_pipeline.quality.indicator_checks import (
    CITY_SUM_CHECK,
    RANGE_CHECK,
    RULES,
    evaluate_rule,
    load_config,
)
from tests.ops.conftest import child_env, copy_examples, run_cli

from .builder import CITY

pytestmark = pytest.mark.slow

NEW = "advantage_enterprises_in_force"
PLAN = "test_new_indicator_plan"
FIXTURE = Path(__file__).parent / "fixtures" / "new_indicator"
RULE = {r.check_name: r for r in RULES}


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    catalogue, sql = tmp_path / "catalogue", tmp_path / "sql"
    shutil.copytree(CATALOGUE_DIR, catalogue)
    shutil.copytree(SQL_DIR, sql)
    shutil.copy(FIXTURE / f"{NEW}.yaml", catalogue / "indicators" / f"{NEW}.yaml")  # the definition
    shutil.copy(FIXTURE / f"{NEW}.sql", sql / "indicators" / f"{NEW}.sql")  # its SQL
    shutil.copy(
        FIXTURE / "plan_test_new_indicator.yaml", catalogue / "plan_test_new_indicator.yaml"
    )  # a target
    return catalogue, sql


def test_a_new_indicator_from_one_definition_and_one_sql_file(tmp_path, folders):
    catalogue, sql = folders
    home = tmp_path / "home"
    copy_examples(home / "landing")
    env = child_env(IP_PIPELINE_CATALOGUE_DIR=str(catalogue), IP_PIPELINE_SQL_DIR=str(sql))
    res = run_cli("run", "--home", str(home), timeout=900, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]

    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        # Its values: every month and unit, equal to the catalogue's own count of the same firms.
        mine = con.execute(
            "SELECT as_of, district_code, value, unit FROM indicator_values WHERE indicator_id = ? "
            "ORDER BY ALL",
            [NEW],
        ).fetchall()
        theirs = con.execute(
            "SELECT as_of, district_code, value, unit FROM indicator_values "
            "WHERE indicator_id = 'city_advantage_enterprises' ORDER BY ALL"
        ).fetchall()
        assert mine and mine == theirs
        latest = max(r[0] for r in mine)
        city_value = {r[0]: r[2] for r in mine if r[1] == CITY}[latest]
        assert city_value > 0
        # Its progress against the fixture plan's target.
        progress = con.execute(
            "SELECT count(*), count(DISTINCT as_of), any_value(target_value) FROM indicator_progress "
            "WHERE plan_id = ? AND indicator_id = ? AND district_code = ?",
            [PLAN, NEW, CITY],
        ).fetchone()
        assert progress[0] > 0 and progress[2] == 10.0
        # The checks of the run covered it and passed.
        passed = dict(
            con.execute(
                "SELECT check_name, passed FROM quality_results WHERE table_name = 'indicator_values' "
                "QUALIFY row_number() OVER (PARTITION BY check_name ORDER BY evaluated_at DESC) = 1"
            ).fetchall()
        )
        assert passed.get(RANGE_CHECK) and passed.get(CITY_SUM_CHECK), passed
        defs = load_definitions(catalogue / "indicators")
        cfg = load_config(definitions=defs)
        assert NEW in cfg["range"]["non_negative"] and NEW in cfg["additive_counts"]
        assert cfg["jumps"]["basis"][NEW] == "mom"
        # ... and they see it: a city value that is not the sum of its units, a negative count.
        con.execute(
            "UPDATE indicator_values SET value = value + 1, numerator = numerator + 1 "
            "WHERE indicator_id = ? AND district_code = ? AND as_of = ?",
            [NEW, CITY, latest],
        )
        con.execute(
            "UPDATE indicator_values SET value = -1 WHERE indicator_id = ? AND district_code = '370602' "
            "AND as_of = ?",
            [NEW, latest],
        )
        _, sums = evaluate_rule(con, RULE[CITY_SUM_CHECK], cfg=cfg)
        assert [(r["indicator_id"], r["as_of"]) for r in sums.rows] == [(NEW, latest)]
        _, ranges = evaluate_rule(con, RULE[RANGE_CHECK], cfg=cfg)
        assert [(r["indicator_id"], r["district_code"]) for r in ranges.rows] == [(NEW, "370602")]
    finally:
        con.close()

    # The marts it sits beside are assets of their own: a materialisation with the row count, a key check.
    import dagster as dg

    from ip_pipeline.indicators.marts import MART_NAMES

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    counts = {m: con.execute(f"SELECT count(*) FROM {m}").fetchone()[0] for m in MART_NAMES}
    con.close()
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        for m in MART_NAMES:
            ev = instance.get_latest_materialization_event(dg.AssetKey(m))
            assert ev is not None and ev.asset_materialization.metadata["rows"].value == counts[m], m
            check = instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(dg.AssetKey(m), "key_unique"), limit=1
            )
            assert check and check[0].event.asset_check_evaluation.passed, m
    assert counts["high_value_patent_criteria"] > 0 and counts["population_at"] > 0

    # explain lists its records (the explain query its definition names), as many as its value.
    out = run_cli(
        "explain",
        "--home",
        str(home),
        "--indicator",
        NEW,
        "--as-of",
        latest.isoformat(),
        "--format",
        "json",
        env=env,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    records = json.loads(out.stdout)
    assert len(records) == city_value
    assert {r["programme"] for r in records} == {"city_advantage"}
