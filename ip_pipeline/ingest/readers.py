"""Read one landing file (CSV in UTF-8/GB18030, or XLSX) into batches of text cells.

Each batch carries the contract's columns (text, NULL when the file lacks
the column), `_row_number` (1-based data row in the file) and `_cells_ok`
(false when the row had too many or too few cells, so staging can
quarantine it). A file that cannot be read at all raises SourceFileError
naming the file and the problem; the caller keeps the previous snapshot.
"""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa

from .contracts import SourceContract, normalise_header
from .errors import SourceFileError

BATCH_ROWS = 50_000
# A cell may legitimately be long (an address list), and a hostile one is
# quarantined later rather than crashing the reader.
csv.field_size_limit(64 * 1024 * 1024)
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class FileReadInfo:
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # column -> header as found
    scales: dict[str, float] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    blank_rows: int = 0
    rows: int = 0


def detect_encoding(path: Path, label: str, source: str) -> str:
    """UTF-8 (with or without BOM) or GB18030 — detected by strict decoding, never asked."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        decoder = codecs.getincrementaldecoder(enc)(errors="strict")
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    raise SourceFileError(source, label, "is not text in UTF-8 or GB18030 (binary or another encoding?)")


def map_header(header: list[str], contract: SourceContract, label: str, info: FileReadInfo) -> list[str | None]:
    """Position -> contract column (None for headers the contract does not know)."""
    known = contract.header_map
    positions: list[str | None] = []
    for cell in header:
        hit = known.get(normalise_header(cell or ""))
        if hit is None or hit[0] in info.columns:
            positions.append(None)
            if (cell or "").strip():
                info.ignored_headers.append(str(cell).strip())
            continue
        column, scale = hit
        info.columns[column] = str(cell).strip()
        if scale != 1.0:
            info.scales[column] = scale
        positions.append(column)
    missing = [c for c in contract.columns if c.required and c.name not in info.columns]
    if missing:
        names = ", ".join(f"{c.header} ({c.name})" for c in missing)
        found = ", ".join(str(h).strip() for h in header if str(h or "").strip()) or "nothing"
        raise SourceFileError(contract.name, label, f"lacks required column(s) {names}; header found: {found}")
    return positions


def _batches(rows: Iterable[list[str | None]], positions: list[str | None], contract: SourceContract,
             info: FileReadInfo) -> Iterator[pa.RecordBatch]:
    names = contract.column_names
    width = len(positions)
    index = {col: i for i, col in enumerate(positions) if col is not None}
    cols: dict[str, list] = {n: [] for n in names}
    row_numbers: list[int] = []
    cells_ok: list[bool] = []
    row_no = 0
    for row in rows:
        if not any((c is not None and str(c).strip()) for c in row):
            info.blank_rows += 1
            continue
        row_no += 1
        row_numbers.append(row_no)
        cells_ok.append(len(row) == width)
        for n in names:
            i = index.get(n)
            cols[n].append(row[i] if i is not None and i < len(row) else None)
        if len(row_numbers) >= BATCH_ROWS:
            yield _to_batch(cols, row_numbers, cells_ok)
            cols = {n: [] for n in names}
            row_numbers, cells_ok = [], []
    info.rows = row_no
    if row_numbers:
        yield _to_batch(cols, row_numbers, cells_ok)


def _to_batch(cols: dict[str, list], row_numbers: list[int], cells_ok: list[bool]) -> pa.RecordBatch:
    arrays = [pa.array(v, type=pa.string()) for v in cols.values()]
    arrays += [pa.array(row_numbers, type=pa.int64()), pa.array(cells_ok, type=pa.bool_())]
    return pa.RecordBatch.from_arrays(arrays, names=[*cols.keys(), "_row_number", "_cells_ok"])


def read_csv(path: Path, label: str, contract: SourceContract, info: FileReadInfo) -> Iterator[pa.RecordBatch]:
    info.encoding = detect_encoding(path, label, contract.name)
    with open(path, "r", encoding=info.encoding, newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(r for r in reader if any(c.strip() for c in r))
        except StopIteration:
            raise SourceFileError(contract.name, label, "is empty (no header row)") from None
        except csv.Error as exc:
            raise SourceFileError(contract.name, label, f"is not valid CSV: {exc}") from None
        positions = map_header(header, contract, label, info)
        try:
            yield from _batches(reader, positions, contract, info)
        except csv.Error as exc:
            raise SourceFileError(contract.name, label, f"is not valid CSV at line {reader.line_num}: {exc}") from None


def _xlsx_cell(value, is_date: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) or is_date else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if is_date and 1 <= float(value) < 2958466:  # Excel serial day numbers (SOURCES.md)
            return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def read_xlsx(path: Path, label: str, contract: SourceContract, info: FileReadInfo) -> Iterator[pa.RecordBatch]:
    import openpyxl  # imported here: only XLSX parts pay for it

    info.encoding = "xlsx"
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SourceFileError(contract.name, label, f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        if contract.sheet:
            if contract.sheet not in wb.sheetnames:
                raise SourceFileError(contract.name, label, f"has no sheet {contract.sheet!r} (sheets: {wb.sheetnames})")
            ws = wb[contract.sheet]
        else:
            ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = None
        try:
            for r in rows:
                if any(c is not None and str(c).strip() for c in r):
                    header = [("" if c is None else str(c)) for c in r]
                    break
        except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
            raise SourceFileError(contract.name, label, f"is a damaged XLSX workbook ({exc})") from None
        if header is None:
            raise SourceFileError(contract.name, label, "is empty (no header row)")
        # Trailing empty header cells are formatting, not columns.
        while header and not header[-1].strip():
            header.pop()
        positions = map_header(header, contract, label, info)
        date_positions = {i for i, c in enumerate(positions) if c and contract.column(c).type == "date"}
        width = len(positions)

        def text_rows():
            for r in rows:
                cells = list(r)
                # openpyxl pads rows to the sheet's width: cells past the header count only when filled.
                extra = [c for c in cells[width:] if c is not None and str(c).strip()]
                cells = cells[:width] + ([None] * (width - len(cells)) if len(cells) < width else [])
                out = [_xlsx_cell(v, i in date_positions) for i, v in enumerate(cells)]
                yield out + [str(e) for e in extra]

        try:
            yield from _batches(text_rows(), positions, contract, info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceFileError(contract.name, label, f"is a damaged or truncated XLSX workbook ({exc})") from None
    finally:
        wb.close()


def read_file(path: Path, label: str, contract: SourceContract, info: FileReadInfo) -> Iterator[pa.RecordBatch]:
    if path.stat().st_size == 0:
        raise SourceFileError(contract.name, label, "is empty (0 bytes)")
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, label, contract, info)
    return read_csv(path, label, contract, info)
