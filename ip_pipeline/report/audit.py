"""The report audit: read a built bulletin back (the PDF's text and the XLSX) and reconcile it.

For every table the audit checks what a reader could check with a calculator and the warehouse:
the key-indicator table (page 1 of the PDF, the XLSX summary sheet) shows each indicator's warehouse
value at its displayed precision; the protection table's totals are the sums of its rows; a row whose
amount does not apply (a court's penalties: 不适用 / n/a) carries no amount in either file.
Beside it: report/audit_status.py reads every status and verdict word and each indicator's figures back
against indicator_progress, report/audit_final.py an ended plan's final evaluation against plan_outcomes,
report/audit_tables.py the other tables with a total row (protection by authority and by case type,
high-value patents by district, the XLSX criteria sheet).
It reads the files as written, never the objects that wrote them: a figure that drifted between the
warehouse and the page is found here.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import duckdb

from ..city import CITY
from ..db import connect
from ..indicators import rules
from ..indicators.catalogue import load_plans
from .audit_final import audit_bulletin_finals
from .audit_status import audit_statuses, pdf_pages, summary_rows
from .audit_tables import audit_high_value, audit_protection_totals
from .findings import Finding
from .pages.amounts import AMOUNT_UNITS, amount_in, amount_unit
from .pages.protection import AUTHORITIES
from .style import load_style
from .texts import Texts


def _texts(lang: str) -> Texts:
    plans = load_plans()
    return Texts(lang, plans[0], load_style(), plans=plans)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# -- key indicators: page 1 and the XLSX summary against the warehouse --------------------------
def _summary_rows(wb) -> list[tuple[str, object, date | None]]:
    """(indicator id, value, as_of) of the XLSX summary sheet (the first), up to its first blank row."""
    ws = wb.worksheets[0]
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if not row or row[0] is None:
            break
        as_of = row[9].date() if isinstance(row[9], datetime) else row[9]
        out.append((str(row[0]), row[2], as_of))
    return out


def _warehouse_value(con, indicator_id: str, as_of: date | None, published_month: str | None = None):
    """The city's value in the warehouse; for a bulletin of the archive (`published_month`), the value
    that month's report published where published_values has it (report/archive.py shows that one)."""
    if as_of is None:
        return None
    if published_month is not None:
        try:
            got = con.execute(
                "SELECT value FROM published_values WHERE report_month = ? AND indicator_id = ? AND as_of = ? "
                "AND district_code = ?",
                [published_month, indicator_id, as_of, CITY],
            ).fetchone()
        except duckdb.CatalogException:  # no bulletin published yet: no history
            got = None
        if got is not None:
            return got[0]
    got = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = ? AND as_of = ? AND district_code = ?",
        [indicator_id, as_of, CITY],
    ).fetchone()
    return None if got is None else got[0]


def _engine_display(con, indicator_id: str, as_of: date | None, t: Texts) -> set[str]:
    """The engine's value_display of the row (indicator_progress), in the report's typography: a missed
    target printed with the extra decimals that keep it from reading as met (29.99 %, not 30.0 %)."""
    try:
        rows = con.execute(
            "SELECT value_display FROM indicator_progress WHERE indicator_id = ? AND as_of = ? "
            "AND district_code = ? AND value_display IS NOT NULL",
            [indicator_id, as_of, CITY],
        ).fetchall()
    except duckdb.Error:  # a warehouse without the display columns: the catalogue's decimals only
        return set()
    out = set()
    for (text,) in rows:
        try:
            decimals = len(text.split(".", 1)[1]) if "." in text else 0
            out.add(_squash(t.number(float(text), decimals=decimals)))
        except ValueError:
            continue
    return out


def audit_key_indicators(
    con, wb, first_page: str, t: Texts, published_month: str | None = None
) -> list[Finding]:
    sheet = f"XLSX {wb.worksheets[0].title}"
    page = _squash(first_page)
    found: list[Finding] = []
    for indicator_id, shown, as_of in _summary_rows(wb):
        truth = _warehouse_value(con, indicator_id, as_of, published_month)
        if _missing(truth):
            if not _missing(shown):  # a value the warehouse does not hold
                found.append(Finding(sheet, indicator_id, "—", t.value(shown, indicator_id)))
            continue
        expected = t.value(truth, indicator_id)
        in_xlsx = t.value(shown, indicator_id)
        if _squash(in_xlsx) != _squash(expected):
            found.append(Finding(sheet, indicator_id, expected, in_xlsx))
        shown_forms = {_squash(expected)} | _engine_display(con, indicator_id, as_of, t)
        if not any(form in page for form in shown_forms):
            found.append(Finding("PDF p1 key indicators", indicator_id, expected, "not on page 1"))
    return found


# -- protection: totals are sums of rows, no amount where none applies ------------------------
def _labels(t: Texts) -> dict[str, str]:
    return {t(f"protection.authority.{a}"): a for a in AUTHORITIES if t.has(f"protection.authority.{a}")}


def _protection_sheet(wb, t: Texts):
    title = t("xlsx.protection")[:31]
    return wb[title] if title in wb.sheetnames else None


def audit_protection(wb, pages: list[str], t: Texts) -> list[Finding]:
    ws = _protection_sheet(wb, t)
    if ws is None or ws.max_row < 2:
        return []
    sheet = f"XLSX {ws.title}"
    labels = _labels(t)
    by_authority: dict[str, list[float]] = {}
    found: list[Finding] = []
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if not row or row[0] is None or row[2] is None:  # the note under the table
            continue
        label, case_type, penalties = str(row[0]), str(row[1]), (row[6], row[7])
        authority = labels.get(label, label)
        if not rules.penalty_applies(authority):
            for v in penalties:
                if not _missing(v):
                    found.append(
                        Finding(sheet, f"{label} / {case_type} (row {n})", t("protection.no_penalty"), f"{v}")
                    )
            continue
        by_authority.setdefault(label, []).extend([] if _missing(row[6]) else [float(row[6])])

    if not any(row and row[2] is not None for row in ws.iter_rows(min_row=2, values_only=True)):
        return found  # no case in the period: the page says so in words, there is no table to add up
    heading = _squash(t("protection.heading"))
    at = next((i for i, p in enumerate(pages) if heading in _squash(p)), None)
    if at is None:
        return found + [Finding("PDF protection", t("protection.heading"), "the protection page", "absent")]
    # the table follows the heading, on its page or the next: only those lines are read
    lines = [_squash(line) for p in pages[at : at + 2] for line in p.splitlines()]
    lines = lines[next((i for i, line in enumerate(lines) if heading in line), 0) :]
    table = "PDF protection by authority"

    def row_of(label: str) -> str | None:
        return next((line for line in lines if line.startswith(_squash(label))), None)

    rows = [v for vs in by_authority.values() for v in vs]
    total = sum(rows) if rows else None
    unit = amount_unit(t, total)  # the page prints a column in one unit, the total's (in its label)
    zh_word, en_word, _, _ = AMOUNT_UNITS[unit]
    word = zh_word if t.lang == "zh" else f" {en_word}"  # a finding names the amount with its unit
    for label, authority in labels.items():
        line = row_of(label)
        if line is None:
            continue
        if not rules.penalty_applies(authority):
            expected = t("protection.no_penalty")
        else:
            amounts = by_authority.get(label, [])
            expected = amount_in(t, sum(amounts) if amounts else None, unit)
        if expected == t("protection.no_penalty"):
            if not line.endswith(_squash(expected)):
                found.append(Finding(table, label, expected, line))
        elif not _agrees(t, line, expected, amounts, unit):
            found.append(Finding(table, label, expected + word, line))
    city = row_of(t("xlsx.city"))
    expected = amount_in(t, total, unit)
    if city is None:
        found.append(Finding(table, t("xlsx.city"), expected + word, "no total row"))
    elif not _agrees(t, city, expected, rows, unit):
        found.append(Finding(table, t("xlsx.city"), expected + word, city))
    return found


def _agrees(t: Texts, line: str, expected: str, amounts: list[float], unit: str) -> bool:
    """The amount a PDF row ends with equals the sum of the XLSX rows it stands for, within what
    rounding can explain: the XLSX holds each row rounded, the page the rounded exact sum, so each
    summed row may be off by half a unit of the last printed digit. The page's text runs the
    columns together, so the printed forms near the sum are tried as the row's ending."""
    if line.endswith(_squash(expected)):
        return True
    if not amounts:
        return False
    _, _, divisor, decimals = AMOUNT_UNITS[unit]
    step = 10.0**-decimals
    steps = math.ceil((len(amounts) + 1) * 0.5)
    centre = round(sum(amounts) / divisor, decimals)
    return any(
        line.endswith(_squash(t.number(centre + k * step, decimals=decimals)))
        for k in range(-steps, steps + 1)
    )


def audit_report(
    warehouse: Path, pdf: Path, xlsx: Path, lang: str, published_month: str | None = None
) -> list[Finding]:
    """Every figure of one built bulletin (PDF and XLSX of one language) that does not reconcile; [] when all do.

    `published_month`: the bulletin was built as that month published it (the archive): its values are
    checked against published_values first."""
    from openpyxl import load_workbook

    t = _texts(lang)
    pages = pdf_pages(pdf)
    wb = load_workbook(xlsx, read_only=False, data_only=True)
    con = connect(warehouse, read_only=True)
    try:
        found = audit_key_indicators(con, wb, pages[0] if pages else "", t, published_month)
        found += audit_statuses(con, wb, pages, t)
        found += audit_bulletin_finals(con, pages, t, wb)
        hv_as_of = next((d for ind, _, d in summary_rows(wb)[0] if ind == "hv_patents_per_10k"), None)
        # an archive bulletin shows its month's published values; the patents' count is today's
        found += audit_high_value(con if published_month is None else None, wb, pages, t, hv_as_of)
    finally:
        con.close()
    found += audit_protection(wb, pages, t)
    found += audit_protection_totals(wb, pages, t, AUTHORITIES)
    return [Finding(f"{lang}: {f.table}", f.row, f.expected, f.found) for f in found]
