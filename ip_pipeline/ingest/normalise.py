"""Text normalisation for every cell (SOURCES.md): NFKC, trim, collapse white space, '' -> NULL.

Done on Arrow arrays (C++ kernels), so millions of cells cost seconds, not minutes.
Control characters (NUL and friends) are removed from the normalised value;
the raw table keeps the cell exactly as read.

The two regex replacements are the dearest steps, and most exports need neither: a scan
of the column's bytes (UTF-8 continuation bytes are never below 0x80, so an ASCII byte
test cannot misfire on Chinese text) decides whether they run at all. Columns are
normalised on a thread per core: Arrow's kernels release the GIL.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Control characters, and the invisible zero-width ones that carry no meaning (U+200B zero-width
# space, U+2060 word joiner, U+FEFF — a byte-order mark inside a file, where two exports were
# concatenated): a "CN\u200b2021…" must read as the number it shows, not be refused for a
# character nobody can see. U+200C/U+200D (joiners) stay: they build emoji such as 👩‍🔬.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{200b}\x{2060}\x{feff}]"
_WORKERS = max(1, min(4, os.cpu_count() or 1))


def _value_bytes(arr: pa.Array) -> np.ndarray | None:
    """The UTF-8 bytes of a string array's values (None when it is not a plain string array)."""
    if not pa.types.is_string(arr.type):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _, offsets_buf, data_buf = arr.buffers()
    if data_buf is None or len(arr) == 0:
        return np.empty(0, dtype=np.uint8)
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    return np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]


def _has_control(b: np.ndarray | None) -> bool:
    """Any control byte, or one of the zero-width characters removed (E2 80 8B, E2 81 A0,
    EF BB BF): this only decides whether the regex runs."""
    if b is None:
        return True
    if np.any(((b < 0x20) & (b != 0x09) & (b != 0x0A) & (b != 0x0D)) | (b == 0x7F)):
        return True
    lead = np.flatnonzero((b[:-2] == 0xE2) | (b[:-2] == 0xEF)) if len(b) > 2 else np.empty(0, dtype=np.int64)
    if not len(lead):
        return False
    b1, b2 = b[lead + 1], b[lead + 2]
    e2 = b[lead] == 0xE2
    return bool(
        np.any(
            (e2 & (b1 == 0x80) & (b2 == 0x8B))
            | (e2 & (b1 == 0x81) & (b2 == 0xA0))
            | (~e2 & (b1 == 0xBB) & (b2 == 0xBF))
        )
    )


def _needs_collapse(b: np.ndarray | None) -> bool:
    """Tab, newline or return, or two spaces in a row (RE2's \\s is [\\t\\n\\f\\r ]; \\f is a control)."""
    if b is None:
        return True
    if np.any((b == 0x09) | (b == 0x0A) | (b == 0x0D)):
        return True
    spaces = b == 0x20
    return bool(np.any(spaces[:-1] & spaces[1:]))


def normalise_text(arr: pa.Array) -> pa.Array:
    out = pc.utf8_normalize(arr, form="NFKC")
    if _has_control(_value_bytes(out)):
        out = pc.replace_substring_regex(out, pattern=_CONTROL, replacement="")
    if _needs_collapse(_value_bytes(out)):
        out = pc.replace_substring_regex(out, pattern=r"\s+", replacement=" ")
    out = pc.utf8_trim_whitespace(out)
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def normalise_batch(batch: pa.RecordBatch, text_columns: list[str]) -> pa.RecordBatch:
    names = batch.schema.names
    todo = [i for i, name in enumerate(names) if name in text_columns]
    arrays = list(batch.columns)
    with ThreadPoolExecutor(_WORKERS) as pool:
        for i, out in zip(todo, pool.map(lambda i: normalise_text(batch.column(i)), todo)):
            arrays[i] = out
    return pa.RecordBatch.from_arrays(arrays, names=names)
