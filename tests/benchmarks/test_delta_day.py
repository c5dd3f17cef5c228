"""The delta nightly's extra day (benchmarks/delta_day.py) on a tiny sample: one new part per
source, in the sample's export formats, sorting after the existing parts, with new records
dated that day and revisions of earlier rows (same key, changed values). No timing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import _landing as L  # noqa: E402
import delta_day  # noqa: E402

from ip_pipeline.sample.generate import generate_sample  # noqa: E402

DAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("delta")
    generate_sample(home, scale=0.01, end=dt.date(2026, 10, 31), progress=False)
    return home / "landing"


def _rows(path: Path, source: str) -> list[dict]:
    return delta_day.read_part(path, L.load_contract(source))


def _key(rec: dict, contract: dict) -> tuple:
    return tuple(delta_day._norm(rec.get(k)) for k in contract["key"])


def test_one_day_added_per_source_in_the_sample_formats(landing):
    before = {s: [p.name for p in L.parts(landing, s)] for s in delta_day.SOURCES}
    added = delta_day.add_day(landing, DAY, scale=0.01)

    assert set(added) == set(delta_day.SOURCES)
    kinds = set()
    for source, info in added.items():
        parts = L.parts(landing, source)
        names = [p.name for p in parts]
        # exactly one new file, the last one in name order (so its rows win on a revised key)
        assert names[:-1] == before[source] and names[-1] == Path(info["file"]).name
        new = parts[-1]
        kinds.add(info["kind"])
        raw = new.read_bytes()
        if info["kind"] == "xlsx":
            assert new.suffix == ".xlsx" and raw[:2] == b"PK"
        else:
            assert new.suffix == ".csv"
            assert raw.startswith(b"\xef\xbb\xbf") == (info["kind"] == "bom")
            if info["kind"] == "gb18030":
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                raw.decode("gb18030")
        rows = _rows(new, source)
        contract = L.load_contract(source)
        assert len(rows) == info["rows"] >= delta_day.daily_rows(source, 0.01, DAY) - 1
        assert all(delta_day.clean(r, contract) for r in rows), source  # every row readable, none quarantined
        assert len({_key(r, contract) for r in rows}) == len(rows)  # one row per key within the day
    assert kinds == set(delta_day.KINDS)  # the day uses every export kind of the sample


def test_revisions_change_earlier_rows_and_new_rows_are_dated_that_day(tmp_path):
    # its own sample: the module landing already has the day added by the first test
    home = tmp_path / "home"
    generate_sample(home, scale=0.01, end=dt.date(2026, 10, 31), progress=False)
    land = home / "landing"
    old = {}
    for source in ("patents", "trademarks"):
        contract = L.load_contract(source)
        old[source] = {_key(r, contract): r for p in L.parts(land, source) for r in _rows(p, source)}
    added = delta_day.add_day(land, DAY, scale=0.01)

    p = added["patents"]
    assert p["revised"] == {"granted": 1, "late lapse": 1} and p["new"] >= 1
    t = added["trademarks"]
    assert t["revised"] == {"registered": 1, "late status change": 1} and t["new"] >= 1

    for source, status_col, date_cols in (
        ("patents", "legal_status", ("filing_date",)),
        ("trademarks", "status", ("filing_date",)),
    ):
        contract = L.load_contract(source)
        rows = {_key(r, contract): r for r in _rows(L.parts(land, source)[-1], source)}
        revised = {tuple(k) for k in added[source]["revised_keys"]}
        assert revised and revised <= set(rows) and revised <= set(old[source])
        for k in revised:
            before, after = old[source][k], rows[k]
            assert delta_day._enum_key(
                contract["columns"][status_col], before[status_col]
            ) != delta_day._enum_key(contract["columns"][status_col], after[status_col])
        for k in set(rows) - revised:
            assert k not in old[source]  # a new key
            assert delta_day.parse_date(rows[k][date_cols[0]]) == DAY

    # a late lapse lies in the past (it changes months already published), after the grant
    contract = L.load_contract("patents")
    rows = {_key(r, contract): r for r in _rows(L.parts(land, "patents")[-1], "patents")}
    lapsed = [
        r
        for r in rows.values()
        if delta_day._enum_key(contract["columns"]["legal_status"], r["legal_status"]) == "lapsed"
    ]
    assert len(lapsed) == 1
    lapse = delta_day.parse_date(lapsed[0]["lapse_date"])
    assert delta_day.parse_date(lapsed[0]["grant_date"]) < lapse <= DAY - dt.timedelta(days=30)


def test_daily_volume_follows_the_generators_yearly_volumes():
    # scale 10, 2026: 8,850 patent filings and 14,000 trademark rows a year
    assert delta_day.daily_rows("patents", 10, DAY) == round(88_500 / 365)
    assert delta_day.daily_rows("trademarks", 10, DAY) == round(140_000 / 365)
    assert delta_day.daily_rows("awards", 0.01, DAY) == 1  # every source gets its file
