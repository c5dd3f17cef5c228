"""The high-value patents page: the criteria met in the city, and each district's patents, population,
patents per 10,000 people and criteria."""

from __future__ import annotations

from ...city import CITY, UNLOCATED
from .. import charts
from ..fonts import text_width_pt
from ..footnotes import Footnotes
from ..layout import Cell, Column, Document
from ..model import CRITERIA, ReportData
from ..texts import Texts, is_missing


def high_value(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> list[list[str]]:
    s, c = t.style.size, t.style.colour
    doc.section(5.0)
    doc.heading(t("hv.heading"))
    crit = data.criteria
    hv = next((sec for sec in data.sections if sec.id == "hv_patents_per_10k"), None)
    rows_out: list[list[str]] = []
    no_values = hv is None or (
        hv.value is None and hv.districts.dropna(subset=["value", "numerator"], how="all").empty
    )
    if (crit is None or crit.empty) and no_values:  # patents never delivered: one line, no table of dashes
        doc.paragraph(t("section.series_none"), colour=c["muted"])
        return rows_out
    if crit is None or crit.empty:
        doc.paragraph(t("hv.missing"), colour=c["muted"])
    else:
        city = crit[list(CRITERIA) + ["total", "multi"]].sum()
        doc.heading(t("hv.criteria_title", date=t.date(data.criteria_as_of)), level=2, keep_with=2.0)
        counts = [(t(f"hv.criteria.{k}"), int(city[k])) for k in CRITERIA]
        label_w = max(text_width_pt(lb, s["chart"]) for lb, _ in counts) / 72
        ax = doc.axes(1.9, pad_left=label_w + 0.15, pad_right=0.2, pad_bottom=0.35)
        charts.criteria_bars(ax, counts, int(city["total"]), t)
        doc.spacer(0.12)
        doc.paragraph(t("hv.total", n=f"{int(city['total']):,}", multi=f"{int(city['multi']):,}"))
    doc.spacer(0.1)
    doc.heading(t("hv.districts_title"), level=2, keep_with=1.5)
    short = {k: t(f"hv.criteria_short.{k}") for k in CRITERIA}
    cols = [
        Column(t("hv.col_district"), 2.0),
        Column(t("hv.col_patents"), 1.0, "right"),
        Column(t("hv.col_population"), 0.95, "right"),
        Column(t("hv.col_per10k"), 0.9, "right"),
    ]
    cols += [Column(short[k], 0.85, "right") for k in CRITERIA]
    by_code = {} if crit is None else {r["district_code"]: r for r in crit.to_dict("records")}
    units = []
    if hv is not None:
        units = [(CITY, t("xlsx.city"), hv.value, hv.numerator, hv.denominator, hv.flags)]
        ranked = hv.districts.assign(_apart=hv.districts["district_code"] == UNLOCATED)
        for r in ranked.sort_values(
            ["_apart", "value", "district_code"], ascending=[True, False, True], na_position="last"
        ).itertuples():
            name = t.district(r.district_code, r.name_zh, r.name_en)
            if r.district_code == UNLOCATED:
                name = t("section.unlocated_apart", name=name)
            units.append(
                (
                    r.district_code,
                    name,
                    r.value,
                    r.numerator,
                    r.denominator,
                    list(r.flags) if r.flags is not None else [],
                )
            )
    body = []
    for code, name, value, num, den, flags in units:
        crow = (
            by_code.get(code)
            if code != CITY
            else (None if crit is None else crit[list(CRITERIA) + ["total"]].sum().to_dict())
        )
        pop = None if is_missing(den) else float(den) / 10000
        cells = [
            Cell(name, bold=code == CITY),
            t.number(num, decimals=0),
            t.number(pop, decimals=2),
            t.number(value, "hv_patents_per_10k") + notes.mark(flags),
        ]
        cells += [t.number(None if crow is None else crow.get(k), decimals=0) for k in CRITERIA]
        body.append(cells)
        rows_out.append([x.text if isinstance(x, Cell) else x for x in cells])
    if body:
        doc.table(cols, body, size=s["table"] - 0.3)
    return rows_out
