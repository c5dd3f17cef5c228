"""Each indicator is described once (assets/catalogue/indicators/<id>.yaml) and
the registry, explain, the checks' configuration and the plans are built from it."""

from __future__ import annotations

import pytest

from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.indicators.explain import EXPLAIN, formulas
from ip_pipeline.indicators.indicator_definitions import (
    DefinitionError,
    definitions_dir,
    load_definition,
    load_definitions,
    sql_dir,
)
from ip_pipeline.indicators.registry import COMPUTATIONS, companion_ids
from ip_pipeline.quality.indicator_checks import load_config


def test_every_definition_names_files_that_exist_and_every_plan_entry_a_definition():
    defs = load_definitions()
    assert len(defs) >= 16
    for i, d in defs.items():
        assert (sql_dir() / f"{d.sql}.sql").is_file(), i
        if d.explain:
            assert (sql_dir() / f"{d.explain.sql}.sql").is_file(), i
        for m in d.marts:
            assert (sql_dir() / "marts" / f"{m}.sql").is_file(), i
    for plan in load_plans():
        for ind in plan.indicators + plan.companions:
            assert ind.id in defs, (plan.id, ind.id)
            assert ind.unit == defs[ind.id].unit and ind.kind == defs[ind.id].kind


def test_the_registry_explain_and_checks_are_the_definitions():
    defs = load_definitions()
    assert set(COMPUTATIONS) == set(defs)
    assert COMPUTATIONS["gbt29490_enterprises"].params == (
        ("indicator_id", "gbt29490_enterprises"),
        ("programme", "gbt29490"),
    )
    assert [i for i, c in COMPUTATIONS.items() if c.based] == [i for i, d in defs.items() if d.based]
    assert set(EXPLAIN) == {i for i, d in defs.items() if d.explain}
    assert EXPLAIN["pledge_count"] == ("explain/pledges", {"period": "year_to_date"})
    assert set(formulas()) <= set(defs)
    assert set(companion_ids()) == {"pledge_count", "pledge_amount_wan", "ip_protection_satisfaction_survey"}
    cfg = load_config()
    assert set(cfg["range"]["percent_0_100"]) == {
        i for i, d in defs.items() if d.checks.range == "percent_0_100"
    }
    assert set(cfg["additive_counts"]) == {i for i, d in defs.items() if d.checks.city_is_sum_of_units}
    assert cfg["within_invention_stock"] == ["hv_patents_per_10k"]
    assert cfg["jumps"]["basis"]["pledge_count"] == "yoy" and cfg["jumps"]["basis"]["default"] == "mom"


def test_a_plan_may_word_a_name_its_own_way():
    action = [p for p in load_plans() if p.id == "yantai_ip_action_2025_2027"][0]
    fyp = [p for p in load_plans() if p.id == "yantai_ip_14th_fyp"][0]
    assert action.indicator("hv_patents_per_10k").name_zh == "万人高价值发明专利拥有量"
    assert fyp.indicator("hv_patents_per_10k").name_zh == "每万人口高价值发明专利拥有量"
    assert action.indicator("hv_patents_per_10k").parameters == {"pledge_threshold_wan": 1000}


@pytest.mark.parametrize(
    "change, message",
    [
        (("checks:\n  range: non_negative", "checks:\n  range: positive"), "checks.range"),
        (("checks:\n", "checks:\n  typo: true\n"), "unknown checks"),
        (("compute:\n  sql: indicators/valid_trademarks\n", ""), "compute.sql is required"),
    ],
)
def test_a_wrong_definition_is_refused_with_its_file_named(tmp_path, change, message):
    text = (definitions_dir() / "valid_trademarks.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "valid_trademarks.yaml"
    bad.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(DefinitionError, match=message):
        load_definition(bad)
