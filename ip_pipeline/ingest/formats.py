"""Export formats as data (REAL_EXPORTS.md): how a vendor's header row and words map onto a contract.

A format is a YAML file in `sources/formats/` naming its source. It says which headers
recognise it (`detect`), which header(s) feed each contract column (`columns`, a list is a
per-row fallback: the first non-empty wins), the format's own enum words (`values`),
words accepted with a warning (`warn_values`), multi-valued columns and their
separators (`split`), columns derived from a cell (`pattern`, a condition `when`, a
constant `value`), columns this format never gives (`optional`) and the location hints
`_place` (a county-level name column) and `_region` (a province or city, by name or
code), read together by administrative levels (districts.py, addresses.py: `region`).

The code here only interprets those files: a file's header row picks its plan
(`plan_header`), and the plan turns each batch of cells into contract columns with
Arrow kernels (`HeaderPlan.assemble`), never a Python loop over rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from .errors import SourceFileError

CANONICAL = "canonical"
DETECT = "(detect)"  # marks a recognising header a file lacks, in a format's list of what is missing
HINT_COLUMNS = ("_place", "_region")  # location hints landed beside the contract's columns
DEFAULT_SEPARATORS = (" | ", "|", "；", ";")


class FormatError(ValueError):
    """A format file that does not say what the code needs."""


def norm_header(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def norm_word(text: str) -> str:
    """A cell's words as they arrive after normalisation (NFKC, trimmed, spaces collapsed)."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split())


@dataclass(frozen=True)
class Candidate:
    """One way to fill a column: a header's cell (maybe only when another cell has a word,
    maybe only the part a pattern captures), or a constant."""

    header: str | None  # normalised header
    label: str  # as written in the YAML
    when_header: str | None = None
    when_label: str | None = None
    when_words: tuple[str, ...] = ()
    when_regex: str | None = None
    pattern: str | None = None
    value: str | None = None
    join: tuple[str, ...] = ()  # normalised headers whose cells are joined (all present, all non-empty)
    join_labels: tuple[str, ...] = ()
    separator: str = "@"


@dataclass(frozen=True)
class Derivation:
    """A column derived from another (already built) column by regular expressions, per row,
    when the file gives no value for it: [(regex, word)], the first match wins."""

    source: str
    patterns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    source: str
    title: str
    path: str
    detect: tuple[str, ...]
    detect_labels: tuple[str, ...]
    columns: dict[str, tuple[Candidate, ...]]
    values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    warn_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    split: tuple[str, ...] = ()
    separators: tuple[str, ...] = DEFAULT_SEPARATORS
    optional: tuple[str, ...] = ()


def _candidate(raw: Any, where: str) -> Candidate:
    if isinstance(raw, str):
        return Candidate(norm_header(raw), raw)
    if not isinstance(raw, dict):
        raise FormatError(f"{where}: expected a header or a mapping, got {raw!r}")
    when = raw.get("when") or {}
    if when and ("header" not in when or ("in" not in when and "matches" not in when)):
        raise FormatError(
            f"{where}: 'when' needs 'header' and 'in' (words) or 'matches' (a regular expression)"
        )
    conditions = dict(
        when_header=norm_header(when["header"]) if when else None,
        when_label=str(when["header"]) if when else None,
        when_words=tuple(norm_word(w) for w in when.get("in", [])) if when else (),
        when_regex=when.get("matches") if when else None,
    )
    if "value" in raw:
        return Candidate(None, f"= {raw['value']}", value=str(raw["value"]), **conditions)
    if "join" in raw:
        labels = tuple(str(h) for h in raw["join"])
        return Candidate(
            None,
            " + ".join(labels),
            join=tuple(norm_header(h) for h in labels),
            join_labels=labels,
            separator=str(raw.get("separator", "@")),
        )
    if "header" not in raw:
        raise FormatError(f"{where}: a mapping needs 'header' or 'value'")
    when = raw.get("when") or {}
    if when and ("header" not in when or ("in" not in when and "matches" not in when)):
        raise FormatError(
            f"{where}: 'when' needs 'header' and 'in' (words) or 'matches' (a regular expression)"
        )
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            if re.compile(pattern).groups != 1:
                raise FormatError(f"{where}: pattern {pattern!r} must have exactly one group (the value)")
        except re.error as exc:
            raise FormatError(f"{where}: pattern {pattern!r} is not a regular expression ({exc})") from None
    return Candidate(
        norm_header(raw["header"]),
        str(raw["header"]),
        when_header=norm_header(when["header"]) if when else None,
        when_label=str(when["header"]) if when else None,
        when_words=tuple(norm_word(w) for w in when.get("in", [])) if when else (),
        when_regex=when.get("matches") if when else None,
        pattern=pattern,
    )


def parse_format(doc: dict[str, Any], path: str, columns: set[str]) -> ExportFormat:
    where = path
    for key in ("source", "name", "detect", "columns"):
        if key not in doc:
            raise FormatError(f"{where}: missing {key!r}")
    cols: dict[str, tuple[Candidate, ...]] = {}
    for col, spec in (doc["columns"] or {}).items():
        if col not in columns and col not in HINT_COLUMNS:
            raise FormatError(f"{where}: column {col!r} is not a column of source {doc['source']}")
        specs = spec if isinstance(spec, list) else [spec]
        cols[col] = tuple(_candidate(s, f"{where}: {col}") for s in specs)
    values = {}
    for col, words in (doc.get("values") or {}).items():
        if col not in columns:
            raise FormatError(f"{where}: values for unknown column {col!r}")
        values[col] = {str(k): tuple(norm_word(w) for w in (v or [])) for k, v in words.items()}
    warn_values = {c: tuple(norm_word(w) for w in ws) for c, ws in (doc.get("warn_values") or {}).items()}
    split = doc.get("split") or {}
    if isinstance(split, list):
        split = {"columns": split}
    detect = [str(h) for h in doc["detect"]]
    if not detect:
        raise FormatError(f"{where}: 'detect' lists no header")
    return ExportFormat(
        name=str(doc["name"]),
        source=str(doc["source"]),
        title=str(doc.get("title", doc["name"])),
        path=path,
        detect=tuple(norm_header(h) for h in detect),
        detect_labels=tuple(detect),
        columns=cols,
        values=values,
        warn_values=warn_values,
        split=tuple(split.get("columns", [])),
        separators=tuple(split.get("separators", DEFAULT_SEPARATORS)),
        optional=tuple(doc.get("optional", []) or []),
    )


def load_formats(directory: Path, source: str, columns: set[str]) -> tuple[ExportFormat, ...]:
    """Every `formats/*.yaml` beside the source YAMLs whose `source` is this source, by file name."""
    folder = directory / "formats"
    if not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if doc.get("source") != source:
            continue
        out.append(parse_format(doc, f"sources/formats/{path.name}", columns))
    names = [f.name for f in out]
    if len(set(names)) != len(names) or CANONICAL in names:
        raise FormatError(
            f"sources/formats: format names of {source} must be unique and not {CANONICAL!r}: {names}"
        )
    return tuple(out)


def sep_regex(separators: tuple[str, ...]) -> str:
    alts = sorted({s.strip() or s for s in separators}, key=len, reverse=True)
    return r"\s*(?:" + "|".join(re.escape(a) for a in alts) + r")\s*"


# ---- A file's plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slot: int | None  # index into the plan's input slots; None for a constant
    when_slot: int | None = None
    when_words: tuple[str, ...] = ()
    when_regex: str | None = None
    pattern: str | None = None
    value: str | None = None
    join_slots: tuple[int, ...] = ()
    separator: str = "@"


@dataclass
class HeaderPlan:
    """How one file's header row becomes contract columns."""

    source: str
    label: str
    format: str
    columns: list[str]  # contract columns, in order
    positions: list[int] = field(default_factory=list)  # file position of each input slot
    steps: dict[str, list[Step]] = field(default_factory=dict)
    derive: dict[str, Derivation] = field(default_factory=dict)
    split: tuple[str, ...] = ()
    separators: tuple[str, ...] = DEFAULT_SEPARATORS
    agree: list[tuple[str, str, str, int, int]] = field(
        default_factory=list
    )  # (column, header, header, slot, slot)
    date_slots: set[int] = field(default_factory=set)

    @property
    def slot_names(self) -> list[str]:
        return [f"_s{i}" for i in range(len(self.positions))]

    def slot(self, position: int) -> int:
        if position in self.positions:
            return self.positions.index(position)
        self.positions.append(position)
        return len(self.positions) - 1

    def assemble(self, raw: pa.RecordBatch, norm: pa.RecordBatch) -> tuple[pa.RecordBatch, pa.RecordBatch]:
        """(raw, normalised) input batches -> (raw, normalised) batches of contract columns,
        `_place`, `_region`, `_format`, `_row_number`, `_cells_ok`. A column's raw text is the cell
        its normalised value came from (whole: a pattern or split changes only the normalised one)."""
        n = norm.num_rows
        null = pa.nulls(n, pa.string())
        rs = [raw.column(i) for i in range(len(self.positions))]
        ns = [norm.column(i) for i in range(len(self.positions))]
        for column, h1, h2, a, b in self.agree:
            same = pc.fill_null(pc.equal(ns[a], ns[b]), False)
            same = pc.or_(same, pc.and_(pc.is_null(ns[a]), pc.is_null(ns[b])))
            if not pc.all(same).as_py():
                first = pc.index(same, False).as_py()
                row = norm.column("_row_number")[first].as_py()
                raise SourceFileError(
                    self.source,
                    self.label,
                    f"has two headers for column {column}, {h1!r} and {h2!r}, whose values differ "
                    f"(first at data row {row}: {ns[a][first].as_py()!r} against {ns[b][first].as_py()!r}); "
                    f"remove one of them or make them agree",
                )
        out_raw: dict[str, pa.Array] = {}
        out_norm: dict[str, pa.Array] = {}
        split_re = sep_regex(self.separators)
        for column in [*self.columns, *HINT_COLUMNS]:
            r_val, n_val = null, null
            steps = self.steps.get(column, [])
            if (
                len(steps) == 1
                and steps[0].slot is not None
                and steps[0].pattern is None
                and steps[0].when_slot is None
            ):
                r_val, n_val = rs[steps[0].slot], ns[steps[0].slot]  # one cell, as it is: nearly every column
                steps = []
            for step in reversed(steps):
                if step.join_slots:
                    r_k = pc.binary_join_element_wise(*[rs[i] for i in step.join_slots], step.separator)
                    n_k = pc.binary_join_element_wise(*[ns[i] for i in step.join_slots], step.separator)
                elif step.slot is None:
                    r_k = n_k = pa.repeat(pa.scalar(step.value, pa.string()), n)
                else:
                    r_k, n_k = rs[step.slot], ns[step.slot]
                if step.pattern is not None:
                    hit = pc.fill_null(pc.match_substring_regex(n_k, step.pattern), False)
                    n_k = pc.if_else(
                        hit,
                        pc.replace_substring_regex(
                            n_k, pattern="^.*?" + step.pattern + ".*$", replacement=r"\1"
                        ),
                        null,
                    )
                    n_k = pc.if_else(
                        pc.equal(pc.utf8_trim_whitespace(n_k), ""), null, pc.utf8_trim_whitespace(n_k)
                    )
                if step.when_slot is not None:
                    if step.when_regex is not None:
                        ok = pc.match_substring_regex(ns[step.when_slot], step.when_regex)
                    else:
                        ok = pc.is_in(ns[step.when_slot], value_set=pa.array(step.when_words, pa.string()))
                    n_k = pc.if_else(pc.fill_null(ok, False), n_k, null)
                valid = pc.is_valid(n_k)
                r_val = pc.if_else(valid, r_k, r_val)
                n_val = pc.if_else(valid, n_k, n_val)
            if column in self.split:
                n_val = pc.replace_substring_regex(n_val, pattern=split_re, replacement=";")
            if column in HINT_COLUMNS:  # a hint is about the principal (first) holder
                n_val = pc.replace_substring_regex(
                    n_val, pattern="^(.*?)" + split_re + ".*$", replacement=r"\1"
                )
            out_raw[column], out_norm[column] = r_val, n_val
        for column, d in self.derive.items():
            src = out_norm[d.source]
            derived = null
            for regex, word in reversed(d.patterns):
                hit = pc.fill_null(pc.match_substring_regex(src, regex), False)
                derived = pc.if_else(hit, pa.scalar(word, pa.string()), derived)
            out_norm[column] = pc.coalesce(out_norm[column], derived)
            out_raw[column] = pc.if_else(pc.is_valid(out_raw[column]), out_raw[column], derived)
        fmt = pa.repeat(pa.scalar(self.format, pa.string()), n)
        tail_names = ["_format", "_row_number", "_cells_ok"]

        def batch(cols: dict[str, pa.Array], src: pa.RecordBatch) -> pa.RecordBatch:
            arrays = list(cols.values()) + [fmt, src.column("_row_number"), src.column("_cells_ok")]
            return pa.RecordBatch.from_arrays(arrays, names=[*cols.keys(), *tail_names])

        return batch(out_raw, raw), batch(out_norm, norm)


def _lacks(lacks: list[tuple[str, str]]) -> str:
    columns = [f"{h} ({c})" for c, h in lacks if c != DETECT]
    detect = [h for c, h in lacks if c == DETECT]
    parts = columns + ([f"the header(s) that recognise it, {', '.join(detect)}"] if detect else [])
    return " and ".join([", ".join(columns)] + parts[len(columns) :]) if columns else parts[0]


def _missing_message(missing: list[tuple[str, str]]) -> str:
    return ", ".join(f"{h} ({c})" for c, h in missing)


def _format_plan(
    fmt: ExportFormat,
    contract,
    label: str,
    present: dict[str, list[int]],
    header: list[str],
    derive: dict[str, Derivation],
) -> tuple[HeaderPlan, list[tuple[str, str]], dict[str, str]]:
    """The plan of a file read by `fmt`, what required columns it lacks, and column -> header found."""
    plan = HeaderPlan(
        contract.name, label, fmt.name, contract.column_names, split=fmt.split, separators=fmt.separators
    )
    found: dict[str, str] = {}
    date_columns = {c.name for c in contract.columns if c.type == "date"}
    for column, candidates in fmt.columns.items():
        steps = []
        for cand in candidates:
            if cand.value is not None:
                if cand.when_header is not None and not present.get(cand.when_header):
                    continue
                when_slot = plan.slot(present[cand.when_header][0]) if cand.when_header else None
                steps.append(Step(None, when_slot, cand.when_words, cand.when_regex, value=cand.value))
                found.setdefault(column, cand.label)
                continue
            if cand.join:
                if all(present.get(h) for h in cand.join):
                    steps.append(
                        Step(
                            None,
                            join_slots=tuple(plan.slot(present[h][0]) for h in cand.join),
                            separator=cand.separator,
                        )
                    )
                    found.setdefault(column, cand.label)
                continue
            where = present.get(cand.header)
            if not where:
                continue
            if cand.when_header is not None and not present.get(cand.when_header):
                continue
            s = plan.slot(where[0])
            for other in where[1:]:
                plan.agree.append(
                    (column, header[where[0]].strip(), header[other].strip(), s, plan.slot(other))
                )
            when_slot = plan.slot(present[cand.when_header][0]) if cand.when_header else None
            steps.append(Step(s, when_slot, cand.when_words, cand.when_regex, cand.pattern))
            found.setdefault(column, header[where[0]].strip())
            if column in date_columns:
                plan.date_slots.add(s)
        if steps:
            plan.steps[column] = steps
    plan.derive = {c: d for c, d in derive.items() if d.source in plan.steps}
    missing = [
        (c.name, _wanted(fmt, c))
        for c in contract.columns
        if c.required and c.default is None and c.name not in plan.steps and c.name not in fmt.optional
    ]
    missing += [(DETECT, lbl) for h, lbl in zip(fmt.detect, fmt.detect_labels) if h not in present]
    return plan, missing, found


def _wanted(fmt: ExportFormat, col) -> str:
    labels = [c.label for c in fmt.columns.get(col.name, ()) if c.value is None]
    return " or ".join(labels) if labels else col.header


def _canonical_plan(
    contract, label: str, header: list[str], derive: dict[str, Derivation]
) -> tuple[HeaderPlan, list[tuple[str, str]], dict[str, str], dict[str, float], list[str]]:
    known = contract.header_map
    plan = HeaderPlan(contract.name, label, CANONICAL, contract.column_names)
    found: dict[str, str] = {}
    scales: dict[str, float] = {}
    ignored: list[str] = []
    date_columns = {c.name for c in contract.columns if c.type == "date"}
    for i, cell in enumerate(header):
        hit = known.get(norm_header(cell or ""))
        if hit is None:
            if (cell or "").strip():
                ignored.append(str(cell).strip())
            continue
        column, scale = hit
        s = plan.slot(i)
        if column in plan.steps:
            # Two headers of one file for one column: they must agree on every row (SOURCES.md).
            first = plan.steps[column][0].slot
            plan.agree.append((column, found[column], str(cell).strip(), first, s))
            continue
        plan.steps[column] = [Step(s)]
        found[column] = str(cell).strip()
        if scale != 1.0:
            scales[column] = scale
        if column in date_columns:
            plan.date_slots.add(s)
    plan.derive = {c: d for c, d in derive.items() if d.source in plan.steps}
    missing = [(c.name, c.header) for c in contract.columns if c.required and c.name not in plan.steps]
    return plan, missing, found, scales, ignored


def plan_header(header: list[str], contract, label: str, info) -> HeaderPlan:
    """Recognise the file's format from its header row and plan its columns; refuse the file,
    naming the closest format and what it lacks, when it matches none."""
    present: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        h = norm_header(cell or "")
        if h:
            present.setdefault(h, []).append(i)
    derive = contract.derivations
    formats = getattr(contract, "formats", ()) or ()
    detected = [f for f in formats if all(d in present for d in f.detect)]
    if detected:
        fmt = max(detected, key=lambda f: len(f.detect))  # the most specific; ties: the first by file name
        plan, missing, found = _format_plan(fmt, contract, label, present, header, derive)
        if missing:
            raise SourceFileError(
                contract.name,
                label,
                f"is recognised as {fmt.title} ({fmt.path}) by its header(s) "
                f"{', '.join(fmt.detect_labels)} but lacks required column(s) "
                f"{_missing_message(missing)}; header found: {_found(header)}",
            )
        used = {plan.positions[i] for i in range(len(plan.positions))}
        info.ignored_headers.extend(
            str(h).strip() for i, h in enumerate(header) if i not in used and str(h or "").strip()
        )
        info.columns.update(found)
        info.format = fmt.name
        return plan
    plan, missing, found, scales, ignored = _canonical_plan(contract, label, header, derive)
    if missing:
        hint = next(
            (
                f" (the file seems to be separated by {sep!r}; CSV must be comma separated)"
                for sep in (";", "\t", "|")
                if len(header) == 1 and sep in str(header[0] or "")
            ),
            "",
        )
        closest = ""
        if formats:
            scored = []
            for f in formats:
                _, lacks, _ = _format_plan(f, contract, label, present, header, derive)
                scored.append((len(lacks), f, lacks))
            n, f, lacks = min(scored, key=lambda t: t[0])
            closest = (
                f"; it matches no known export format either: the closest, {f.title} ({f.path}), "
                f"lacks {_lacks(lacks)}"
            )
        raise SourceFileError(
            contract.name,
            label,
            f"lacks required column(s) {_missing_message(missing)}{closest}; "
            f"header found: {_found(header)}{hint}",
        )
    info.columns.update(found)
    info.scales.update(scales)
    info.ignored_headers.extend(ignored)
    info.format = CANONICAL
    return plan


def _found(header: list[str]) -> str:
    return ", ".join(str(h).strip() for h in header if str(h or "").strip()) or "nothing"
