"""A failing blocking check on stg_population stops the asset downstream of it."""

import dagster as dg
import duckdb
import pytest
from conftest import rows_population

from ip_pipeline.defs.quality_checks import GX_SUITE_CHECK, build_quality_checks
from ip_pipeline.defs.resources import Warehouse


def graph(poison: bool):
    @dg.asset(name="stg_population", group_name="staging")
    def stg_population(warehouse: Warehouse) -> dg.MaterializeResult:
        rows = rows_population()
        if poison:
            rows[0] = (rows[0][0], rows[0][1], -1)  # a negative population
        with warehouse.connection() as con:
            con.execute(
                "CREATE OR REPLACE TABLE stg_population (year INTEGER, district_code VARCHAR, population BIGINT)"
            )
            con.executemany("INSERT INTO stg_population VALUES (?, ?, ?)", rows)
        return dg.MaterializeResult(metadata={"rows": len(rows)})

    @dg.asset(deps=[stg_population], group_name="indicators")
    def population_denominators(warehouse: Warehouse) -> None:
        with warehouse.connection() as con:
            con.execute("CREATE OR REPLACE TABLE population_denominators AS SELECT * FROM stg_population")

    return stg_population, population_denominators


def run(home, poison):
    stg_population, downstream = graph(poison)
    checks = build_quality_checks(["stg_population"], parameter_deps=False)
    return dg.materialize(
        [stg_population, downstream, *checks],
        resources={"warehouse": Warehouse(home=str(home))},
        selection=dg.AssetSelection.assets(stg_population, downstream),
        raise_on_error=False,
    )


def check_evaluation(result):
    evals = result.get_asset_check_evaluations()
    assert [e.check_name for e in evals] == [GX_SUITE_CHECK]
    return evals[0]


@pytest.mark.parametrize("poison", [False, True])
def test_a_failing_blocking_check_stops_the_downstream_asset(home, poison):
    result = run(home, poison)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    evaluation = check_evaluation(result)
    assert "stg_population" in materialized
    if poison:
        assert not result.success
        assert not evaluation.passed
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert "population is positive" in evaluation.metadata["message"].value
        assert "population_denominators" not in materialized
    else:
        assert result.success
        assert evaluation.passed
        assert "population_denominators" in materialized
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM population_denominators").fetchone()[0] > 0
        finally:
            con.close()


def test_a_warning_does_not_block(home):
    # Growth of 8% for one unit breaks only the +/-5% warning band.
    _, downstream = graph(False)

    @dg.asset(name="stg_population", group_name="staging")
    def warned(warehouse: Warehouse) -> None:
        rows = rows_population()
        rows = [
            (y, c, int(p * 1.08) if (c == "370602" and y == max(r[0] for r in rows)) else p)
            for y, c, p in rows
        ]
        with warehouse.connection() as con:
            con.execute(
                "CREATE OR REPLACE TABLE stg_population (year INTEGER, district_code VARCHAR, population BIGINT)"
            )
            con.executemany("INSERT INTO stg_population VALUES (?, ?, ?)", rows)

    result = dg.materialize(
        [warned, downstream, *build_quality_checks(["stg_population"], parameter_deps=False)],
        resources={"warehouse": Warehouse(home=str(home))},
        raise_on_error=False,
    )
    evaluation = check_evaluation(result)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "population_denominators" in {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }
