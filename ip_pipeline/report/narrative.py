"""The short commentary under each indicator, written only from the numbers on the page."""

from __future__ import annotations

from ..city import UNLOCATED
from .model import IndicatorSection
from .texts import Texts, is_missing


def growth_fraction(g, indicator_kind: str):
    """indicator_progress keeps growth as a fraction; a growth-rate value given in percent is scaled."""
    if is_missing(g):
        return None
    g = float(g)
    return g / 100.0 if indicator_kind == "growth_rate" and abs(g) > 1.5 else g


def _change(t: Texts, now, before, ind_id: str, prefix: str) -> str:
    """`较上年同期增加12件（+5.5%）`: the change with its unit, and for the year-on-year change its growth in %."""
    if is_missing(now) or is_missing(before):
        return t(f"narrative.{prefix}_none")
    delta = float(now) - float(before)
    if round(delta, t.style.decimals(ind_id)) == 0:
        return t(f"narrative.{prefix}_flat")
    word = "up" if delta > 0 else "down"
    unit = t.unit_zh(ind_id)
    text = t.value(abs(delta), ind_id, point=unit == "%")
    if prefix == "yoy" and unit != "%" and float(before) > 0:
        rel = t.percent(abs(delta) / float(before), 1)
        text += f"（{rel}）" if t.lang == "zh" else f" ({rel})"
    return t(f"narrative.{prefix}_{word}", delta=text)


def significance(t: Texts, indicator_id: str, p: dict) -> str:
    """显著提升 judged against the survey's margin of error (indicator_progress.margin): the rise since
    the base and whether it lies beyond ±margin, so a reader sees why a rise does or does not count."""
    if is_missing(p.get("value")) or is_missing(p.get("base_value")):
        return ""
    rise = float(p["value"]) - float(p["base_value"])
    shown = t.value(rise, indicator_id, signed=True)
    if is_missing(p.get("margin")):
        return t("narrative.rise_no_margin", rise=shown)
    margin = t.value(p["margin"], indicator_id)
    key = "narrative.rise_beyond" if rise > float(p["margin"]) else "narrative.rise_within"
    return t(key, rise=shown, margin=margin)


def district_rankings(sec: IndicatorSection, t: Texts, n: int) -> tuple[list[str], list[str]]:
    d = sec.districts.dropna(subset=["value"])
    d = d[d["district_code"] != UNLOCATED]  # the unlocated bucket is not a place to rank
    if len(d) < 2:
        return [], []
    d = d.sort_values(["value", "district_code"], ascending=[False, True])  # ties: by code, as the chart
    n = min(n, len(d) // 2)
    fmt = lambda r: t(  # noqa: E731 (a local one-line formatter)
        "narrative.item",
        name=t.district(r.district_code, r.name_zh, r.name_en),
        value=t.number(r.value, sec.id),
    )
    return [fmt(r) for r in d.head(n).itertuples()], [fmt(r) for r in d.tail(n).iloc[::-1].itertuples()]


def commentary(sec: IndicatorSection, t: Texts, flag_text: list[str], in_force: bool = True) -> str:
    ind = sec.indicator
    if is_missing(sec.value) or sec.as_of is None:
        return t("narrative.no_value", date=t.date(sec.as_of))
    if sec.ytd:
        # a year-to-date flow: the period it covers, the month's own count, the same period a year earlier
        rate = t.unit_zh(ind.id) == "%"
        parts = [
            t(
                "narrative.value_ytd",
                period=t.period(sec.as_of, True, rate=rate),
                name=t.name_in_sentence(ind.id),
                value=t.value(sec.value, ind.id),
            )
        ]
        if rate:  # a share of the year's cases: its change on the month, not a month's "addition"
            first = _change(t, sec.value, sec.prev_value, ind.id, "mom")
        elif sec.as_of.month == 1:
            first = t("narrative.month_flow_first")
        elif is_missing(sec.prev_value):
            first = t("narrative.mom_none")
        else:
            first = t("narrative.month_flow", delta=t.value(float(sec.value) - float(sec.prev_value), ind.id))
        parts.append(first + _change(t, sec.value, sec.year_ago_value, ind.id, "yoy"))
        if sec.judged_year is not None and sec.judged_value is not None:
            parts.append(t("narrative.judged", year=sec.judged_year, value=t.value(sec.judged_value, ind.id)))
    else:
        parts = [
            t(
                "narrative.value",
                date=t.date(sec.as_of),
                name=t.name_in_sentence(ind.id),
                value=t.value(sec.value, ind.id),
            )
        ]
        parts.append(
            _change(t, sec.value, sec.prev_value, ind.id, "mom")
            + _change(t, sec.value, sec.year_ago_value, ind.id, "yoy")
        )
    p = (sec.progress or {}) if in_force else {}
    if ind.target is not None and p.get("status"):
        target = t.target(ind.target, ind.id)
        # the verdict word the badge shows (已提前达到目标值 before the target year), never the bare status
        s = t(
            "narrative.status",
            target_year=ind.target.year,
            target=target,
            status=t.status(p.get("verdict") or p["status"]),
        )
        g_obs, g_req = growth_fraction(p.get("g_obs"), ind.kind), growth_fraction(p.get("g_req"), ind.kind)
        if g_obs is not None and g_req is not None and not is_missing(p.get("ratio")):
            s += t(
                "narrative.ratio",
                g_obs=t.percent(g_obs),
                g_req=t.percent(g_req),
                ratio=t.number(p["ratio"], decimals=2),
            )
        parts.append(s + t("narrative.status_end"))
        if ind.target.kind == "improvement":
            parts.append(significance(t, ind.id, p))
        if not is_missing(p.get("expected_value")) and not is_missing(p.get("gap")):
            parts.append(
                t(
                    "narrative.expected",
                    expected=t.value(p["expected_value"], ind.id),
                    gap=t.value(p["gap"], ind.id, signed=True, point=t.unit_zh(ind.id) == "%"),
                )
            )
        if (
            not is_missing(p.get("projection"))
            and not is_missing(p.get("projection_share"))
            and (sec.as_of.year, sec.as_of.month, sec.as_of.day) < (ind.target.year, 12, 31)
        ):  # never a projection to a year already past
            if ind.limit is not None and float(p["projection"]) > ind.limit:  # a share stops at its limit
                parts.append(
                    t(
                        "narrative.projection_capped",
                        target_year=ind.target.year,
                        limit=t.value(ind.limit, ind.id),
                    )
                )
            else:
                parts.append(
                    t(
                        "narrative.projection",
                        target_year=ind.target.year,
                        projection=t.value(p["projection"], ind.id),
                        share=t.percent(p["projection_share"], 0),
                    )
                )
    leaders, laggards = district_rankings(sec, t, t.style.limit("leaders"))
    if leaders:
        parts.append(t("narrative.leaders", leaders=t.join(leaders), laggards=t.join(laggards)))
    movers = _movers(sec, t)
    if movers:
        parts.append(movers)
    if flag_text:
        parts.append(t("narrative.flags", flags=t.join(flag_text)))
    sep = "" if t.lang == "zh" else " "
    return sep.join(parts)


def _movers(sec: IndicatorSection, t: Texts) -> str:
    d = sec.districts.dropna(subset=["value", "prev_value"])
    d = d[d["district_code"] != UNLOCATED]
    if d.empty:
        return ""
    d = d.assign(delta=d["value"] - d["prev_value"])
    dec = t.style.decimals(sec.id)
    up = d[d["delta"].round(dec) > 0].sort_values(["delta", "district_code"], ascending=[False, True]).head(2)
    down = d[d["delta"].round(dec) < 0].sort_values(["delta", "district_code"]).head(2)
    name = lambda r: t(  # noqa: E731 (a local one-line formatter)
        "narrative.item",
        name=t.district(r.district_code, r.name_zh, r.name_en),
        value=t.number(r.delta, sec.id, signed=True),
    )
    out = []
    if not up.empty:
        out.append(t("narrative.movers_up", names=t.join([name(r) for r in up.itertuples()])))
    if not down.empty:
        out.append(t("narrative.movers_down", names=t.join([name(r) for r in down.itertuples()])))
    return ("" if t.lang == "zh" else " ").join(out)
