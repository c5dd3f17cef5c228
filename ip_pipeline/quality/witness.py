"""The witnesses of a map rule: the rows GX may count as unexpected or missing.

GX reads a table into pandas to judge its map rules, millions of rows of key strings. Most rows
pass every rule, and for the common rules DuckDB can tell which rows surely pass. So DuckDB picks
out every row that might fail or be missing (a superset is safe: GX judges each witness itself),
and GX judges those rows alone. Every row outside the witnesses is present and passes for sure,
so GX's counts over the whole table are the table's row count and the witnesses' missing and
unexpected counts, and its verdict and percentage follow from them (incremental.combined_verdict).

Used for the table-level rules of an incremental validation (a row's uniqueness depends on the
others; a bound that moves with `today` can fail a row that passed yesterday), and for every rule
it can of a whole validation (a first load, a new suite). Why it is exact, by rule:
- uniqueness (one column or compound): a duplicated value has all its copies among the witnesses
  (the rows whose value hash occurs more than once, or with a null), so each witness is unique
  among the witnesses exactly when it is unique in the table;
- a bound: the rows outside the open interval (the bounds themselves included), or null;
- not null, be null, in a set, not in a set, a > b: the rows null (not null), present (be
  null), or not as the rule wants;
- wherever the SQL comparison is unknown (NULL), the row is a witness; NaN counts as null, as
  in pandas;
- a row condition of the simple forms the suites use (`c == "x"`, `c != "x"`, `c == True`,
  `c in [...]`) becomes SQL keeping exactly the rows pandas keeps: the witnesses are taken
  among them, and DuckDB counts them (GX's element count).

Nulls that a rule leaves out of its judgement (missing) are counted by DuckDB, not read.
A rule with another row condition (pandas syntax, which SQL would only approximate), a
parametrised `mostly`, a regular expression (Python's and DuckDB's differ) or another type
reads the whole table as before (None here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from .warehouse_io import _q

_NOT_NULL = "expect_column_values_to_not_be_null"
_BE_NULL = "expect_column_values_to_be_null"
_IN_SET = "expect_column_values_to_be_in_set"
_NOT_IN_SET = "expect_column_values_to_not_be_in_set"
_A_GREATER = "expect_column_pair_values_a_to_be_greater_than_b"
_UNIQUE = "expect_column_values_to_be_unique"
_COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
_BETWEEN = "expect_column_values_to_be_between"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?)?$")
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
)
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


def _null(column: str, frame_types: dict[str, str]) -> str:
    """SQL true where pandas sees a null: NULL, and NaN in a floating column."""
    c = f"w.{_q(column)}"
    if frame_types[column].upper() in ("DOUBLE", "FLOAT", "REAL"):
        return f"({c} IS NULL OR isnan({c}))"
    return f"{c} IS NULL"


def _strings(value, parameters: dict) -> str | None:
    """A set of strings as a SQL list (None: not a list of strings, or an unknown parameter)."""
    ok, values = _resolved(value, parameters)
    if not ok or not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        return None
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")" if values else None


def _duplicated(columns: list[str]) -> str:
    """Rows whose value hash occurs more than once (a collision only adds witnesses)."""
    h = f"hash({', '.join(f'w.{_q(c)}' for c in columns)})"
    inner = f"hash({', '.join(_q(c) for c in columns)})"
    return f"{h} IN (SELECT {inner} FROM f GROUP BY 1 HAVING count(*) > 1)"


@dataclass(frozen=True)
class Witness:
    """Which rows GX must judge for a rule: `condition` (SQL over the frame as `w`, the frame
    also named `f`); `missing`, when set, the rows GX counts as missing for the rule (nulls of a
    column whose nulls are not judged), counted by DuckDB over the whole table and left out of
    `condition`: a mostly empty column then costs GX nothing."""

    condition: str
    missing: str | None = None
    # the rows the rule's row condition keeps (GX's element count), when it has one
    considered: str | None = None


def witness_condition(exp: dict, parameters: dict, frame_types: dict[str, str]) -> Witness | None:
    """The witnesses of `exp`: every row GX may count as unexpected (or missing) for it; None
    when the rule must read the whole table."""
    kw = exp.get("kwargs", {})
    if "mostly" in kw and not isinstance(kw["mostly"], int | float):
        return None
    if kw.get("row_condition"):
        kept = row_condition_sql(kw["row_condition"], kw.get("condition_parser"), frame_types)
        plain = witness_condition(
            {**exp, "kwargs": {k: v for k, v in kw.items() if k != "row_condition"}}, parameters, frame_types
        )
        if kept is None or plain is None:
            return None
        # GX judges only the rows the condition keeps: so do the witnesses and the counts
        return Witness(
            f"({kept}) AND ({plain.condition})",
            f"({kept}) AND ({plain.missing})" if plain.missing is not None else None,
            kept,
        )
    t = exp["type"]
    if t == _A_GREATER:
        a, b = kw.get("column_A"), kw.get("column_B")
        if a not in frame_types or b not in frame_types:
            return None
        # or_equal or not, a row outside passes: both present and a > b
        na, nb = _null(a, frame_types), _null(b, frame_types)
        judged = f"{na} OR {nb} OR coalesce(NOT (w.{_q(a)} > w.{_q(b)}), true)"
        # the rows GX leaves out (missing): counted, not read
        ignored = {
            "either_value_is_missing": f"{na} OR {nb}",
            "both_values_are_missing": f"{na} AND {nb}",
        }.get(kw.get("ignore_row_if", "both_values_are_missing"))
        if ignored is None:
            return Witness(judged)
        return Witness(f"NOT ({ignored}) AND ({judged})", ignored)
    if t == _COMPOUND_UNIQUE:
        cols = kw.get("column_list") or []
        if not cols or any(col not in frame_types for col in cols):
            return None
        nulls = " OR ".join(_null(col, frame_types) for col in cols)
        return Witness(f"{nulls} OR {_duplicated(cols)}")
    c = kw.get("column")
    if c not in frame_types:
        return None
    null = _null(c, frame_types)
    if t == _NOT_NULL:
        return Witness(null)  # its nulls are what it judges
    if t == _BE_NULL:
        return Witness(f"NOT ({null})")
    fails = _fails(t, c, kw, parameters, frame_types)
    # the rule's nulls are missing (GX leaves them out of its judgement): counted, not read
    return Witness(f"NOT ({null}) AND ({fails})", null) if fails is not None else None


_EQUALS = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=)\s*(?:"([^"\\]*)"|(True|False))\s*$')
_IN_LIST = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+\[\s*("[^"\\]*"(?:\s*,\s*"[^"\\]*")*)\s*\]\s*$')


def row_condition_sql(condition: str, parser: str | None, frame_types: dict[str, str]) -> str | None:
    """A pandas row condition of the simple forms the suites use (`c == "x"`, `c != "x"`,
    `c == True`, `c in ["x", "y"]`) as SQL true exactly where pandas keeps the row: a null is
    equal to nothing, so `!=` keeps it. None for any other form (the rule reads the whole table)."""
    if parser not in (None, "pandas"):
        return None
    m = _EQUALS.match(condition)
    if m:
        col, op, text, flag = m.groups()
        if col not in frame_types:
            return None
        if flag is not None:
            if frame_types[col].upper() != "BOOLEAN":
                return None
            value = flag.lower()
        elif frame_types[col].upper() == "VARCHAR":
            value = "'" + text.replace("'", "''") + "'"
        else:
            return None
        c = f"w.{_q(col)}"
        return f"coalesce({c} = {value}, false)" if op == "==" else f"coalesce({c} <> {value}, true)"
    m = _IN_LIST.match(condition)
    if m:
        col, items = m.groups()
        if col not in frame_types or frame_types[col].upper() != "VARCHAR":
            return None
        values = re.findall(r'"([^"\\]*)"', items)
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        return f"coalesce(w.{_q(col)} IN ({listed}), false)"
    return None


def _fails(t: str, c: str, kw: dict, parameters: dict, frame_types: dict[str, str]) -> str | None:
    """SQL true for every non-null value of `c` that may fail rule type `t`."""
    if t == _UNIQUE:
        return _duplicated([c])
    if t in (_IN_SET, _NOT_IN_SET):
        values = _strings(kw.get("value_set"), parameters)
        if values is None or frame_types[c].upper() != "VARCHAR":
            return None
        inside = f"w.{_q(c)} IN {values}"
        # a value outside is, as the rule wants, in (or not in) the set
        return f"coalesce({'NOT ' if t == _IN_SET else ''}({inside}), true)"
    if t == _BETWEEN:
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
            return None
        # strictly inside on every side passes under any strictness; NULL (unknown) is a witness
        return f"coalesce(NOT ({' AND '.join(sides)}), true)"
    return None


def witness_sql(frame_sql: str, witnesses: list[Witness]) -> str:
    """The rows of the frame any of the witnesses picks, in one pass."""
    where = " OR ".join(f"({w.condition})" for w in witnesses)
    return f"WITH f AS MATERIALIZED ({frame_sql}) SELECT w.* FROM f AS w WHERE {where}"


def counts_sql(frame_sql: str, witnesses: dict[int, Witness]) -> str | None:
    """One row of the counts DuckDB makes over the whole table: per witnessed rule, its missing
    rows (column "m<position>") when it counts them and the rows its row condition keeps
    ("e<position>") when it has one; None when no rule needs either."""
    cols = [f'count(*) FILTER (WHERE {w.missing}) AS "m{p}"' for p, w in witnesses.items() if w.missing]
    cols += [
        f'count(*) FILTER (WHERE {w.considered}) AS "e{p}"' for p, w in witnesses.items() if w.considered
    ]
    if not cols:
        return None
    return f"WITH f AS ({frame_sql}) SELECT {', '.join(cols)} FROM f AS w"
