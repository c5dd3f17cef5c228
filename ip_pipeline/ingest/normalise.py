"""Text normalisation for every cell (SOURCES.md): NFKC, trim, collapse white space, '' -> NULL.

Done on Arrow arrays (C++ kernels), so millions of cells cost seconds, not minutes.
Control characters (NUL and friends) are removed from the normalised value;
the raw table keeps the cell exactly as read.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def normalise_text(arr: pa.Array) -> pa.Array:
    out = pc.utf8_normalize(arr, form="NFKC")
    out = pc.replace_substring_regex(out, pattern=_CONTROL, replacement="")
    out = pc.replace_substring_regex(out, pattern=r"\s+", replacement=" ")
    out = pc.utf8_trim_whitespace(out)
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def normalise_batch(batch: pa.RecordBatch, text_columns: list[str]) -> pa.RecordBatch:
    arrays = [
        normalise_text(batch.column(name)) if name in text_columns else batch.column(name)
        for name in batch.schema.names
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
