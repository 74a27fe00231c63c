"""A proofreader's exports (session 22): every format opens with the same heading, from one place."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
import pytest
from pypdf import PdfReader

from app.core.export import get_exporter
from tests.test_export import make_transcript, make_translation
from tests.test_record_of_interview import CONTEXT, DETAILS


def first_lines(name: str, transcript) -> list[str]:
    raw = get_exporter(name).render(transcript)
    if name == "txt":
        return raw.decode("utf-8").splitlines()[:2]
    if name == "docx":
        return [p.text for p in docx.Document(io.BytesIO(raw)).paragraphs[:2]]
    return [line.strip() for line in PdfReader(io.BytesIO(raw)).pages[0].extract_text().splitlines()]


@pytest.mark.parametrize("interview", [True, False])
@pytest.mark.parametrize("translated", [False, True])
def test_txt_docx_pdf_open_with_one_heading(interview, translated):
    t = make_translation() if translated else make_transcript()
    if interview:
        t = replace(t, interview=DETAILS, export=CONTEXT)
    txt, word = first_lines("txt", t), first_lines("docx", t)
    assert txt == word
    assert txt[0] in first_lines("pdf", t)
    if interview:
        assert txt[0] == ("RECORD OF INTERVIEW — TRANSLATION" if translated else "RECORD OF INTERVIEW")
    else:
        assert txt == [("TRANSLATION" if translated else "TRANSCRIPT") + " OF A RECORDING", "interview_mono.wav"]


def text_x(raw: bytes) -> list[tuple[str, float]]:
    """Every piece of text on every page with its x in points."""
    pieces: list[tuple[str, float]] = []
    for page in PdfReader(io.BytesIO(raw)).pages:
        page.extract_text(visitor_text=lambda text, _cm, tm, *_a, p=pieces: p.append((text.strip(), tm[4])))
    return [(t, x) for t, x in pieces if t]


@pytest.mark.parametrize("translated", [False, True])
def test_pdf_line_numbers_stand_inside_the_tables_margin(translated):
    """The Line column (its head and every number) started 13 mm left of the front tables."""
    t = replace(make_translation() if translated else make_transcript(), interview=DETAILS, export=CONTEXT)
    pieces = text_x(get_exporter("pdf").render(t))
    table_left = min(x for text, x in pieces if text == "Case reference")
    line_head = [x for text, x in pieces if text == "Line"]
    numbers = [x for text, x in pieces if text.isdigit() and len(text) <= 3]
    assert line_head and numbers
    assert min(line_head + numbers) >= table_left
    time_head = min(x for text, x in pieces if text == "Time")
    assert max(line_head) < time_head  # still the first column


def with_channels(count: int, mode: str, split: bool, segments: bool = True):
    t = make_transcript()
    segs = tuple(replace(seg, channel=i % 2 if split else None) for i, seg in enumerate(t.segments))
    return replace(t, source=replace(t.source, channels=count), settings={**t.settings, "channels": mode},
                   segments=segs if segments else ())


@pytest.mark.parametrize(("count", "mode", "split", "words"), [
    (1, "auto", False, "one channel (mono): nothing to split"),
    (1, "split", False, "one channel (mono): nothing to split"),
    (2, "auto", True, "both channels transcribed separately (each held one speaker)"),
    (2, "auto", False, "the 2 channels mixed to one (they did not each hold one speaker)"),
    (2, "mix", False, "the 2 channels mixed to one"),
    (4, "split", True, "each of the 4 channels transcribed separately"),
])
def test_settings_say_what_was_done_to_this_files_channels(count, mode, split, words):
    """A mono file's settings read "channels split when each holds one speaker": the rule, not
    what happened to it. The DOCX and PDF say what was done to this file."""
    t = with_channels(count, mode, split)
    doc = docx.Document(io.BytesIO(get_exporter("docx").render(t)))
    settings = next(row.cells[1].text for table in doc.tables for row in table.rows
                    if row.cells[0].text == "Settings")
    assert words in settings
    assert "when each holds one speaker" not in settings
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(get_exporter("pdf").render(t))).pages)
    assert words.split(" (")[0] in " ".join(pdf.split())
