"""After a source delta the indicator steps recompute only the as-of dates on or
after the earliest one the delta can affect (indicators/recompute.py), re-stamp the earlier
ones, and the result equals a full recompute — indicator_values (vintage included),
indicator_progress, plan_scores and every mart, row by row.

The deltas are published the way staging does (docs/WAREHOUSE.md): a new
source_snapshots fingerprint and a `source_changes` row whose earliest_date is derived from
the old and new staged rows (recompute.earliest_changed_date)."""

from __future__ import annotations

import calendar
import time
from datetime import date, datetime

import pytest

from ip_pipeline.indicators.marts import MART_NAMES
from ip_pipeline.indicators.recompute import earliest_changed_date
from ip_pipeline.indicators.steps import (
    MARTS_STEP,
    PROGRESS_STEP,
    VALUES_STEP,
    marts_step,
    progress_step,
    values_step,
)

from .builder import CITY, WarehouseBuilder

TODAY = date(2026, 3, 15)
SOURCES = (
    "patents",
    "trademarks",
    "pledges",
    "overseas_grants",
    "awards",
    "enterprises",
    "survey",
    "enforcement",
    "transfers",
    "reference",
)
OUTPUTS = ("indicator_values", "indicator_progress", "plan_scores", *MART_NAMES)
SOURCE_CHANGES_DDL = """
    CREATE TABLE IF NOT EXISTS source_changes (
      source VARCHAR, fingerprint VARCHAR, previous_fingerprint VARCHAR, earliest_date DATE,
      full_change BOOLEAN, changed_rows BIGINT, recorded_at TIMESTAMP DEFAULT current_timestamp)"""


def month_ends(today: date) -> list[date]:
    out, y, m = [], 2020, 12
    while (y, m) <= (today.year, today.month):
        out.append(min(date(y, m, calendar.monthrange(y, m)[1]), today))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


DATES = month_ends(TODAY)


def run_all(con, today: date = TODAY) -> dict:
    """What the assets do in one run: the marts, then the values, then the progress."""
    return {
        step: fn(con, DATES, today)[0]
        for step, fn in ((MARTS_STEP, marts_step), (VALUES_STEP, values_step), (PROGRESS_STEP, progress_step))
    }


def dump(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in OUTPUTS}


def full_recompute(con) -> dict[str, list[tuple]]:
    """Forget every recorded run and every output, compute everything again."""
    con.execute("DELETE FROM indicator_runs")
    for t in OUTPUTS:
        con.execute(f"DELETE FROM {t}")
    run_all(con)
    return dump(con)


def computed_at(con, step: str = VALUES_STEP) -> dict[date, datetime]:
    return dict(
        con.execute("SELECT as_of, computed_at FROM indicator_runs WHERE step = ?", [step]).fetchall()
    )


class Publisher:
    """Publishes a source's new snapshot as staging does: fingerprint, snapshot time, source_changes."""

    def __init__(self, wh: WarehouseBuilder):
        self.con, self.n = wh.con, 0
        self.con.execute(SOURCE_CHANGES_DDL)
        for s in SOURCES:
            wh.rows(
                "source_snapshots", [dict(source=s, snapshot_at=datetime(2026, 3, 1), fingerprint=f"{s}-0")]
            )
            self.con.execute(
                "INSERT INTO source_changes VALUES (?, ?, NULL, NULL, true, 0, current_timestamp)",
                [s, f"{s}-0"],
            )

    def publish(self, source: str, table: str, key: list[str], change, record: bool = True) -> tuple:
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE _before AS SELECT * FROM {table}")
        change()
        when, rows, unbounded = earliest_changed_date(con, "_before", table, key)
        self.n += 1
        prev = con.execute("SELECT fingerprint FROM source_snapshots WHERE source = ?", [source]).fetchone()[
            0
        ]
        new = f"{source}-{self.n}"
        con.execute(
            "UPDATE source_snapshots SET fingerprint = ?, snapshot_at = ? WHERE source = ?",
            [new, datetime(2026, 3, 1 + self.n), source],
        )
        if record:
            con.execute(
                "INSERT INTO source_changes VALUES (?, ?, ?, ?, ?, ?, current_timestamp)",
                [source, new, prev, when, unbounded, rows],
            )
        return when, rows


@pytest.fixture
def city(wh: WarehouseBuilder) -> WarehouseBuilder:
    """A small city with every kind of record from 2019 on, computed once for every month."""
    for year in range(2020, 2026):
        wh.population(year, "370602", 400_000 + 1000 * year)
        wh.population(year, "370611", 300_000)
    wh.economy(2021, 8000.0, 900.0)
    wh.sei("H01M")
    for i in range(6):
        wh.patent(
            application_no=f"CN2019{i:04d}",
            filing_date=date(2012 + i, 3, 1),
            grant_date=date(2019, 6 + i, 1),
            ipc_codes="H01M 10/05" if i % 2 else "G06F 1/00",
            district_code="370611" if i % 3 else "370602",
        )
    wh.hv_patent(application_no="CN2020LATE", filing_date=date(2017, 1, 1), grant_date=date(2020, 5, 1))
    for i in range(4):
        wh.trademark(registration_date=date(2020 + i, 2, 1), expiry_date=date(2030 + i, 2, 1))
    wh.pledge(registration_date=date(2020, 4, 1), amount_wan=1500.0, items="CN20190001")
    wh.pledge(registration_date=date(2022, 7, 1), amount_wan=300.0, items="CN20190002")
    wh.overseas_grant(grant_date=date(2021, 5, 1), cn_family_application_no="CN20190003")
    wh.enterprise(certified_date=date(2020, 3, 1))
    wh.enterprise(programme="city_advantage", certified_date=date(2025, 2, 1))
    for m in (3, 6, 9):
        wh.response(survey_date=date(2021, m, 1), overall_score=70.0 + m)
    wh.publisher = Publisher(wh)
    run_all(wh.con)
    return wh


def test_an_incremental_recompute_after_added_and_revised_rows_equals_a_full_recompute(city):
    con, pub = city.con, city.publisher
    before = computed_at(con)
    time.sleep(0.01)

    def delta():  # a new day of trademarks: one added in 2024, one revised (cancelled in 2023)
        city.trademark(
            registration_no="9NEW", registration_date=date(2024, 8, 1), expiry_date=date(2034, 8, 1)
        )
        con.execute(
            "UPDATE stg_trademarks SET status = 'cancelled', status_date = DATE '2023-09-10' "
            "WHERE registration_date = DATE '2022-02-01'"
        )

    when, rows = pub.publish("trademarks", "stg_trademarks", ["registration_no"], delta)
    # The revised row changed a non-date column (status): all its dates count, the earliest is its filing date.
    assert rows == 2 and when == date(2018, 1, 1)

    def delta2():  # patents: one added (granted 2025), one revised (a lapse recorded late)
        city.patent(application_no="CN2024NEW", filing_date=date(2024, 1, 5), grant_date=date(2025, 7, 1))
        con.execute(
            "UPDATE stg_patents SET lapse_date = DATE '2024-02-20' WHERE application_no = 'CN20190004'"
        )

    when2, _ = pub.publish("patents", "stg_patents", ["application_no"], delta2)
    assert when2 == date(2024, 1, 5)

    plans = run_all(con)
    values = plans[VALUES_STEP]
    assert values.earliest == date(2018, 1, 1)
    assert values.recompute == DATES and values.restamp == []  # 2018 is before every month
    incremental = dump(con)
    assert incremental == full_recompute(con)
    assert set(computed_at(con)) == set(before)


def test_a_late_lapse_recomputes_the_months_it_affects_and_leaves_earlier_ones_untouched(city):
    con, pub = city.con, city.publisher
    hv_before = dict(
        con.execute(
            "SELECT as_of, numerator FROM indicator_values WHERE indicator_id = "
            "'hv_patents_per_10k' AND district_code = ?",
            [CITY],
        ).fetchall()
    )
    stamps = {step: computed_at(con, step) for step in (MARTS_STEP, VALUES_STEP, PROGRESS_STEP)}
    time.sleep(0.01)

    # A new file says the awarded patent (high-value since 2020) lapsed on 10 May 2022: only the
    # lapse date changed, so the change reaches the months from May 2022 on.
    when, rows = pub.publish(
        "patents",
        "stg_patents",
        ["application_no"],
        lambda: con.execute(
            "UPDATE stg_patents SET lapse_date = DATE '2022-05-10' WHERE application_no = 'CN2020LATE'"
        ),
    )
    assert (when, rows) == (date(2022, 5, 10), 1)

    plans = run_all(con)
    affected = [d for d in DATES if d >= date(2022, 5, 10)]
    earlier = [d for d in DATES if d < date(2022, 5, 10)]
    for step, plan in plans.items():
        assert plan.earliest == date(2022, 5, 10), step
        assert plan.recompute == affected and plan.restamp == earlier, step
        now = computed_at(con, step)
        assert all(now[d] == stamps[step][d] for d in earlier), f"{step}: an earlier month was recomputed"
        assert all(now[d] > stamps[step][d] for d in affected), (
            f"{step}: an affected month was not recomputed"
        )

    hv_after = dict(
        con.execute(
            "SELECT as_of, numerator FROM indicator_values WHERE indicator_id = "
            "'hv_patents_per_10k' AND district_code = ?",
            [CITY],
        ).fetchall()
    )
    assert hv_after[date(2022, 4, 30)] == hv_before[date(2022, 4, 30)]
    assert hv_after[date(2022, 5, 31)] == hv_before[date(2022, 5, 31)] - 1
    # Re-stamped months carry the new vintage, as a full recompute writes it.
    vint = con.execute(
        "SELECT DISTINCT vintage FROM indicator_values WHERE indicator_id = 'hv_patents_per_10k' "
        "AND as_of = DATE '2021-01-31'"
    ).fetchall()
    assert vint == [(datetime(2026, 3, 2).isoformat(),)]
    assert dump(con) == full_recompute(con)


def test_a_missing_transition_or_table_is_a_full_change(city):
    con, pub = city.con, city.publisher
    pub.publish(
        "enterprises",
        "stg_enterprises",
        ["credit_code"],
        lambda: city.enterprise(certified_date=date(2026, 1, 5)),
        record=False,
    )
    plans = run_all(con)
    assert plans[VALUES_STEP].recompute == DATES and plans[VALUES_STEP].restamp == []
    con.execute("DROP TABLE source_changes")
    pub.publish(
        "survey",
        "stg_survey",
        ["response_id"],
        lambda: city.response(survey_date=date(2026, 2, 1)),
        record=False,
    )
    plans = run_all(con)
    assert plans[PROGRESS_STEP].recompute == DATES
    assert dump(con) == full_recompute(con)


def test_the_running_month_is_always_recomputed_and_a_change_of_no_row_touches_nothing_else(city):
    con, pub = city.con, city.publisher
    when, rows = pub.publish(
        "pledges", "stg_pledges", ["registration_no"], lambda: None
    )  # same rows, new file
    assert (when, rows) == (None, 0)
    plans = run_all(con)
    for plan in plans.values():
        assert plan.recompute == [TODAY] and plan.restamp == DATES[:-1]
    assert dump(con) == full_recompute(con)


def test_a_changed_catalogue_or_sql_recomputes_every_month(city, tmp_path, monkeypatch):
    import shutil

    from ip_pipeline.indicators.indicator_definitions import catalogue_dir, sql_dir

    shutil.copytree(sql_dir(), tmp_path / "sql")
    shutil.copytree(catalogue_dir(), tmp_path / "catalogue")
    monkeypatch.setenv("IP_PIPELINE_SQL_DIR", str(tmp_path / "sql"))
    monkeypatch.setenv("IP_PIPELINE_CATALOGUE_DIR", str(tmp_path / "catalogue"))
    assert run_all(city.con)[VALUES_STEP].recompute == []  # the same files elsewhere: same fingerprint
    with open(tmp_path / "sql" / "indicators" / "valid_trademarks.sql", "a", encoding="utf-8") as f:
        f.write("\n-- a comment is a change of the code\n")
    assert run_all(city.con)[VALUES_STEP].recompute == DATES


def test_a_changed_indicator_module_recomputes_every_month_and_is_the_assets_code_version(
    city, tmp_path, monkeypatch
):
    """A change to the indicator code alone (a .py file) recomputes too, and what the steps compare is
    what Dagster shows as the indicator assets' code version: one fingerprint for both."""
    import shutil

    from ip_pipeline.defs.versions import indicators_version
    from ip_pipeline.indicators import recompute

    assert indicators_version.__wrapped__() == recompute.code_fingerprint()
    code = tmp_path / "indicators"
    shutil.copytree(recompute.INDICATOR_CODE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(recompute, "INDICATOR_CODE_DIR", code)
    assert run_all(city.con)[VALUES_STEP].recompute == []  # the same files elsewhere: same fingerprint
    before = indicators_version.__wrapped__()
    with open(code / "engine.py", "a", encoding="utf-8") as f:
        f.write("\n# a comment is a change of the code\n")
    assert indicators_version.__wrapped__() != before
    assert run_all(city.con)[VALUES_STEP].recompute == DATES
