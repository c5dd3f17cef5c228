"""Which steps a night selects for its changed sources (defs/nightly.night_selection), read
from the real asset graph: a change runs its source's ingest and what lies below it, the
sources that take units from it included, and never an unrelated source; the freshness checks
are always in; a quiet night with every month current selects no asset at all."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ip_pipeline.definitions import build_definitions
from ip_pipeline.defs.nightly import night_selection
from ip_pipeline.ingest.contracts import SOURCE_NAMES


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    home: Path = tmp_path_factory.mktemp("home")
    return build_definitions(str(home)).resolve_asset_graph()


def _ingested(assets: tuple[str, ...]) -> set[str]:
    return {a.removeprefix("stg_") for a in assets if a.startswith("stg_") and a[4:] in SOURCE_NAMES}


def test_a_quiet_night_selects_the_freshness_checks_alone(graph):
    assets, checks, partitioned = night_selection(graph, frozenset(), indicators=False)
    assert assets == () and not partitioned
    # one freshness check per raw table of every source, and nothing else
    assert {c.name for c in checks} == {"source_freshness"}
    assert {c.asset_key for c in checks} >= {dg.AssetKey(f"raw_{s}") for s in SOURCE_NAMES}


def test_a_new_day_runs_the_indicators_without_ingest(graph):
    assets, checks, partitioned = night_selection(graph, frozenset(), indicators=True)
    assert partitioned
    assert {"indicator_values", "indicator_progress", "plan_outcomes"} <= set(assets)
    assert not _ingested(assets) and "stg_districts" not in assets
    # the indicator sanity checks come with their asset
    assert any(c.asset_key == dg.AssetKey("indicator_values") for c in checks)


def test_a_changed_source_runs_itself_and_what_takes_units_from_it(graph):
    assets, checks, partitioned = night_selection(graph, frozenset({"patents"}), indicators=False)
    # transfers resolves a recordal without code or address by the patent it names
    assert _ingested(assets) == {"patents", "transfers"}
    assert {"raw_patents", "quarantine_patents", "raw_transfers", "indicator_values"} <= set(assets)
    assert partitioned
    gx = {c.asset_key.to_user_string() for c in checks if c.name == "gx_expectation_suite"}
    assert gx == {"stg_patents", "stg_transfers"}

    assets, _, _ = night_selection(graph, frozenset({"survey"}), indicators=False)
    assert _ingested(assets) == {"survey"}


def test_a_new_reference_delivery_runs_every_source(graph):
    # districts.csv places every record: a new one resolves every source again
    assets, checks, _ = night_selection(graph, frozenset({"reference"}), indicators=False)
    assert _ingested(assets) == set(SOURCE_NAMES)
    assert {"stg_districts", "stg_population"} <= set(assets)
    assert dg.AssetCheckKey(dg.AssetKey("stg_districts"), "gx_expectation_suite") in checks
