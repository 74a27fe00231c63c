"""Evidential DOCX (python-docx): the record of interview, with the same content as the PDF.

The header fields and the provenance in words as two tables, then the text with
every line numbered in the margin (Word's own line numbering: a court can cite
"page 3, line 12"), or a numbered side-by-side table for a translation, then the
closing statement (docx_body.py). Every page has a header (case and exhibit
references; "DRAFT — NOT VERIFIED" and a DRAFT watermark until verified) and a
footer with the source's SHA-256, the status and "Page X of Y" (Word fields).

Reruns are byte-identical: core properties come from transcript.created_at and
the ZIP entries are re-stamped with that time (python-docx stamps "now").
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from app.core.export import record
from app.core.export.base import created_datetime, has_source_text, register
from app.core.export.docx_body import (
    add_body,
    add_changes,
    add_closing,
    add_front,
    core_property,
    unnumbered,
    xml_safe,
)
from app.core.export.head_fit import fitted_head
from app.core.export.pdf import measure
from app.core.types import Transcript

MARGIN = Cm(1.8)
LEFT_MARGIN = Cm(2.4)  # room for the line numbers
RED, GREY, BLACK = RGBColor(0xB0, 0x00, 0x00), RGBColor(0x70, 0x70, 0x70), RGBColor(0, 0, 0)
BODY_FONT = "Arial"  # Word: has Latin, Cyrillic, Greek, Arabic; LibreOffice: Liberation Sans
WATERMARK_XML = (
    '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<w:pPr><w:suppressLineNumbers/></w:pPr><w:r><w:pict><v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"'
    ' path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
    '<v:textpath on="t" fitshape="t"/></v:shapetype>'
    '<v:shape id="PowerPlusWaterMarkObject" o:spid="_x0000_s2049" type="#_x0000_t136"'
    ' style="position:absolute;margin-left:0;margin-top:0;width:440pt;height:150pt;rotation:315;'
    'z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;'
    'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f"'
    ' fillcolor="#d8d8d8" stroked="f"><v:fill opacity=".6"/>'
    '<v:textpath style="font-family:&quot;Arial&quot;;font-size:1pt" string="{text}"/>'
    '</v:shape></w:pict></w:r></w:p>'
)


class DocxExporter:
    name = "docx"
    extension = "docx"
    binary = True

    def render(self, transcript: Transcript) -> bytes:
        doc = build_document(transcript)
        buffer = io.BytesIO()
        doc.save(buffer)
        return restamp_zip(buffer.getvalue(), created_datetime(transcript))


def build_document(transcript: Transcript) -> DocumentObject:
    doc = Document()
    bilingual = has_source_text(transcript)
    _setup_page(doc, landscape=bilingual)
    if not bilingual:
        _number_lines(doc)
        _line_number_style(doc)
    _set_core_properties(doc, transcript)
    _add_header(doc, transcript)
    _add_footer(doc, transcript)
    add_front(doc, transcript)
    add_body(doc, transcript)
    add_changes(doc, transcript)
    add_closing(doc, transcript)
    return doc


# --- page, properties --------------------------------------------------------


def _setup_page(doc: DocumentObject, landscape: bool) -> None:
    """A4 (portrait, or landscape for the side-by-side translation)."""
    section = doc.sections[0]
    short, long = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("right_margin", "top_margin"):
        setattr(section, side, MARGIN)
    section.bottom_margin = Cm(2.3)  # the footer's two lines above the page's edge
    section.left_margin = MARGIN if landscape else LEFT_MARGIN
    normal = doc.styles["Normal"].font
    normal.name = BODY_FONT
    normal.size = Pt(10)
    for name in ("Heading 1", "Heading 2"):
        doc.styles[name].font.color.rgb = BLACK


def _line_number_style(doc: DocumentObject) -> None:
    """Word's "Line Number" character style: the numbers small and grey, not body size."""
    style = doc.styles.add_style("Line Number", WD_STYLE_TYPE.CHARACTER)
    style.font.size = Pt(7)
    style.font.color.rgb = GREY


def _number_lines(doc: DocumentObject) -> None:
    """Word's line numbering: every line, continuous through the document, in the margin."""
    numbering = OxmlElement("w:lnNumType")
    numbering.set(qn("w:countBy"), "1")
    numbering.set(qn("w:restart"), "continuous")
    numbering.set(qn("w:distance"), str(Cm(0.5).twips))
    sect_pr = doc.sections[0]._sectPr
    page_margins = sect_pr.find(qn("w:pgMar"))
    page_margins.addnext(numbering)  # schema order: pgSz, pgMar, ..., lnNumType, ..., cols


def _set_core_properties(doc: DocumentObject, transcript: Transcript) -> None:
    props = doc.core_properties
    when = created_datetime(transcript).replace(tzinfo=None)  # python-docx writes it as UTC
    software = f"{transcript.software.name} {transcript.software.version}".strip()
    props.title = core_property(f"{record.heading(transcript)}: {record.subtitle(transcript)}")
    props.subject = f"SHA-256 of source: {transcript.source.sha256}"
    props.identifier = transcript.source.sha256
    props.author = software
    props.last_modified_by = software
    props.comments = core_property(f"Status: {record.status_text(transcript)}")
    props.keywords = ""
    props.category = record.heading(transcript).lower()  # "record of interview" or "transcript of a recording"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1


# --- header and footer -------------------------------------------------------


def _add_header(doc: DocumentObject, transcript: Transcript) -> None:
    header = doc.sections[0].header
    para = _tight(unnumbered(header.paragraphs[0]))
    para.style = doc.styles["Normal"]  # the Header style's own tab stops would catch the tab
    _small(para.add_run(_fitted_head(doc, transcript)))
    if record.is_draft(transcript):
        mark = _small(para.add_run(f"\t{record.DRAFT_HEAD}"))
        mark.bold, mark.font.color.rgb = True, RED
        para.paragraph_format.tab_stops.add_tab_stop(_text_width(doc), alignment=2)  # right
        header._element.append(parse_xml(WATERMARK_XML.format(text=record.DRAFT_MARK)))


def _fitted_head(doc: DocumentObject, transcript: Transcript) -> str:
    """The running head on one line beside the DRAFT mark, cut as the PDF's is (head_fit): it wrapped
    to a second line, and ran into the page's first heading in LibreOffice."""
    room = Length(_text_width(doc)).pt
    if record.is_draft(transcript):
        room -= measure("B", 8).get_string_width(record.DRAFT_HEAD) + 12  # and a gap before it, as in the PDF
    head, name = xml_safe(record.running_head(transcript)), xml_safe(transcript.source.name)
    return fitted_head(head, name, room, measure("", 8).get_string_width)


def _add_footer(doc: DocumentObject, transcript: Transcript) -> None:
    footer = doc.sections[0].footer
    para = _tight(unnumbered(footer.paragraphs[0]))
    para.style = doc.styles["Normal"]
    _small(para.add_run(f"Source {xml_safe(transcript.source.name)} — SHA-256 {transcript.source.sha256}"))
    status = _tight(unnumbered(footer.add_paragraph(style=doc.styles["Normal"])))
    status.paragraph_format.tab_stops.add_tab_stop(_text_width(doc), alignment=2)  # right
    _small(status.add_run(f"Status: {xml_safe(record.status_text(transcript))}\tPage "))
    _add_field(status, "PAGE", "1")
    _small(status.add_run(" of "))
    _add_field(status, "NUMPAGES", "1")


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (python-docx has no API for fields): begin, instr, separate, result, end."""
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = _small(paragraph.add_run())
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        elif kind == "result":
            run.text = placeholder
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _tight(paragraph: Paragraph) -> Paragraph:
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _small(run: Run) -> Run:
    run.font.size = Pt(8)
    return run


def _text_width(doc: DocumentObject) -> int:
    section = doc.sections[0]
    return int(section.page_width - section.left_margin - section.right_margin)


# --- reproducible ZIP --------------------------------------------------------


def restamp_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the package with every entry stamped `when` (same order, same content)."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


register(DocxExporter())
