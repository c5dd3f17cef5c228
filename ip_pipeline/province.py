"""Running a province (16 cities) or the nation: one data directory and DuckDB file per city.

DuckDB allows one writer per file, so cities never contend: each city's refresh
is its own Dagster step (assets keyed `<city>/indicator_values`), and the
multiprocess executor runs them side by side on one machine — or the Celery or
Kubernetes executor across machines, since a step needs nothing but its city's
folder. `province_indicator_values` then attaches every city warehouse
READ-ONLY and writes one combined table for provincial reporting.
"""
import os
import time
from pathlib import Path

import dagster as dg

from .db import connect
from .indicators import compute_indicator_progress, compute_indicator_values
from .indicators.catalogue import load_plans
from .ingest.contracts import load_contracts
from .ingest.reference import stage_reference
from .ingest.staging import stage_source
from .partitions import as_of_dates
from .paths import Home


def refresh_city(home: Home, first_as_of, last_as_of) -> int:
    """Ingest one city's landing zone and compute its indicators (the city's own warehouse)."""
    con = connect(home.warehouse)
    try:
        stage_reference(con, home.landing)
        for contract in load_contracts().values():
            stage_source(con, contract, home.landing)
        dates = as_of_dates(first_as_of, last_as_of)
        plans = load_plans()
        rows = compute_indicator_values(con, dates, plans)
        compute_indicator_progress(con, dates, plans)
        return rows
    finally:
        con.close()


def _city_asset(city: str, home: Path, first_as_of, last_as_of) -> dg.AssetsDefinition:
    @dg.asset(key=[city, "indicator_values"], group_name="province", kinds={"duckdb"},
              description=f"{city}: sources ingested and indicators computed in the city's own warehouse {home}.")
    def city_indicator_values() -> dg.MaterializeResult:
        started = time.time()
        rows = refresh_city(Home.of(home), first_as_of, last_as_of)
        return dg.MaterializeResult(metadata={
            "rows": rows, "pid": os.getpid(), "started": started, "finished": time.time(),
            "warehouse": dg.MetadataValue.path(str(Home.of(home).warehouse))})

    return city_indicator_values


def build_province_job(cities: dict[str, Path], combined: Path, first_as_of, last_as_of,
                       max_concurrent: int = 2) -> dg.JobDefinition:
    city_assets = [_city_asset(c, h, first_as_of, last_as_of) for c, h in sorted(cities.items())]

    @dg.asset(deps=[a.key for a in city_assets], group_name="province", kinds={"duckdb"},
              description="Every city's indicator_values in one read-only combined warehouse.")
    def province_indicator_values() -> dg.MaterializeResult:
        combined.parent.mkdir(parents=True, exist_ok=True)
        con = connect(combined)
        try:
            selects = []
            for i, (city, home) in enumerate(sorted(cities.items())):
                con.execute(f"ATTACH '{Home.of(home).warehouse}' AS city{i} (READ_ONLY)")
                selects.append(f"SELECT '{city}' AS city, * FROM city{i}.indicator_values")
            con.execute("CREATE OR REPLACE TABLE indicator_values AS " + " UNION ALL ".join(selects))
            rows = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        finally:
            con.close()
        return dg.MaterializeResult(metadata={"rows": rows, "cities": len(cities)})

    defs = dg.Definitions(
        assets=[*city_assets, province_indicator_values],
        jobs=[dg.define_asset_job("province_job", selection="*",
                                  executor_def=dg.multiprocess_executor.configured({"max_concurrent": max_concurrent}))],
    )
    return defs.resolve_job_def("province_job")
