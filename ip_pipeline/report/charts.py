"""The report's charts, each drawn into an axes the page layout hands over."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..city import UNLOCATED
from .fonts import text_width_pt, wrap  # noqa: E402 (matplotlib.use() must run before pyplot is imported)
from .model import FinalRow, IndicatorSection
from .narrative import growth_fraction  # noqa: E402 (matplotlib.use() must run before pyplot is imported)
from .peers import NationalTarget, peer_lines
from .texts import Texts, is_missing  # noqa: E402 (matplotlib.use() must run before pyplot is imported)


def _years_between(a: date, b: date) -> float:
    return (b - a).days / 365.25


def frame_axes(ax: Axes, t: Texts) -> None:
    c, size = t.style.colour, t.style.size["chart"]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(c["rule"])
    ax.tick_params(labelsize=size, colors=c["muted"], length=2.5)
    ax.set_axisbelow(True)


def series_chart(
    ax: Axes,
    sec: IndicatorSection,
    t: Texts,
    in_force: bool = True,
    peers: pd.DataFrame | None = None,
    national_target: NationalTarget | None = None,
) -> None:
    """Monthly city values with base, target, the plan's path and the projection to the target year.

    The line runs to the report month (the x axis reaches it even after the target year); an ended
    plan (`in_force=False`) gets no path and no projection, only its target. `peers`: the nation's
    and the province's published figures at their year-ends, and the national target.
    """
    c, size = t.style.colour, t.style.size["chart"]
    ind, p = sec.indicator, sec.progress or {}
    frame_axes(ax, t)
    ax.grid(axis="y", color=c["band"], linewidth=0.6)
    base_year = ind.base_year or t.plan.base_year
    base_date = date(base_year, 12, 31)
    target_year = ind.target.year if ind.target else t.plan.target_year
    target_date = date(target_year, 12, 31)
    handles = []

    s = sec.series.dropna(subset=["value"])
    if sec.as_of is not None:
        s = s[s["as_of"] <= sec.as_of]
    if not s.empty:
        x = pd.to_datetime(s["as_of"])
        handles += ax.plot(x, s["value"], color=c["accent"], linewidth=1.6, label=t("chart.actual"))
        ax.plot(x.iloc[-1], s["value"].iloc[-1], "o", color=c["accent"], markersize=4)
        ax.annotate(
            t.number(s["value"].iloc[-1], ind.id),
            (x.iloc[-1], s["value"].iloc[-1]),
            textcoords="offset points",
            xytext=(-5, 5),
            ha="right",
            fontsize=size,
            color=c["accent"],
        )

    v0 = p.get("base_value", ind.base_value)
    if not in_force:
        p, v0 = {}, None
    g_req = growth_fraction(p.get("g_req"), ind.kind)
    growth_target = ind.target is not None and ind.target.kind == "growth"
    if growth_target:
        handles.append(
            ax.axhline(
                ind.target.value,
                color=c["target"],
                linewidth=1.0,
                linestyle=(0, (4, 2)),
                label=f"{t('chart.target')} {t.value(ind.target.value, ind.id)}",
            )
        )
    else:
        if not is_missing(v0):
            handles += ax.plot(
                [pd.Timestamp(base_date)],
                [v0],
                "s",
                color=c["path"],
                markersize=5,
                label=f"{t('chart.base')} {t.number(v0, ind.id)}",
            )
        if (
            ind.target is not None
            and ind.target.value is not None
            and (in_force or sec.as_of is None or target_date >= sec.as_of - timedelta(days=400))
        ):
            handles += ax.plot(
                [pd.Timestamp(target_date)],
                [ind.target.value],
                "D",
                color=c["target"],
                markersize=5,
                label=f"{t('chart.target')} {t.number(ind.target.value, ind.id)}",
            )
        # The straight path the plan implies: the engine's expected values, continued by the same formula.
        path = sec.path.dropna()
        xs, ys = list(pd.to_datetime(path["as_of"])), list(path["expected_value"].astype(float))
        if in_force and not is_missing(v0) and g_req is not None and float(v0) > 0:
            months = pd.date_range(
                pd.Timestamp(base_date), pd.Timestamp(target_date) + timedelta(days=1), freq="ME"
            )
            after = [m for m in months if not xs or m > xs[-1]]
            before = [m for m in months if xs and m < xs[0]]
            f = lambda m: float(v0) * (1 + g_req) ** _years_between(base_date, m.date())  # noqa: E731 (a local one-line formatter)
            xs = before + xs + after
            ys = [f(m) for m in before] + ys + [f(m) for m in after]
        if xs:
            handles += ax.plot(
                xs, ys, color=c["path"], linewidth=1.0, linestyle=(0, (5, 3)), label=t("chart.path")
            )

    proj, g_obs = p.get("projection"), growth_fraction(p.get("g_obs"), ind.kind)
    # The projection starts from the value it was computed from (indicator_progress.value on value_as_of:
    # a flow's complete year), never from a year-to-date point: one basis per line.
    start_value = p.get("value") if not is_missing(p.get("value")) else sec.value
    start = p.get("value_as_of") if not is_missing(p.get("value_as_of")) else sec.as_of
    start = start.date() if hasattr(start, "date") and callable(start.date) else start
    if (
        in_force
        and not growth_target
        and not is_missing(proj)
        and start_value is not None
        and start is not None
        and start < target_date
    ):
        pts = pd.date_range(pd.Timestamp(start), pd.Timestamp(target_date), periods=24)
        if g_obs is not None and g_obs > -1:
            ys = [float(start_value) * (1 + g_obs) ** _years_between(start, d.date()) for d in pts]
            ys[-1] = float(proj)
        else:
            ys = np.linspace(float(start_value), float(proj), len(pts))
        if ind.limit is not None:  # a share stops at its limit
            ys = [min(float(v), ind.limit) for v in ys]
            proj = min(float(proj), ind.limit)
        handles += ax.plot(
            pts,
            ys,
            color=c["projection"],
            linewidth=1.2,
            linestyle=(0, (1.2, 1.6)),
            label=f"{t('chart.projection')} {t.number(proj, ind.id)}",
        )

    if peers is not None or national_target is not None:
        handles += peer_lines(
            ax,
            peers if peers is not None else pd.DataFrame(columns=["indicator_id", "level", "year", "value"]),
            ind.id,
            t,
            lambda y: pd.Timestamp(date(y, 12, 31)),
            national_target,
        )

    if not handles:
        ax.text(
            0.5,
            0.5,
            t("chart.no_data"),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=size + 1,
            color=c["muted"],
        )
    last = max([target_date] + ([sec.as_of] if sec.as_of is not None else []))
    first = date(base_year, 1, 1)
    if not s.empty:
        first = min(first, s["as_of"].iloc[0])
    ax.set_xlim(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=75))
    year_end_ticks(ax, first.year, last.year, t)
    unit = t.unit(ind.id)
    ax.set_ylabel(t("chart.value_axis", unit=unit), fontsize=size, color=c["muted"])
    ax.margins(y=0.12)
    if handles:
        # one row when the labels fit the axes' width, else three columns
        need = sum(text_width_pt(h.get_label(), size) + size * 4.5 for h in handles) / 72
        width = ax.get_position().width * ax.figure.get_figwidth()
        ncol = min(len(handles), 5) if need <= width else 3
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncol=ncol,
            frameon=False,
            fontsize=size,
            handlelength=2.4,
            columnspacing=1.4,
        )


def district_bars(
    ax: Axes,
    frame: pd.DataFrame,
    city_value: float | None,
    indicator_id: str,
    t: Texts,
    additive: bool = False,
) -> None:
    """Districts sorted from highest (top) to lowest, with the city value as a vertical line.

    For a count the districts add up to (`additive`), the line is the mean per
    reporting unit and its label gives the city total.
    """
    c, size = t.style.colour, t.style.size["chart"]
    frame_axes(ax, t)
    ax.grid(axis="x", color=c["band"], linewidth=0.6)
    valued = frame.dropna(subset=["value"])
    apart = valued[valued["district_code"] == UNLOCATED]
    # Drawn bottom-up: the top bar is the largest value and, among ties, the lowest code, as the text ranks them.
    d = valued[valued["district_code"] != UNLOCATED].sort_values(
        ["value", "district_code"], ascending=[True, False]
    )
    # 未定位 is not a place: it sits under the ranked districts, set apart by a gap and a rule, never ranked
    labels = [t.district(r.district_code, r.name_zh, r.name_en) for r in d.itertuples()]
    y = np.arange(len(d)) + (1.4 if len(apart) else 0)
    ax.barh(y, d["value"], height=0.62, color=c["bar"])
    if len(apart):
        ax.barh([0], apart["value"], height=0.62, color=c["band"], edgecolor=c["muted"], linewidth=0.5)
        ax.axhline(0.7, color=c["rule"], linewidth=0.6, linestyle=(0, (2, 2)))
        for r in apart.itertuples():
            labels = [
                t("section.unlocated_apart", name=t.district(r.district_code, r.name_zh, r.name_en))
            ] + labels
        y = np.concatenate([[0.0], y])
        d = pd.concat([apart, d])
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    line_value, label = city_value, None
    if city_value is not None:
        label = t("chart.city_line", value=t.number(city_value, indicator_id))
        if additive and len(d):
            line_value = city_value / len(d)
            label = t(
                "chart.mean_line",
                value=t.number(line_value, indicator_id, decimals=min(t.style.decimals(indicator_id) + 1, 3)),
                total=t.number(city_value, indicator_id),
            )
    span = (
        max([abs(v) for v in d["value"]] + [abs(line_value or 0), 0.0]) or 1.0
    )  # all zero: a scale of 0…1, not 0…1e-9
    for yi, v in zip(y, d["value"]):
        ax.text(
            v + span * 0.01 if v >= 0 else v - span * 0.01,
            yi,
            t.number(v, indicator_id),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=size,
            color=c["ink"],
        )
    if line_value is not None:
        ax.axvline(line_value, color=c["target"], linewidth=1.0, linestyle=(0, (4, 2)))
        right = line_value > span * 0.55  # keep a label near the right edge inside the axes
        ax.text(
            line_value,
            (float(y[-1]) if len(y) else 0) + 0.65,
            (label + " ") if right else (" " + label),
            ha="right" if right else "left",
            va="bottom",
            fontsize=size,
            color=c["target"],
        )
    ax.set_ylim(-0.6, float(y[-1]) + 1.2 if len(y) else 1)
    lo = min(0.0, float(d["value"].min()) if len(d) else 0.0)
    ax.set_xlim(lo - span * 0.12 if lo < 0 else 0.0, span * 1.14)  # room for a negative bar's label
    ax.set_xlabel(t("chart.value_axis", unit=t.unit(indicator_id)), fontsize=size, color=c["muted"])


def year_end_ticks(ax: Axes, first_year: int, last_year: int, t: Texts) -> None:
    """Ticks on 31 December, labelled `2024年末`: the base and target values (end of year) sit on their year."""
    years = list(range(first_year, last_year + 1))
    step = 1 if len(years) <= 9 else 2
    ticks = [pd.Timestamp(date(y, 12, 31)) for y in years[::step]]
    ax.set_xticks(ticks)
    ax.set_xticklabels([t("chart.year_end", year=y) for y in years[::step]])


def monthly_cases(ax: Axes, monthly: pd.DataFrame, year: int, t: Texts) -> None:
    """Cases opened each month: this year's bars beside last year's."""
    c, size = t.style.colour, t.style.size["chart"]
    frame_axes(ax, t)
    ax.grid(axis="y", color=c["band"], linewidth=0.6)
    months = list(range(1, 13))
    now = monthly[monthly["year"] == year].set_index("month")["cases"].reindex(months)
    before = monthly[monthly["year"] == year - 1].set_index("month")["cases"].reindex(months).fillna(0)
    x = np.arange(12)
    ax.bar(
        x - 0.2, before, width=0.38, color=c["band"], edgecolor=c["muted"], linewidth=0.4, label=str(year - 1)
    )
    ax.bar(x + 0.2, now.fillna(0), width=0.38, color=c["bar_highlight"], label=str(year))
    ax.set_xticks(
        x, [t("periods.month_short", month=m, month_name=t.strings["months_en"][m - 1][:3]) for m in months]
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=size)


def share_bars(ax: Axes, rows: list, t: Texts) -> None:
    """Each indicator's share of the needed change reached by the end of the target year (100% = target)."""
    c, size = t.style.colour, t.style.size["chart"]
    frame_axes(ax, t)
    ax.grid(axis="x", color=c["band"], linewidth=0.6)
    rows = list(rows)[::-1]
    y = np.arange(len(rows))
    vals = [float(r.change_share) * 100 for r in rows]
    colours = [t.style.status(r.final_status)["fill"] for r in rows]
    ax.barh(y, vals, height=0.6, color=colours)
    ax.set_yticks(y, [t.name(r.id) for r in rows])
    ax.tick_params(axis="y", length=0)
    ax.axvline(100, color=c["target"], linewidth=1.0, linestyle=(0, (4, 2)))
    ax.axvline(0, color=c["muted"], linewidth=0.6)
    lo, hi = min(vals + [0]), max(vals + [100])
    span = hi - lo
    for yi, v in zip(y, vals):
        ax.text(
            v + span * 0.01 if v >= 0 else v - span * 0.01,
            yi,
            f"{v:.0f}%".replace("-", "−"),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=size,
            color=c["ink"],
        )
    ax.set_xlim(lo - span * 0.12 if lo < 0 else 0, hi + span * 0.1)
    ax.set_xlabel(t("final.share_axis"), fontsize=size, color=c["muted"])


def final_mini(ax: Axes, row: FinalRow, t: Texts, plan, peers: pd.DataFrame | None = None) -> None:
    """A small chart of an ended plan's indicator: year-end values from the base year to T, and the target;
    with `peers`, the nation's and the province's published figures (markers, a line only across
    consecutive years)."""
    c, size = t.style.colour, t.style.size["chart"] - 1
    frame_axes(ax, t)
    ax.tick_params(labelsize=size - 0.5)
    ax.grid(axis="y", color=c["band"], linewidth=0.5)
    s = row.series.dropna(subset=["value"])
    if s.empty:  # nothing to draw: the name and one line, no empty axes
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            t("chart.no_data_yet"),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=size + 1,
            color=c["muted"],
        )
    else:
        ax.plot(
            [d.year for d in s["as_of"]],
            s["value"],
            color=c["accent"],
            linewidth=1.3,
            marker="o",
            markersize=2.5,
        )
        ax.annotate(
            t.number(s["value"].iloc[-1], row.id),
            (s["as_of"].iloc[-1].year, s["value"].iloc[-1]),
            textcoords="offset points",
            xytext=(-3, 4),
            ha="right",
            fontsize=size,
            color=c["accent"],
        )
    if peers is not None and not s.empty:
        peer_lines(ax, peers, row.id, t, lambda y: y, size=size)
    if row.target_value is not None and not s.empty:
        ax.axhline(row.target_value, color=c["target"], linewidth=0.9, linestyle=(0, (3, 2)))
        ax.text(
            plan.base_year,
            row.target_value,
            " " + t("chart.target") + " " + t.number(row.target_value, row.id),
            fontsize=size - 0.5,
            color=c["target"],
            va="bottom",
        )
    ax.set_xlim(plan.base_year - 0.3, plan.target_year + 0.3)
    ax.set_xticks(list(range(plan.base_year, plan.target_year + 1)))
    ax.set_xticklabels(
        [
            str(y)[2:] if y not in (plan.base_year, plan.target_year) else str(y)
            for y in range(plan.base_year, plan.target_year + 1)
        ]
    )
    ax.margins(y=0.2)
    name = t.name(row.id)
    width_in = ax.get_position().width * ax.figure.get_figwidth() + 0.3
    lines = wrap(name, width_in * 72, size + 0.5)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    st = t.style.status(row.final_status)
    ax.set_title("\n".join(lines), fontsize=size + 0.5, color=c["ink"], loc="left", pad=3)
    ax.text(
        0.98,
        0.05,
        f"{st['symbol']} {t.status(row.final_status)}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=size,
        color=st["ink"],
        bbox={"boxstyle": "round,pad=0.25", "facecolor": st["fill"], "edgecolor": "none"},
    )


def criteria_bars(ax: Axes, counts: list[tuple[str, int]], total: int, t: Texts) -> None:
    c, size = t.style.colour, t.style.size["chart"]
    frame_axes(ax, t)
    ax.grid(axis="x", color=c["band"], linewidth=0.6)
    labels = [label for label, _ in counts][::-1]
    values = [n for _, n in counts][::-1]
    y = np.arange(len(values))
    ax.barh(y, values, height=0.6, color=c["bar_highlight"])
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    top = max(values + [1])
    for yi, v in zip(y, values):
        share = t.percent(v / total, 0) if total else "—"
        ax.text(v + top * 0.01, yi, f"{v:,}  ({share})", va="center", fontsize=size, color=c["ink"])
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel(t("chart.count_axis"), fontsize=size, color=c["muted"])
