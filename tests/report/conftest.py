"""A small warehouse built in the test: the tables the report reads, with the columns of docs/WAREHOUSE.md.

Numbers are plausible, not real: the city grows along smooth paths from the
2020 base, districts share the city totals, a few values carry flags, and an
enforcement quarantine row holds a personal name the report must never print.
"""

from __future__ import annotations

import calendar
import math
import random
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

CITY = "370600"
PERSONAL_NAME = "欧阳明珠"
PERSONAL_NAME_EN = "Ouyang Mingzhu"
PLAN_ID = "yantai_ip_14th_fyp"

DISTRICTS = [
    ("370602", "芝罘区", "Zhifu", "district", 870_000),
    ("370611", "福山区", "Fushan", "district", 420_000),
    ("370612", "牟平区", "Muping", "district", 410_000),
    ("370613", "莱山区", "Laishan", "district", 390_000),
    ("370614", "蓬莱区", "Penglai", "district", 450_000),
    ("370681", "龙口市", "Longkou", "county_city", 690_000),
    ("370682", "莱阳市", "Laiyang", "county_city", 780_000),
    ("370683", "莱州市", "Laizhou", "county_city", 810_000),
    ("370685", "招远市", "Zhaoyuan", "county_city", 560_000),
    ("370686", "栖霞市", "Qixia", "county_city", 510_000),
    ("370687", "海阳市", "Haiyang", "county_city", 590_000),
    ("370671", "烟台高新技术产业开发区", "Yantai Hi-tech Zone", "zone", 190_000),
    ("370672", "烟台经济技术开发区", "Yantai Economic and Technological Development Area", "zone", 430_000),
    ("370699", "未定位", "Unlocated", "unlocated", None),
]
WEIGHTS = [1.6, 0.8, 0.6, 1.2, 0.7, 1.3, 0.5, 0.9, 0.8, 0.4, 0.5, 1.9, 1.4, 0.15]


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def months(first: str, last: str) -> list[date]:
    y, m = (int(p) for p in first.split("-"))
    ly, lm = (int(p) for p in last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(month_end(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def years_since_base(d: date) -> float:
    return (d - date(2020, 12, 31)).days / 365.25


# -- indicator_values -------------------------------------------------------------
def _city_value(ind: str, d: date) -> float:
    t = years_since_base(d)
    ytd = d.month / 12
    return {
        "hv_patents_per_10k": 4.06 * 1.19**t,
        "overseas_invention_grants": round((150 + 25 * t) * ytd),
        "valid_trademarks": 10.6 * 1.045**t,
        "pledge_count_cagr": 24.0 + 2.0 * math.sin(t),
        "pledge_amount_cagr": 33.0 + 1.5 * math.cos(t),
        "patent_intensive_va_share": 9.1 + 0.45 * math.floor(t),
        "ip_protection_satisfaction": 80.5 + 0.7 * t,
        "gbt29490_enterprises": round(210 + 38 * t),
        "city_advantage_enterprises": round(60 + 9 * t),
        "pledge_count": round((120 + 30 * t) * ytd),
        "pledge_amount_wan": round((80000 + 21000 * t) * ytd),
        "ip_protection_satisfaction_survey": 80.0 + 0.6 * t,
    }[ind]


CITY_ONLY = {
    "patent_intensive_va_share",
    "ip_protection_satisfaction",
    "ip_protection_satisfaction_survey",
    "pledge_count_cagr",
    "pledge_amount_cagr",
}
UNITS = {
    "hv_patents_per_10k": "件",
    "overseas_invention_grants": "件",
    "valid_trademarks": "万件",
    "pledge_count_cagr": "%",
    "pledge_amount_cagr": "%",
    "patent_intensive_va_share": "%",
    "ip_protection_satisfaction": "分",
    "gbt29490_enterprises": "家",
    "city_advantage_enterprises": "家",
    "pledge_count": "件",
    "pledge_amount_wan": "万元",
    "ip_protection_satisfaction_survey": "分",
}


def indicator_values(dates: list[date]) -> pd.DataFrame:
    rows = []
    pop_city = sum(p for *_, p in DISTRICTS if p)
    wsum = sum(WEIGHTS)
    for d in dates:
        for ind in UNITS:
            v = _city_value(ind, d)
            flags = []
            if ind == "hv_patents_per_10k" and d.year == 2025:
                flags = ["provisional_denominator"]
            if ind == "patent_intensive_va_share" and d.year == 2025:
                flags = ["lagged:2024"]
            if ind == "ip_protection_satisfaction" and d.month <= 2:
                flags = ["small_sample"]
            if ind == "hv_patents_per_10k":
                num = round(v * pop_city / 10000)
                rows.append((ind, d, CITY, num / pop_city * 10000, num, pop_city, flags))
                for (code, _, _, _, pop), w in zip(DISTRICTS, WEIGHTS):
                    n = round(num * w / wsum)
                    if pop is None:
                        rows.append((ind, d, code, None, n, None, sorted(flags + ["no_population"])))
                    else:
                        # per-capita shares differ by district so the bars are not all equal
                        rows.append((ind, d, code, n / pop * 10000, n, pop, flags))
                continue
            rows.append((ind, d, CITY, v, None, None, flags))
            if ind in CITY_ONLY:
                continue
            for (code, *_), w in zip(DISTRICTS, WEIGHTS):
                share = v * w / wsum
                rows.append(
                    (
                        ind,
                        d,
                        code,
                        round(share, 4) if UNITS[ind] == "万件" else round(share),
                        None,
                        None,
                        flags,
                    )
                )
    df = pd.DataFrame(
        rows, columns=["indicator_id", "as_of", "district_code", "value", "numerator", "denominator", "flags"]
    )
    df["unit"] = df["indicator_id"].map(UNITS)
    df["vintage"] = "2025-07-02 08:00:00"
    return df


# -- indicator_progress (PROGRESS.md, enough to exercise the report) ------------------------
TARGETS = {
    "hv_patents_per_10k": ("level", 10.34, 4.06),
    "overseas_invention_grants": ("level", 280, None),
    "valid_trademarks": ("level", 13.78, 10.6),
    "pledge_count_cagr": ("growth", 30, None),
    "pledge_amount_cagr": ("growth", 30, None),
    "patent_intensive_va_share": ("level", 12, None),
    "ip_protection_satisfaction": ("level", 85, None),
    "gbt29490_enterprises": ("level", 400, None),
    "city_advantage_enterprises": ("level", 120, None),
}
LABELS = {
    "target_achieved": ("已实现目标", "Target achieved"),
    "on_track": ("进度正常", "On track"),
    "needs_acceleration": ("需加快进度", "Needs acceleration"),
    "limited_progress": ("进展有限", "Limited progress"),
    "deterioration": ("出现倒退", "Deterioration"),
    "not_available": ("数据不足", "Insufficient data"),
}


def _score(status: str, r: float | None) -> float | None:
    if status == "target_achieved":
        return 5.0
    if r is None:
        return None
    return min(7.1429 * r - 4.2857, 5) if r >= 0.6 else max(4.1667 * r - 2.5, -5)


def indicator_progress(values: pd.DataFrame) -> pd.DataFrame:
    city = values[values["district_code"] == CITY]
    rows = []
    for ind, (kind, target, base) in TARGETS.items():
        s = city[city["indicator_id"] == ind].sort_values("as_of")
        computed = base is None
        v0 = float(s.iloc[0]["value"]) if computed else base
        for r in s.itertuples():
            dt = years_since_base(r.as_of)
            vt = r.value
            g_req = target / 100 if kind == "growth" else (target / v0) ** (1 / 5) - 1
            g_obs = expected = gap = proj = share = ratio = None
            if kind == "growth":
                g_obs = vt / 100
            elif dt >= 1 and v0 > 0 and vt > 0:
                g_obs = (vt / v0) ** (1 / dt) - 1
            if g_obs is not None and dt >= 1:
                ratio = g_obs / abs(g_req)
            if kind == "level":
                expected = v0 * (1 + g_req) ** dt
                gap = vt - expected
                if g_obs is not None:
                    proj = vt * (1 + g_obs) ** (5 - dt)
                    share = (proj - v0) / (target - v0)
            if ratio is None:
                status = "not_available"
            elif (kind == "level" and vt >= target) or (kind == "growth" and g_obs >= g_req):
                status = "target_achieved"
            elif ratio >= 0.95:
                status = "on_track"
            elif ratio >= 0.6:
                status = "needs_acceleration"
            elif ratio >= 0:
                status = "limited_progress"
            else:
                status = "deterioration"
            rows.append(
                dict(
                    plan_id=PLAN_ID,
                    indicator_id=ind,
                    as_of=r.as_of,
                    district_code=CITY,
                    value=vt,
                    base_year=2020,
                    base_value=v0,
                    base_computed=computed,
                    target_year=2025,
                    target_kind=kind,
                    target_value=float(target),
                    direction=1,
                    delta_t=dt,
                    g_obs=g_obs,
                    g_req=g_req,
                    ratio=ratio,
                    expected_value=expected,
                    gap=gap,
                    projection=proj,
                    projection_share=share,
                    status=status,
                    status_label_zh=LABELS[status][0],
                    status_label_en=LABELS[status][1],
                    score=_score(status, ratio),
                    flags=["computed_base"] if computed else [],
                )
            )
    return pd.DataFrame(rows)


def plan_scores(progress: pd.DataFrame) -> pd.DataFrame:
    p = progress[progress["status"] != "not_available"]
    g = p.groupby("as_of").agg(score=("score", "mean"), indicators_scored=("score", "count")).reset_index()
    g["plan_id"], g["district_code"], g["achieved"] = PLAN_ID, CITY, False
    return g[["plan_id", "as_of", "district_code", "score", "indicators_scored", "achieved"]]


def hv_criteria(values: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    rng = random.Random(7)
    hv = values[(values["indicator_id"] == "hv_patents_per_10k") & (values["district_code"] != CITY)]
    rows = []
    for d in dates:
        for r in hv[hv["as_of"] == d].itertuples():
            for i in range(int(r.numerator)):
                c = [rng.random() < p for p in (0.62, 0.08, 0.31, 0.05, 0.02)]
                if not any(c):
                    c[0] = True
                rows.append((d, f"CN{r.district_code}{i:06d}", r.district_code, *c))
    return pd.DataFrame(
        rows,
        columns=[
            "as_of",
            "application_no",
            "district_code",
            "sei",
            "overseas_family",
            "maintained_10y",
            "pledge_financing",
            "award",
        ],
    )


def build_warehouse(
    home: Path,
    first: str = "2020-12",
    last: str = "2025-06",
    criteria_months: int = 2,
    with_quality_results: bool = False,
) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    dates = months(first, last)
    values = indicator_values(dates)
    progress = indicator_progress(values)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.register("v", values)
        con.execute("""CREATE TABLE indicator_values AS SELECT indicator_id, CAST(as_of AS DATE) AS as_of, district_code,
                       CAST(value AS DOUBLE) AS value, CAST(numerator AS DOUBLE) AS numerator,
                       CAST(denominator AS DOUBLE) AS denominator, unit, CAST(flags AS VARCHAR[]) AS flags, vintage FROM v""")
        con.register("p", progress)
        con.execute("""CREATE TABLE indicator_progress AS SELECT plan_id, indicator_id, CAST(as_of AS DATE) AS as_of,
                       district_code, value, CAST(base_year AS INTEGER) base_year, base_value, base_computed,
                       CAST(target_year AS INTEGER) target_year, target_kind, target_value, CAST(direction AS INTEGER) direction,
                       delta_t, CAST(g_obs AS DOUBLE) g_obs, g_req, CAST(ratio AS DOUBLE) ratio,
                       CAST(expected_value AS DOUBLE) expected_value, CAST(gap AS DOUBLE) gap,
                       CAST(projection AS DOUBLE) projection, CAST(projection_share AS DOUBLE) projection_share, status,
                       status_label_zh, status_label_en, CAST(score AS DOUBLE) score, CAST(flags AS VARCHAR[]) flags FROM p""")
        con.register("s", plan_scores(progress))
        con.execute(
            "CREATE TABLE plan_scores AS SELECT plan_id, CAST(as_of AS DATE) as_of, district_code, score, "
            "CAST(indicators_scored AS INTEGER) indicators_scored, achieved FROM s"
        )
        con.register("c", hv_criteria(values, dates[-criteria_months:]))
        con.execute(
            "CREATE TABLE high_value_patent_criteria AS SELECT CAST(as_of AS DATE) as_of, application_no, district_code, sei, overseas_family, maintained_10y, pledge_financing, award FROM c"
        )
        con.execute(
            "CREATE TABLE stg_districts (code VARCHAR, name_zh VARCHAR, name_en VARCHAR, kind VARCHAR, aliases VARCHAR)"
        )
        con.executemany("INSERT INTO stg_districts VALUES (?, ?, ?, ?, NULL)", [d[:4] for d in DISTRICTS])
        con.execute("""CREATE TABLE source_snapshots (source VARCHAR, snapshot_at TIMESTAMP, fingerprint VARCHAR,
                       files VARCHAR[], raw_rows BIGINT, staged_rows BIGINT, quarantined_rows BIGINT,
                       duplicate_rows BIGINT, loaded_at TIMESTAMP)""")
        snaps = [
            ("patents", datetime(2025, 7, 1, 9, 30), 48210, 47950, 180, 80),
            ("trademarks", datetime(2025, 6, 28, 17, 5), 131022, 130870, 52, 100),
            ("pledges", datetime(2025, 7, 1, 10, 0), 2310, 2301, 9, 0),
            ("enforcement", datetime(2025, 3, 15, 8, 0), 640, 631, 7, 2),
            ("survey", datetime(2025, 6, 30, 12, 0), 1250, 1250, 0, 0),
        ]
        con.executemany(
            "INSERT INTO source_snapshots VALUES (?, ?, 'fp', ['x.csv'], ?, ?, ?, ?, now())",
            [(s, ts, raw, st, q, dup) for s, ts, raw, st, q, dup in snaps],
        )
        # what publishing records beside each snapshot: the sources that had data (ingest/empty_sources.py)
        con.execute("""CREATE TABLE source_snapshots_history (source VARCHAR, snapshot_at TIMESTAMP,
                       fingerprint VARCHAR, raw_rows BIGINT, staged_rows BIGINT, loaded_at TIMESTAMP)""")
        con.executemany(
            "INSERT INTO source_snapshots_history VALUES (?, ?, 'fp', ?, ?, now())",
            [(s, ts, raw, st) for s, ts, raw, st, q, dup in snaps],
        )
        con.execute("""CREATE TABLE quarantine_enforcement (case_no VARCHAR, party VARCHAR, opened_date VARCHAR,
                       _source_file VARCHAR, _row_number BIGINT, _snapshot_at TIMESTAMP, reason VARCHAR, reasons VARCHAR[])""")
        q = [
            (
                f"C{i}",
                PERSONAL_NAME if i % 2 else PERSONAL_NAME_EN,
                "2025-13-01",
                "enforcement/a.csv",
                i,
                datetime(2025, 3, 15),
                r,
                [r],
            )
            for i, r in enumerate(
                ["bad_date:opened_date"] * 4 + ["missing:case_no"] * 2 + ["date_order:closed_date"]
            )
        ]
        con.executemany("INSERT INTO quarantine_enforcement VALUES (?, ?, ?, ?, ?, ?, ?, ?)", q)
        con.execute("""CREATE TABLE quarantine_patents (application_no VARCHAR, _source_file VARCHAR, _row_number BIGINT,
                       _snapshot_at TIMESTAMP, reason VARCHAR, reasons VARCHAR[])""")
        con.executemany(
            "INSERT INTO quarantine_patents VALUES (?, 'patents/p.csv', ?, now(), ?, [?])",
            [
                (f"A{i}", i, r, r)
                for i, r in enumerate(
                    ["bad_format:application_no"] * 120
                    + ["missing:grant_date"] * 45
                    + ["bad_enum:patent_type"] * 10
                    + ["conflicting_duplicate"] * 5
                )
            ],
        )
        con.execute("CREATE TABLE stg_enforcement (case_no VARCHAR, party VARCHAR, district_code VARCHAR)")
        con.execute("INSERT INTO stg_enforcement VALUES ('E1', ?, '370602')", [PERSONAL_NAME])
        if with_quality_results:
            add_quality_results(con)
    finally:
        con.close()
    return home


def add_quality_results(con) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS quality_results (table_name VARCHAR, check_name VARCHAR, severity VARCHAR,
                   passed BOOLEAN, failed_expectations INTEGER, evaluated_at TIMESTAMP, details VARCHAR)""")
    con.executemany(
        "INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            ("stg_patents", "application_no_unique", "ERROR", True, 0, datetime(2025, 7, 1, 2, 0), None),
            ("stg_patents", "grant_after_filing", "WARN", False, 3, datetime(2025, 7, 1, 2, 0), "3 rows"),
            ("stg_patents", "grant_after_filing", "WARN", True, 0, datetime(2025, 6, 1, 2, 0), None),
            (
                "stg_trademarks",
                "registration_no_not_null",
                "ERROR",
                True,
                0,
                datetime(2025, 7, 1, 2, 0),
                None,
            ),
        ],
    )


@pytest.fixture(scope="session")
def report_home(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("report_home"))


@pytest.fixture(scope="session")
def reports(report_home):
    """The June 2025 report in both languages (built once per session)."""
    from ip_pipeline.report import build_report

    return {lang: build_report(report_home, "2025-06", lang=lang) for lang in ("zh", "en")}
