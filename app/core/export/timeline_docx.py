"""A chat timeline as DOCX (python-docx): provenance table, then one row per message."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Cm, Pt
from docx.table import Table, _Cell

from app.core.chats.timeline import Timeline
from app.core.export.docx import BODY_FONT, _add_field, _small, _text_width, restamp_zip
from app.core.export.docx_body import _repeat_as_header, core_property, xml_safe
from app.core.export.docx_body import set_widths as _set_widths
from app.core.export.timeline import (
    RUN_LABELS,
    created,
    footer_text,
    message_rows,
    provenance_items,
)

CELL_MARGINS = Pt(2 * 5.4 + 4)  # Table Grid's left and right cell margins (108 twips each), and a spare


def render(timeline: Timeline) -> bytes:
    doc = Document()
    section = doc.sections[0]
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    normal = doc.styles["Normal"].font  # the record of interview's: Word's default Calibri, where it is
    normal.name, normal.size = BODY_FONT, Pt(10)  # missing, fell back to a wider serif
    footer = section.footer.paragraphs[0]
    _small(footer.add_run(xml_safe(footer_text(timeline))))
    pages = section.footer.add_paragraph()
    _small(pages.add_run("Page "))
    _add_field(pages, "PAGE", "1")
    _small(pages.add_run(" of "))
    _add_field(pages, "NUMPAGES", "1")
    doc.core_properties.title = core_property(f"Timeline of {timeline.source.name}")
    doc.core_properties.created = doc.core_properties.modified = created(timeline)
    doc.add_heading(xml_safe(f"Timeline of {timeline.source.name}"), level=1)
    items = provenance_items(timeline)
    _docx_table(doc, items, None, [label_width([label for label, _ in items])])
    doc.add_paragraph()
    headings, body = message_rows(timeline)
    _docx_table(doc, body, headings, [Cm(3.2), Cm(3.0)])
    buffer = io.BytesIO()
    doc.save(buffer)
    return restamp_zip(buffer.getvalue(), created(timeline))


def label_width(labels: list[str]) -> int:
    """The provenance labels' column: as wide as the widest label a timeline can have, measured in
    DejaVu Sans (wider than Arial and Liberation Sans, so a label measured to fit does fit)."""
    from app.core.export.pdf import measure

    widest = max(measure("", 10).get_string_width(label) for label in [*labels, *RUN_LABELS.values()])
    return max(Cm(3.0), Pt(widest) + CELL_MARGINS)


def _docx_table(doc: DocumentObject, table_rows: list, headings: list[str] | None, fixed: list) -> None:
    columns = len(headings) if headings else 2
    table = doc.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    rest = _text_width(doc) - sum(fixed)
    flexible = columns - len(fixed)
    _set_widths(table, [*fixed, *([rest // flexible] * flexible)])  # before the rows: each row copies them
    grid = [g.w for g in table._tbl.tblGrid.gridCol_lst]
    if headings:
        for cell, heading in zip(_append_row(table, grid), headings):
            cell.paragraphs[0].add_run(heading).bold = True
        _repeat_as_header(table.rows[0])
    for row in table_rows:
        for cell, value in zip(_append_row(table, grid), row):
            cell.paragraphs[0].add_run(xml_safe(str(value)))


def _append_row(table: Table, widths: list) -> list[_Cell]:
    """A new last row, its cells `widths` wide. `Table.add_row` looks the grid up again for every
    row, in time growing with the table: a chat of 20,000 messages took minutes."""
    tr = table._tbl.add_tr()
    cells = []
    for width in widths:
        tc = tr.add_tc()
        if width is not None:
            tc.width = width
        cells.append(_Cell(tc, table))
    return cells
