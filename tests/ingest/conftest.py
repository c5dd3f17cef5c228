"""Build a landing zone in the test, stage it, and look at what came out."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from ip_pipeline.db import connect
from ip_pipeline.ingest.contracts import load_contract
from ip_pipeline.ingest.reference import stage_reference
from ip_pipeline.ingest.staging import LoadResult, stage_source
from ip_pipeline.sample.geo import DISTRICTS_CSV

DISTRICTS = DISTRICTS_CSV  # the complete table of the spec


def write_reference(landing: Path) -> None:
    ref = landing / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "districts.csv").write_text(DISTRICTS, encoding="utf-8")
    (ref / "population.csv").write_text(
        "year,district_code,population\n2020,370602,900000\n", encoding="utf-8"
    )
    (ref / "economy.csv").write_text("year,gdp_yi,patent_intensive_va_yi\n2020,7400,860\n", encoding="utf-8")
    (ref / "sei_ipc.csv").write_text("ipc_prefix,sei_code,sei_name\nH01M,5,新能源汽车\n", encoding="utf-8")


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@dataclass
class Staged:
    result: LoadResult
    stg: pd.DataFrame
    quarantine: pd.DataFrame
    raw: pd.DataFrame


class Zone:
    """A landing zone and warehouse under tmp_path."""

    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.warehouse = root / "warehouse.duckdb"
        write_reference(self.landing)

    def csv(
        self,
        source: str,
        header: list[str],
        rows: list[list],
        name: str = "part1.csv",
        encoding: str = "utf-8",
    ) -> Path:
        return write_csv(self.landing / source / name, header, rows, encoding)

    def stage(self, source: str, **kw) -> Staged:
        con = connect(self.warehouse)
        try:
            stage_reference(con, self.landing)
            result = stage_source(con, load_contract(source), self.landing, **kw)
            return Staged(
                result,
                con.execute(f"SELECT * FROM stg_{source} ORDER BY _source_file, _row_number").df(),
                con.execute(f"SELECT * FROM quarantine_{source} ORDER BY _source_file, _row_number").df(),
                con.execute(f"SELECT * FROM raw_{source}").df(),
            )
        finally:
            con.close()


@pytest.fixture
def zone(tmp_path: Path) -> Zone:
    return Zone(tmp_path)


PATENT_HEADER = [
    "申请号",
    "专利类型",
    "申请日",
    "授权公告日",
    "专利权人",
    "专利权人地址",
    "行政区划代码",
    "主分类号",
    "分类号",
    "法律状态",
    "失效日",
]


def patent(
    app="CN202110123456.7",
    ptype="发明",
    filed="2021-01-05",
    granted="2022-06-01",
    holder="烟台测试科技有限公司",
    address="山东省烟台市莱山区港城大道1号",
    code="",
    main_ipc="H01M 10/052",
    ipcs="H01M 10/052",
    status="有效",
    lapsed="",
) -> list:
    return [app, ptype, filed, granted, holder, address, code, main_ipc, ipcs, status, lapsed]


def app_no(year: int, kind: int, serial: int) -> str:
    """A valid 13-character application number (check digit by SOURCES.md's weights)."""
    body = f"{year:04d}{kind}{serial:07d}"
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(body))
    check = total % 11
    return body + ("X" if check == 10 else str(check))
