"""PDFs draw the scripts DejaVu lacks (Chinese, Devanagari, Thai, emoji...) with Noto fallback fonts,
and say so where no font has a character, instead of leaving a message blank without a word."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace

from pypdf import PdfReader

from app.core.export import get_exporter
from tests.conftest import REPO
from tests.test_export import make_transcript

CHINESE = "我们明天八点在车站见面。"
HINDI = "नमस्ते"


def fonts_of(raw: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(raw)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def text_of(raw: bytes) -> str:
    """The PDF's text (pypdf reads a CJK font's two-byte codes with a NUL before each character)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages).replace("\x00", "")


def with_texts(*texts: str):
    t = make_transcript()
    return replace(t, segments=tuple(replace(t.segments[0], text=text) for text in texts))


def test_a_latin_record_embeds_dejavu_only():
    fonts = fonts_of(get_exporter("pdf").render(make_transcript()))
    assert len(fonts) == 2 and all(name.startswith("DejaVuSans") for name in fonts), fonts


def test_chinese_hindi_and_emoji_are_drawn_in_a_record_of_interview():
    raw = get_exporter("pdf").render(with_texts(CHINESE, f"{HINDI} ok", "👍"))
    fonts = fonts_of(raw)
    assert any(name.startswith("NotoSansCJK") for name in fonts), fonts
    assert any(name.startswith("NotoSansDevanagari") for name in fonts), fonts
    assert any(name.startswith("NotoEmoji") for name in fonts), fonts
    text = text_of(raw)
    assert CHINESE[:4] in text and "👍" in text
    assert "has no font for" not in text


def test_a_character_no_font_has_is_said_at_the_end():
    raw = get_exporter("pdf").render(with_texts("hieroglyph \U00013000 here"))
    text = " ".join(text_of(raw).split())
    assert "This PDF has no font for 1 character(s) of the text (U+13000 egyptian hieroglyph a001)" in text
    assert "the DOCX, TXT and JSON exports hold the text in full" in text


def test_a_chat_of_chinese_and_emoji_is_not_blank_in_its_timeline_pdf(tmp_path):
    chat = tmp_path / "phone" / "WhatsApp Chat with Wang.txt"
    chat.parent.mkdir()
    chat.write_text(f"[13/03/2024, 08:02:11] 王伟: {CHINESE}\n[13/03/2024, 08:05:11] Ana: 👍\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "app", "timeline", str(chat), "--case", str(tmp_path / "case"),
                           "--out", str(tmp_path / "out"), "--format", "pdf"], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    raw = (tmp_path / "out" / "WhatsApp Chat with Wang.timeline.pdf").read_bytes()
    text = text_of(raw)
    assert "王伟" in text and CHINESE[:4] in text and "👍" in text


def test_the_window_registers_the_same_fonts(qapp):
    """A machine without CJK or emoji fonts showed empty boxes for a chat's Chinese in the window."""
    from PySide6.QtGui import QFontDatabase

    from app.gui.environment import add_script_fonts

    add_script_fonts()
    families = set(QFontDatabase.families())
    assert {"Noto Sans CJK SC", "Noto Emoji", "Noto Sans Devanagari"} <= families
