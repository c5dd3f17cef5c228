"""The witnesses of a table-level map rule: the rows GX may count as unexpected or missing.

An incremental validation (incremental.py) judges row-level rules on the rows that came and
went. Some map rules cannot be added up that way yet need not read the whole table either: a
row's uniqueness depends on the other rows, and a date bound that moves with `today` can turn a
row that passed yesterday into a failure. For these DuckDB picks out, from the whole table,
every row that might fail or be missing (a superset is safe), and GX judges those rows alone:
every row outside the witnesses is non-null and passes for sure, so GX's counts over the whole
table are the table's row count, and the witnesses' missing and unexpected counts.

Why this is exact:
- uniqueness: a duplicated value has all its copies among the witnesses (the rows whose value,
  or value hash, occurs more than once, or is null), so each witness is unique among the
  witnesses exactly when it is unique in the table;
- a bound: the witnesses are the rows outside the open interval (bounds included), or null, or
  where DuckDB cannot tell (a NULL comparison counts as a witness).

A rule with a row condition, a `mostly` parameter or another type reads the whole table as
before (None here).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .warehouse_io import _q

_UNIQUE = "expect_column_values_to_be_unique"
_COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
_BETWEEN = "expect_column_values_to_be_between"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?)?$")
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "U")
_TEMPORAL = ("DATE", "TIMESTAMP")


def _resolved(value, parameters: dict):
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"} and value["$PARAMETER"] in parameters:
            return True, parameters[value["$PARAMETER"]]
        return False, None
    return True, value


def _bound(value, column_type: str) -> str | None:
    """A bound as a DuckDB literal comparable with a column of `column_type` (None: cannot)."""
    t = column_type.upper()
    if isinstance(value, bool):
        return None
    if t.startswith(_NUMERIC) and isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(int(value))
    if t.startswith(_TEMPORAL):
        if isinstance(value, datetime | date):
            value = value.isoformat()
        if isinstance(value, str) and _ISO.match(value):
            return f"TRY_CAST('{value}' AS TIMESTAMP)"
    return None


def _duplicated(columns: list[str]) -> str:
    """Rows whose value hash occurs more than once (a collision only adds witnesses)."""
    h = f"hash({', '.join(f'w.{_q(c)}' for c in columns)})"
    inner = f"hash({', '.join(_q(c) for c in columns)})"
    return f"{h} IN (SELECT {inner} FROM f GROUP BY 1 HAVING count(*) > 1)"


def witness_condition(exp: dict, parameters: dict, frame_types: dict[str, str]) -> str | None:
    """SQL over the value frame (alias `w`, the frame also named `f`) true for every row GX may
    count as unexpected or missing for `exp`; None when the rule must read the whole table."""
    kw = exp.get("kwargs", {})
    if kw.get("row_condition") or "mostly" in kw and not isinstance(kw["mostly"], int | float):
        return None
    t = exp["type"]
    if t == _UNIQUE:
        c = kw.get("column")
        if c not in frame_types:
            return None
        return f"w.{_q(c)} IS NULL OR {_duplicated([c])}"
    if t == _COMPOUND_UNIQUE:
        cols = kw.get("column_list") or []
        if not cols or any(c not in frame_types for c in cols):
            return None
        nulls = " OR ".join(f"w.{_q(c)} IS NULL" for c in cols)
        return f"{nulls} OR {_duplicated(cols)}"
    if t == _BETWEEN:
        c = kw.get("column")
        if c not in frame_types:
            return None
        sides = []
        for key, op in (("min_value", ">"), ("max_value", "<")):
            ok, value = _resolved(kw.get(key), parameters)
            if not ok:
                return None
            if value is None:
                continue
            literal = _bound(value, frame_types[c])
            if literal is None:
                return None
            sides.append(f"w.{_q(c)} {op} {literal}")
        if not sides:
            return f"w.{_q(c)} IS NULL"
        # strictly inside on every side passes under any strictness; NULL (unknown) is a witness
        return f"w.{_q(c)} IS NULL OR coalesce(NOT ({' AND '.join(sides)}), true)"
    return None


def witness_sql(frame_sql: str, conditions: list[str]) -> str:
    """The rows of the frame any of the conditions picks, in one pass."""
    where = " OR ".join(f"({c})" for c in conditions)
    return f"WITH f AS MATERIALIZED ({frame_sql}) SELECT w.* FROM f AS w WHERE {where}"
