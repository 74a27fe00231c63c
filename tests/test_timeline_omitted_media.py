"""A chat line that only says the phone left its media out ("Bild weggelassen", "<Media omitted>").

The timeline's PDF and DOCX read "[Attachment Bild weggelassen: MISSING from the export]", as if
a file named "Bild weggelassen" were missing. They now say what is missing and quote the chat.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docx import Document
from pypdf import PdfReader

from app.cli import main

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"


def _exports(tmp_path: Path, name: str) -> tuple[str, str]:
    (tmp_path / "evidence").mkdir()
    chat = tmp_path / "evidence" / name
    shutil.copy(CHATS / name, chat)
    out = tmp_path / "out"
    assert main(["timeline", str(chat), "--out", str(out), "--case", str(tmp_path / "case"),
                 "--format", "json,docx,pdf"]) == 0
    stem = Path(name).stem
    pdf = " ".join(p.extract_text() for p in PdfReader(out / f"{stem}.timeline.pdf").pages)
    doc = Document(out / f"{stem}.timeline.docx")
    docx = " ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    return " ".join(pdf.split()), " ".join(docx.split())


def test_an_omitted_image_is_not_named_as_a_file(tmp_path):
    pdf, docx = _exports(tmp_path, "whatsapp_ios_de.txt")
    for text in (pdf, docx):
        assert "Attachment Bild weggelassen" not in text
        assert 'Image MISSING from the export (the chat reads "Bild weggelassen")' in text
        # a voice note the chat names by its file keeps its name
        assert "Voice note 00000007-AUDIO-2024-01-05-19-41-30.opus: MISSING from the export" in text
