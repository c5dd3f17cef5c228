"""Every status and verdict word a reader is told is the word of its row in indicator_progress or
plan_outcomes: read from the built PDFs (both editions of the bulletin and of the final evaluation) and
compared here with the tables, and by the audit that runs in every build, which passes on this warehouse
and names the row when a table was changed after the files were built.

The warehouse is staged in the test and computed by the engine (tests/indicators/builder.py): on
30 November 2026 the 14th FYP has ended (some targets met, some missed, some without data) and the
2025–2027 action plan is in force (one cumulative target already met: 已提前完成).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pypdf
import pytest

from ip_pipeline.defs.reports import bulletin_audit_result, final_evaluations
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.indicators import compute_plan_outcomes
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.report import staging
from ip_pipeline.report.audit import audit_report
from ip_pipeline.report.audit_final import audit_final_build
from ip_pipeline.report.final import build_final_report
from ip_pipeline.report.findings import Finding
from ip_pipeline.report.staging import build_audited
from tests.indicators.builder import CITY, WarehouseBuilder, enterprises, trademarks

MONTH, AS_OF = "2026-11", date(2026, 11, 30)
FYP, ACTION = "yantai_ip_14th_fyp", "yantai_ip_action_2025_2027"
LANGS = ("zh", "en")
SYMBOLS = "★●◆▲▼○✕"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("words")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    wh = WarehouseBuilder(con)
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 300, date(2023, 6, 1))  # 400 by 2025: the FYP's target met
    enterprises(wh, 30, date(2021, 6, 1), programme="city_advantage")
    enterprises(wh, 200, date(2025, 6, 1), programme="city_advantage")  # the action plan's count met early
    trademarks(wh, 1000, date(2019, 1, 1), date(2030, 1, 1))
    trademarks(wh, 400, date(2023, 1, 1), date(2030, 1, 1))
    for year in range(2019, 2027):
        wh.population(year, "370602", 7_000_000)
        wh.economy(year, 10000.0, 1000.0 + 60 * (year - 2020))
    for i in range(40):
        wh.hv_patent(grant_date=date(2020 + i % 6, 3, 1))
    ends = [date(y, 12, 31) for y in range(2020, 2026)] + [date(2026, 10, 31), AS_OF]
    wh.compute(*ends)
    wh.progress(*ends)
    compute_plan_outcomes(con, AS_OF)
    con.close()
    return home


@pytest.fixture(scope="module")
def built(home):
    bulletin = build_audited(home, MONTH, LANGS)
    finals = {lang: build_final_report(home, FYP, lang=lang) for lang in LANGS}
    return bulletin, finals


def rows(home: Path, sql: str, params=()) -> list[dict]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        return [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
    finally:
        con.close()


def pages_of(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(str(pdf)).pages]


def badge_words(text: str, words: set[str]) -> list[str]:
    """The words printed after a status symbol, in reading order (the text is read without spaces)."""
    squashed = {re.sub(r"\s+", "", w): w for w in words}
    alternatives = "|".join(re.escape(w) for w in sorted(squashed, key=len, reverse=True))
    return [squashed[m.group(1)] for m in re.finditer(f"[{SYMBOLS}]({alternatives})", text)]


def all_words(lang: str) -> set[str]:
    return {v[lang] for plan in load_plans() for v in plan.status["labels"].values()}


def progress_labels(home: Path, lang: str) -> dict[str, str]:
    """The action plan's label of each indicator on the bulletin's date, as indicator_progress has it."""
    got = rows(
        home,
        f"SELECT indicator_id, status_label_{lang} AS label FROM indicator_progress "
        "WHERE plan_id = ? AND as_of = ? AND district_code = ?",
        [ACTION, AS_OF, CITY],
    )
    return {r["indicator_id"]: r["label"] for r in got}


def final_labels(home: Path, lang: str) -> dict[str, str]:
    got = rows(
        home,
        f"SELECT indicator_id, final_label_{lang} AS label FROM plan_outcomes WHERE plan_id = ? AND district_code = ?",
        [FYP, CITY],
    )
    return {r["indicator_id"]: r["label"] for r in got}


def test_the_data_has_the_words_the_checks_are_about(home):
    zh = progress_labels(home, "zh")
    assert "已提前完成" in zh.values() and len(set(zh.values())) >= 3
    assert Counter(final_labels(home, "zh").values()).keys() == {"已实现目标", "目标未完成", "数据不足"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_status_word_of_the_bulletin_is_its_progress_row_s_label(home, built, lang):
    bulletin, _ = built
    pdf = next(f for f in bulletin.files if f.name.endswith(f"_{lang}.pdf"))
    pages = pages_of(pdf)
    plan = next(p for p in load_plans() if p.id == ACTION)
    labels = progress_labels(home, lang)
    words = all_words(lang)
    name = {ind.id: (ind.name_zh if lang == "zh" else ind.name_en) for ind in plan.indicators}
    expected = [labels[ind.id] for ind in plan.indicators]

    # page 1: the key-indicator table, one badge a row in the catalogue's order, and the status counts
    cover = pages[0]
    table = cover[cover.index("主要指标一览" if lang == "zh" else "Keyindicatorsataglance") :]
    assert badge_words(table, words)[: len(expected)] == expected
    counts_text = cover[: cover.index("主要指标一览" if lang == "zh" else "Keyindicatorsataglance")]
    shown = {}
    for w in words:
        for m in re.finditer(f"[{SYMBOLS}]{re.escape(re.sub(r'[ ]+', '', w))}([0-9]+)", counts_text):
            shown[w] = int(m.group(1))
    assert {w: k for w, k in shown.items() if k} == Counter(expected)

    # each indicator's page: its one badge is the table's label
    text = "".join(pages)
    for n, ind in enumerate(plan.indicators, start=1):
        head = re.sub(r"\s+", "", (f"指标 {n}：" if lang == "zh" else f"Indicator {n}: ") + name[ind.id])
        page = text[text.index(head) :]
        first = badge_words(page, words)[:1]
        assert first == [labels[ind.id]], (ind.id, first)


@pytest.mark.parametrize("lang", LANGS)
def test_every_verdict_of_the_final_evaluation_is_its_outcome_row_s_label(home, built, lang):
    _, finals = built
    pages = pages_of(finals[lang].pdf)
    labels = final_labels(home, lang)
    words = all_words(lang)
    counts = Counter(labels.values())
    # the cover: each verdict as often as plan_outcomes has it, and the count of targets met in words
    assert Counter(badge_words(pages[0], words)) == counts
    with_target = rows(
        home,
        "SELECT count(*) AS n FROM plan_outcomes WHERE plan_id = ? AND district_code = ? AND target_value IS NOT NULL",
        [FYP, CITY],
    )[0]["n"]
    met = counts["已实现目标" if lang == "zh" else "Target achieved"]
    said = f"{with_target}项目标中已实现{met}项" if lang == "zh" else f"{met}of{with_target}targetsmet"
    assert said in pages[0]
    # each indicator's page opens with the verdict the table holds
    plan = next(p for p in load_plans() if p.id == FYP)
    text = "".join(pages[1:])
    for n, ind in enumerate(plan.indicators, start=1):
        name = ind.name_zh if lang == "zh" else ind.name_en
        head = re.sub(r"\s+", "", (f"指标 {n}：" if lang == "zh" else f"Indicator {n}: ") + name)
        assert badge_words(text[text.index(head) :], words)[:1] == [labels[ind.id]], ind.id


def test_the_audit_passes_on_the_built_files(home, built):
    bulletin, finals = built
    assert bulletin.published and bulletin.findings == []
    assert audit_final_build(home, FYP, {lang: r.pdf for lang, r in finals.items()}) == []
    check = bulletin_audit_result(home, [MONTH])
    assert check.passed and check.metadata["final_evaluations"].value == {FYP: True}


def _copy(home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    return copy


def _files(home: Path, lang: str) -> tuple[Path, Path]:
    folder = home / "reports" / MONTH
    return folder / f"ip_indicators_{MONTH}_{lang}.pdf", folder / f"ip_indicators_{MONTH}_{lang}.xlsx"


def test_a_status_changed_after_the_build_is_named_wherever_it_is_printed(home, built, tmp_path):
    copy = _copy(home, tmp_path)
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    con.execute(
        "UPDATE indicator_progress SET status = 'on_track', verdict = 'on_track', status_label_zh = '进度正常', "
        "status_label_en = 'On track' WHERE plan_id = ? AND indicator_id = 'valid_trademarks' AND as_of = ? "
        "AND district_code = ?",
        [ACTION, AS_OF, CITY],
    )
    con.close()
    for lang in LANGS:
        found = audit_report(copy / "warehouse.duckdb", *_files(copy, lang), lang)
        on = {(f.table.split(": ", 1)[1], f.row) for f in found}
        assert ("PDF p1 key indicators", "valid_trademarks status") in on
        assert any(t.startswith("XLSX") and r == "valid_trademarks status" for t, r in on)
        assert any(t.startswith("PDF indicator") and r == "valid_trademarks status" for t, r in on)
        counts = {f.row: (f.expected, f.found) for f in found if "status counts" in f.table}
        on_track = "进度正常" if lang == "zh" else "On track"
        assert counts[on_track][0] == str(int(counts.get(on_track, ("0", "0"))[1]) + 1)


def test_a_district_total_changed_after_the_build_is_named(home, built, tmp_path):
    copy = _copy(home, tmp_path)
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    (n,) = con.execute(
        "SELECT numerator FROM indicator_values WHERE indicator_id = 'hv_patents_per_10k' AND as_of = ? "
        "AND district_code = ?",
        [AS_OF, CITY],
    ).fetchone()
    con.execute(
        "UPDATE indicator_values SET numerator = numerator + 5 WHERE indicator_id = 'hv_patents_per_10k' "
        "AND as_of = ? AND district_code = ?",
        [AS_OF, CITY],
    )
    con.close()
    found = audit_report(copy / "warehouse.duckdb", *_files(copy, "zh"), "zh")
    total = [f for f in found if "high-value patents by district" in f.table]
    assert len(total) == 1 and total[0].found == f"{n:,.0f}" and total[0].expected.startswith(f"{n + 5:,.0f}")


def test_a_final_verdict_changed_after_the_build_fails_the_report_check(home, built, tmp_path):
    _, finals = built
    copy = _copy(home, tmp_path)
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    con.execute(
        "UPDATE plan_outcomes SET final_status = 'target_achieved', final_label_zh = '已实现目标', "
        "final_label_en = 'Target achieved', achieved = true WHERE plan_id = ? AND indicator_id = 'valid_trademarks' "
        "AND district_code = ?",
        [FYP, CITY],
    )
    con.close()
    folder = copy / "reports" / "final" / FYP
    found = audit_final_build(copy, FYP, {lang: folder / r.pdf.name for lang, r in finals.items()})
    rows_named = {(f.table.split(":", 1)[0], f.row) for f in found}
    for lang in LANGS:
        assert (lang, "valid_trademarks verdict") in rows_named  # on the cover's table and its page
        assert (lang, "cover_verdict") in rows_named  # one more target met than the cover says
    check = bulletin_audit_result(copy, [MONTH])
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.ERROR
    assert f"final {FYP}" in check.description and "valid_trademarks verdict" in check.description
    assert check.metadata["final_evaluations"].value == {FYP: False}


def test_a_final_evaluation_that_does_not_reconcile_is_not_published(home, built, tmp_path, monkeypatch):
    copy = _copy(home, tmp_path)
    folder = copy / "reports" / "final" / FYP
    pdf = folder / f"plan_final_{FYP}_zh.pdf"
    before = pdf.read_bytes()
    real_audit = staging.audit_final_report

    def audit_after_a_change(warehouse, pdf_path, lang, plan_id):
        # plan_outcomes changes between the build's reading and the audit's checking
        con = duckdb.connect(str(warehouse))
        con.execute(
            "UPDATE plan_outcomes SET final_status = 'target_achieved', final_label_zh = '已实现目标', "
            "final_label_en = 'Target achieved', achieved = true WHERE plan_id = ? "
            "AND indicator_id = 'valid_trademarks' AND district_code = ?",
            [FYP, CITY],
        )
        con.close()
        return real_audit(warehouse, pdf_path, lang, plan_id)

    monkeypatch.setattr(staging, "audit_final_report", audit_after_a_change)
    result = staging.build_final_audited(copy, FYP, ("zh",))

    assert not result.published and "valid_trademarks verdict" in {f.row for f in result.findings}
    assert pdf.read_bytes() == before  # readers still have the previous final evaluation
    assert pdf in result.files and not (folder / staging.STAGING).exists()
    assert result.rejected and all(f.parent == folder / staging.REJECTED for f in result.rejected)
    check = bulletin_audit_result(copy, [MONTH])
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.ERROR
    assert f"not published: {FYP}" in check.description and "valid_trademarks verdict" in check.description
    assert check.metadata["final_evaluations"].value == {FYP: False}


def test_a_final_evaluation_that_reconciles_is_published(home, built, tmp_path):
    copy = _copy(home, tmp_path)
    folder = copy / "reports" / "final" / FYP
    (folder / f"plan_final_{FYP}_zh.pdf").unlink()  # a first build: nothing published before
    (folder / staging.REJECTED).mkdir()  # a rejected build of an earlier night

    result = staging.build_final_audited(copy, FYP, LANGS)

    assert result.published and result.findings == [] and result.rejected == []
    assert {f.name for f in result.files} >= {
        f"plan_final_{FYP}_{lang}.{x}" for lang in LANGS for x in ("pdf", "xlsx")
    }
    assert all(f.parent == folder and f.exists() for f in result.files)
    assert not (folder / staging.STAGING).exists() and not (folder / staging.REJECTED).exists()
    assert pages_of(folder / f"plan_final_{FYP}_zh.pdf")  # a readable PDF in place
    check = bulletin_audit_result(copy, [MONTH])
    assert check.passed is True and check.metadata["final_evaluations"].value == {FYP: True}


def test_a_final_evaluation_that_was_not_published_is_built_again_the_next_night(
    home, built, tmp_path, monkeypatch
):
    copy = _copy(home, tmp_path)
    folder = copy / "reports" / "final" / FYP
    stamp = folder / ".fingerprint"
    stamp.unlink(missing_ok=True)
    logged: list[str] = []
    log = SimpleNamespace(info=logged.append, warning=logged.append)
    context = SimpleNamespace(log=log)
    warehouse = Warehouse(home=str(copy))
    real_audit = staging.audit_final_report

    def audit_finding_one(warehouse, pdf_path, lang, plan_id):
        return [Finding("zh: final evaluation PDF", "valid_trademarks verdict", "目标未完成", "已实现目标")]

    monkeypatch.setattr(
        staging, "audit_final_report", audit_finding_one
    )  # the zh edition, built in this process
    final_evaluations(warehouse, MONTH, context)
    assert not stamp.exists()  # no fingerprint: the next night tries again
    assert any(f"final evaluation of {FYP} not published" in line for line in logged)

    monkeypatch.setattr(staging, "audit_final_report", real_audit)
    built_again = final_evaluations(warehouse, MONTH, context)
    assert stamp.exists() and (folder / f"plan_final_{FYP}_zh.pdf") in built_again[FYP]
    assert bulletin_audit_result(copy, [MONTH]).passed is True

    logged.clear()
    final_evaluations(warehouse, MONTH, context)  # nothing changed since the published build
    assert any("not rebuilt" in line for line in logged)


def test_report_final_from_the_command_line_does_not_publish_what_does_not_reconcile(
    home, built, tmp_path, monkeypatch, capsys
):
    from ip_pipeline.cli.main import main

    copy = _copy(home, tmp_path)
    pdf = copy / "reports" / "final" / FYP / f"plan_final_{FYP}_zh.pdf"
    before = pdf.read_bytes()
    finding = Finding("zh: final evaluation PDF", "valid_trademarks verdict", "目标未完成", "已实现目标")
    monkeypatch.setattr(staging, "audit_final_report", lambda *args: [finding])

    assert main(["report", "--home", str(copy), "--plan", FYP, "--final", "--lang", "zh"]) == 1
    err = capsys.readouterr().err
    assert "not published" in err and "valid_trademarks verdict" in err
    assert pdf.read_bytes() == before
