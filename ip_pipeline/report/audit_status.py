"""The words a reader is told, read back: every status and verdict badge of a built bulletin against
`indicator_progress`, the table that decided it.

A badge is printed as the status's symbol and its word (★ 已实现目标, ◆ Needs acceleration), so it is
found in the PDF's text by that pair. The audit compares, for the bulletin's plan on its date:
- the cover's key-indicator table: its badges, in order, one per indicator with a target;
- the cover's status counts: each count equals the number of indicators with that word;
- each indicator's page: its one badge, and the figures beside it (expected value, gap, R, projection);
- the XLSX summary's status column.
The expected word is the table's (verdict, else status) in the catalogue's vocabulary: the report never
decides a status, so a word that differs from the table's was changed on the way to the page.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import duckdb

from ..city import CITY
from ..indicators import rules
from ..indicators.catalogue import Plan, load_plans
from .findings import Finding
from .pages.common import STATUSES
from .pages.indicators import gap_cell
from .plans import choose_plan
from .texts import Texts, is_missing

OTHER_WORDS = ("target_missed", "achieved_early", "reached_early")


def pdf_pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader  # the audit's reader of the PDF; loaded only when a bulletin is audited

    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def vocabulary(t: Texts) -> dict[str, str]:
    """Every status and verdict word of the language, squashed (as the PDF's text is read) to the word."""
    words = [t.status(s) for s in (*STATUSES, *OTHER_WORDS)]
    for plan in t.plans:
        words += [v[t.lang] for v in plan.status["labels"].values() if v.get(t.lang)]
    return {squash(w): w for w in words}


def badge_pattern(t: Texts) -> re.Pattern:
    symbols = "".join(sorted({v["symbol"] for v in t.style.raw["status"].values()}))
    # longest first, so that no word is read as a shorter one it begins with
    words = "|".join(re.escape(w) for w in sorted(vocabulary(t), key=len, reverse=True))
    return re.compile(f"([{re.escape(symbols)}])({words})")


def badges(text: str, t: Texts) -> list[tuple[int, int, str]]:
    """(start, end, word) of each badge in squashed text, in reading order; the word as printed."""
    words = vocabulary(t)
    return [(m.start(), m.end(), words[m.group(2)]) for m in badge_pattern(t).finditer(text)]


def between(text: str, start: str, end: str | None, frm: int = 0) -> tuple[int, str] | None:
    """The text after the first `start` from `frm` up to the next `end` (or the text's end)."""
    at = text.find(start, frm)
    if at < 0:
        return None
    at += len(start)
    stop = text.find(end, at) if end else -1
    return at, text[at : stop if stop >= 0 else len(text)]


# -- the bulletin ---------------------------------------------------------------------------------
def summary_rows(wb) -> tuple[list[tuple[str, object, date | None]], date | None]:
    """(indicator id, status word, as_of) of the XLSX summary, and the bulletin's date (the latest)."""
    rows = []
    for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True):
        if not row or row[0] is None:
            break
        as_of = row[9].date() if isinstance(row[9], datetime) else row[9]
        rows.append((str(row[0]), row[5], as_of))
    dates = [d for _, _, d in rows if isinstance(d, date)]
    return rows, (max(dates) if dates else None)


def _progress_row(con, plan_id: str, indicator_id: str, as_of: date | None) -> dict | None:
    if as_of is None:
        return None
    try:
        cur = con.execute(
            "SELECT * FROM indicator_progress WHERE plan_id = ? AND indicator_id = ? AND as_of = ? "
            "AND district_code = ?",
            [plan_id, indicator_id, as_of, CITY],
        )
    except duckdb.Error:  # no progress table: the report shows no status either
        return None
    got = cur.fetchone()
    if got is None:
        return None
    names = [d[0] for d in cur.description]
    return {k: (None if is_missing(v) else v) for k, v in zip(names, got)}


def expected_word(t: Texts, row: dict | None) -> str:
    """The word the table decided: its label (status_label_zh / _en, the verdict's: 已提前达到目标值 …),
    else the catalogue's word for its verdict or status."""
    row = row or {}
    return row.get(f"status_label_{t.lang}") or t.status(
        row.get("verdict") or row.get("status") or "not_available"
    )


def audit_statuses(con, wb, pages: list[str], t: Texts) -> list[Finding]:
    rows, as_of = summary_rows(wb)
    if not rows or as_of is None:
        return []
    plans = load_plans()
    plan = choose_plan(plans, as_of)
    judged = rules.in_force(plan, as_of)
    tp = Texts(t.lang, plan, t.style, plans=plans)
    by_id = {ind.id: ind for ind in plan.indicators}
    progress = {ind: _progress_row(con, plan.id, ind, d) for ind, _, d in rows}
    words = {ind: expected_word(tp, progress[ind]) for ind, _, _ in rows}
    # the cover and the XLSX say a word for every indicator of a plan in force; an indicator's page has a
    # status column only where the indicator has a target
    on_cover = [ind for ind, _, _ in rows if judged]
    with_target = [ind for ind in on_cover if by_id.get(ind) and by_id[ind].target is not None]
    found: list[Finding] = []

    sheet = f"XLSX {wb.worksheets[0].title}"
    for ind, shown, _ in rows:
        expected = words[ind] if ind in on_cover else None
        if (shown or None) != expected:
            found.append(Finding(sheet, f"{ind} status", expected or "—", str(shown or "—")))

    page = squash(pages[0] if pages else "")
    found += _cover_badges(page, tp, [(ind, words[ind]) for ind in on_cover])
    if judged:
        found += _status_counts(page, tp, Counter(words[ind] for ind in on_cover))
    text = squash("".join(pages))
    found += _sections(text, tp, rows, with_target, words, progress)
    for other in plans:
        if other.id != plan.id and rules.in_force(other, as_of):
            found += _other_plan(con, text, Texts(t.lang, other, t.style, plans=plans), other, as_of)
    return found


def _other_plan(con, text: str, t: Texts, plan: Plan, as_of: date) -> list[Finding]:
    """A further plan in force on the date: its table's badges, in order, against its progress rows (each
    indicator's row on its last date in the bulletin's month)."""
    table = f"PDF {plan.id}"
    head = squash(t("cover.other_plan_heading", plan=t.plan_short(plan)))
    region = between(text, head, None)
    if region is None:
        return [Finding(table, "status", "the plan's table", "absent")]
    start = as_of.replace(day=1)
    expected = []
    for ind in plan.indicators:
        got = con.execute(
            "SELECT max(as_of) FROM indicator_values WHERE indicator_id = ? AND district_code = ? "
            "AND as_of BETWEEN ? AND ?",
            [ind.id, CITY, start, as_of],
        ).fetchone()
        expected.append(
            (ind.id, expected_word(t, _progress_row(con, plan.id, ind.id, got[0] if got else None)))
        )
    shown = [w for _, _, w in badges(region[1], t)][: len(expected)]
    return [
        Finding(table, f"{ind} status", w, s)
        for (ind, w), s in zip(expected, shown + ["—"] * (len(expected) - len(shown)))
        if s != w
    ]


def _cover_badges(page: str, t: Texts, expected: list[tuple[str, str]]) -> list[Finding]:
    table = "PDF p1 key indicators"
    region = between(page, squash(t("cover.summary_heading")), squash(t("cover.footnote_hint")))
    if region is None:
        region = between(page, squash(t("cover.summary_heading_ended")), squash(t("cover.footnote_hint")))
    if region is None:
        return [Finding(table, "status", "the key-indicator table", "absent")] if expected else []
    shown = [w for _, _, w in badges(region[1], t)]
    want = [w for _, w in expected]
    if shown == want:
        return []
    if len(shown) != len(want):
        return [Finding(table, "status badges", f"{len(want)} badges", f"{len(shown)}")]
    return [Finding(table, f"{ind} status", w, s) for (ind, w), s in zip(expected, shown) if s != w]


def _status_counts(page: str, t: Texts, counts: Counter) -> list[Finding]:
    table = "PDF p1 status counts"
    region = between(page, squash(t("cover.status_counts")), squash(t("cover.summary_heading")))
    if region is None:
        return [Finding(table, "counts", "the status counts", "absent")]
    pattern = re.compile(badge_pattern(t).pattern + r"(\d+)")
    words = vocabulary(t)
    shown = {words[m.group(2)]: int(m.group(3)) for m in pattern.finditer(region[1])}
    want = dict(counts)
    found = [
        Finding(table, word, str(want.get(word, 0)), str(k))
        for word, k in shown.items()
        if k != want.get(word, 0)
    ]
    found += [
        Finding(table, word, str(k), "not shown") for word, k in want.items() if k and word not in shown
    ]
    return found


def _sections(
    text: str,
    t: Texts,
    rows: list[tuple[str, object, date | None]],
    with_target: list[str],
    words: dict[str, str],
    progress: dict[str, dict | None],
) -> list[Finding]:
    found: list[Finding] = []
    frm = 0
    for n, (ind, _, _) in enumerate(rows, start=1):
        table = f"PDF indicator {n}"
        head = squash(t("section.indicator", n=n, name=t.name(ind)))
        region = between(text, head, squash(t("section.analysis")), frm)
        if region is None:
            found.append(Finding(table, ind, "its page", "absent"))
            continue
        frm, body = region
        shown = [w for _, _, w in badges(body, t)]
        want = [words[ind]] if ind in with_target else []
        if shown != want:
            found.append(Finding(table, f"{ind} status", " ".join(want) or "—", " ".join(shown) or "—"))
        p = progress.get(ind)
        if ind not in with_target or not p:
            continue
        limit = next((i.limit for i in t.plan.indicators if i.id == ind), None)
        for what, shown_as in _figures(t, ind, p, limit):
            if shown_as and squash(shown_as) not in body:
                found.append(Finding(table, f"{ind} {what}", shown_as, "not in the table"))
    return found


def _figures(t: Texts, ind: str, p: dict, limit: float | None) -> list[tuple[str, str | None]]:
    """The progress table's figures as the indicator's table prints them (each at its displayed precision)."""
    out = [
        ("expected value", None if p.get("expected_value") is None else t.short(p["expected_value"], ind)),
        ("gap", None if p.get("gap") is None else gap_cell(t, ind, p["gap"])),
        ("R", None if p.get("ratio") is None else t.number(p["ratio"], decimals=2)),
    ]
    proj = p.get("projection")  # a share projected past its limit is printed at the cap
    if proj is not None and (limit is None or float(proj) <= limit):
        out.append(("projection", t.short(proj, ind)))
    return out
