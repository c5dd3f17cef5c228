"""Two city partitions computed in parallel with the multiprocess executor, then combined."""
import datetime as dt
import json

import dagster as dg
import duckdb

from ip_pipeline.sample import generate_sample


def test_two_cities_run_in_parallel_processes_and_combine(tmp_path, monkeypatch):
    cities = {}
    for seed, city in ((11, "yantai"), (12, "weihai")):
        home = tmp_path / city
        generate_sample(home, scale=0.01, seed=seed, end=dt.date(2023, 1, 31), dirt_rate=0, progress=False)
        cities[city] = str(home)
    monkeypatch.setenv("IP_PIPELINE_TEST_CITIES", json.dumps(cities))
    monkeypatch.setenv("IP_PIPELINE_TEST_PROVINCE", str(tmp_path / "province.duckdb"))
    from tests.province import province_job

    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        result = dg.execute_job(dg.reconstructable(province_job.province_job), instance=instance)
        assert result.success
        meta = {}
        for ev in result.get_asset_materialization_events():
            mat = ev.step_materialization_data.materialization
            meta[mat.asset_key.path[0]] = {k: v.value for k, v in mat.metadata.items()}
    # each city ran in its own step process, not in the run's process
    assert meta["yantai"]["pid"] != meta["weihai"]["pid"]
    con = duckdb.connect(str(tmp_path / "province.duckdb"), read_only=True)
    per_city = dict(con.execute("SELECT city, count(*) FROM indicator_values GROUP BY 1").fetchall())
    con.close()
    assert per_city == {"yantai": meta["yantai"]["rows"], "weihai": meta["weihai"]["rows"]}
    assert per_city["yantai"] > 0
