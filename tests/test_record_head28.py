"""The DOCX running head stays on one line, cut as the PDF's is (session 28's proofreader trial: a
long case reference and recording name wrapped it to a second line, into the page-2 heading in
LibreOffice, where the PDF cut the name in its middle)."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
import pytest
from docx.shared import Length

from tests.test_record_of_interview import DETAILS, SOURCE, record, render
from tests.test_user17 import _measure

LONG_REF = "OP-KINGFISHER/2026/000123-MAJOR-INCIDENT-ROOM-BRISTOL"
LONG_NAME = "WhatsApp Audio 2024-10-05 at 14.22.31 from Mariusz Kowalczyk-Wiśniewski (work phone, second SIM) - copy (2).opus"


def header_runs(raw: bytes) -> tuple[str, str, float]:
    """The DOCX header's running head, its DRAFT mark (after the tab) and the text width in pt."""
    doc = docx.Document(io.BytesIO(raw))
    section = doc.sections[0]
    head, _, mark = section.header.paragraphs[0].text.partition("\t")
    return head, mark, Length(section.page_width - section.left_margin - section.right_margin).pt


@pytest.mark.parametrize("verified", [False, True])
@pytest.mark.parametrize(("case_ref", "kept"), [
    ("OP-2026/0417", "case OP-2026/0417 — exhibit KJ/3 — WhatsApp"),  # the references whole, the name cut
    (LONG_REF, "Record of interview — case OP-KINGFISHER/"),  # no room left for the name: the whole cut
])
def test_a_long_case_reference_and_name_keep_the_docx_running_head_on_one_line(verified, case_ref, kept):
    transcript = replace(record(source=replace(SOURCE, path="/evidence/" + LONG_NAME)),
                         interview=replace(DETAILS, case_ref=case_ref))
    if verified:
        transcript = replace(transcript, status="verified", verified_by="DS Brown",
                             verified_at="2026-12-01T09:00:00Z")
    head, mark, room = header_runs(render("docx", transcript))
    assert mark == ("" if verified else "DRAFT — NOT VERIFIED")
    # measured in DejaVu Sans 8 pt, wider than the Arial / Liberation Sans it is shown in
    used = _measure(8, False).get_string_width(head) + (_measure(8, True).get_string_width(mark) + 12 if mark else 0)
    assert used <= room, head
    assert kept in head
    assert "…" in head and head.endswith("(2).opus")  # cut in its middle, as in the PDF


def test_a_short_running_head_is_left_whole():
    transcript = record()
    head, _, _ = header_runs(render("docx", transcript))
    assert head == f"Record of interview — case OP-2026/0417 — exhibit KJ/3 — {transcript.source.name}"
