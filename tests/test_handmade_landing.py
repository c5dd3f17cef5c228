"""A landing zone written by hand in the real export formats (tests/fixtures/handmade_landing/,
see its README), run end to end through the bulletin. Every expected number below is worked out
from the rows of the files, not from the pipeline or the sample generator: the arithmetic is in
the comments. As-of date D = 2025-12-31 (one month, December 2025)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.cli.main import main
from ip_pipeline.report import build_report

FIXTURE = Path(__file__).parent / "fixtures" / "handmade_landing"
D = date(2025, 12, 31)
CITY = "370600"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("handmade")
    shutil.copytree(FIXTURE, home / "landing")
    assert main(["backfill", "--home", str(home), "--from", "2025-12", "--to", "2025-12"]) == 0
    return home


def test_every_file_is_read_and_the_counts_reconcile(home, capsys):
    capsys.readouterr()
    assert main(["reconcile", "--home", str(home), "--format", "json"]) == 0
    got = {r["source"]: r for r in json.loads(capsys.readouterr().out)}
    expected = {
        # patents: cnipa_search_export.csv (GB18030, 5 rows) is read before incopat_export_2026-12.csv
        # (12 rows): 17 rows. The incoPat file repeats 201410231001.7 word for word (1 duplicate).
        # 201910633003.1 is in both files with different holders (丙食品股份 / 丙食品): the later
        # file's row wins, the CNIPA row is quarantined conflicting_duplicate. incoPat also has
        # 申请日 2019-13-45 (bad_date), 2099-01-05 (future_date) and a 失效 patent without 失效日
        # (missing:lapse_date). 17 − 1 duplicate − 4 quarantined = 12 staged.
        "patents": (
            17,
            12,
            4,
            1,
            {
                "bad_date:filing_date": 1,
                "future_date:filing_date": 1,
                "missing:lapse_date": 1,
                "conflicting_duplicate": 1,
            },
        ),
        # overseas_grants: 5 rows, US11234567B2 twice, identical: 4 staged.
        "overseas_grants": (5, 4, 0, 1, {}),
        # trademarks (商标局, GB18030): 10 rows; 10000001 twice, identical (1 duplicate);
        # 申请日期 2015年13月01日 (bad_date): 10 − 1 − 1 = 8 staged.
        "trademarks": (10, 8, 1, 1, {"bad_date:filing_date": 1}),
        # pledges: 5 rows; 质押金额 "12,5" is not a number (bad_number): 4 staged.
        "pledges": (5, 4, 1, 0, {"bad_number:amount_wan": 1}),
        # enforcement: 7 cases, all valid (审级 and 案件性质 come from the case numbers): 7 staged.
        "enforcement": (7, 7, 0, 0, {}),
        # transfers: gazette EE01 (3 licences) + TR01 (2 transfers): 5 staged.
        "transfers": (5, 5, 0, 0, {}),
        "awards": (2, 2, 0, 0, {}),
        # enterprises: 6 rows; 认定日 2025/02/30 does not exist (bad_date): 5 staged.
        "enterprises": (6, 5, 1, 0, {"bad_date:certified_date": 1}),
        # survey: 5 responses; 调查日期 2025.13.01 (bad_date): 4 staged.
        "survey": (5, 4, 1, 0, {"bad_date:survey_date": 1}),
    }
    for source, (raw, staged, quarantined, duplicates, reasons) in expected.items():
        r = got[source]
        assert (r["raw"], r["staged"], r["quarantined"], r["duplicates"]) == (
            raw,
            staged,
            quarantined,
            duplicates,
        ), source
        assert r["reasons"] == reasons, source
        assert r["reconciles"], source


def test_scope_and_units_from_the_real_headers(home):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        # patents: 12 staged, one outside Yantai (青岛辛科技: 申请人省市代码 370202, 中国申请人地市 青岛市).
        assert con.execute(
            "SELECT count(*) FILTER (WHERE in_scope), count(*) FILTER (WHERE NOT in_scope) FROM stg_patents"
        ).fetchone() == (11, 1)
        units = dict(con.execute("SELECT application_no, district_code FROM stg_patents").fetchall())
        assert (
            units["2014102310017"] == "370602"
        )  # incoPat 中国申请人区县 芝罘区 (省市代码 37 only says Shandong)
        assert units["2012104110213"] == "370681"  # CNIPA 国省代码 370681 龙口市
        assert units["2015108220926"] == "370602"  # the 12-digit CNIPA number, its check digit added
        # an incoPat 发明授权 row without 授权公告日 is granted on its 公开（公告）日
        assert con.execute(
            "SELECT grant_date FROM stg_patents WHERE application_no = '2022109880092'"
        ).fetchone()[0] == date(2022, 8, 9)
        # the CNIPA lapse date is the last event of 法律状态 (2023.05.10 未缴年费终止)
        assert con.execute(
            "SELECT lapse_date FROM stg_patents WHERE application_no = '2016105220223'"
        ).fetchone()[0] == date(2023, 5, 10)
        # 商标局: 专用权期限 "…至2025年12月31日" is the expiry date; 威海 registrant out of scope
        assert con.execute(
            "SELECT expiry_date FROM stg_trademarks WHERE registration_no = '10000011'"
        ).fetchone()[0] == date(2025, 12, 31)
        assert (
            con.execute("SELECT in_scope FROM stg_trademarks WHERE registration_no = '10000006'").fetchone()[
                0
            ]
            is False
        )
        # gazette records without addresses take their scope from the patent they name: 201410231001.7 is in
        # 芝罘区; 202210988009.2 is in Qingdao and 202310900099.X is in no staged table: both out of scope.
        scope = dict(con.execute("SELECT record_no, in_scope FROM stg_transfers").fetchall())
        assert scope == {
            "X2025370000011": True,
            "X2025370000012": False,
            "X2025370000013": False,
            "ZL201810512002.7@2025-08-08": True,
            "ZL201210411021.3@2024-06-06": True,
        }
    finally:
        con.close()


def value(home: Path, indicator_id: str, district: str = CITY):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT value, numerator, denominator, flags FROM indicator_values "
            "WHERE indicator_id = ? AND as_of = ? AND district_code = ?",
            [indicator_id, D, district],
        ).fetchone()
    finally:
        con.close()


def test_indicator_values_worked_out_by_hand(home):
    # High-value invention patents in force on D, in Yantai (sei_ipc: H01M, G06N3/, B33Y, H04W, C12N15/, C01B32/;
    # D − 10 years = 2015-12-31):
    #   201410231001.7  H01M (SEI), filed 2014 (maintained > 10 y)            yes
    #   201810512002.7  pledge Y2024370000001 of 1,200 万元 ≥ 1,000            yes
    #   201910633003.1  中国专利优秀奖 2023                                      yes
    #   202010744004.6  EP3456789B1 (2024-05-06) names it as its CN family     yes
    #   201210411021.3  filed 2012 (maintained)                                yes
    #   201510822092    filed 2015-06-30 < 2015-12-31 (maintained)             yes
    #   201710355005.X  lapsed 2024-06-01; 202111066006.5 pending; 201920577007.8 and 201820633023.X utility
    #   models; 201610522022.3 lapsed 2023-05-10; 202210988009.2 in Qingdao                       no
    # 6 patents / 7,000,000 residents (population.csv, 370600 in 2025) × 10,000 = 0.0085714…
    v, n, d, flags = value(home, "hv_patents_per_10k")
    assert (n, d) == (6, 7_000_000) and v == pytest.approx(6 / 7_000_000 * 10_000)
    assert value(home, "hv_patents_per_10k", "370602")[1] == 2  # 201410231001.7 and 201510822092 in 芝罘区
    # Valid trademarks on D: 10000001 (to 2033), 10000002 (renewed, to 2026-04-13), G1234567 (to 2029) and
    # 10000011 (to 2025-12-31: the last day still counts) = 4; not 10000003 (期满未续展), 10000005 (pending),
    # 10000008 (驳回), 10000006 (威海). 4 / 10,000 = 0.0004 万件.
    assert value(home, "valid_trademarks")[:2] == (pytest.approx(0.0004), 4)
    # Overseas invention grants in 2025, in scope: US11234567B2 (2025-03-03) = 1; JP7123456B2 is held in
    # Shanghai, KR202345678U is a utility model, EP3456789B1 was granted in 2024.
    assert value(home, "overseas_invention_grants")[:2] == (1, 1)
    # Pledges in 2025: Y2025370000002 (500) and Y2025370000003 (2,000.5; a trademark pledge counts too) = 2,
    # 2,500.5 万元; the "12,5" row is quarantined. Base year 2020: Y2020370000005 (300, released later: still
    # counted) = 1. Count growth (2 / 1)^(1/5) − 1 = 14.87 %; amount (2500.5 / 300)^(1/5) − 1 = 52.82 %.
    assert value(home, "pledge_count")[:2] == (2, 2)
    assert value(home, "pledge_amount_wan")[0] == pytest.approx(2500.5)
    assert value(home, "pledge_count_cagr")[0] == pytest.approx((2**0.2 - 1) * 100)
    assert value(home, "pledge_amount_cagr")[0] == pytest.approx(((2500.5 / 300) ** 0.2 - 1) * 100)
    # Transfers and licences in 2025, in scope: X2025370000011 (licence of 201410231001.7, 芝罘区) and the
    # transfer of 201810512002.7 on 2025-08-08 (new holder in 莱山区) = 2; 2024: the transfer of
    # 201210411021.3 = 1. Growth from the base year 2024: (2 / 1)^(1/1) − 1 = 100 %.
    assert value(home, "ip_transfer_licence_count")[:2] == (2, 2)
    assert value(home, "ip_transfer_licence_cagr")[0] == pytest.approx(100.0)
    # Civil first-instance cases closed in 2025 (民初 / 知民初): 101 (是), 102 (否), 103 (是) → 2 / 3;
    # 104 has 服判息诉 blank (left out, unknown_outcome:1); 鲁民终201 is second instance; the administrative
    # case and the 2024 case do not count.
    v, n, d, flags = value(home, "civil_first_instance_acceptance_rate")
    assert (n, d) == (2, 3) and v == pytest.approx(200 / 3) and "unknown_outcome:1" in flags
    # Enterprises valid on D: 贯标 91370611… (to 2026-05-31) = 1 (91370602… ended 2024-04-30);
    # 市优势企业 91370613… (no end) and 91370612… (2025-06-30, no end) = 2 (91370681… ended 2025-12-30).
    # Newly cultivated since the base year 2024: first certified in 2025 — 91370612… and 91370681… = 2.
    assert value(home, "gbt29490_enterprises")[0] == 1
    assert value(home, "city_advantage_enterprises")[0] == 2
    assert value(home, "new_city_advantage_enterprises")[0] == 2
    # Survey 2025: (80·1 + 90·2 + 70·1) / (1 + 2 + 1) = 330 / 4 = 82.5 from 3 responses (small_sample);
    # satisfaction.csv publishes 84.3 for 2025: that is the value.
    v, n, d, flags = value(home, "ip_protection_satisfaction_survey")
    assert (v, n, d) == (
        pytest.approx(82.5),
        pytest.approx(330),
        pytest.approx(4),
    ) and "small_sample" in flags
    assert value(home, "ip_protection_satisfaction")[0] == pytest.approx(84.3)
    # economy.csv 2025: 1,178 / 9,500 × 100 = 12.4 %.
    assert value(home, "patent_intensive_va_share")[0] == pytest.approx(12.4)


def test_the_bulletin_is_built(home):
    built = build_report(home, "2025-12", lang="en", record=False)
    assert built.pdf.is_file() and built.xlsx.is_file()
