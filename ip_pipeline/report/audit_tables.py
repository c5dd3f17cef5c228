"""Tables with a total row, read back: the total is the sum of the rows above it (within what rounding can
explain), in the PDF and the XLSX alike, and the PDF's rows are the XLSX's.

- Protection by authority: cases, cases a year earlier and case values add up to the city's row; each
  authority's cases equal the XLSX's rows of that authority.
- Protection by case type: each type's cases are the sum of its authorities' columns, and the types add
  up to the city's cases.
- High-value patents by district: the city's patents and each criterion's count are the sums of the
  units' (未定位 included); the city's patents are the warehouse's numerator.
- The XLSX high-value criteria sheet: its city row is the sum of the rows above it.
The amounts' penalty column and 不适用 rows are audit.py's (audit_protection).
"""

from __future__ import annotations

from datetime import date

from ..city import CITY
from .findings import Finding
from .texts import Texts

DASHES = {"—", "-", "–", "n/a", "不适用"}
MARKS = "①②③④⑤⑥⑦⑧⑨⑩*※"


def number(token: str) -> float | None:
    """A printed number (`3,278.2`, `−17.6`, `12.82②`); None for a dash or a word."""
    token = token.strip(MARKS).replace(",", "").replace("−", "-").rstrip("%")
    try:
        return float(token)
    except ValueError:
        return None


def _decimals(token: str) -> int:
    token = token.strip(MARKS).rstrip("%")
    return len(token.split(".", 1)[1]) if "." in token else 0


def _lines_after(pages: list[str], heading: str, *stops: str) -> list[str]:
    """The text lines from `heading` (its page and the next) up to the first line holding one of
    `stops` (the reader gives a chart's tick labels in drawing order, so a table is closed by the
    heading that follows it, not by a later one)."""
    for i, p in enumerate(pages):
        if heading in p:
            lines = "\n".join(pages[i : i + 2]).split(heading, 1)[1].splitlines()
            at = next((k for k, line in enumerate(lines) if any(s in line for s in stops)), None)
            return lines if at is None else lines[:at]
    return []


def _row(lines: list[str], label: str, width: int) -> list[str] | None:
    """The last `width` tokens of the line that begins with `label`."""
    for line in lines:
        if line.startswith(label) and len(line[len(label) :].split()) >= width:
            return line[len(label) :].split()[-width:]
    return None


def _sum_agrees(total: str, parts: list[str], counts: bool = False) -> bool:
    """A printed total equals the sum of printed parts: counts exactly, amounts with each part off by up
    to half its last digit (the total is the rounded exact sum, each part rounded on its own)."""
    t, ps = number(total), [number(p) for p in parts]
    if t is None:
        return all(p is None for p in ps)
    ps = [p for p in ps if p is not None]
    if counts:
        return t == sum(ps)
    d = max([_decimals(total)] + [_decimals(p) for p in parts])
    return abs(t - sum(ps)) <= (len(ps) + 1) * 0.5 * 10.0**-d + 1e-9


# -- protection -----------------------------------------------------------------------------------------
def audit_protection_totals(wb, pages: list[str], t: Texts, authorities: tuple[str, ...]) -> list[Finding]:
    title = t("xlsx.protection")[:31]
    if title not in wb.sheetnames:
        return []
    xlsx_cases: dict[str, int] = {}
    for row in wb[title].iter_rows(min_row=2, values_only=True):
        if row and row[0] is not None and isinstance(row[2], int | float):
            xlsx_cases[str(row[0])] = xlsx_cases.get(str(row[0]), 0) + int(row[2])
    if not xlsx_cases:
        return []  # no case in the period: the page says so in words
    found: list[Finding] = []
    labels = [t(f"protection.authority.{a}") for a in authorities if t.has(f"protection.authority.{a}")]
    by_type_heading = t("protection.by_type", period="").split("（")[0].split("(")[0].strip()
    lines = _lines_after(pages, t("protection.heading"), by_type_heading)
    table = "PDF protection by authority"
    rows = {label: r for label in labels if (r := _row(lines, label, 5))}
    city = _row(lines, t("xlsx.city"), 5)
    if not rows or city is None:
        return [Finding(table, t("xlsx.city"), "the table with its total row", "absent")]
    for col, what in ((0, "cases"), (1, "cases a year earlier"), (3, "case value")):
        parts = [r[col] for r in rows.values()]
        if not _sum_agrees(city[col], parts, counts=col < 3):
            found.append(Finding(table, f"{t('xlsx.city')} {what}", " + ".join(parts), city[col]))
    for label, r in rows.items():
        if number(r[0]) != xlsx_cases.get(label):
            found.append(Finding(table, f"{label} cases", str(xlsx_cases.get(label, "—")), r[0]))

    table = "PDF protection by case type"
    acceptance = t("protection.acceptance_heading")
    # the column labels' line left out; the table ends at the monthly chart (or, without cases by
    # month, at the acceptance rate)
    type_lines = _lines_after(pages, by_type_heading, t("chart.monthly_cases"), acceptance)[1:]
    total = 0.0
    for line in type_lines:
        tokens = line.split()
        nums = [number(x) for x in tokens[-5:-1]] if len(tokens) >= 6 else []
        label = " ".join(tokens[:-5])
        if len(nums) != 4 or any(v is None for v in nums) or number(label) is not None:
            continue  # not a row: a row is a case type's name and five figures (an axis's ticks are not)
        *per, cases = nums
        total += cases
        if sum(per) != cases:
            found.append(Finding(table, label, f"{sum(per):,.0f}", f"{cases:,.0f}"))
    if type_lines and total and number(city[0]) != total:
        found.append(
            Finding(table, f"{t('xlsx.city')} cases", f"{total:,.0f} (the case types' sum)", city[0])
        )
    return found


# -- high-value patents by district ------------------------------------------------------------------------
def audit_high_value(con, wb, pages: list[str], t: Texts, as_of: date | None) -> list[Finding]:
    lines = _lines_after(pages, t("hv.districts_title"), t("revisions.heading"))
    width = 8  # patents, population, per 10k, the five criteria
    rows = []
    for line in lines:
        tokens = line.split()
        tail = tokens[-width:]
        if len(tokens) >= width and all(number(x) is not None or x.strip(MARKS) in DASHES for x in tail):
            rows.append(tail)
    found: list[Finding] = []
    table = "PDF high-value patents by district"
    if len(rows) >= 2:
        city, units = rows[0], rows[1:]  # the city's row leads the table
        for col, what in [(0, t("hv.col_patents"))] + [(k, f"criterion {k - 2}") for k in range(3, 8)]:
            parts = [u[col] for u in units]
            if not _sum_agrees(city[col], parts, counts=True):
                found.append(
                    Finding(
                        table, f"{t('xlsx.city')} {what}", f"{_total(parts):,.0f} (the units' sum)", city[col]
                    )
                )
        truth = _numerator(con, as_of)
        if truth is not None and number(city[0]) != round(truth):
            found.append(
                Finding(
                    table, f"{t('xlsx.city')} {t('hv.col_patents')}", f"{truth:,.0f} (the warehouse)", city[0]
                )
            )
    found += _criteria_sheet(wb, t)
    return found


def _total(parts: list[str]) -> float:
    return sum(v for v in (number(p) for p in parts) if v is not None)


def _numerator(con, as_of: date | None) -> float | None:
    if con is None or as_of is None:
        return None
    got = con.execute(
        "SELECT numerator FROM indicator_values WHERE indicator_id = 'hv_patents_per_10k' AND as_of = ? "
        "AND district_code = ?",
        [as_of, CITY],
    ).fetchone()
    return None if got is None or got[0] is None else float(got[0])


def _criteria_sheet(wb, t: Texts) -> list[Finding]:
    title = t("xlsx.criteria")[:31]
    if title not in wb.sheetnames:
        return []
    rows = [r for r in wb[title].iter_rows(min_row=2, values_only=True) if r and r[1] is not None]
    if len(rows) < 2 or rows[-1][1] != CITY:
        return []
    *units, city = rows
    found = []
    for col in range(3, len(city)):
        parts = [r[col] for r in units if isinstance(r[col], int | float)]
        if isinstance(city[col], int | float) and abs(sum(parts) - city[col]) > 1e-6:
            found.append(
                Finding(
                    f"XLSX {title}", f"{CITY} column {col + 1}", f"{sum(parts):,.0f}", f"{city[col]:,.0f}"
                )
            )
    return found
