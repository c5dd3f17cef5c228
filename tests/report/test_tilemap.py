"""The district tile map: one square per reporting unit, 未定位 listed beside, never placed."""

from __future__ import annotations

import csv
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 (the backend is chosen first)
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from ip_pipeline.city import CITY, UNLOCATED  # noqa: E402
from ip_pipeline.indicators.catalogue import load_plans  # noqa: E402
from ip_pipeline.report.style import load_style  # noqa: E402
from ip_pipeline.report.texts import Texts  # noqa: E402
from ip_pipeline.report.tilemap import TileLayoutError, load_tile_layout, tile_map  # noqa: E402
from ip_pipeline.sample.geo import DISTRICTS_CSV  # noqa: E402

UNITS = [r for r in csv.DictReader(io.StringIO(DISTRICTS_CSV))]
REPORTING_UNITS = {r["code"] for r in UNITS if r["code"] not in (UNLOCATED, CITY)}


def texts(lang: str = "zh") -> Texts:
    plan = load_plans()[0]
    return Texts(lang, plan, load_style(), plans=load_plans())


def frame(values: dict[str, float | None], status: dict[str, str] | None = None) -> pd.DataFrame:
    rows = []
    for r in UNITS:
        if r["code"] in values:
            rows.append(
                {
                    "district_code": r["code"],
                    "name_zh": r["name_zh"],
                    "name_en": r["name_en"],
                    "value": values[r["code"]],
                    "status": (status or {}).get(r["code"]),
                }
            )
    return pd.DataFrame(rows)


def drawn_squares(ax) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in ax.patches:
        if isinstance(p, Rectangle) and p.get_gid():
            counts[p.get_gid()] = counts.get(p.get_gid(), 0) + 1
    return counts


def texts_on(ax) -> list[str]:
    return [x.get_text() for x in ax.texts]


def test_the_layout_places_every_reporting_unit_once_and_never_the_unlocated_bucket():
    layout = load_tile_layout()
    codes = [tl.code for tl in layout]
    assert sorted(codes) == sorted(REPORTING_UNITS) and len(REPORTING_UNITS) == 13
    assert len({(tl.row, tl.col) for tl in layout}) == len(layout)
    # Roughly as they lie: 蓬莱 north of 海阳, 海阳 east of 莱州, each zone beside its district.
    at = {tl.code: (tl.row, tl.col) for tl in layout}
    assert at["370614"][0] < at["370687"][0] and at["370687"][1] > at["370683"][1]
    for zone, district in (("370672", "370611"), ("370671", "370613")):
        (r1, c1), (r2, c2) = at[zone], at[district]
        assert abs(r1 - r2) + abs(c1 - c2) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reporting_unit_has_exactly_one_tile_and_unlocated_is_listed_beside(lang):
    values = {r["code"]: 1.0 + i for i, r in enumerate(UNITS)}
    fig, ax = plt.subplots(figsize=(4, 2.5))
    try:
        drawn = tile_map(ax, frame(values), "hv_patents_per_10k", texts(lang))
        squares = drawn_squares(ax)
        assert set(squares) == REPORTING_UNITS and set(squares.values()) == {1}
        assert UNLOCATED not in drawn.tiles and drawn.apart == [UNLOCATED]
        words = "\n".join(texts_on(ax))
        unlocated = "未定位" if lang == "zh" else "Unlocated"
        assert unlocated in words
        assert ("示意图" if lang == "zh" else "schematic") in ax.get_title(loc="left")
        # Each square carries its short name and its value.
        assert ("芝罘" if lang == "zh" else "Zhifu") in words
        assert "1.00" in words  # 370602, the first unit, has the value 1.0
    finally:
        plt.close(fig)


def test_value_colours_step_from_light_to_dark_and_a_missing_value_is_hatched():
    values = {"370602": 10.0, "370611": 1.0, "370612": None}
    fig, ax = plt.subplots()
    try:
        drawn = tile_map(ax, frame(values), "hv_patents_per_10k", texts())
        dark, light = drawn.tiles["370602"].get_facecolor(), drawn.tiles["370611"].get_facecolor()
        assert sum(dark[:3]) < sum(light[:3])
        assert drawn.tiles["370612"].get_hatch() and drawn.tiles["370613"].get_hatch()  # none / no row
        assert "无数据" in "\n".join(texts_on(ax))
    finally:
        plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scale_speaks_the_unit_the_squares_print(lang):
    """Valid trademarks are catalogued in 万件: the squares print 0.96, so the scale's end says 0.96
    万件 / 10k marks, never 9,600 marks beside squares of 0.96."""
    values = {"370602": 0.96, "370611": 0.09}
    fig, ax = plt.subplots()
    try:
        tile_map(ax, frame(values), "valid_trademarks", texts(lang))
        words = texts_on(ax)
        assert any(w.endswith("0.96") for w in words)  # a square: name and value
        assert ("0.96万件" if lang == "zh" else "0.96 10k marks") in words
        assert not any("9,600" in w for w in words)
    finally:
        plt.close(fig)


def test_status_colours_carry_the_status_symbol():
    style = load_style()
    fig, ax = plt.subplots()
    try:
        drawn = tile_map(
            ax,
            frame({"370602": 3.0, "370611": 2.0}, {"370602": "on_track", "370611": "deterioration"}),
            "hv_patents_per_10k",
            texts(),
            colour_by="status",
        )
        words = "\n".join(texts_on(ax))
        assert (
            style.status("on_track")["symbol"] in words and style.status("deterioration")["symbol"] in words
        )
        assert drawn.tiles["370602"].get_facecolor() != drawn.tiles["370611"].get_facecolor()
    finally:
        plt.close(fig)


def test_a_layout_that_places_the_unlocated_bucket_or_a_unit_twice_is_refused(tmp_path):
    bad = tmp_path / "tiles.csv"
    bad.write_text(f"code,row,col,short_zh,short_en\n{UNLOCATED},0,0,未定位,Unlocated\n", encoding="utf-8")
    with pytest.raises(TileLayoutError, match="never a tile"):
        load_tile_layout(bad)
    bad.write_text(
        "code,row,col,short_zh,short_en\n370602,0,0,芝罘,Zhifu\n370602,0,1,芝罘,Zhifu\n", encoding="utf-8"
    )
    with pytest.raises(TileLayoutError, match="second tile"):
        load_tile_layout(bad)
