"""Footnote marks for data flags: the first flag seen gets ①, the next ②, and the method page explains each."""

from __future__ import annotations

from .texts import Texts


class Footnotes:
    def __init__(self, t: Texts):
        self.t = t
        self.order: list[str] = []

    def mark(self, flags: list[str]) -> str:
        """The marks of a cell, in number order (①③, never ③①): numbers follow first appearance."""
        for flag in flags:
            if flag not in self.order:
                self.order.append(flag)
        return "".join(self._symbol(i) for i in sorted({self.order.index(f) for f in flags}))

    def _symbol(self, i: int) -> str:
        marks = self.t.style.marks
        return marks[i] if i < len(marks) else f"[{i + 1}]"

    def explain(self, flag: str) -> str:
        key, _, param = flag.partition(":")
        if self.t.has(f"flags.{key}"):
            return self.t(f"flags.{key}", param=param, base_year=self.t.plan.base_year)
        return self.t("method.flag_unknown", flag=flag)

    def items(self) -> list[tuple[str, str, str]]:
        """(mark, flag, meaning) in the order the marks were given."""
        return [(self._symbol(i), f, self.explain(f)) for i, f in enumerate(self.order)]


def section_flags(flags: list[str], progress: dict | None) -> list[str]:
    """The value's own flags plus the plan comparison's (a computed base is a flag of the progress row)."""
    out = list(flags)
    p = progress or {}
    pf = p.get("flags")
    if pf is not None:
        out += [str(f) for f in list(pf)]
    if p.get("base_computed") is not None and bool(p["base_computed"]) and "computed_base" not in out:
        out.append("computed_base")
    return sorted(dict.fromkeys(out))
