"""SQL that types one source's normalised text by its contract, and says why a row is refused.

Every row gets `_reasons` (quarantine reasons, in column order, then the
contract's rules) and `warnings`. Reason names are part of the warehouse
contract (docs/WAREHOUSE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..dates import today_in_yantai
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


def _words(spellings) -> tuple[list[str], list[str]]:
    """(exact spellings, prefixes) lower-cased, with and without spaces; a spelling ending in
    `*` is a prefix (SooPAT's 有权-授权, 无权-终止 … under 有权*, 无权*)."""
    exact, prefixes = set(), set()
    for s in spellings:
        s = s.lower()
        target = prefixes if s.endswith("*") else exact
        s = s.rstrip("*")
        target.update({s, "".join(s.split())})
    return sorted(exact), sorted(prefixes)


def _word_match(src: str, spellings) -> str:
    exact, prefixes = _words(spellings)
    parts = []
    if exact:
        options = ", ".join(lit(s) for s in exact)
        parts += [f"lower({src}) IN ({options})", f"replace(lower({src}), ' ', '') IN ({options})"]
    parts += [f"starts_with(replace(lower({src}), ' ', ''), {lit(p)})" for p in prefixes]
    return "(" + " OR ".join(parts) + ")"


def _enum_expr(src: str, col: Column, formats=(), fmt: str = "n._format") -> str:
    """Canonical spellings, and before them each export format's own words for its rows
    (value words are data: sources/formats/*.yaml). Rows of our own format evaluate the
    canonical CASE alone: the format's branch is chosen once per row by `_format`."""

    def case(pairs) -> str:
        return (
            "CASE " + " ".join(f"WHEN {_word_match(src, sp)} THEN {lit(k)}" for k, sp in pairs if sp) + " END"
        )

    canonical = case(col.values.items())
    branches = [
        f"WHEN {lit(f.name)} THEN coalesce({case(f.values[col.name].items())}, {canonical})"
        for f in formats
        if any(f.values.get(col.name, {}).values())
    ]
    if not branches:
        return canonical
    return f"CASE {fmt} {' '.join(branches)} ELSE {canonical} END"


def _range_conditions(typed: str, col: Column) -> list[str]:
    conds = []
    if col.min is not None:
        conds.append(f"{typed} < {lit(col.min)}")
    if col.max is not None:
        conds.append(f"{typed} > {lit(col.max)}")
    if col.min_exclusive is not None:
        conds.append(f"{typed} <= {lit(col.min_exclusive)}")
    return conds


@dataclass
class ColumnSQL:
    """How one column is typed and judged, in two layers so each parse runs once per cell.

    `core` (over the landed text `n.<col>`) is computed in an inner SELECT as `_c_<col>`;
    `typed`, `reasons` and `warnings` (over `t.<col>`, the text, and `t._c_<col>`) in the
    outer one. Without the split a date was parsed four times (value, bad_date,
    future_date, date_order) and an application number normalised five times.
    """

    core: str | None
    typed: str
    sqltype: str
    reasons: list[tuple[str, str]]  # (condition, reason)
    warnings: list[tuple[str, str]]  # (condition, warning)


def core_name(column: str) -> str:
    return q("_c_" + column)


def column_sql(contract: SourceContract, col: Column) -> ColumnSQL:
    """The typed value of one column, and the conditions that refuse or flag its row."""
    name = col.name
    n_src = f"n.{q(name)}"  # inner layer: the landed text
    src = f"t.{q(name)}"  # outer layer: the same text
    c = f"t.{core_name(name)}"  # outer layer: the parsed core
    core: str | None = None
    reasons: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    t = col.type
    if t == "date":
        core, typed, sqltype = f"parse_date({n_src})", c, "DATE"
        reasons.append((f"{src} IS NOT NULL AND {c} IS NULL", f"bad_date:{name}"))
        if col.not_future:
            # Filing, grant, registration, opening, certification and survey dates record events
            # that have happened; a later date is an error. Scheduled ends (lapse, expiry,
            # valid-until) may lie ahead and are not checked.
            reasons.append((f"{c} > DATE '{load_date().isoformat()}'", f"future_date:{name}"))
    elif t == "enum":
        core, typed, sqltype = _enum_expr(n_src, col, contract.formats), c, "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND {c} IS NULL", f"bad_enum:{name}"))
        for f in contract.formats:
            # a format's words read with doubt (PCT指定期内, 未确认 …): accepted, and the row says so
            if f.warn_values.get(name):
                warnings.append(
                    (
                        f"CASE WHEN t._format = {lit(f.name)} THEN {_word_match(src, f.warn_values[name])} END",
                        f"uncertain_value:{name}",
                    )
                )
        if col.default is not None:
            typed = f"coalesce({c}, {lit(col.default)})"
    elif t == "bool":
        # spellings of true and false from the contract (是/否, Y/N, true/false, 1/0); blank = unknown (NULL)
        core, typed, sqltype = _enum_expr(n_src, col, contract.formats), f"CAST({c} AS BOOLEAN)", "BOOLEAN"
        reasons.append((f"{src} IS NOT NULL AND {c} IS NULL", f"bad_enum:{name}"))
    elif t in ("int", "decimal"):
        core = f"parse_number({n_src})"
        reasons.append((f"{src} IS NOT NULL AND {c} IS NULL", f"bad_number:{name}"))
        if t == "int":
            reasons.append((f"{c} IS NOT NULL AND {c} <> round({c})", f"bad_number:{name}"))
            value = f"CASE WHEN {c} = round({c}) AND abs({c}) < 2147483647 THEN CAST({c} AS INTEGER) END"
            sqltype = "INTEGER"
        else:
            value = f"({c} * t.{q('_scale_' + name)})"
            sqltype = "DOUBLE"
        for cond in _range_conditions(value, col):
            reasons.append((f"{value} IS NOT NULL AND {cond}", f"out_of_range:{name}"))
        typed = value if col.default is None else f"coalesce({value}, {lit(col.default)})"
    elif t == "application_no":
        # the 12-digit form without check digit (CNIPA bulk XML) is completed, with a warning
        core, typed, sqltype = f"complete_application_no(norm_application_no({n_src}))", c, "VARCHAR"
        warnings.append((f"{c} <> norm_application_no({src})", f"no_check_digit:{name}"))
        reasons.append((f"{src} IS NOT NULL AND NOT valid_application_no({c})", f"bad_format:{name}"))
        warnings.append(
            (f"valid_application_no({c}) AND NOT application_no_check_ok({c})", f"check_digit:{name}")
        )
        if name == "application_no" and "patent_type" in contract.column_names:
            ptype = f"t.{core_name('patent_type')}"  # the type as written, before any default
            warnings.append(
                (
                    f"application_no_type({c}) IS NOT NULL AND {ptype} IS NOT NULL "
                    f"AND application_no_type({c}) <> {ptype}",
                    "type_conflict:application_no",
                )
            )
    elif t == "trademark_no":
        core, typed, sqltype = f"norm_trademark_no({n_src})", c, "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT valid_trademark_no({c})", f"bad_format:{name}"))
    elif t == "office":
        core, typed, sqltype = f"upper({n_src})", c, "VARCHAR"
        reasons.append(
            (f"{src} IS NOT NULL AND NOT regexp_full_match({c}, '[A-Z]{{2}}')", f"bad_format:{name}")
        )
        # CN is the home office, not an overseas grant (SOURCES.md).
        reasons.append((f"{c} = 'CN'", f"not_overseas:{name}"))
    elif t == "credit_code":
        core, typed, sqltype = f"norm_credit_code({n_src})", c, "VARCHAR"
        reasons.append((f"{src} IS NOT NULL AND NOT valid_credit_code({c})", f"bad_format:{name}"))
        warnings.append((f"valid_credit_code({c}) AND NOT credit_code_check_ok({c})", f"check_digit:{name}"))
    elif t == "ipc_list":
        core = (
            f"nullif(array_to_string(list_filter(list_transform(string_split({n_src}, ';'), "
            f"lambda x: trim(x)), lambda x: x <> ''), ';'), '')"
        )
        typed, sqltype = c, "VARCHAR"
    elif t == "pledge_items":
        kind = (
            _enum_expr(f"n.{q(col.kind_column)}", contract.column(col.kind_column), contract.formats)
            if col.kind_column
            else "NULL"
        )
        items = (
            f"list_filter(list_transform(regexp_split_to_array({n_src}, '[;,、]'), lambda x: trim(x)), "
            f"lambda x: x <> '')"
        )
        # the items normalised by the pledge's kind, as a list; its validity needs the kind again
        core = (
            f"list_transform({items}, lambda x: CASE WHEN ({kind}) = 'trademark' "
            f"THEN norm_trademark_no(x) ELSE complete_application_no(norm_application_no(x)) END)"
        )
        typed, sqltype = f"nullif(array_to_string({c}, ';'), '')", "VARCHAR"
        outer_kind = f"t.{core_name(col.kind_column)}" if col.kind_column else "NULL"
        bad = (
            f"len(list_filter({c}, lambda x: NOT CASE WHEN {outer_kind} = 'trademark' "
            f"THEN valid_trademark_no(x) ELSE valid_application_no(x) END)) > 0"
        )
        warnings.append((f"{src} IS NOT NULL AND {bad}", f"bad_item:{name}"))
    else:  # text, code, ipc
        typed, sqltype = src, "VARCHAR"
    reasons.insert(0, (f"length({src}) > {MAX_CELL_CHARS}", f"too_long:{name}"))
    if col.required and col.default is None:
        # a format that never gives this column (sources/formats/*.yaml `optional`) leaves it NULL
        exempt = [f.name for f in contract.formats if name in f.optional]
        cond = f"{src} IS NULL" + (
            f" AND t._format NOT IN ({', '.join(lit(x) for x in exempt)})" if exempt else ""
        )
        reasons.insert(0, (cond, f"missing:{name}"))
    return ColumnSQL(core, typed, sqltype, reasons, warnings)


def typed_select(contract: SourceContract, source_table: str) -> str:
    """SELECT producing typed columns, `_reasons` and `warnings` for every landed row."""
    cores: list[str] = []
    exprs: dict[str, str] = {}
    reasons: list[tuple[str, str]] = [("NOT t._cells_ok", "bad_row:cell_count")]
    warnings: list[tuple[str, str]] = []
    for col in contract.columns:
        sql = column_sql(contract, col)
        if sql.core is not None:
            cores.append(f"{sql.core} AS {core_name(col.name)}")
        exprs[col.name] = f"CAST({sql.typed} AS {sql.sqltype})"
        reasons += sql.reasons
        warnings += sql.warnings
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
    inner = ", ".join(["n.*", *cores])
    return (
        f"SELECT t._rid, t._file_order, t._row_number, t._source_file, t._snapshot_at, t._format, t._place, t._region,\n  {cols},\n"
        f"  {flags(reasons)} AS _reasons,\n  {flags(warnings)} AS warnings\n"
        f"FROM (SELECT {inner} FROM {source_table} AS n) AS t"
    )
