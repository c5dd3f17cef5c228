"""The final evaluation (终期评估) read back against `plan_outcomes`, the table that decided it.

Checked in the final-evaluation PDF (report/final.py) and in the bulletin's section on an ended plan:
- the outcome table: each indicator's verdict badge (the table's final label), its value at the
  precision the engine displays (29.97 %, never 30.0 % beside 目标未完成), its target, the share of the
  needed change and the R class beside it;
- the cover's count: targets met and missed equal the table's count;
- each indicator's page: its verdict badge, and for a missed target the gap the engine displays.
A plan with no plan_outcomes rows has nothing to reconcile (an older warehouse: the report says its
verdicts were computed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from ..city import CITY
from ..db import connect
from ..indicators.catalogue import Plan, load_plans
from ..paths import Home
from .audit_status import badges, between, pdf_pages, squash
from .findings import Finding
from .pages.common import target_words
from .style import load_style
from .texts import Texts, is_missing


def outcome_rows(con, plan: Plan) -> dict[str, dict]:
    """The city's plan_outcomes rows of the plan, by indicator, in the catalogue's order."""
    try:
        cur = con.execute(
            "SELECT * FROM plan_outcomes WHERE plan_id = ? AND district_code = ?", [plan.id, CITY]
        )
    except duckdb.Error:
        return {}
    names = [d[0] for d in cur.description]
    got = {r[names.index("indicator_id")]: dict(zip(names, r)) for r in cur.fetchall()}
    clean = {k: {c: (None if is_missing(v) else v) for c, v in row.items()} for k, row in got.items()}
    return {ind.id: clean[ind.id] for ind in plan.indicators if ind.id in clean}


def verdict_word(t: Texts, row: dict) -> str:
    """The table's label of the final verdict (final_label_zh / _en), else the catalogue's word for it."""
    return row.get(f"final_label_{t.lang}") or t.status(row.get("final_status") or "not_available")


def _norm(s: str) -> str:
    """Squashed, without hyphens: a name broken across lines reads the same."""
    return squash(s).replace("-", "").replace("‐", "")


def _engine_number(t: Texts, display: str | None, absolute: bool = False) -> str | None:
    """The engine's display string (`29.97`, `-0.10`) in the report's typography, at its decimals."""
    if display is None:
        return None
    try:
        v = float(display)
    except ValueError:
        return None
    decimals = len(display.split(".", 1)[1]) if "." in display else 0
    return squash(t.number(abs(v) if absolute else v, decimals=decimals))


def audit_outcome_table(
    region: str, t: Texts, plan: Plan, outcomes: dict[str, dict], table: str
) -> list[Finding]:
    """The outcome table in `region` (squashed text from its heading on): one row per indicator, read between
    one verdict badge and the next."""
    found: list[Finding] = []
    marks = badges(region, t)
    segments = []  # (text before the badge, the badge's word, text after it up to the next badge)
    for i, (start, end, word) in enumerate(marks):
        before = region[marks[i - 1][1] if i else 0 : start]
        after = region[end : marks[i + 1][0] if i + 1 < len(marks) else len(region)]
        segments.append((_norm(before), word, squash(after)))
    used: set[int] = set()
    by_length = sorted(outcomes, key=lambda ind: len(t.name(ind)), reverse=True)  # a name inside another
    for ind in by_length:
        o = outcomes[ind]
        name = _norm(t.name(ind))
        at = next((i for i, s in enumerate(segments) if i not in used and name in s[0]), None)
        if at is None:
            found.append(Finding(table, ind, verdict_word(t, o), "no row"))
            continue
        used.add(at)
        before, word, after = segments[at]
        if word != verdict_word(t, o):
            found.append(Finding(table, f"{ind} verdict", verdict_word(t, o), word))
        missed = o.get("final_status") == "target_missed"
        ind_def = next(i for i in plan.indicators if i.id == ind)
        comparison = ind_def.target.comparison if ind_def.target else "ge"
        if o.get("value") is not None:
            # the engine's display where the page prints the same unit; English converts some (万件 → marks)
            engine = _engine_number(t, o.get("value_display")) if t.lang == "zh" else None
            forms = {engine} if engine else set()
            forms = forms or {
                _norm(t.value_against(o["value"], o.get("target_value"), ind, missed, comparison))
            }
            if not any(f in before for f in forms):
                found.append(Finding(table, f"{ind} value", " / ".join(sorted(forms)), "not in its row"))
        if o.get("target_value") is not None and ind_def.target is not None:
            target = _norm(target_words(t, ind_def.target, ind))
            if _norm(t.value(o["target_value"], ind)) not in target or target not in before:
                found.append(
                    Finding(table, f"{ind} target", t.value(o["target_value"], ind), "not in its row")
                )
        if o.get("change_share") is not None and squash(t.percent(o["change_share"], 0)) not in after:
            found.append(Finding(table, f"{ind} share", t.percent(o["change_share"], 0), "not in its row"))
        if o.get("status"):
            r_class = squash(t.status(o["status"]))
            if o.get("ratio") is not None:
                r_class += squash(t.number(o["ratio"], decimals=2))
            if r_class not in re.sub(r"[（）()R=]", "", after):
                found.append(Finding(table, f"{ind} R class", t.status(o["status"]), "not in its row"))
    return found


def audit_outcome_sheet(ws, t: Texts, plan: Plan, outcomes: dict[str, dict]) -> list[Finding]:
    """An XLSX sheet of the final evaluation (one row an indicator, by id): its verdict is the table's label,
    its value and target the table's."""
    header = [str(c) if c is not None else "" for c in next(ws.iter_rows(max_row=1, values_only=True), ())]
    cols = {
        "verdict": t("final.col_verdict"),
        "value": t("final.col_value", year=plan.target_year),
        "target": t("final.col_target"),
    }
    at = {k: header.index(v) for k, v in cols.items() if v in header}
    table = f"XLSX {ws.title}"
    found: list[Finding] = []
    seen = set()
    for row in ws.iter_rows(min_row=2, values_only=True):
        ind = row[0] if row else None
        if ind not in outcomes:
            continue
        seen.add(ind)
        o = outcomes[ind]
        if "verdict" in at and row[at["verdict"]] != verdict_word(t, o):
            found.append(Finding(table, f"{ind} verdict", verdict_word(t, o), str(row[at["verdict"]])))
        for key, truth in (("value", o.get("value")), ("target", o.get("target_value"))):
            cell = row[at[key]] if key in at else None
            if truth is None or key not in at:
                continue
            if not isinstance(cell, int | float) or abs(float(cell) - float(truth)) > 1e-6 * max(
                1.0, abs(truth)
            ):
                found.append(Finding(table, f"{ind} {key}", f"{truth}", str(cell)))
    found += [
        Finding(table, ind, verdict_word(t, outcomes[ind]), "no row") for ind in outcomes if ind not in seen
    ]
    return found


def _counts(outcomes: dict[str, dict]) -> tuple[int, int, int, int]:
    """(with a target, met, missed, without data) as the table has them."""
    rows = list(outcomes.values())
    n = sum(1 for o in rows if o.get("target_value") is not None)
    k = sum(1 for o in rows if o.get("final_status") == "target_achieved")
    na = sum(1 for o in rows if o.get("final_status") == "not_available")
    return n, k, n - k - na, na


def _pages_of(text: str, t: Texts, outcomes: dict[str, dict], table: str) -> list[Finding]:
    """Each indicator's page: its first badge is the table's verdict; a missed target's gap is the engine's."""
    found: list[Finding] = []
    for ind, o in outcomes.items():
        head = re.search(
            re.escape(squash(t("section.indicator", n=0, name=t.name(ind)))).replace("0", r"\d+", 1), text
        )
        if head is None:
            found.append(Finding(table, ind, "its page", "absent"))
            continue
        region = between(text, head.group(0), squash(t("section.series_title")), head.start())
        body = region[1] if region else ""
        first = badges(body, t)[:1]
        if [w for _, _, w in first] != [verdict_word(t, o)]:
            shown = first[0][2] if first else "—"
            found.append(Finding(table, f"{ind} verdict", verdict_word(t, o), shown))
        if o.get("final_status") == "target_missed" and o.get("gap_display"):
            forms = {_engine_number(t, o["gap_display"], absolute=True)}
            if t.lang == "en" and o.get("target_gap") is not None:
                # a unit converted in English (万件 → marks) prints the gap in whole marks, finer than the display
                forms |= {squash(t.value(abs(float(g)), ind)) for g in (o["gap_display"], o["target_gap"])}
            if not any(f and f in body for f in forms):
                found.append(Finding(table, f"{ind} gap", o["gap_display"], "not on its page"))
    return found


def audit_final_report(warehouse: Path, pdf: Path, lang: str, plan_id: str) -> list[Finding]:
    """Every figure of a built final evaluation (one language) that does not agree with plan_outcomes."""
    plans = load_plans()
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is None:
        return [Finding(f"{lang}: final evaluation", plan_id, "a plan of the catalogue", "unknown plan")]
    t = Texts(lang, plan, load_style(), plans=plans)
    con = connect(warehouse, read_only=True)
    try:
        outcomes = outcome_rows(con, plan)
    finally:
        con.close()
    if not outcomes:
        return []
    pages = pdf_pages(pdf)
    cover = squash(pages[0] if pages else "")
    table = f"{lang}: final evaluation PDF"
    found: list[Finding] = []
    n, k, missed, _ = _counts(outcomes)
    for key, values in (("final.cover_verdict", dict(n=n, k=k)), ("final.cover_missed", dict(missed=missed))):
        if squash(t(key, **values)) not in cover:
            found.append(Finding(f"{table} p1", key.split(".")[1], t(key, **values), "not on the cover"))
    region = between(cover, squash(t("final.how")), None)
    if region is None:
        found.append(Finding(f"{table} p1", "outcome table", "the outcome table", "absent"))
    else:
        found += audit_outcome_table(region[1], t, plan, outcomes, f"{table} p1 outcomes")
    found += _pages_of(squash("".join(pages[1:])), t, outcomes, f"{table} indicator pages")
    xlsx = pdf.with_suffix(".xlsx")  # the workbook written beside the PDF
    if xlsx.exists():
        from openpyxl import load_workbook

        wb = load_workbook(xlsx, read_only=False, data_only=True)
        found += [
            Finding(f"{lang}: {f.table}", f.row, f.expected, f.found)
            for f in audit_outcome_sheet(wb.worksheets[0], t, plan, outcomes)
        ]
    return found


def audit_bulletin_finals(con, pages: list[str], t: Texts, wb=None) -> list[Finding]:
    """The bulletin's section on an ended plan (its final evaluation), where the bulletin has one, and the
    XLSX's sheet of it."""
    text = squash("".join(pages))
    found: list[Finding] = []
    for plan in t.plans:
        tp = t.for_plan(plan)
        sheet = f"{tp('final.heading_short')} {plan.target_year}"[:31]
        if wb is not None and sheet in wb.sheetnames:
            found += audit_outcome_sheet(wb[sheet], tp, plan, outcome_rows(con, plan))
        head = squash(tp("final.heading", plan=tp.plan_name(plan)))
        if head not in text:
            continue
        outcomes = outcome_rows(con, plan)
        if not outcomes:
            continue
        region = between(
            text, head, squash(tp("final.series_heading", base=plan.base_year, year=plan.target_year))
        )
        n, k, missed, _ = _counts(outcomes)
        table = f"PDF final evaluation {plan.id}"
        as_of = next(iter(outcomes.values()))["as_of"]
        verdict = tp("final.verdict", date=tp.date(as_of), n=n, k=k, missed=missed)
        if squash(verdict) not in region[1]:
            found.append(Finding(table, "count", verdict, "not said"))
        found += audit_outcome_table(region[1], tp, plan, outcomes, table)
    return found


AUDIT_FILE = ".audit.json"


def audit_final_build(home: Path, plan_id: str, pdfs: dict[str, Path]) -> list[Finding]:
    """Audit a plan's final evaluation as built (one PDF a language) and record the outcome in its folder,
    `<home>/reports/final/<plan_id>/.audit.json`, where the monthly report's check reads it."""
    paths = Home.of(home)
    findings = [
        f for lang, pdf in pdfs.items() for f in audit_final_report(paths.warehouse, pdf, lang, plan_id)
    ]
    write_final_record(home, plan_id, findings, list(pdfs.values()))
    return findings


def write_final_record(
    home: Path,
    plan_id: str,
    findings: list[Finding],
    files: list[Path],
    published: bool | None = None,
    rejected: list[Path] | None = None,
) -> None:
    """`<home>/reports/final/<plan_id>/.audit.json`: the audit's findings, whether the build was published
    (None: audited where it was built) and the files readers see."""
    record = {
        "plan_id": plan_id,
        "passed": not findings,
        "findings": [f.as_dict() for f in findings],
        "files": [str(p) for p in files],
    }
    if published is not None:
        record |= {"published": published, "rejected": [str(p) for p in rejected or []]}
    folder = Home.of(home).reports / "final" / plan_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / AUDIT_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def final_audit_records(home: Path) -> dict[str, dict]:
    """The last audit of every final evaluation built (by plan id)."""
    out = {}
    for f in sorted((Home.of(home).reports / "final").glob(f"*/{AUDIT_FILE}")):
        try:
            out[f.parent.name] = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            out[f.parent.name] = {
                "plan_id": f.parent.name,
                "passed": False,
                "findings": [],
                "unreadable": True,
            }
    return out
