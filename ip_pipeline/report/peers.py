"""The nation and the province beside the city: published peer figures (stg_peers) and the
national targets, read for the report and drawn on an indicator's chart.

Only indicators comparable across levels are compared (per 10,000 people, shares, scores,
rates): a count is never set beside a province's count. A year without a figure is a gap in the
line, never an interpolation: the points of a level are joined only between consecutive years.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..paths import REPORT_TEMPLATES_DIR
from .texts import Texts

PEERS_TABLE = "stg_peers"
LEVELS = ("national", "provincial")
# The indicators whose values mean the same at every level; stg_peers' suite refuses any other.
COMPARABLE = frozenset(
    {
        "hv_patents_per_10k",
        "patent_intensive_va_share",
        "ip_protection_satisfaction",
        "ip_protection_satisfaction_survey",
        "civil_first_instance_acceptance_rate",
        "pledge_amount_cagr",
        "pledge_count_cagr",
        "ip_transfer_licence_cagr",
    }
)
NATIONAL_TARGETS_FILE = REPORT_TEMPLATES_DIR / "national_targets.csv"
COLUMNS = ["year", "level", "indicator_id", "value", "source"]
# How each level is drawn: its own marker and dash, so the two read apart in grey print.
LINE_STYLE = {
    "national": {"marker": "^", "linestyle": (0, (6, 2)), "colour": "ink"},
    "provincial": {"marker": "s", "linestyle": (0, (2, 1.5)), "colour": "muted"},
}


@dataclass(frozen=True)
class NationalTarget:
    indicator_id: str
    year: int
    value: float
    source: str


def read_peers(con, tables: set[str]) -> pd.DataFrame:
    """The staged peer figures of the comparable indicators (empty without the table: a
    warehouse staged before it existed builds as before)."""
    if PEERS_TABLE not in tables:
        return pd.DataFrame(columns=COLUMNS)
    df = con.execute(
        f"SELECT year, level, indicator_id, value, source FROM {PEERS_TABLE} "
        "WHERE value IS NOT NULL AND year IS NOT NULL ORDER BY indicator_id, level, year"
    ).df()
    df = df[df["indicator_id"].isin(COMPARABLE) & df["level"].isin(LEVELS)]
    return df.astype({"year": int, "value": float}).reset_index(drop=True)


def load_national_targets(path: Path = NATIONAL_TARGETS_FILE) -> dict[str, NationalTarget]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["indicator_id"]: NationalTarget(r["indicator_id"], int(r["year"]), float(r["value"]), r["source"])
        for r in rows
        if r["indicator_id"] in COMPARABLE
    }


def peers_of(peers: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    return peers[peers["indicator_id"] == indicator_id] if len(peers) else peers


def peer_value(peers: pd.DataFrame, indicator_id: str, level: str, year: int) -> float | None:
    """The published figure of a level for a year, or None (never a neighbouring year's)."""
    if not len(peers):
        return None
    hit = peers[(peers["indicator_id"] == indicator_id) & (peers["level"] == level) & (peers["year"] == year)]
    return float(hit["value"].iloc[0]) if len(hit) else None


def gapped(years: list[int], values: list[float]) -> tuple[list[int | None], list[float]]:
    """The points in year order with a NaN between two years that are not consecutive, so a
    line drawn through them breaks at the gap instead of bridging it."""
    xs: list[int | None] = []
    ys: list[float] = []
    pairs = sorted(zip(years, values))
    for i, (y, v) in enumerate(pairs):
        if i and y - pairs[i - 1][0] > 1:
            xs.append(None)
            ys.append(np.nan)
        xs.append(y)
        ys.append(float(v))
    return xs, ys


def peer_lines(
    ax: Axes,
    peers: pd.DataFrame,
    indicator_id: str,
    t: Texts,
    x_of_year: Callable[[int], Any],
    target: NationalTarget | None = None,
    size: float | None = None,
) -> list:
    """Draw each level's published figures at its year-end (`x_of_year`), joined only across
    consecutive years, and the national target as a labelled reference line. Returns the legend
    handles."""
    if indicator_id not in COMPARABLE:
        return []
    c = t.style.colour
    size = size or t.style.size["chart"]
    handles = []
    mine = peers_of(peers, indicator_id)
    for level in LEVELS:
        rows = mine[mine["level"] == level]
        if not len(rows):
            continue
        years, ys = gapped([int(y) for y in rows["year"]], list(rows["value"]))
        xs: list[Any] = []
        for y in years:  # a gap's x repeats the point before it: its NaN y breaks the line
            xs.append(x_of_year(y) if y is not None else xs[-1])
        st = LINE_STYLE[level]
        handles += ax.plot(
            xs,
            ys,
            color=c[st["colour"]],
            linewidth=0.9,
            linestyle=st["linestyle"],
            marker=st["marker"],
            markersize=3.5,
            label=t(f"peers.{level}"),
        )
    if target is not None:
        handles.append(
            ax.axhline(
                target.value,
                color=c["muted"],
                linewidth=0.8,
                linestyle=(0, (1, 1.5)),
                label=t(
                    "peers.national_target", year=target.year, value=t.number(target.value, indicator_id)
                ),
            )
        )
    return handles
