"""Part files: CSV in UTF-8, UTF-8 with BOM or GB18030, and XLSX (openpyxl write-only),
written row by row so that memory stays flat, and byte-for-byte reproducible."""

from __future__ import annotations

import csv
import os
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

_FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CHUNK = 2000


class CsvPart:
    def __init__(self, path: Path, header: list[str], encoding: str):
        self.path = path
        self._fh = open(path, "w", encoding=encoding, newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(header)
        self._buffer: list[list] = []

    def append(self, cells: list) -> None:
        self._buffer.append(["" if c is None else c for c in cells])
        if len(self._buffer) >= _CHUNK:
            self._writer.writerows(self._buffer)
            self._buffer.clear()

    def close(self) -> None:
        self._writer.writerows(self._buffer)
        self._fh.close()


class XlsxPart:
    def __init__(self, path: Path, header: list[str], sheet_title: str, blank_first_row: bool, stamp: str):
        self.path = path
        self._stamp = stamp
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(sheet_title)
        if blank_first_row:
            self._ws.append([])
        self._ws.append(header)

    def append(self, cells: list) -> None:
        self._ws.append(cells)

    def close(self) -> None:
        tmp = self.path.with_name(self.path.name + ".part")
        self._wb.save(tmp)
        _reproducible_zip(tmp, self.path, self._stamp)
        os.remove(tmp)


def _reproducible_zip(src: Path, dst: Path, stamp: str) -> None:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry: replace both
    with fixed values so that the same seed gives the same bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)
