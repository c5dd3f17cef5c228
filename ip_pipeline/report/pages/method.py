"""The method appendix: definitions, the progress formulas, the flags' meanings and the report's notes."""

from __future__ import annotations

from ..footnotes import Footnotes
from ..layout import Column, Document
from ..model import ReportData
from ..peers import load_national_targets, method_sentence
from ..texts import Texts
from .legend import legend, legend_height


def method(doc: Document, data: ReportData, t: Texts, notes: Footnotes) -> None:
    s, c = t.style.size, t.style.colour
    doc.section(4.0)
    doc.heading(t("method.heading"))
    doc.heading(t("method.definitions"), level=2)
    rows = [[t.name(sec.id), t.definition(sec.id)] for sec in data.sections]
    doc.table(
        [Column(t("cover.col_indicator"), 2.3), Column(t("method.definitions"), 4.6)],
        rows,
        size=s["table"] - 0.2,
    )
    doc.heading(t("method.progress"), level=2)
    doc.paragraph(t("method.progress_text"))
    for key in ("g_obs", "g_req", "ratio", "expected", "projection"):
        doc.formula(t.raw(f"method.formulas.{key}"))
    doc.formula(t.raw("method.symbols"), size=s["small"] + 0.3)
    doc.paragraph(t("method.growth_targets"))
    doc.paragraph(t("method.score"))
    doc.formula(t.raw("method.formulas.score"))
    doc.paragraph(t("method.scope"))
    doc.paragraph(t("method.pp"))
    doc.paragraph(t("method.lifecycle"))
    shown = {sec.id for sec in data.sections} | {f_row.id for f in data.finals[:1] for f_row in f.rows}
    peers_text = method_sentence(data.peers, load_national_targets(), shown, t)
    if peers_text:
        doc.paragraph(peers_text)
    doc.ensure(legend_height(compact=False))  # the whole legend, also when page 1 had no room for it
    legend(doc, t)
    doc.spacer(0.05)
    doc.heading(t("method.flags_heading"), level=2)
    items = notes.items()
    if not items:
        doc.paragraph(t("method.flags_none"), colour=c["muted"])
    else:
        # the flag's key stays in the XLSX; the page says what it means
        doc.table(
            [Column(t("xlsx.col_mark"), 0.5, "center"), Column(t("xlsx.col_meaning"), 6.4)],
            [[m, meaning] for m, _, meaning in items],
            size=s["table"] - 0.2,
        )
    if data.notes:
        doc.heading(t("method.notes_heading"), level=2)
        # a note is said once, however many reads it came from (one per plan, per section)
        for line in dict.fromkeys(t(key, **values) for key, values in data.notes):
            doc.paragraph("· " + line, size=s["small"] + 0.5)
