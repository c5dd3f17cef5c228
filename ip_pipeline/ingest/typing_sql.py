"""SQL that types one source's normalised text by its contract, and says why a row is refused.

Every row gets `_reasons` (quarantine reasons, in column order, then the
contract's rules) and `warnings`. Reason names are part of the warehouse
contract (docs/WAREHOUSE.md).
"""
from __future__ import annotations

from datetime import date

from ..partitions import today_in_yantai
from .contracts import Column, SourceContract
# No legitimate cell comes near this (a pledge of 500 patents is ~7,500 characters);
# a longer one is a broken or hostile export and its row is quarantined as too_long:<col>.
MAX_CELL_CHARS = 10_000


def load_date() -> date:
    """Today in Yantai: a record dated today is not in the future, whatever the server's zone."""
    return today_in_yantai()


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _enum_expr(src: str, col: Column) -> str:
    whens = []
    for canonical, spellings in col.values.items():
        options = sorted({s.lower() for s in spellings} | {"".join(s.lower().split()) for s in spellings})
        whens.append(f"WHEN lower({src}) IN ({', '.join(lit(s) for s in options)}) "
                     f"OR replace(lower({src}), ' ', '') IN ({', '.join(lit(s) for s in options)}) THEN {lit(canonical)}")
    return "CASE " + " ".join(whens) + " END"


def _range_conditions(typed: str, col: Column) -> list[str]:
    conds = []
    if col.min is not None:
        conds.append(f"{typed} < {lit(col.min)}")
    if col.max is not None:
        conds.append(f"{typed} > {lit(col.max)}")
    if col.min_exclusive is not None:
        conds.append(f"{typed} <= {lit(col.min_exclusive)}")
    return conds


def column_sql(contract: SourceContract, col: Column) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
    """(typed expression, SQL type, [(condition, reason)], [(condition, warning)]) for one column."""
    src = f"n.{q(col.name)}"
    name = col.name
    reasons: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    t = col.type
    if t == "date":
        expr, sqltype = f"parse_date({src})", "DATE"
        reasons.append((f"{src} IS NOT NULL AND {expr} IS NULL", f"bad_date:{name}"))
        if col.not_future:
            # Filing, grant, registration, opening, certification and survey dates record events
            # that have happened; a later date is an error. Scheduled ends (lapse, expiry,
            # valid-until) may lie ahead and are not checked.
            reasons.append((f"{expr} > DATE '{load_date().isoformat()}'", f"future_date:{name}"))
    elif t == "enum":
        expr, sqltype = _enum_expr(src, col), "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND ({expr}) IS NULL", f"bad_enum:{name}"))
        if col.default is not None:
            expr = f"coalesce({expr}, {lit(col.default)})"
    elif t in ("int", "decimal"):
        scale = f" * n.{q('_scale_' + name)}" if t == "decimal" else ""
        parsed = f"parse_number({src})"
        reasons.append((f"{src} IS NOT NULL AND {parsed} IS NULL", f"bad_number:{name}"))
        if t == "int":
            reasons.append((f"{parsed} IS NOT NULL AND {parsed} <> round({parsed})", f"bad_number:{name}"))
            typed = f"CASE WHEN {parsed} = round({parsed}) AND abs({parsed}) < 2147483647 THEN CAST({parsed} AS INTEGER) END"
            sqltype = "INTEGER"
        else:
            typed = f"({parsed}{scale})"
            sqltype = "DOUBLE"
        for cond in _range_conditions(typed, col):
            reasons.append((f"{typed} IS NOT NULL AND {cond}", f"out_of_range:{name}"))
        expr = typed if col.default is None else f"coalesce({typed}, {lit(col.default)})"
    elif t == "application_no":
        expr, sqltype = f"norm_application_no({src})", "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT valid_application_no({expr})", f"bad_format:{name}"))
        warnings.append((f"valid_application_no({expr}) AND NOT application_no_check_ok({expr})", f"check_digit:{name}"))
        if name == "application_no" and "patent_type" in contract.column_names:
            ptype = _enum_expr("n.patent_type", contract.column("patent_type"))
            warnings.append((f"application_no_type({expr}) IS NOT NULL AND ({ptype}) IS NOT NULL "
                             f"AND application_no_type({expr}) <> ({ptype})", "type_conflict:application_no"))
    elif t == "trademark_no":
        expr, sqltype = f"norm_trademark_no({src})", "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT valid_trademark_no({expr})", f"bad_format:{name}"))
    elif t == "office":
        expr, sqltype = f"upper({src})", "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT regexp_full_match({expr}, '[A-Z]{{2}}')", f"bad_format:{name}"))
        # CN is the home office, not an overseas grant (SOURCES.md).
        reasons.append((f"{expr} = 'CN'", f"not_overseas:{name}"))
    elif t == "credit_code":
        expr, sqltype = f"norm_credit_code({src})", "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT valid_credit_code({expr})", f"bad_format:{name}"))
        warnings.append((f"valid_credit_code({expr}) AND NOT credit_code_check_ok({expr})", f"check_digit:{name}"))
    elif t == "ipc_list":
        expr, sqltype = (f"nullif(array_to_string(list_filter(list_transform(string_split({src}, ';'), "
                         f"lambda x: trim(x)), lambda x: x <> ''), ';'), '')"), "VARCHAR"
    elif t == "pledge_items":
        kind = _enum_expr(f"n.{q(col.kind_column)}", contract.column(col.kind_column)) if col.kind_column else "NULL"
        items = (f"list_filter(list_transform(regexp_split_to_array({src}, '[;,、]'), lambda x: trim(x)), "
                 f"lambda x: x <> '')")
        normed = (f"list_transform({items}, lambda x: CASE WHEN ({kind}) = 'trademark' "
                  f"THEN norm_trademark_no(x) ELSE norm_application_no(x) END)")
        expr, sqltype = f"nullif(array_to_string({normed}, ';'), '')", "VARCHAR"
        bad = (f"len(list_filter({normed}, lambda x: NOT CASE WHEN ({kind}) = 'trademark' "
               f"THEN valid_trademark_no(x) ELSE valid_application_no(x) END)) > 0")
        warnings.append((f"{src} IS NOT NULL AND {bad}", f"bad_item:{name}"))
    else:  # text, code, ipc
        expr, sqltype = src, "VARCHAR"
    reasons.insert(0, (f"length({src}) > {MAX_CELL_CHARS}", f"too_long:{name}"))
    if col.required and col.default is None:
        reasons.insert(0, (f"{src} IS NULL", f"missing:{name}"))
    return expr, sqltype, reasons, warnings


def typed_select(contract: SourceContract, source_table: str) -> str:
    """SELECT producing typed columns, `_reasons` and `warnings` for every landed row."""
    exprs: dict[str, str] = {}
    reasons: list[tuple[str, str]] = [("NOT n._cells_ok", "bad_row:cell_count")]
    warnings: list[tuple[str, str]] = []
    for col in contract.columns:
        expr, sqltype, r, w = column_sql(contract, col)
        exprs[col.name] = f"CAST({expr} AS {sqltype})"
        reasons += r
        warnings += w
    for rule in contract.rules:
        p = rule.params
        if rule.kind == "required_when":
            values = ", ".join(lit(v) for v in p["when_values"])
            cond = f"({exprs[p['when_column']]}) IN ({values}) AND ({exprs[p['column']]}) IS NULL"
            label = f"missing:{p['column']}"
        elif rule.kind == "date_order":
            cond = f"({exprs[p['later']]}) < ({exprs[p['earlier']]})"
            label = f"date_order:{p['later']}"
        else:
            raise ValueError(f"sources/{contract.name}.yaml: unknown rule kind {rule.kind!r}")
        (reasons if rule.action == "quarantine" else warnings).append((cond, label))

    def flags(pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "CAST([] AS VARCHAR[])"
        items = ", ".join(f"CASE WHEN coalesce({c}, false) THEN {lit(label)} END" for c, label in pairs)
        return f"list_filter([{items}], lambda x: x IS NOT NULL)"

    cols = ",\n  ".join(f"{e} AS {q(n)}" for n, e in exprs.items())
    return (
        f"SELECT n._rid, n._file_order, n._row_number, n._source_file, n._snapshot_at,\n  {cols},\n"
        f"  {flags(reasons)} AS _reasons,\n  {flags(warnings)} AS warnings\n"
        f"FROM {source_table} AS n"
    )
