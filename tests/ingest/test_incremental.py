"""Staging by content: a file already parsed is not parsed again, and a snapshot staged from the
kept parts plus a new file equals a full reload of the same files, row by row; the
`source_changes` row written with it bounds what changed (docs/WAREHOUSE.md)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from ip_pipeline.db import connect
from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import stage_source

from .conftest import DISTRICTS, PATENT_HEADER, app_no, patent, write_csv, write_reference

TABLES = ("raw_patents", "stg_patents", "quarantine_patents")


def _rows(con, table: str) -> list[tuple]:
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]
    order = ", ".join(f'"{c}"' for c in cols)
    return [tuple(r) for r in con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()], cols


def _state(warehouse: Path) -> dict:
    con = connect(warehouse, read_only=True)
    try:
        out = {t: _rows(con, t) for t in TABLES}
        out["snapshot"] = con.execute(
            "SELECT snapshot_at, fingerprint, files, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
            "FROM source_snapshots WHERE source = 'patents'"
        ).fetchall()
        return out
    finally:
        con.close()


def _stage(landing: Path, warehouse: Path):
    con = connect(warehouse)
    try:
        stage_reference(con, landing)
        return stage_source(con, load_contract("patents"), landing)
    finally:
        con.close()


def _changes(warehouse: Path) -> list[tuple]:
    con = connect(warehouse, read_only=True)
    try:
        return con.execute(
            "SELECT source, fingerprint, previous_fingerprint, earliest_date, full_change, changed_rows "
            "FROM source_changes WHERE source = 'patents' ORDER BY recorded_at, changed_rows"
        ).fetchall()
    finally:
        con.close()


def _first_day(n: int) -> list[list]:
    rows = []
    for i in range(n):
        status, lapsed = ("失效", "2023-04-01") if i % 7 == 0 else ("有效", "")
        rows.append(
            patent(
                app=app_no(2021, 1, 1000 + i),
                filed=f"2021-{1 + i % 12:02d}-1{i % 9}",
                granted=f"2022-{1 + i % 12:02d}-0{1 + i % 9}",
                status=status,
                lapsed=lapsed,
                address=[
                    "山东省烟台市莱山区港城大道1号",
                    "山东省烟台市芝罘区南大街2号",
                    "北京市海淀区中关村1号",
                ][i % 3],
            )
        )
    rows.append(patent(app=app_no(2021, 1, 1000), filed="2021-01-10"))  # a conflicting duplicate in one file
    rows.append(
        patent(app=app_no(2021, 1, 1001), filed="2021-02-11", granted="2022-02-02")
    )  # an identical-ish one
    rows.append(patent(app=app_no(2021, 1, 9999), filed="2021-13-40"))  # bad_date -> quarantine
    return rows


def _next_day() -> list[list]:
    return [
        # revisions of earlier rows: the same keys, newer data (a lapse recorded late, a late grant)
        patent(
            app=app_no(2021, 1, 1003),
            filed="2021-04-13",
            granted="2022-04-04",
            status="失效",
            lapsed="2019-06-30",
        ),
        patent(
            app=app_no(2021, 1, 1005), filed="2021-06-15", granted="2022-06-06", holder="烟台新权利人有限公司"
        ),
        # new rows
        patent(app=app_no(2024, 1, 1), filed="2024-03-01", granted=""),
        patent(app=app_no(2024, 2, 2), ptype="实用新型", filed="2024-03-02", granted="2024-09-01"),
        patent(app=app_no(2024, 1, 3), filed="2024-99-01"),  # quarantined
    ]


def test_a_delta_staged_from_kept_parts_equals_a_full_reload(tmp_path: Path):
    inc, full = tmp_path / "inc", tmp_path / "full"
    landing = tmp_path / "landing"
    write_reference(landing)
    write_csv(landing / "patents" / "2024-01-01.csv", PATENT_HEADER, _first_day(40))
    first = _stage(landing, inc / "warehouse.duckdb")
    assert first.reused_files == 0
    kept = sorted(p.name for p in (inc / "cache" / "parts" / "patents").rglob("*.parquet"))
    assert len(kept) == 2  # raw and normalised rows of the one file

    write_csv(landing / "patents" / "2024-01-02.csv", PATENT_HEADER, _next_day())
    delta = _stage(landing, inc / "warehouse.duckdb")
    assert delta.status == "loaded" and delta.reused_files == 1  # the first file is not parsed again
    # nor typed and resolved again: only the new file's rows are
    assert (first.typed_rows, first.kept_typed_rows) == (first.raw, 0)
    assert (delta.typed_rows, delta.kept_typed_rows) == (len(_next_day()), first.raw)
    assert delta.resolved_rows == len(_next_day())

    reload = _stage(landing, full / "warehouse.duckdb")  # another data directory: nothing kept, all read
    assert reload.reused_files == 0
    a, b = _state(inc / "warehouse.duckdb"), _state(full / "warehouse.duckdb")
    for t in TABLES:
        assert a[t][1] == b[t][1], t  # same columns, same order
        assert a[t][0] == b[t][0], t  # same rows, value for value
    assert a["snapshot"] == b["snapshot"]
    assert (delta.raw, delta.staged, delta.quarantined, delta.duplicates, delta.reasons) == (
        reload.raw,
        reload.staged,
        reload.quarantined,
        reload.duplicates,
        reload.reasons,
    )
    assert [d | {"file": d["file"]} for d in delta.file_details] == reload.file_details
    assert delta.formats == reload.formats
    # the later file's revision wins, as in a full reload
    con = connect(inc / "warehouse.duckdb", read_only=True)
    try:
        status, lapse, src = con.execute(
            "SELECT legal_status, lapse_date, _source_file FROM stg_patents WHERE application_no = ?",
            [app_no(2021, 1, 1003)],
        ).fetchall()[0]
    finally:
        con.close()
    assert (status, lapse, src) == ("lapsed", date(2019, 6, 30), "patents/2024-01-02.csv")

    # source_changes: the first load is a full change; the delta is bounded by the earliest date
    # of the changed rows, old and new versions (the revised lapse: 2019-06-30)
    changes = _changes(inc / "warehouse.duckdb")
    assert len(changes) == 2
    src, fp0, prev0, _, full0, rows0 = changes[0]
    assert (prev0, full0, rows0) == (None, True, first.staged)
    src, fp1, prev1, earliest, full1, rows1 = changes[1]
    assert (fp1, prev1, full1) == (delta.fingerprint, first.fingerprint, False)
    assert rows1 == 2 * 2 + 2  # two revised rows (old and new version each) and two added ones
    assert earliest == date(2019, 6, 30)


def test_a_removed_file_and_a_renamed_copy_reuse_the_kept_rows(tmp_path: Path):
    inc, full = tmp_path / "inc", tmp_path / "full"
    landing = tmp_path / "landing"
    write_reference(landing)
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, _first_day(150))  # b.csv < max_shrink
    write_csv(landing / "patents" / "b.csv", PATENT_HEADER, _next_day())
    _stage(landing, inc / "warehouse.duckdb")
    # b.csv goes; a.csv is now known as c.csv (same bytes): nothing to read
    (landing / "patents" / "b.csv").unlink()
    os.rename(landing / "patents" / "a.csv", landing / "patents" / "c.csv")
    again = _stage(landing, inc / "warehouse.duckdb")
    assert again.status == "loaded" and again.reused_files == 1
    _stage(landing, full / "warehouse.duckdb")
    a, b = _state(inc / "warehouse.duckdb"), _state(full / "warehouse.duckdb")
    for t in TABLES:
        assert a[t] == b[t], t
    # only the parts of the loaded snapshot are kept
    assert len(list((inc / "cache" / "parts" / "patents").rglob("*.parquet"))) == 2
    changes = _changes(inc / "warehouse.duckdb")
    # b's rows are gone (their old versions changed) and the revised ones fall back to a.csv's
    assert changes[-1][4] is False and changes[-1][5] > 0


def test_an_unchanged_row_set_records_no_change(tmp_path: Path):
    """A file split in two (the same rows): a new fingerprint, no staged row changed."""
    landing = tmp_path / "landing"
    write_reference(landing)
    rows = _first_day(20)[:20]
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, rows)
    _stage(landing, tmp_path / "warehouse.duckdb")
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, rows[:10])
    write_csv(landing / "patents" / "b.csv", PATENT_HEADER, rows[10:])
    r = _stage(landing, tmp_path / "warehouse.duckdb")
    assert r.status == "loaded"
    last = _changes(tmp_path / "warehouse.duckdb")[-1]
    assert (last[3], last[4], last[5]) == (None, False, 0)


def test_rows_without_dates_and_the_reference_tables_are_full_changes(tmp_path: Path, zone_factory=None):
    landing = tmp_path / "landing"
    write_reference(landing)
    write_csv(
        landing / "awards" / "a.csv",
        ["申请号", "奖项", "年度"],
        [[app_no(2021, 1, 1000), "中国专利金奖", "2023"]],
    )
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        stage_reference(con, landing)
        stage_source(con, load_contract("awards"), landing)
        write_csv(
            landing / "awards" / "b.csv",
            ["申请号", "奖项", "年度"],
            [[app_no(2021, 1, 1001), "中国专利银奖", "2024"]],
        )
        stage_source(con, load_contract("awards"), landing)
        awards = con.execute(
            "SELECT full_change, changed_rows, earliest_date FROM source_changes "
            "WHERE source = 'awards' ORDER BY recorded_at"
        ).fetchall()
        ref = con.execute(
            "SELECT full_change, previous_fingerprint FROM source_changes WHERE source = 'reference'"
        ).fetchall()
    finally:
        con.close()
    assert awards[-1] == (True, 1, None)  # awards have no DATE column: cannot be bounded
    assert ref == [(True, None)]


PLEDGE_HEADER = [
    "登记号",
    "质押类型",
    "登记日",
    "出质人",
    "出质人地址",
    "行政区划代码",
    "质权人",
    "涉及专利/商标号",
    "状态",
]


def test_kept_parts_keep_each_files_amount_scale(tmp_path: Path):
    """A file in 元 and one in 万元: the kept rows of the first are scaled as when it is read."""
    inc, full = tmp_path / "inc", tmp_path / "full"
    landing = tmp_path / "landing"
    write_reference(landing)
    rows = [
        [
            f"ZX{i:04d}",
            "专利",
            f"2023-05-0{1 + i % 9}",
            "烟台某公司",
            "山东省烟台市莱山区1号",
            "",
            "某银行",
            app_no(2021, 1, 1000 + i),
            "生效",
        ]
        for i in range(30)
    ]
    write_csv(
        landing / "pledges" / "a.csv",
        PLEDGE_HEADER + ["质押金额(元)"],
        [r + [str(1_000_000 + i)] for i, r in enumerate(rows)],
    )
    con = connect(inc / "warehouse.duckdb")
    try:
        stage_reference(con, landing)
        stage_source(con, load_contract("pledges"), landing)
        write_csv(
            landing / "pledges" / "b.csv",
            PLEDGE_HEADER + ["质押金额(万元)"],
            [["ZX0003", *rows[3][1:], "250"], ["ZX9999", *rows[4][1:], "12.5"]],
        )
        r = stage_source(con, load_contract("pledges"), landing)
        assert r.reused_files == 1
        got = con.execute("SELECT * FROM stg_pledges ORDER BY registration_no").fetchall()
        amount = dict(con.execute("SELECT registration_no, amount_wan FROM stg_pledges").fetchall())
    finally:
        con.close()
    con = connect(full / "warehouse.duckdb")
    try:
        stage_reference(con, landing)
        stage_source(con, load_contract("pledges"), landing)
        want = con.execute("SELECT * FROM stg_pledges ORDER BY registration_no").fetchall()
    finally:
        con.close()
    assert got == want
    assert amount["ZX0000"] == 100.0 and amount["ZX0003"] == 250.0  # 1,000,000 元 = 100 万元


def test_a_revision_of_dates_only_is_bounded_by_the_dates_that_changed(tmp_path: Path):
    """A lapse recorded late (only lapse_date moves, the status was already lapsed): the change
    starts at the earlier of the old and new lapse date, not at the filing date."""
    landing = tmp_path / "landing"
    write_reference(landing)
    rows = [
        patent(
            app=app_no(2012, 1, 100 + i),
            filed="2012-03-01",
            granted="2014-05-01",
            status="失效",
            lapsed="2025-01-31",
        )
        for i in range(30)
    ]
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, rows)
    _stage(landing, tmp_path / "warehouse.duckdb")
    write_csv(
        landing / "patents" / "b.csv",
        PATENT_HEADER,
        [
            patent(
                app=app_no(2012, 1, 100),
                filed="2012-03-01",
                granted="2014-05-01",
                status="失效",
                lapsed="2024-11-30",
            )
        ],
    )
    _stage(landing, tmp_path / "warehouse.duckdb")
    last = _changes(tmp_path / "warehouse.duckdb")[-1]
    assert (last[3], last[4], last[5]) == (date(2024, 11, 30), False, 2)
    # another column changing too: every date of the row bounds it (here its filing)
    write_csv(
        landing / "patents" / "c.csv",
        PATENT_HEADER,
        [
            patent(
                app=app_no(2012, 1, 101),
                filed="2012-03-01",
                granted="2014-05-01",
                status="失效",
                lapsed="2025-01-31",
                holder="烟台另一家公司",
            )
        ],
    )
    _stage(landing, tmp_path / "warehouse.duckdb")
    last = _changes(tmp_path / "warehouse.duckdb")[-1]
    assert (last[3], last[4], last[5]) == (date(2012, 3, 1), False, 2)


def _district_rows(n: int) -> list[list]:
    """Rows by what districts.csv they depend on: an old code of 蓬莱 (370684), an address in
    蓬莱区, one in 芝罘区, one outside Yantai."""
    rows = []
    for i in range(n):
        kind = i % 4
        rows.append(
            patent(
                app=app_no(2022, 1, 2000 + i),
                filed=f"2022-{1 + i % 12:02d}-1{i % 9}",
                code="370684" if kind == 0 else "",
                address=[
                    "山东省烟台市莱山区港城大道1号",
                    "山东省烟台市蓬莱区登州路1号",
                    "山东省烟台市芝罘区南大街2号",
                    "北京市海淀区中关村1号",
                ][kind],
            )
        )
    return rows


def test_a_districts_change_resolves_again_only_the_rows_that_name_what_changed(tmp_path: Path):
    inc, full = tmp_path / "inc", tmp_path / "full"
    landing = tmp_path / "landing"
    write_reference(landing)
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, _district_rows(40))
    write_csv(landing / "patents" / "b.csv", PATENT_HEADER, _district_rows(44)[40:])
    first = _stage(landing, inc / "warehouse.duckdb")
    assert (first.typed_rows, first.resolved_rows) == (44, 44)

    # 370684, 蓬莱's old code, now read as 龙口市's (the rows of 蓬莱区 and 龙口市 change in the table)
    moved = DISTRICTS.replace("蓬莱市;长岛县;370684;370634", "蓬莱市;长岛县;370634").replace(
        "county_city,龙口", "county_city,龙口;370684"
    )
    assert moved != DISTRICTS
    (landing / "reference" / "districts.csv").write_text(moved, encoding="utf-8")
    again = _stage(landing, inc / "warehouse.duckdb")
    assert again.status == "loaded" and again.reused_files == 2
    assert (again.typed_rows, again.kept_typed_rows) == (0, 44)  # nothing typed again
    # resolved again: the rows with the code 370684 and the addresses naming 蓬莱区, no other
    assert again.resolved_rows == sum(1 for i in range(44) if i % 4 in (0, 1))

    reload = _stage(landing, full / "warehouse.duckdb")
    assert reload.typed_rows == 44
    a, b = _state(inc / "warehouse.duckdb"), _state(full / "warehouse.duckdb")
    for t in TABLES:
        assert a[t] == b[t], t
    con = connect(inc / "warehouse.duckdb", read_only=True)
    try:
        units = dict(
            con.execute(
                "SELECT application_no, district_code FROM stg_patents WHERE application_no IN (?, ?)",
                [app_no(2022, 1, 2000), app_no(2022, 1, 2001)],
            ).fetchall()
        )
    finally:
        con.close()
    assert units == {app_no(2022, 1, 2000): "370681", app_no(2022, 1, 2001): "370614"}

    quiet = _stage(landing, inc / "warehouse.duckdb")
    assert quiet.status == "unchanged"


def test_a_file_with_a_date_after_the_load_date_is_typed_again_each_load(tmp_path: Path):
    """Tomorrow that date is no longer in the future: its file's rows are judged anew."""
    landing = tmp_path / "landing"
    write_reference(landing)
    write_csv(landing / "patents" / "a.csv", PATENT_HEADER, _district_rows(8))
    write_csv(
        landing / "patents" / "b.csv", PATENT_HEADER, [patent(app=app_no(2024, 1, 7), filed="2099-01-01")]
    )
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        stage_reference(con, landing)
        first = stage_source(con, load_contract("patents"), landing)
        assert first.reasons == {"future_date:filing_date": 1}
        again = stage_source(con, load_contract("patents"), landing, force=True)
    finally:
        con.close()
    assert (again.typed_rows, again.kept_typed_rows) == (1, 8)
    assert again.reasons == first.reasons


def _candidate_after_day_two(tmp_path: Path):
    from ip_pipeline.ingest.staging import stage_candidate

    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_reference(landing)
    write_csv(landing / "patents" / "2024-01-01.csv", PATENT_HEADER, _first_day(40))
    _stage(landing, warehouse)
    write_csv(landing / "patents" / "2024-01-02.csv", PATENT_HEADER, _next_day())
    con = connect(warehouse)
    stage_reference(con, landing)
    return con, stage_candidate(con, load_contract("patents"), landing)


def test_publishing_reads_the_changes_its_staging_found_unless_the_published_snapshot_moved(tmp_path: Path):
    """The candidate's staging compares it with the published table once; publishing reads those
    changed rows back (no second comparison of both tables) only while that snapshot is the
    published one, and compares again when another was published in between."""
    from ip_pipeline.ingest.changes import changes_file, changes_table, diff_before_publish
    from ip_pipeline.ingest.staging import candidate_table, publish

    counts = {}
    for case in ("as staged", "moved"):
        con, result = _candidate_after_day_two(tmp_path / case)
        try:
            target = changes_file(tmp_path / case, "patents", result.fingerprint)
            assert target.is_file() and target.with_name(target.name + ".against").is_file()
            if case == "moved":  # another snapshot published meanwhile: one row fewer
                con.execute("UPDATE source_snapshots SET fingerprint = 'another' WHERE source = 'patents'")
                con.execute(f"DELETE FROM stg_patents WHERE application_no = '{app_no(2021, 1, 1010)}'")
            diff_before_publish(con, "patents", f"SELECT * FROM {candidate_table('stg', 'patents')}")
            expected = con.execute(f"SELECT count(*) FROM {changes_table('patents')}").fetchone()[0]
            con.execute(f"DROP TABLE {changes_table('patents')}")
            publish(con, load_contract("patents"), result)
            counts[case] = (result.change["changed_rows"], expected)
        finally:
            con.close()
    assert counts["as staged"][0] == counts["as staged"][1] > 0
    # the row deleted in between comes back: the comparison was made again
    assert counts["moved"][0] == counts["moved"][1] == counts["as staged"][0] + 1
