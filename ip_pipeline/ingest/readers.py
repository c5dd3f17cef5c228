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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineError, CalamineWorkbook, WorksheetNotFound

from .contracts import SourceContract
from .errors import SourceFileError
from .formats import HeaderPlan, plan_header

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
    format: str = ""  # the export format recognised from the header row (formats.py)
    plan: HeaderPlan | None = None
    width: int = 0  # cells in the header row


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


def map_header(header: list[str], contract: SourceContract, label: str, info: FileReadInfo) -> HeaderPlan:
    """The file's plan: its format, recognised from the header row, and which cells feed which
    contract column (formats.py). Refuses a file that matches no format, naming the closest."""
    info.plan = plan_header(header, contract, label, info)
    return info.plan


def row_batches(
    rows: Iterable[list[str | None]], plan: HeaderPlan, contract: SourceContract, info: FileReadInfo
) -> Iterator[pa.RecordBatch]:
    width = info.width
    slots = plan.positions
    cols: list[list] = [[] for _ in slots]
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
        n = len(row)
        for values, i in zip(cols, slots):
            values.append(row[i] if i < n else None)
        if len(row_numbers) >= BATCH_ROWS:
            yield _to_batch(plan, cols, row_numbers, cells_ok)
            cols = [[] for _ in slots]
            row_numbers, cells_ok = [], []
    info.rows = row_no
    if row_numbers:
        yield _to_batch(plan, cols, row_numbers, cells_ok)


def _to_batch(
    plan: HeaderPlan, cols: list[list], row_numbers: list[int], cells_ok: list[bool]
) -> pa.RecordBatch:
    arrays = [pa.array(v, type=pa.string()) for v in cols]
    arrays += [pa.array(row_numbers, type=pa.int64()), pa.array(cells_ok, type=pa.bool_())]
    return pa.RecordBatch.from_arrays(arrays, names=[*plan.slot_names, "_row_number", "_cells_ok"])


def _decoded_utf8(path: Path) -> tuple[str, bytes] | None:
    """(encoding, the file's bytes as UTF-8 without BOM) by strict decoding, as detect_encoding
    decides it, reading the file once; None when it is neither (detect_encoding then says so)."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "utf-8-sig", data
    try:
        data.decode("utf-8")
        return "utf-8", data
    except UnicodeDecodeError:
        pass
    try:
        return "gb18030", data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        return None


def _arrow_csv(data: bytes) -> tuple[list[str], pa.Table, int] | None:
    """Fast path: the whole file parsed by Arrow's C++ CSV reader, every cell as text.

    Returns (header, data rows without blank ones, blank rows), or None whenever the file
    needs the row-by-row reader's care: a header that is not a plain first line, a row
    with too many or too few cells (quarantined as bad_row:cell_count), anything Arrow
    refuses. The result is then exactly what the row-by-row reader yields, only faster.
    """
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    if not first.strip() or first.count('"') % 2 or "\r" in first:
        return None
    header = next(csv.reader([first]))
    if not any(c.strip() for c in header):
        return None
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    state = {"bad": 0, "blank": 0}

    def invalid(row) -> str:
        cells = next(csv.reader([row.text or ""]), [])
        state["blank" if not any(c.strip() for c in cells) else "bad"] += 1
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError, UnicodeDecodeError):
        return None
    if state["bad"]:
        return None
    blank = None
    for col in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(col), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is not None and table.num_rows:
        n_blank = pc.sum(blank).as_py() or 0
        if n_blank:
            table = table.filter(pc.invert(blank))
        state["blank"] += n_blank
    return header, table, state["blank"]


def _arrow_batches(
    header: list[str],
    table: pa.Table,
    blank_rows: int,
    contract: SourceContract,
    label: str,
    info: FileReadInfo,
) -> Iterator[pa.RecordBatch]:
    plan = map_header(header, contract, label, info)
    info.blank_rows += blank_rows
    info.rows = table.num_rows
    for start in range(0, table.num_rows, BATCH_ROWS):
        part = table.slice(start, BATCH_ROWS)
        n = part.num_rows
        arrays = [part.column(i).combine_chunks() for i in plan.positions]
        arrays += [
            pa.array(range(start + 1, start + n + 1), type=pa.int64()),
            pa.array([True] * n, type=pa.bool_()),
        ]
        yield pa.RecordBatch.from_arrays(arrays, names=[*plan.slot_names, "_row_number", "_cells_ok"])


def read_csv(
    path: Path, label: str, contract: SourceContract, info: FileReadInfo
) -> Iterator[pa.RecordBatch]:
    decoded = _decoded_utf8(path)
    if decoded is not None:
        info.encoding = decoded[0]
        fast = _arrow_csv(decoded[1])
        del decoded
        if fast is not None:
            yield from _arrow_batches(*fast, contract, label, info)
            return
    info.encoding = detect_encoding(path, label, contract.name)
    with open(path, encoding=info.encoding, newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(r for r in reader if any(c.strip() for c in r))
        except StopIteration:
            raise SourceFileError(contract.name, label, "is empty (no header row)") from None
        except csv.Error as exc:
            raise SourceFileError(contract.name, label, f"is not valid CSV: {exc}") from None
        plan = map_header(header, contract, label, info)
        info.width = len(header)
        try:
            yield from row_batches(reader, plan, contract, info)
        except csv.Error as exc:
            raise SourceFileError(
                contract.name, label, f"is not valid CSV at line {reader.line_num}: {exc}"
            ) from None


def _xlsx_cell(value, is_date: bool) -> str | None:
    """A number, date or other non-text cell as the text a CSV export would carry."""
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


def _filled(value) -> bool:
    return value is not None and value != "" and (value.__class__ is not str or bool(value.strip()))


def _xlsx_batches(
    rows: Iterator, plan: HeaderPlan, width: int, contract: SourceContract, info: FileReadInfo
) -> Iterator[pa.RecordBatch]:
    """Sheet rows (cell values) -> batches of text, column by column.

    Rows span the sheet's used range: cells past the header count only when filled (the row
    then has too many cells). Text cells, nearly all of them, pass through as they are;
    only numbers and dates go through `_xlsx_cell`.
    """
    chunk: list = []
    cells_ok: list[bool] = []
    row_no = 0

    def column(slot: int) -> list[str | None]:
        i = plan.positions[slot]
        is_date = slot in plan.date_slots
        values = (r[i] if i < len(r) else None for r in chunk)
        # calamine reads an empty cell as "": NULL, as openpyxl and the CSV reader give it
        return [(v or None) if v.__class__ is str else _xlsx_cell(v, is_date) for v in values]

    def batch() -> pa.RecordBatch:
        cols = [column(slot) for slot in range(len(plan.positions))]
        return _to_batch(plan, cols, list(range(row_no - len(chunk) + 1, row_no + 1)), cells_ok)

    for r in rows:
        if not any(_filled(v) for v in r):
            info.blank_rows += 1
            continue
        row_no += 1
        chunk.append(r)
        cells_ok.append(len(r) <= width or not any(_filled(v) for v in r[width:]))
        if len(chunk) >= BATCH_ROWS:
            yield batch()
            chunk, cells_ok = [], []
    info.rows = row_no
    if chunk:
        yield batch()


def _open_sheet(path: Path, label: str, contract: SourceContract):
    """The contract's sheet (or the first) of a workbook, via calamine (Rust): ten times
    openpyxl's speed on the same cells, which matters for years of monthly XLSX exports."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise SourceFileError(
            contract.name, label, f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})"
        ) from None
    try:
        if contract.sheet:
            if contract.sheet not in wb.sheet_names:
                raise SourceFileError(
                    contract.name, label, f"has no sheet {contract.sheet!r} (sheets: {wb.sheet_names})"
                )
            return wb, wb.get_sheet_by_name(contract.sheet)
        if not wb.sheet_names:
            raise SourceFileError(contract.name, label, "is empty (no sheet)")
        return wb, wb.get_sheet_by_index(0)
    except (CalamineError, WorksheetNotFound, OSError, ValueError) as exc:
        wb.close()
        raise SourceFileError(
            contract.name, label, f"is a damaged XLSX workbook ({type(exc).__name__}: {exc})"
        ) from None
    except SourceFileError:
        wb.close()
        raise


def read_xlsx(
    path: Path, label: str, contract: SourceContract, info: FileReadInfo
) -> Iterator[pa.RecordBatch]:
    info.encoding = "xlsx"
    wb, ws = _open_sheet(path, label, contract)
    damaged = (CalamineError, OSError, ValueError, EOFError)
    try:
        rows = iter(ws.iter_rows())
        header = None
        try:
            for r in rows:
                if any(_filled(c) for c in r):
                    header = [("" if c is None else str(c)) for c in r]
                    break
        except damaged as exc:
            raise SourceFileError(contract.name, label, f"is a damaged XLSX workbook ({exc})") from None
        if header is None:
            raise SourceFileError(contract.name, label, "is empty (no header row)")
        # Trailing empty header cells are formatting, not columns.
        while header and not header[-1].strip():
            header.pop()
        plan = map_header(header, contract, label, info)
        try:
            yield from _xlsx_batches(rows, plan, len(header), contract, info)
        except damaged as exc:
            raise SourceFileError(
                contract.name, label, f"is a damaged or truncated XLSX workbook ({exc})"
            ) from None
    finally:
        wb.close()


def read_file(
    path: Path, label: str, contract: SourceContract, info: FileReadInfo
) -> Iterator[pa.RecordBatch]:
    if path.stat().st_size == 0:
        raise SourceFileError(contract.name, label, "is empty (0 bytes)")
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, label, contract, info)
    return read_csv(path, label, contract, info)
