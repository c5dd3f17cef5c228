"""Fixtures of the indicator tests: an in-memory warehouse with the staged tables, and the plans."""

from __future__ import annotations

import duckdb
import pytest

from ip_pipeline.indicators.catalogue import load_plan, load_plans

from .builder import FIXTURES, WarehouseBuilder


@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def wh(con) -> WarehouseBuilder:
    return WarehouseBuilder(con)


@pytest.fixture
def plan14():
    return load_plans()[0]


@pytest.fixture
def plan15():
    return load_plan(FIXTURES / "plan_15th_fyp.yaml")
