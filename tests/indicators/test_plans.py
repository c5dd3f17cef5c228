"""PROGRESS.md (Δt, target kinds, comparison, "The plan's lifecycle") and INDICATORS.md
("The plan in force now"): one test per rule, the data built in the test."""

import csv
import io
import json
import shutil
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import duckdb
import pytest

from ip_pipeline.indicators.catalogue import CatalogueError, Target, load_plan, load_plans
from ip_pipeline.indicators.outcomes import achieved_violations, compute_plan_outcomes, row_violations
from ip_pipeline.indicators.registry import COMPUTATIONS, Computation
from ip_pipeline.paths import CATALOGUE_DIR

from .builder import CITY, FIXTURES, UNIT_CODES, WarehouseBuilder, enterprises, trademarks

P14, ACTION = "yantai_ip_14th_fyp", "yantai_ip_action_2025_2027"
GBT = "gbt29490_enterprises"
NEW_ADV = "new_city_advantage_enterprises"
END = {y: date(y, 12, 31) for y in range(2020, 2032)}


def outcome(con, indicator_id, plan_id=P14, district_code=CITY):
    cur = con.execute(
        "SELECT * FROM plan_outcomes WHERE plan_id = ? AND indicator_id = ? AND district_code = ?",
        [plan_id, indicator_id, district_code],
    )
    rows = cur.fetchall()
    assert len(rows) == 1, f"{len(rows)} outcome rows for {plan_id} {indicator_id} {district_code}"
    return dict(zip([d[0] for d in cur.description], rows[0]))


def plan_with(plan, indicator_id, **target):
    return replace(
        plan,
        indicators=tuple(
            replace(i, target=replace(i.target, **target)) if i.id == indicator_id else i
            for i in plan.indicators
        ),
    )


@pytest.fixture
def action():
    return [p for p in load_plans() if p.id == ACTION][0]


@pytest.fixture
def new_advantage(monkeypatch):
    """new_city_advantage_enterprises: until its SQL lands, the count of city_advantage
    enterprises certified (no expiry in these tests) — the same as a count since the base
    year when nothing was certified before it."""
    if NEW_ADV not in COMPUTATIONS:
        monkeypatch.setitem(
            COMPUTATIONS,
            NEW_ADV,
            Computation(
                "enterprises_certified",
                ("enterprises",),
                params=(("indicator_id", NEW_ADV), ("programme", "city_advantage")),
            ),
        )


# --------------------------------------------------------------------------- Δt


def test_delta_t_at_31_december_2021_is_one_year_and_stocks_have_a_status(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 20, date(2021, 6, 1))
    wh.progress(END[2021])
    r = wh.progress_row(GBT, END[2021])
    assert r["delta_t"] == 1.0
    assert r["status"] != "not_available" and r["g_obs"] == pytest.approx(0.2)
    assert r["ratio"] == pytest.approx(0.2 / (4**0.2 - 1))


def test_delta_t_on_30_june_2021_is_181_of_365(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    wh.progress(date(2021, 6, 30))
    r = wh.progress_row(GBT, date(2021, 6, 30))
    assert r["delta_t"] == pytest.approx(181 / 365)
    assert r["status"] == "not_available" and r["g_obs"] is None


def test_delta_t_in_a_leap_year_counts_366_days(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    wh.progress(date(2024, 2, 29))
    assert wh.progress_row(GBT, date(2024, 2, 29))["delta_t"] == pytest.approx(3 + 60 / 366)


def test_flow_value_gap_and_status_are_of_the_latest_complete_year(wh):
    for _ in range(10):
        wh.overseas_grant(grant_date=date(2020, 5, 1))
    for _ in range(12):
        wh.overseas_grant(grant_date=date(2021, 5, 1))
    for _ in range(3):
        wh.overseas_grant(grant_date=date(2022, 2, 1))
    wh.progress(END[2021], date(2022, 6, 30))
    at_end = wh.progress_row("overseas_invention_grants", END[2021])
    assert at_end["value"] == 12 and at_end["delta_t"] == 1 and at_end["status"] != "not_available"
    mid = wh.progress_row("overseas_invention_grants", date(2022, 6, 30))
    # Mid-2022: the whole row is of 2021 (value, expected, gap, status) ...
    assert mid["value"] == 12 and mid["delta_t"] == 1 and "complete_year:2021" in mid["flags"]
    assert mid["gap"] == pytest.approx(12 - mid["expected_value"]) == pytest.approx(at_end["gap"])
    assert mid["status"] == at_end["status"]
    # ... and the 2022 year-to-date value is beside it in indicator_values.
    wh.compute(date(2022, 6, 30))
    assert wh.value("overseas_invention_grants", date(2022, 6, 30)) == 3


# --------------------------------------------------------------------------- bases, comparisons, kinds


def test_base_value_zero_is_not_available_never_a_small_number(wh):
    enterprises(wh, 50, date(2022, 6, 1), programme="city_advantage")  # nothing in the base year 2020
    wh.progress(END[2023])
    r = wh.progress_row("city_advantage_enterprises", END[2023])
    assert r["base_value"] == 0 and r["status"] == "not_available"
    assert r["g_obs"] is None and r["g_req"] is None and r["ratio"] is None
    assert r["expected_value"] is None and r["projection"] is None and r["score"] is None
    # A district whose own base is zero gets no implied target either.
    assert wh.progress_row("city_advantage_enterprises", END[2023], "370602")["target_value"] is None


def test_level_target_met_from_a_zero_base_is_achieved_in_the_outcome(wh):
    enterprises(wh, 130, date(2022, 6, 1), programme="city_advantage")
    compute_plan_outcomes(wh.con, date(2026, 1, 31))
    o = outcome(wh.con, "city_advantage_enterprises")
    assert o["status"] == "not_available"  # no growth rate from zero ...
    assert o["achieved"] is True and o["final_status"] == "target_achieved"  # ... but the target is met
    assert o["change_share"] == pytest.approx(130 / 120) and o["attainment"] == pytest.approx(130 / 120)


def _trademarks_2024_2027(wh, extra=0):
    trademarks(wh, 150000, date(2019, 1, 1), date(2035, 1, 1))  # 15.0 万件 at the end of 2024
    trademarks(wh, 30000 + extra, date(2026, 1, 1), date(2035, 1, 1))  # 18.0 万件 (+extra) from 2026


def test_gt_target_met_exactly_at_the_threshold_is_not_met(wh):
    _trademarks_2024_2027(wh)
    wh.progress(END[2027])
    r = wh.progress_row("valid_trademarks", END[2027], plan_id=ACTION)
    assert r["value"] == 18.0 and r["target_value"] == 18.0 and r["base_value"] == 15.0
    assert r["status"] != "target_achieved" and r["ratio"] == pytest.approx(1.0)
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    o = outcome(wh.con, "valid_trademarks", ACTION)
    assert o["achieved"] is False and o["final_status"] == "target_missed"
    assert o["final_label_zh"] == "目标未完成" and o["final_label_en"] == "Target missed"
    assert o["attainment"] == 1.0 and o["change_share"] == 1.0


def test_gt_target_above_the_threshold_is_met_and_ge_at_it(wh, action):
    _trademarks_2024_2027(wh, extra=1)
    wh.progress(END[2027])
    assert wh.progress_row("valid_trademarks", END[2027], plan_id=ACTION)["status"] == "target_achieved"
    wh.con.execute(
        "DELETE FROM stg_trademarks WHERE registration_date = DATE '2026-01-01' AND "
        "registration_no = (SELECT max(registration_no) FROM stg_trademarks)"
    )
    ge = plan_with(action, "valid_trademarks", comparison="ge")
    wh.progress(END[2027], plans=[ge])
    assert wh.progress_row("valid_trademarks", END[2027], plan_id=ACTION)["status"] == "target_achieved"


def test_cumulative_target_reached_in_the_last_month(wh, new_advantage):
    enterprises(wh, 5, date(2025, 3, 1), programme="city_advantage")
    enterprises(wh, 10, date(2026, 5, 1), programme="city_advantage")
    enterprises(wh, 5, date(2027, 12, 15), programme="city_advantage")  # the 20th in December 2027
    nov, dec = date(2027, 11, 30), END[2027]
    wh.progress(nov, dec)
    before = wh.progress_row(NEW_ADV, nov, plan_id=ACTION)
    assert before["value"] == 15 and before["base_value"] == 0 and before["base_computed"] is False
    assert before["status"] == "not_available" and before["ratio"] is None and before["g_obs"] is None
    # The straight line from 0 to the target over ΔT = 3 years.
    assert before["expected_value"] == pytest.approx(20 * before["delta_t"] / 3)
    assert before["gap"] == pytest.approx(15 - before["expected_value"])
    after = wh.progress_row(NEW_ADV, dec, plan_id=ACTION)
    assert after["value"] == 20 and after["status"] == "target_achieved" and after["score"] == 5
    assert after["expected_value"] == pytest.approx(20)
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    o = outcome(wh.con, NEW_ADV, ACTION)
    assert (o["achieved"], o["final_status"], o["attainment"], o["change_share"]) == (
        True,
        "target_achieved",
        1,
        1,
    )
    # A district has no implied share of the city's count.
    assert outcome(wh.con, NEW_ADV, ACTION, "370602")["final_status"] == "not_available"


def test_improvement_target_with_a_missing_base(wh):
    wh.published(2027, 82.0)  # nothing for the base year 2024
    wh.progress(END[2027])
    r = wh.progress_row("ip_protection_satisfaction", END[2027], plan_id=ACTION)
    assert r["value"] == 82.0 and r["base_value"] is None and r["target_value"] is None
    assert r["status"] == "not_available" and r["ratio"] is None and r["projection"] is None
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    o = outcome(wh.con, "ip_protection_satisfaction", ACTION)
    assert (
        o["achieved"] is None and o["final_status"] == "not_available" and o["final_label_zh"] == "数据不足"
    )
    assert o["attainment"] is None and o["change_share"] is None


@pytest.mark.parametrize(
    "later, achieved, status",
    [(82.0, True, "target_achieved"), (80.0, False, "deterioration"), (79.0, False, "deterioration")],
)
def test_improvement_target_is_achieved_only_by_a_rise(wh, later, achieved, status):
    wh.published(2024, 80.0)
    wh.published(2027, later)
    wh.progress(END[2027])
    r = wh.progress_row("ip_protection_satisfaction", END[2027], plan_id=ACTION)
    assert r["status"] == status and r["ratio"] is None and r["expected_value"] is None and r["gap"] is None
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    o = outcome(wh.con, "ip_protection_satisfaction", ACTION)
    assert o["achieved"] is achieved and o["target_value"] is None and o["attainment"] is None


def test_indicator_without_values_is_not_available(wh, monkeypatch):
    monkeypatch.delitem(COMPUTATIONS, "civil_first_instance_acceptance_rate", raising=False)
    wh.progress(date(2026, 6, 30))
    rows = wh.con.execute(
        "SELECT district_code, value, status FROM indicator_progress WHERE indicator_id = "
        "'civil_first_instance_acceptance_rate' AND as_of = DATE '2026-06-30'"
    ).fetchall()
    assert {r[0] for r in rows} == set(UNIT_CODES) | {CITY, "370699"}
    assert all(v is None and s == "not_available" for _, v, s in rows)
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    assert outcome(wh.con, "civil_first_instance_acceptance_rate", ACTION)["final_status"] == "not_available"


# --------------------------------------------------------------------------- lifecycle


def test_plans_in_force_on_a_date():
    p14, act = load_plans()[:2]
    assert (p14.id, act.id) == (P14, ACTION) and p14.end_date == END[2025]
    assert not p14.in_force(END[2020]) and p14.in_force(date(2021, 1, 1)) and p14.in_force(END[2025])
    assert (
        not p14.in_force(date(2026, 1, 1)) and p14.ended_by(date(2026, 1, 1)) and not p14.ended_by(END[2025])
    )
    in_force = lambda d: [p.id for p in load_plans() if p.in_force(d)]  # noqa: E731
    assert in_force(date(2024, 12, 31)) == [P14]
    assert in_force(date(2025, 6, 30)) == [P14, ACTION]  # the action plan overlaps the 14th's last year
    assert in_force(date(2026, 12, 1)) == [ACTION]
    assert [p.state(date(2026, 12, 1)) for p in (p14, act)] == ["ended", "in_force"]
    assert act.state(date(2024, 6, 30)) == "not_started"


def test_no_progress_rows_after_the_target_year_nor_before_the_base_year_ends(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    # A row left by an older run for a date after T goes when the date is recomputed.
    wh.progress(date(2025, 6, 30))
    wh.con.execute(
        "INSERT INTO indicator_progress (plan_id, indicator_id, as_of, district_code) "
        "VALUES (?, ?, DATE '2026-01-31', ?)",
        [P14, GBT, CITY],
    )
    wh.progress(END[2020], END[2024], END[2025], date(2026, 1, 31), date(2026, 11, 30))
    dates = dict(
        wh.con.execute(
            "SELECT plan_id, list(DISTINCT as_of ORDER BY as_of) FROM indicator_progress GROUP BY plan_id"
        ).fetchall()
    )
    assert dates[P14] == [END[2024], date(2025, 6, 30), END[2025]]
    assert dates[ACTION] == [date(2025, 6, 30), END[2025], date(2026, 1, 31), date(2026, 11, 30)]
    scores = wh.con.execute("SELECT DISTINCT plan_id, as_of FROM plan_scores ORDER BY ALL").fetchall()
    assert (P14, date(2026, 1, 31)) not in scores and (P14, END[2025]) in scores


def test_plan_outcomes_values(wh, plan14):
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 150, date(2023, 6, 1))  # 250 at the end of 2025, target 400
    trademarks(wh, 150000, date(2019, 1, 1), date(2035, 1, 1))  # 15.0 万件 >= 13.78
    wh.progress(END[2025], date(2026, 11, 30))
    n = compute_plan_outcomes(wh.con, date(2026, 11, 30))
    assert n == wh.con.execute("SELECT count(*) FROM plan_outcomes").fetchall()[0][0] > 0
    assert {p for (p,) in wh.con.execute("SELECT DISTINCT plan_id FROM plan_outcomes").fetchall()} == {P14}
    g = outcome(wh.con, GBT)
    p = wh.progress_row(GBT, END[2025])
    assert g["as_of"] == END[2025] and (g["value"], g["base_value"], g["target_value"]) == (250, 100, 400)
    assert g["achieved"] is False and g["final_status"] == "target_missed"
    assert g["attainment"] == pytest.approx(250 / 400) and g["change_share"] == pytest.approx(150 / 300)
    assert (g["ratio"], g["status"], g["status_label_zh"]) == (p["ratio"], p["status"], p["status_label_zh"])
    t = outcome(wh.con, "valid_trademarks")
    assert (
        t["achieved"] is True
        and t["final_status"] == "target_achieved"
        and t["final_label_zh"] == "已实现目标"
    )
    assert t["change_share"] == pytest.approx((15 - 10.6) / (13.78 - 10.6))
    # The plan's final line: plan_scores on 31 Dec of T, kept while later dates are rewritten.
    wh.progress(date(2026, 11, 30))
    assert (
        wh.con.execute(
            "SELECT count(*) FROM plan_scores WHERE plan_id = ? AND as_of = ?", [P14, END[2025]]
        ).fetchall()[0][0]
        > 0
    )
    assert row_violations(wh.con, load_plans(), date(2026, 11, 30)) == []
    assert achieved_violations(wh.con, load_plans()) == []
    # v_T = v₀: no share of a needed change.
    flat = plan_with(plan14, GBT, value=100)
    compute_plan_outcomes(wh.con, date(2026, 11, 30), [flat])
    g = outcome(wh.con, GBT)
    assert g["change_share"] is None and g["attainment"] == 2.5 and g["achieved"] is True


def test_plan_outcomes_checks_catch_a_wrong_row(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    compute_plan_outcomes(wh.con, date(2026, 1, 31))
    plans = load_plans()
    assert row_violations(wh.con, plans, date(2026, 1, 31)) == [] and achieved_violations(wh.con, plans) == []
    wh.con.execute(
        "UPDATE plan_outcomes SET achieved = true, final_status = 'target_achieved' "
        "WHERE indicator_id = ? AND district_code = ?",
        [GBT, CITY],
    )
    assert [v["indicator_id"] for v in achieved_violations(wh.con, plans)] == [GBT]
    wh.con.execute(
        "DELETE FROM plan_outcomes WHERE indicator_id = 'valid_trademarks' AND district_code = '370602'"
    )
    assert row_violations(wh.con, plans, date(2026, 1, 31)) == [
        dict(plan_id=P14, indicator_id="valid_trademarks", district_code="370602", problem="missing")
    ]


def test_plan_outcomes_follow_a_revision_of_the_target_year(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 290, date(2025, 3, 1))
    compute_plan_outcomes(wh.con, date(2026, 1, 31))
    assert outcome(wh.con, GBT)["final_status"] == "target_missed"
    compute_plan_outcomes(wh.con, date(2026, 1, 31))  # unchanged: no revision recorded
    assert wh.con.execute("SELECT count(*) FROM plan_outcome_revisions").fetchall()[0][0] == 0
    enterprises(wh, 10, date(2025, 11, 20))  # a late filing for 2025
    compute_plan_outcomes(wh.con, date(2026, 2, 28))
    assert outcome(wh.con, GBT)["final_status"] == "target_achieved"
    rev = wh.con.execute(
        "SELECT previous_value, value, previous_final_status, final_status FROM "
        "plan_outcome_revisions WHERE indicator_id = ? AND district_code = ?",
        [GBT, CITY],
    ).fetchall()
    assert rev == [(390, 400, "target_missed", "target_achieved")]


# --------------------------------------------------------------------------- catalogue


def test_catalogue_target_kinds_and_comparisons(tmp_path):
    act = load_plan(CATALOGUE_DIR / "plan_2025_2027_action.yaml")
    kinds = {i.id: (i.target.kind, i.target.comparison, i.target.value) for i in act.targeted()}
    assert kinds == {
        "hv_patents_per_10k": ("level", "ge", 13.2),
        "valid_trademarks": ("level", "gt", 18.0),
        "ip_transfer_licence_cagr": ("growth", "ge", 15.0),
        NEW_ADV: ("cumulative", "ge", 20.0),
        "civil_first_instance_acceptance_rate": ("level", "gt", 85.0),
        "ip_protection_satisfaction": ("improvement", "ge", None),
    }
    assert act.indicator("civil_first_instance_acceptance_rate").limit == 100
    assert all(i.base_value is None and i.base_year == 2024 for i in act.targeted())
    assert [c.id for c in act.companions] == ["ip_transfer_licence_count"]
    assert act.status_label("target_missed") == "目标未完成"
    assert Target(2027, "level", 18.0, "gt").met(18.0, 1) is False
    assert Target(2027, "level", 18.0, "ge").met(18.0, 1) is True
    assert Target(2027, "improvement", None).met(80.0, 1, None) is None
    text = (CATALOGUE_DIR / "plan_14th_fyp.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("kind: level, value: 400}", "kind: improvement, value: 400}"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="improvement target has no value"):
        load_plan(bad)
    bad.write_text(
        text.replace("kind: level, value: 400}", "kind: level, value: 400, comparison: lt}"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="contradicts direction"):
        load_plan(bad)
    down = tmp_path / "down.yaml"
    # A plan entry may override its definition's fields (here the direction).
    down.write_text(
        text.replace("- id: gbt29490_enterprises\n", "- id: gbt29490_enterprises\n    direction: -1\n"),
        encoding="utf-8",
    )
    assert load_plan(down).indicator(GBT).target.comparison == "le"  # default for direction −1


def test_old_ids_keep_their_units_from_the_first_plan(wh):
    wh.compute(date(2025, 6, 30))
    units = dict(wh.con.execute("SELECT DISTINCT indicator_id, unit FROM indicator_values").fetchall())
    assert units["valid_trademarks"] == "万件" and units["hv_patents_per_10k"] == "件"
    assert units["ip_protection_satisfaction"] == "分" and units["pledge_count"] == "件"


# --------------------------------------------------------------------------- a third plan is data only


@pytest.fixture
def three_plans(tmp_path):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for f in CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(f, folder / f.name)
    shutil.copy(FIXTURES / "plan_15th_fyp_2030.yaml", folder / "plan_15th_fyp_2030.yaml")
    return load_plans(folder)


def test_a_fifteenth_plan_is_a_catalogue_file(wh, three_plans):
    assert [p.id for p in three_plans] == [P14, "yantai_ip_15th_fyp_test", ACTION]
    wh.pledge(registration_date=date(2025, 3, 1))
    for m in (2, 3, 4):
        wh.pledge(registration_date=date(2026, m, 1))
    trademarks(wh, 200000, date(2019, 1, 1), date(2035, 1, 1))
    d = END[2026]
    wh.compute(d, plans=three_plans)
    wh.progress(d, plans=three_plans)
    live = {p for (p,) in wh.con.execute("SELECT DISTINCT plan_id FROM indicator_progress").fetchall()}
    assert live == {"yantai_ip_15th_fyp_test", ACTION}  # the 14th has ended
    pc = wh.progress_row("pledge_count", d, plan_id="yantai_ip_15th_fyp_test")
    assert (pc["value"], pc["base_value"], pc["target_value"], pc["delta_t"]) == (3, 1, 8, 1)
    vt15 = wh.progress_row("valid_trademarks", d, plan_id="yantai_ip_15th_fyp_test")
    vt_act = wh.progress_row("valid_trademarks", d, plan_id=ACTION)
    # One series, each plan judging it against its own base and target.
    assert vt15["value"] == vt_act["value"] == 20.0
    assert (vt15["base_year"], vt15["target_value"]) == (2025, 25) and (
        vt_act["base_year"],
        vt_act["target_value"],
    ) == (2024, 18)
    assert vt_act["status"] == "target_achieved"
    # indicator_values is the same with and without the third plan.
    before = wh.con.execute("SELECT * EXCLUDE (vintage) FROM indicator_values ORDER BY ALL").fetchall()
    wh.compute(d)
    assert (
        wh.con.execute("SELECT * EXCLUDE (vintage) FROM indicator_values ORDER BY ALL").fetchall() == before
    )
    compute_plan_outcomes(wh.con, date(2031, 1, 31), three_plans)
    ended = {p for (p,) in wh.con.execute("SELECT DISTINCT plan_id FROM plan_outcomes").fetchall()}
    assert ended == {P14, ACTION, "yantai_ip_15th_fyp_test"}
    assert row_violations(wh.con, three_plans, date(2031, 1, 31)) == []


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def home(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 300, date(2023, 6, 1))
    dates = [END[2025], date(2026, 11, 30)]
    wh.compute(*dates)
    wh.progress(*dates)
    compute_plan_outcomes(con, date(2026, 11, 30))
    con.close()
    return str(tmp_path)


def cli(*argv):
    from ip_pipeline.cli.main import build_parser

    args = build_parser().parse_args(list(argv))
    return args.func(args)


def test_cli_plans_in_force_or_ended(capsys):
    assert cli("plans", "--as-of", "2026-11-30", "--format", "json") == 0
    plans = {p["plan_id"]: p for p in json.loads(capsys.readouterr().out)}
    assert plans[P14]["state"] == "ended" and plans[P14]["status"] == "ended 2025-12-31"
    assert plans[ACTION]["state"] == "in_force" and plans[ACTION]["in_force_from"] == "2025-01-01"
    assert cli("plans", "--as-of", "2025-06-30") == 0
    out = capsys.readouterr().out
    assert out.count("in force (until") == 2 and "烟台市推进新时代知识产权强市建设三年行动计划" in out


def test_cli_progress_only_while_the_plan_is_in_force(home, capsys):
    assert cli("progress", "--home", home, "--plan", P14, "--as-of", "2026-11-30") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ended on 2025-12-31" in err and f"outcomes --plan {P14}" in err
    assert cli("progress", "--home", home, "--plan", ACTION, "--as-of", "2026-11-30", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["plan_id"] for r in rows} == {ACTION} and {r["as_of"] for r in rows} == {"2026-11-30"}
    assert cli("progress", "--home", home, "--as-of", "2026-11-30", "--format", "csv") == 0
    assert {r["plan_id"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))} == {ACTION}
    assert cli("progress", "--home", home, "--plan", P14, "--as-of", "2025-12-31", "--format", "csv") == 0
    assert {r["plan_id"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))} == {P14}
    assert cli("progress", "--home", home, "--plan", "nope") == 2
    assert "unknown plan" in capsys.readouterr().err


def test_cli_outcomes_formats_and_final_line(home, capsys):
    assert cli("outcomes", "--home", home, "--plan", P14, "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == [
        "plan_id",
        "indicator_id",
        "district_code",
        "value",
        "target_value",
        "achieved",
        "attainment",
        "change_share",
        "ratio",
        "status",
        "final_status",
        "vintage",
    ]
    gbt = [r for r in rows if r[1] == GBT and r[2] == CITY][0]
    assert gbt[3] == "400.0" and gbt[5] == "True" and gbt[10] == "target_achieved"
    assert cli("outcomes", "--home", home, "--plan", P14, "--format", "json", "--district", CITY) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 9 and {r["district_code"] for r in records} == {CITY}
    assert cli("outcomes", "--home", home, "--plan", P14, "--district", CITY, "--lang", "en") == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"{P14}: 1 of 9 indicators with a target achieved") and "on 2025-12-31" in last
    assert cli("outcomes", "--home", home, "--plan", P14, "--district", CITY) == 0  # the summary in Chinese
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"{P14}: 全市 9 项有目标的指标中实现 1 项；2025-12-31 规划得分 " + last.rsplit(" ", 1)[-1]
    assert cli("outcomes", "--home", home, "--plan", ACTION) == 2  # in force until 2027: no outcome yet
    assert "no final evaluation yet" in capsys.readouterr().err


# --------------------------------------------------------------------------- the Dagster asset


def test_plan_outcomes_asset_recomputes_when_the_inputs_change(tmp_path):
    import dagster as dg

    from ip_pipeline.defs.outcomes import OUTCOME_CHECKS, outcome_step, plan_outcomes
    from ip_pipeline.defs.resources import Warehouse

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 290, date(2025, 3, 1))  # 390 < 400 at the end of 2025
    wh.rows("source_snapshots", [dict(source="enterprises", snapshot_at=date(2026, 1, 5), fingerprint="a")])
    wh.compute(date(2026, 1, 31))
    con.close()

    def run():
        result = dg.materialize(
            [plan_outcomes, *OUTCOME_CHECKS],
            partition_key="2026-01-01",
            resources={"warehouse": Warehouse(home=str(tmp_path))},
        )
        assert result.success
        checks = result.get_asset_check_evaluations()
        assert len(checks) == 2 and all(c.passed for c in checks)
        mat = result.asset_materializations_for_node("plan_outcomes")[0]
        return mat.metadata["recomputed_plans"].value

    def final():
        c = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            return outcome(c, GBT)["final_status"], c.execute(
                "SELECT count(*) FROM indicator_runs WHERE step = ?", [outcome_step(P14)]
            ).fetchall()[0][0]
        finally:
            c.close()

    assert run() == [P14] and final() == ("target_missed", 1)
    assert run() == []  # inputs unchanged: the outcome is current
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    enterprises(SimpleNamespace(con=c), 10, date(2025, 12, 20))  # late filings for 2025
    c.execute("UPDATE source_snapshots SET fingerprint = 'b'")
    c.close()
    assert run() == [P14] and final() == ("target_achieved", 1)
