"""One source's landing folder: rotates part files, gives each its own spelling (profile),
places duplicate copies and conflict winners after their first row, and counts rows."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from .dirt import Outcome
from .formatting import CSV_ENCODINGS, Formatter, make_profile
from .schema import Schema
from .writers import CsvPart, XlsxPart

_KINDS = ("utf8", "gb18030", "bom", "xlsx")


class SourceSink:
    def __init__(
        self,
        landing: Path,
        schema: Schema,
        rnd: random.Random,
        part_rows: int,
        xlsx_rows: int,
        fullwidth: float,
        stamp: str,
        on_rows: Callable[[int], None] = lambda n: None,
    ):
        self.folder = landing / schema.name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.landing = landing
        self.schema = schema
        self.rnd = rnd
        self.part_rows = part_rows
        self.xlsx_rows = xlsx_rows
        self.fullwidth = fullwidth
        self.stamp = stamp
        self.on_rows = on_rows
        # A copy written into another file could meet a header in 元 instead of 万元 and
        # then not be identical any more: such sources keep their copies in the same file.
        self.cross_file = not schema.has_scaled_headers
        self.kinds = list(_KINDS)
        rnd.shuffle(self.kinds)
        self.files: list[str] = []
        self.rows_written = 0
        self._part = None
        self._fmt: Formatter | None = None
        self._in_part = 0
        self._limit = 0
        self._pending: list[list] = []  # [rows_to_wait, rec_or_cells, is_cells, cross_file]
        self._unreported = 0

    # -- parts -------------------------------------------------------------------------
    def _open(self) -> None:
        i = len(self.files)
        kind = self.kinds[i % len(self.kinds)]
        profile = make_profile(self.rnd, self.schema, kind, self.fullwidth, allow_scaled=True)
        name = f"{self.schema.name}-{i + 1:04d}.{profile.ext}"
        path = self.folder / name
        if kind == "xlsx":
            title = self.rnd.choice(("Sheet1", "数据", "导出结果"))
            self._part = XlsxPart(path, profile.headers, title, profile.blank_first_row, self.stamp)
            self._limit = self.xlsx_rows
        else:
            self._part = CsvPart(path, profile.headers, CSV_ENCODINGS[kind])
            self._limit = self.part_rows
        self._fmt = Formatter(self.schema, profile, self.rnd)
        self.files.append(f"{self.schema.name}/{name}")
        self._in_part = 0
        for item in [p for p in self._pending if p[3]]:
            self._pending.remove(item)
            self._put(item[1], item[2])

    def _close(self) -> None:
        for item in list(self._pending):
            self._pending.remove(item)
            self._put(item[1], item[2])
        self._part.close()
        self._part = None

    def _put(self, payload, is_cells: bool) -> None:
        self._part.append(payload if is_cells else self._fmt.cells(payload))
        self._in_part += 1
        self.rows_written += 1
        self._unreported += 1
        if self._unreported >= 1000:
            self.on_rows(self._unreported)
            self._unreported = 0

    # -- rows --------------------------------------------------------------------------
    def emit(self, outcome: Outcome) -> None:
        if self._part is not None and self._in_part >= self._limit:
            self._close_keep_cross()
        if self._part is None:
            self._open()
        first = outcome.now[0]
        if outcome.later is not None and outcome.later_identical:
            cells = self._fmt.cells(first, as_text=True)
            self._put(cells, True)
            self._defer(cells, True)
        else:
            for rec in outcome.now:
                self._put(rec, False)
            if outcome.later is not None:
                self._defer(outcome.later, False)
        self._tick()

    def _defer(self, payload, is_cells: bool) -> None:
        cross = self.cross_file and self.rnd.random() < 0.5
        self._pending.append([self.rnd.randint(1, 40), payload, is_cells, cross])

    def _tick(self) -> None:
        due = []
        for item in self._pending:
            if not item[3]:
                item[0] -= 1
                if item[0] <= 0:
                    due.append(item)
        for item in due:
            self._pending.remove(item)
            self._put(item[1], item[2])

    def _close_keep_cross(self) -> None:
        for item in [p for p in self._pending if not p[3]]:
            self._pending.remove(item)
            self._put(item[1], item[2])
        self._part.close()
        self._part = None

    def close(self) -> None:
        if self._part is None and (self._pending or not self.files):
            self._open()  # a source with no rows still gets a file with its header
        if self._part is not None:
            self._close()
        self.on_rows(self._unreported)
        self._unreported = 0
