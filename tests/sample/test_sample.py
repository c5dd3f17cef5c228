"""The sample generator: reproducible, linear in scale, valid identifiers, detectable
encodings, a manifest that tells the truth, and calibrated indicators."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ip_pipeline.ingest.addresses import AddressReader
from ip_pipeline.sample import generate_sample
from ip_pipeline.sample.cli import add_cli
from ip_pipeline.sample.geo import DISTRICTS_CSV, read_districts
from ip_pipeline.sample.numbers import valid_application_no, valid_credit_code
from ip_pipeline.sample.schema import SOURCES, load
from ip_pipeline.sample.selfcheck import calibration

from .landing_reader import decode, nfkc, parse_date, read_part, records

END = dt.date(2026, 11, 29)
SPEC_DISTRICTS = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "reference" / "districts.csv"


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("dirty")
    return home, generate_sample(home, scale=0.02, seed=7, end=END, dirt_rate=0.05, progress=False)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _app_no(value) -> str:
    text = nfkc(value).upper().replace(" ", "").replace(".", "")
    return text[2:] if text[:2] in ("CN", "ZL") else text


def test_same_seed_same_bytes(tmp_path):
    a = generate_sample(tmp_path / "a", scale=0.02, seed=11, end=END, dirt_rate=0.05, progress=False)
    b = generate_sample(tmp_path / "b", scale=0.02, seed=11, end=END, dirt_rate=0.05, progress=False)
    assert a == b
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    generate_sample(tmp_path / "c", scale=0.02, seed=12, end=END, dirt_rate=0.05, progress=False)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_manifest_file_is_the_returned_dict(dirty):
    home, manifest = dirty
    assert json.loads((home / "sample_manifest.json").read_text(encoding="utf-8")) == manifest
    assert set(manifest["sources"]) == set(SOURCES)
    assert {"scale", "seed", "end", "dirt_rate"} <= set(manifest)


def test_volumes_linear_in_scale(tmp_path):
    small = generate_sample(tmp_path / "s", scale=0.02, end=END, dirt_rate=0, progress=False)
    large = generate_sample(tmp_path / "l", scale=0.06, end=END, dirt_rate=0, progress=False)
    for source in SOURCES:
        rows_small = small["sources"][source]["rows_written"]
        rows_large = large["sources"][source]["rows_written"]
        assert rows_small > 0, source
        assert 2.7 <= rows_large / rows_small <= 3.3, (source, rows_small, rows_large)
    # scale 1 ≈ the real city
    assert 1_900 <= small["sources"]["patents"]["rows_written"] <= 2_500
    assert 3_800 <= small["sources"]["trademarks"]["rows_written"] <= 4_800


def test_application_numbers_and_credit_codes_are_valid(dirty):
    home, manifest = dirty
    landing = home / "landing"
    seen = 0
    for source, column in (
        ("patents", "application_no"),
        ("awards", "application_no"),
        ("overseas_grants", "cn_family_application_no"),
    ):
        for _, _, row in records(landing, source, manifest["sources"][source]["files"]):
            if row[column] not in (None, ""):
                assert valid_application_no(_app_no(row[column])), row[column]
                seen += 1
    for _, _, row in records(landing, "pledges", manifest["sources"]["pledges"]["files"]):
        if nfkc(row["pledge_type"]) == "专利" and row["items"]:
            for item in nfkc(row["items"]).split(";"):
                assert valid_application_no(_app_no(item)), item
    codes = [
        row["credit_code"]
        for _, _, row in records(landing, "enterprises", manifest["sources"]["enterprises"]["files"])
    ]
    assert codes and all(valid_credit_code(c) for c in codes)
    assert seen > 2000


def test_encodings_and_formats_are_detectable(dirty):
    home, manifest = dirty
    kinds = Counter()
    for entry in manifest["sources"].values():
        for rel in entry["files"]:
            path = home / "landing" / rel
            if path.suffix == ".xlsx":
                kinds["xlsx"] += 1
                continue
            raw = path.read_bytes()
            text, encoding = decode(raw)
            kinds[encoding] += 1
            if encoding == "gb18030":
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                assert raw.decode("gb18030") == text
            if encoding == "utf-8-sig":
                assert raw.startswith(b"\xef\xbb\xbf")
    assert kinds["gb18030"] and kinds["utf-8-sig"] and kinds["utf-8"] and kinds["xlsx"], kinds


def test_reference_tables(dirty):
    home, _ = dirty
    ref = home / "landing" / "reference"
    assert (ref / "districts.csv").read_bytes().decode("utf-8").replace("\r\n", "\n") == DISTRICTS_CSV
    if SPEC_DISTRICTS.exists():
        assert (ref / "districts.csv").read_bytes() == SPEC_DISTRICTS.read_bytes()
    population = read_part(ref / "population.csv")[1]
    years = {int(r[0]) for r in population}
    assert max(years) == END.year - 1
    units = {d["code"] for d in read_districts()} - {"370699"}
    assert {r[1] for r in population if r[0] == "2020"} == units
    total_2020 = sum(int(r[2]) for r in population if r[0] == "2020")
    assert 7_000_000 <= total_2020 <= 7_200_000
    economy = {int(r[0]): (float(r[1]), float(r[2])) for r in read_part(ref / "economy.csv")[1]}
    assert max(economy) == END.year - 1 and abs(economy[2020][0] - 7816) < 1
    assert all(gdp > va for gdp, va in economy.values())
    sei = read_part(ref / "sei_ipc.csv")[1]
    assert 30 <= len(sei) <= 80


def _key(source: str, row: dict) -> tuple:
    schema = load(source)
    out = []
    for name in schema.key:
        col = schema.column(name)
        value = nfkc(row[name])
        if col.type == "application_no":
            value = _app_no(value)
        elif col.type == "enum":
            value = next(k for k, vs in col.values.items() if value in vs or value == k)
        out.append(str(value))
    return tuple(out)


def test_manifest_counts_match_the_files(dirty):
    home, manifest = dirty
    landing = home / "landing"
    # out of scope by SOURCES.md's reading of addresses by levels: a Qingdao street named after
    # a Yantai unit (福山路) is outside, however much of a Yantai name it contains
    reader = AddressReader(read_districts())
    for source in SOURCES:
        entry = manifest["sources"][source]
        schema = load(source)
        on_disk = sorted(str(p.relative_to(landing)) for p in (landing / source).iterdir())
        assert on_disk == sorted(entry["files"])
        rows = list(records(landing, source, entry["files"]))
        assert len(rows) == entry["rows_written"], source

        groups = defaultdict(list)
        for _, _, row in rows:
            groups[_key(source, row)].append(
                tuple(nfkc(v) if not isinstance(v, (int, float)) else v for v in row.values())
            )
        identical = conflicting = 0
        for group in groups.values():
            for i, row in enumerate(group[1:], start=1):
                if row in group[:i]:
                    identical += 1
                else:
                    conflicting += 1
        expected = Counter(entry["expected_quarantine"])
        assert identical == entry["identical_duplicates"], source
        assert conflicting == expected["conflicting_duplicate"], source

        found = Counter()
        for _, _, row in rows:
            for col in schema.columns:
                value = row[col.name]
                if col.type == "date" and parse_date(value) == "bad":
                    found[f"bad_date:{col.name}"] += 1
                if col.required and col.name not in schema.key and value in (None, ""):
                    found[f"missing:{col.name}"] += 1
            if (
                source == "patents"
                and nfkc(row["legal_status"]) in load("patents").column("legal_status").values["lapsed"]
                and row["lapse_date"] in (None, "")
            ):
                found["missing:lapse_date"] += 1
            if (
                source == "trademarks"
                and row["status_date"] in (None, "")
                and any(
                    nfkc(row["status"]) in schema.column("status").values[s]
                    for s in ("invalidated", "cancelled", "revoked")
                )
            ):
                found["missing:status_date"] += 1
            if source == "overseas_grants" and nfkc(row["office"]) == "CN":
                found["not_overseas:office"] += 1
            if schema.address_column:
                address = nfkc(row[schema.address_column])
                if reader.read(address).unit is None:
                    found["out_of_scope"] += 1
        for reason, count in found.items():
            if reason == "out_of_scope":
                assert count == entry["out_of_scope"], source
            else:
                assert count == expected[reason], (source, reason)
        for reason, count in expected.items():
            if reason.split(":")[0] in ("bad_date", "missing") or reason == "not_overseas:office":
                assert found[reason] == count, (source, reason)
    quarantined = sum(sum(e["expected_quarantine"].values()) for e in manifest["sources"].values())
    assert quarantined > 30


def test_clean_sample_has_no_dirt(tmp_path):
    manifest = generate_sample(tmp_path, scale=0.02, end=END, dirt_rate=0, progress=False)
    for entry in manifest["sources"].values():
        assert entry["expected_quarantine"] == {}
        assert entry["identical_duplicates"] == entry["out_of_scope"] == 0


def test_cli(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(
        [
            "sample",
            "--home",
            str(tmp_path),
            "--scale",
            "0.01",
            "--end",
            "2021-06-30",
            "--dirt-rate",
            "0.01",
            "--seed",
            "3",
            "--no-progress",
        ]
    )
    assert args.func(args) == 0
    manifest = json.loads((tmp_path / "sample_manifest.json").read_text(encoding="utf-8"))
    assert manifest["end"] == "2021-06-30" and manifest["seed"] == 3
    assert "sample_manifest.json" in capsys.readouterr().out


@pytest.mark.slow
def test_calibration_at_scale_1():
    figures = calibration(scale=1.0, end=END)
    y2020, y2021, y2025 = figures["2020-12-31"], figures["2021-12-31"], figures["2025-12-31"]
    assert 3.85 <= y2020["hv_per_10k"] <= 4.30, y2020
    assert 100_000 <= y2020["valid_trademarks"] <= 112_000, y2020
    assert 121_000 <= y2021["valid_trademarks"] <= 135_000, y2021
    assert 1.12 <= y2021["hv_patents"] / y2020["hv_patents"] <= 1.25
    years = sorted(figures)
    for a, b in zip(years[1:], years[2:]):  # after 2021
        assert 1.03 <= figures[b]["valid_trademarks"] / figures[a]["valid_trademarks"] <= 1.10, (a, b)
    pledge_cagr = (y2025["pledges"] / y2020["pledges"]) ** (1 / 5) - 1
    assert 0.20 <= pledge_cagr <= 0.35
    assert all(150 <= figures[y]["overseas_inventions"] <= 260 for y in years[1:])
    assert 350 <= y2025["gbt29490"] <= 450 and 100 <= y2025["city_advantage"] <= 140


def test_never_overwrites_a_real_landing_zone(tmp_path):
    real = tmp_path / "landing" / "patents" / "export.csv"
    real.parent.mkdir(parents=True)
    real.write_text("申请号\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_sample(tmp_path, scale=0.01, end=END, progress=False)
    assert real.exists()
