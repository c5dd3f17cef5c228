"""Adversarial exports: what a person handed a messy export on a Friday night finds, and what
someone trying to break the pipeline would try. Each case asserts what the user sees — the row
staged as shown, quarantined with a reason, or the file refused with a short message naming
it — and that counts still reconcile (raw = staged + quarantined + duplicates)."""

from __future__ import annotations

import os

import duckdb
import openpyxl
import pytest

from ip_pipeline.ingest.errors import SourceFileError
from tests.ingest.conftest import PATENT_HEADER, app_no, patent

A = [app_no(2021, 1, i) for i in range(20)]


def _line(cells) -> str:
    return ",".join(cells)


def _write(zone, text: str, name: str = "a.csv") -> None:
    path = zone.landing / "patents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv(*rows, header=True) -> str:
    lines = ([_line(PATENT_HEADER)] if header else []) + [_line(r) for r in rows]
    return "\n".join(lines) + "\n"


def _stage(zone):
    s = zone.stage("patents")
    assert s.result.reconciles, s.result
    return s


def test_header_row_repeated_mid_file_is_quarantined_not_counted(zone):
    """Two exports pasted into one file: the second header is a refused row, never a patent."""
    _write(zone, _csv(patent(app=A[0])) + _line(PATENT_HEADER) + "\n" + _line(patent(app=A[1])) + "\n")
    s = _stage(zone)
    assert sorted(s.stg.application_no) == sorted(A[:2])
    assert list(s.quarantine.reason) == ["bad_format:application_no"]
    assert list(s.quarantine.application_no) == ["申请号"]  # the user sees the header text, as found


def test_bom_in_the_middle_of_a_file_does_not_hide_a_good_row(zone):
    """Concatenated UTF-8 exports carry a BOM mid-file; a BOM (or zero-width space) before a
    value is invisible, so the value must read as shown, not be refused."""
    text = (
        "\ufeff"
        + _csv(patent(app=A[0]))
        + "\ufeff"
        + _line(PATENT_HEADER)
        + "\n"
        + _line(patent(app="\ufeff" + A[1]))
        + "\n"
        + _line(patent(app="CN\u200b" + A[2], ptype="发明\u2060"))
        + "\n"
    )
    _write(zone, text)
    s = _stage(zone)
    assert sorted(s.stg.application_no) == sorted(A[:3])
    assert list(s.quarantine.reason) == ["bad_format:application_no"]  # only the repeated header


def test_xlsx_whose_first_sheet_is_empty_is_refused_naming_the_file(zone):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"  # an empty cover sheet first; the data on the second
    ws = wb.create_sheet("数据")
    ws.append(PATENT_HEADER)
    ws.append(patent(app=A[0]))
    (zone.landing / "patents").mkdir(parents=True, exist_ok=True)
    wb.save(zone.landing / "patents" / "x.xlsx")
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == "patents/x.xlsx" and "is empty (no header row)" in err.value.problem


def test_header_of_only_whitespace(zone):
    """A line of blanks above the header is skipped; a file of blanks alone is refused as empty."""
    _write(zone, " , ,  ,\n" + _csv(patent(app=A[0])))
    assert list(_stage(zone).stg.application_no) == [A[0]]
    _write(zone, "   \n \t \n", name="b.csv")
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == "patents/b.csv" and "is empty" in err.value.problem


def test_duplicate_files_under_different_names_are_named_and_counted_once(zone):
    text = _csv(*(patent(app=a) for a in A[:5]))
    _write(zone, text, name="专利导出.csv")
    _write(zone, text, name="专利导出 (1).csv")
    s = _stage(zone)
    assert s.result.staged == 5 and s.result.duplicates == 5
    assert any(
        "patents/专利导出.csv: the same bytes as patents/专利导出 (1).csv (a copy?)" in w
        for w in s.result.warnings
    ), s.result.warnings


def test_giant_single_line_is_refused_with_a_short_message(zone):
    """30 MB without a newline: refused, and the message does not carry the 30 MB."""
    _write(zone, "x" * 30_000_000)
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == "patents/a.csv" and "lacks required column(s)" in err.value.problem
    assert len(err.value.paragraph) < 1000 and "30,000," in err.value.problem


def test_giant_cell_is_quarantined_whole_and_the_rest_loads(zone):
    huge = patent(app=A[0], holder="甲" * 2_000_000)
    _write(zone, _csv(huge, patent(app=A[1])))
    s = _stage(zone)
    assert list(s.stg.application_no) == [A[1]]
    assert list(s.quarantine.reason) == ["too_long:holder"]
    assert len(s.quarantine.holder[0]) == 2_000_000  # kept whole for the provider


def test_crlf_lf_and_cr_line_ends_mixed(zone):
    data = (
        _line(PATENT_HEADER)
        + "\r\n"
        + _line(patent(app=A[0]))
        + "\n"
        + _line(patent(app=A[1]))
        + "\r\n"
        + _line(patent(app=A[2]))
        + "\r"
    )
    _write(zone, data)
    s = _stage(zone)
    assert sorted(s.stg.application_no) == sorted(A[:3])
    assert not any("\r" in str(v) for v in s.stg.legal_status)


@pytest.mark.parametrize(
    "day,ok",
    [
        ("1900-02-29", False),
        ("1900/2/29", False),
        ("2100-02-29", False),
        ("2024-02-29", True),
        ("2000-02-29", True),
    ],
)
def test_leap_days_that_do_not_exist_are_bad_dates(zone, day, ok):
    """1900 was no leap year (Excel pretends it was); neither is 2100. 2000 and 2024 were."""
    _write(zone, _csv(patent(app=A[0], filed=day, granted="")))
    s = _stage(zone)
    if ok:
        assert len(s.stg) == 1 and str(s.stg.filing_date[0])[:10] == day
    else:
        assert list(s.quarantine.reason) == ["bad_date:filing_date"]


def test_totals_row_at_the_end_never_counts(zone):
    """Government exports often end with a 合计 (total) row: refused, not a record."""
    _write(zone, _csv(patent(app=A[0]), patent(app=A[1])) + "合计,2,,,,,,,,,\n")
    s = _stage(zone)
    assert s.result.staged == 2
    assert list(s.quarantine.application_no) == ["合计"]


def test_nul_and_control_characters_are_dropped_from_values_raw_keeps_them(zone):
    _write(zone, _csv(patent(app=A[0], holder="烟台\x00某\x07公司")))
    s = _stage(zone)
    assert list(s.stg.holder) == ["烟台某公司"]
    assert "\x00" in s.raw.holder[0]


def test_file_name_with_a_newline_is_shown_on_one_line(zone):
    _write(zone, _csv(patent(app=A[0])), name="a\nb.csv")
    s = _stage(zone)
    assert list(s.stg._source_file) == ["patents/a\\nb.csv"]


def test_header_only_file_among_others_adds_nothing(zone):
    _write(zone, _csv(patent(app=A[0])))
    _write(zone, _csv(), name="b.csv")
    s = _stage(zone)
    assert s.result.staged == 1 and [d["rows"] for d in s.result.file_details] == [1, 0]


@pytest.mark.parametrize("population,value", [("－5000", -5000), ("−5000", None), ("５０００", 5000)])
def test_population_with_a_full_width_or_unicode_minus_fails_the_blocking_check(zone, population, value):
    """A negative population sneaked in with a full-width minus (NFKC makes it '-') or read as
    text with U+2212 (not a number: NULL) is never a denominator: the blocking check stops the
    run naming the table and the rule."""
    from ip_pipeline.defs.quality_checks import run_table_check
    from ip_pipeline.defs.resources import Warehouse

    (zone.landing / "reference/population.csv").write_text(
        f"year,district_code,population\n2020,370602,900000\n2020,370611,{population}\n", encoding="utf-8"
    )
    _write(zone, _csv(patent(app=A[0])))
    zone.stage("patents")
    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        got = con.execute("SELECT population FROM stg_population WHERE district_code = '370611'").fetchall()[
            0
        ][0]
    finally:
        con.close()
    assert got == value
    result = run_table_check("stg_population", Warehouse(home=str(zone.root)), use_cache=False)
    if value is not None and value > 0:
        assert result.passed, result.message
        return
    assert not result.passed and result.severity == "ERROR"
    rule = "population is positive" if value is not None else "population is required (not null)"
    assert "stg_population" in result.message and rule in result.message, result.message


def test_symlink_to_a_file_inside_the_landing_zone_is_read_but_one_outside_is_refused(zone, tmp_path):
    _write(zone, _csv(patent(app=A[0])), name="real.csv")
    os.symlink(zone.landing / "patents" / "real.csv", zone.landing / "patents" / "zlink.csv")
    s = _stage(zone)
    assert s.result.staged == 1 and s.result.duplicates == 1
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text(_csv(patent(app=A[1])), encoding="utf-8")
    os.symlink(outside, zone.landing / "patents" / "zz.csv")
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == "patents/zz.csv" and "outside the landing zone" in err.value.problem


def test_zero_width_joiner_inside_an_emoji_is_kept(zone):
    """Only meaningless invisible characters are dropped: the joiner of 👩‍🔬 stays."""
    _write(zone, _csv(patent(app=A[0], holder="烟台👩\u200d🔬实验室\u200b")))
    assert list(_stage(zone).stg.holder) == ["烟台👩\u200d🔬实验室"]
