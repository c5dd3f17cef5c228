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

from ..db import connect
from ..paths import REPORT_TEMPLATES_DIR
from .texts import DASH, Texts

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
    source_zh: str
    source_en: str

    def source(self, lang: str) -> str:
        return self.source_zh if lang == "zh" else self.source_en


def read_peers(con, tables: set[str]) -> pd.DataFrame:
    """The staged peer figures of the comparable indicators, with the file they came from
    (`_source_file`: the office's reference/peers.csv or the project's default); empty without
    the table: a warehouse staged before it existed builds as before."""
    if PEERS_TABLE not in tables:
        return pd.DataFrame(columns=[*COLUMNS, "_source_file"])
    cols = {r[0] for r in con.execute(f"DESCRIBE {PEERS_TABLE}").fetchall()}
    origin = "_source_file" if "_source_file" in cols else "NULL::VARCHAR AS _source_file"
    df = con.execute(
        f"SELECT year, level, indicator_id, value, source, {origin} FROM {PEERS_TABLE} "
        "WHERE value IS NOT NULL AND year IS NOT NULL ORDER BY indicator_id, level, year"
    ).df()
    df = df[df["indicator_id"].isin(COMPARABLE) & df["level"].isin(LEVELS)]
    return df.astype({"year": int, "value": float}).reset_index(drop=True)


def load_peers(warehouse: Path) -> pd.DataFrame:
    """read_peers on its own read-only connection (the final evaluation reads its model elsewhere)."""
    con = connect(warehouse, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return read_peers(con, tables)
    finally:
        con.close()


def load_national_targets(path: Path = NATIONAL_TARGETS_FILE) -> dict[str, NationalTarget]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["indicator_id"]: NationalTarget(
            r["indicator_id"], int(r["year"]), float(r["value"]), r["source_zh"], r["source_en"]
        )
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


def peer_cell(peers: pd.DataFrame, indicator_id: str, year: int | None, t: Texts) -> str:
    """Page 1's "全国 / 全省" cell: the year's national and provincial figures, a dash for the one
    that was not published, blank when neither was (or the indicator is not comparable)."""
    if year is None or indicator_id not in COMPARABLE:
        return ""
    found = [peer_value(peers, indicator_id, level, year) for level in LEVELS]
    if all(v is None for v in found):
        return ""
    return " / ".join(DASH if v is None else t.number(v, indicator_id) for v in found)


def comparison_rows(
    peers: pd.DataFrame, city: dict[str, pd.DataFrame], t: Texts, targets: dict[str, NationalTarget]
) -> list[list[Any]]:
    """The XLSX 对比 sheet: each peer figure used, beside the city's value at the end of that year
    (`city`: indicator id -> its as_of/value series), then the national targets drawn."""
    rows: list[list[Any]] = []
    for r in peers.itertuples():
        if r.indicator_id not in city:
            continue
        s = city[r.indicator_id]
        at = s[pd.to_datetime(s["as_of"]) == pd.Timestamp(int(r.year), 12, 31)] if len(s) else s
        mine = None if not len(at) or pd.isna(at["value"].iloc[-1]) else float(at["value"].iloc[-1])
        rows.append(
            [
                r.indicator_id,
                t.name(r.indicator_id),
                int(r.year),
                t(f"peers.{r.level}"),
                r.value,
                mine,
                t.unit(r.indicator_id),
                r.source,
            ]
        )
    for ind_id, tg in targets.items():
        if ind_id in city:
            rows.append(
                [
                    ind_id,
                    t.name(ind_id),
                    tg.year,
                    t("peers.target_level"),
                    tg.value,
                    None,
                    t.unit(ind_id),
                    tg.source(t.lang),
                ]
            )
    return rows


def comparison_headers(t: Texts) -> list[str]:
    return [
        t("xlsx.col_indicator_id"),
        t("cover.col_indicator"),
        t("peers.col_year"),
        t("peers.col_level"),
        t("peers.col_value"),
        t("peers.col_city"),
        t("xlsx.col_unit"),
        t("peers.col_source"),
    ]


def method_sentence(
    peers: pd.DataFrame, targets: dict[str, NationalTarget], shown: set[str], t: Texts
) -> str | None:
    """The method note's sentence on where the peer figures come from (None when none is shown)."""
    used = peers[peers["indicator_id"].isin(shown)] if len(peers) else peers
    tg = [x for i, x in targets.items() if i in shown]
    if not len(used) and not tg:
        return None
    sources = list(dict.fromkeys(str(x) for x in used["source"])) if len(used) else []
    files = {str(f) for f in used["_source_file"].dropna()} if "_source_file" in used else set()
    origin = (
        t("peers.origin_default")
        if files and all(f.startswith("assets/") for f in files)
        else t("peers.origin_office")
    )
    text = t("peers.method", sources=t.join(sources) if sources else DASH, origin=origin)
    if tg:
        text += t("peers.method_targets", source=t.join(list(dict.fromkeys(x.source(t.lang) for x in tg))))
    return text


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
