"""A chat timeline as JSON, DOCX and PDF.

    write_timeline(timeline, folder, basename, formats) -> list[Path]

Rows in chat order: time (as written, and the normalised date-time or
"date ambiguous"), sender, the message (or, for a voice note, its transcript;
a missing attachment is said to be missing), and the translation when one was
made. Every page of the DOCX and PDF carries a provenance footer: the export's
name and SHA-256, the software and the models whose output it shows.
"""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Cm
from fpdf import FPDF, FontFace

from app.core.chats.timeline import Timeline, TimelineEntry, timeline_dict
from app.core.evidence.provenance import software_info
from app.core.export.base import ExportError, safe_write
from app.core.export.docx import _add_field, _small, _text_width, restamp_zip
from app.core.export.docx_body import _repeat_as_header, xml_safe
from app.core.export.docx_body import set_widths as _set_widths
from app.core.export.pdf import FONT, FONT_FILES, MARGIN_MM, _complex_char, font_path

TIMELINE_FORMATS = ("json", "docx", "pdf")
HEADING = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))


def parse_timeline_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in TIMELINE_FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown timeline format {', '.join(unknown) or '(none)'}; "
                          f"choose from {', '.join(TIMELINE_FORMATS)}")
    return formats


# --- shared wording ----------------------------------------------------------------


def footer_text(timeline: Timeline) -> str:
    sw = software_info()
    models = ", ".join(f"{m.name} ({m.sha256[:12]})" if m.sha256 else m.name for m in timeline.models)
    return (f"Source {timeline.source.name} — SHA-256 {timeline.source.sha256} — {sw.name} {sw.version}"
            + (f" — models: {models}" if models else ""))


def provenance_items(timeline: Timeline) -> list[tuple[str, str]]:
    src = timeline.source
    items = [("Source", src.path), ("SHA-256", src.sha256), ("Size", f"{src.bytes:,} bytes"),
             ("Container", timeline.container),
             ("Chats", "; ".join(f"{name} (dates: {order or 'as written'})" for name, order in timeline.chats)),
             ("Messages", str(len(timeline.entries))), ("Created", timeline.created_at)]
    for m in timeline.models:
        items.append(("Model", f"{m.name} ({m.family}) SHA-256 {m.sha256}"))
    if timeline.target_language:
        items.append(("Translated to", timeline.target_language))
    sw = software_info()
    items.append(("Software", f"{sw.name} {sw.version}"))
    return items


def time_cell(e: TimelineEntry) -> str:
    iso = e.datetime.replace("T", " ") if e.datetime else ("date ambiguous" if e.time else "no time")
    return f"{e.time}\n{iso}" if e.time else iso


def message_cell(e: TimelineEntry) -> str:
    lines = []
    a = e.attachment
    if a is not None:
        label = {"audio": "Voice note", "video": "Video"}.get(a.kind, "Attachment")
        name = a.name or a.placeholder or "(no name)"
        if a.missing:
            lines.append(f"[{label} {name}: MISSING from the export]")
        elif a.transcript is not None:
            lines.append(f"[{label} {name}, transcript]\n{a.transcript}")
        else:
            reason = f" ({a.error})" if a.error else ""
            lines.append(f"[{label} {name}{reason}]")
    if e.text:
        lines.append(e.text)
    if e.system:
        lines.append("(system note)")
    if e.note:
        lines.append(f"({e.note})")
    return "\n".join(lines)


def translation_cell(e: TimelineEntry) -> str:
    parts = [t for t in (e.attachment.translation if e.attachment else None, e.translation) if t]
    return "\n".join(parts)


def _has_translation(timeline: Timeline) -> bool:
    return any(translation_cell(e) for e in timeline.entries)


def _rows(timeline: Timeline) -> tuple[list[str], list[list[str]]]:
    bilingual = _has_translation(timeline)
    headings = ["Time", "Sender", "Message"] + (["Translation"] if bilingual else [])
    rows = []
    for e in timeline.entries:
        row = [time_cell(e), e.sender or "", message_cell(e)]
        if bilingual:
            row.append(translation_cell(e))
        rows.append(row)
    return headings, rows


def _created(timeline: Timeline) -> datetime:
    try:
        value = datetime.fromisoformat(timeline.created_at.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1980, 1, 1, tzinfo=timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# --- renderers ---------------------------------------------------------------------


def render_json(timeline: Timeline) -> bytes:
    return (json.dumps(timeline_dict(timeline), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_docx(timeline: Timeline) -> bytes:
    doc = Document()
    section = doc.sections[0]
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    footer = section.footer.paragraphs[0]
    _small(footer.add_run(xml_safe(footer_text(timeline))))
    pages = section.footer.add_paragraph()
    _small(pages.add_run("Page "))
    _add_field(pages, "PAGE", "1")
    _small(pages.add_run(" of "))
    _add_field(pages, "NUMPAGES", "1")
    doc.core_properties.title = f"Timeline of {timeline.source.name}"
    doc.core_properties.created = doc.core_properties.modified = _created(timeline)
    doc.add_heading(xml_safe(f"Timeline of {timeline.source.name}"), level=1)
    _docx_table(doc, provenance_items(timeline), None, [Cm(3.0)])
    doc.add_paragraph()
    headings, rows = _rows(timeline)
    _docx_table(doc, rows, headings, [Cm(3.2), Cm(3.0)])
    buffer = io.BytesIO()
    doc.save(buffer)
    return restamp_zip(buffer.getvalue(), _created(timeline))


def _docx_table(doc: DocumentObject, rows, headings: list[str] | None, fixed: list) -> None:
    columns = len(headings) if headings else 2
    table = doc.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    if headings:
        cells = table.add_row().cells
        for cell, heading in zip(cells, headings):
            cell.paragraphs[0].add_run(heading).bold = True
        _repeat_as_header(table.rows[0])
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.paragraphs[0].add_run(xml_safe(str(value)))
    rest = _text_width(doc) - sum(fixed)
    flexible = columns - len(fixed)
    _set_widths(table, [*fixed, *([rest // flexible] * flexible)])


class _TimelinePdf(FPDF):
    def __init__(self, timeline: Timeline) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_line = footer_text(timeline)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 8)
        for style, filename in FONT_FILES.items():
            self.add_font(FONT, style, str(font_path(filename)))
        self.set_font(FONT, size=9)
        self.set_creation_date(_created(timeline))
        self.set_title(f"Timeline of {timeline.source.name}")
        if _needs_shaping(timeline) and importlib.util.find_spec("uharfbuzz") is not None:
            self.set_text_shaping(True)  # Arabic joining and right-to-left runs

    def footer(self) -> None:
        self.set_y(-MARGIN_MM - 6)
        self.set_font(FONT, size=6.5)
        self.set_text_color(90)
        self.multi_cell(0, 3, self.footer_line, align="L", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 3, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)
        self.set_font(FONT, size=9)


def _needs_shaping(timeline: Timeline) -> bool:
    texts = (t for e in timeline.entries for t in (e.text, e.sender or "", message_cell(e),
                                                   translation_cell(e)))
    return any(_complex_char(ch) for text in texts for ch in text if ord(ch) >= 0x0590)


def render_pdf(timeline: Timeline) -> bytes:
    pdf = _TimelinePdf(timeline)
    pdf.add_page()
    pdf.set_font(FONT, "B", size=14)
    pdf.multi_cell(0, 8, f"Timeline of {timeline.source.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    with pdf.table(col_widths=(22, 78), first_row_as_headings=False, text_align="LEFT",
                   line_height=4.5, padding=1) as table:
        for label, value in provenance_items(timeline):
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(4)
    headings, rows = _rows(timeline)
    rest = pdf.epw - 30 - 26
    widths = (30, 26, *([rest / (len(headings) - 2)] * (len(headings) - 2)))
    with pdf.table(col_widths=widths, headings_style=HEADING, text_align="LEFT", v_align="TOP",
                   line_height=4.5, padding=1, repeat_headings=1) as table:
        table.row(headings)
        for row in rows:
            table.row(row)
    return bytes(pdf.output())


RENDERERS = {"json": render_json, "docx": render_docx, "pdf": render_pdf}


def write_timeline(timeline: Timeline, folder: Path, basename: str, formats: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = folder / f"{basename}.timeline.{fmt}"
        safe_write(path, RENDERERS[fmt](timeline))
        written.append(path)
    return written
