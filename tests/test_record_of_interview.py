"""The DOCX and PDF exports are a record of interview a court accepts (issue 12, item 10):
header fields kept per exhibit, numbered lines, DRAFT until verified, a footer with the
hash, the status and the page count, markings, and a statement of how it was made."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from app.cli.main import main
from app.core.editing import operations as editing
from app.core.errors import StoreError
from app.core.export import get_exporter
from app.core.export.record import mark_uncertain, settings_in_words
from app.core.store import Case
from app.core.store.interview import read_interview, stamps, write_interview
from app.core.types import ExportContext, InterviewDetails, ModelInfo, Segment, SourceInfo, Word
from app.core.usecases.exporting import export_run
from tests.test_export import SHA, TEXT_2, make_transcript, make_translation

SOURCE = SourceInfo("/evidence/interview_17.wav", SHA, 1_000_000, 600_000)
MODEL = ModelInfo("base", "/models/base", "ab" * 32)
DETAILS = InterviewDetails(
    case_ref="OP-2026/0417", exhibit_ref="KJ/3", interviewee="John Smith",
    officers=("DC Karen Jones", "DS Raj Patel"), present=("Ms A. Novak (solicitor)",),
    place="Interview room 2", date="2026-03-15", start="10:02", end="10:41")
CONTEXT = ExportContext("DC Karen Jones", "2026-12-01T09:30:00Z", None)


def pdf_text(raw: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


def docx_text(raw: bytes) -> tuple[docx.document.Document, str]:
    doc = docx.Document(io.BytesIO(raw))
    section = doc.sections[0]
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return doc, "\n".join(parts)


def record(**changes):
    """The fixture transcript as export_run hands it over: details and export context."""
    return replace(make_transcript(), interview=DETAILS, export=CONTEXT, **changes)


def render(name: str, transcript) -> bytes:
    return get_exporter(name).render(transcript)


@pytest.fixture
def case(tmp_path):
    case = Case.open(tmp_path / "case")
    yield case
    case.close()


def _finished_run(case: Case, segments: tuple[Segment, ...]) -> tuple[int, int]:
    exhibit, _ = case.add_exhibit(SOURCE)
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5, "vad": True},
                         replace_software())
    case.append_segments(run, segments, {}, "en", 0.98)
    case.finish_run(run)
    return exhibit.id, run


def replace_software():
    return make_transcript().software


# --- store and CLI -------------------------------------------------------------


def test_details_round_trip_through_the_store_and_are_audited(case):
    exhibit_id, _ = _finished_run(case, (Segment(0, 1000, "Hello."),))
    assert read_interview(case, exhibit_id) == InterviewDetails()
    write_interview(case, exhibit_id, {"case_ref": "OP-1", "officers": ["DC Jones", " ", "DS Patel"]},
                    actor="DC Jones")
    stored = write_interview(case, exhibit_id, {"place": "Room 2 ", "case_ref": "OP-1"}, actor="DS Patel")
    assert stored == InterviewDetails(case_ref="OP-1", officers=("DC Jones", "DS Patel"), place="Room 2")
    assert read_interview(case, exhibit_id) == stored
    write_interview(case, exhibit_id, {"place": "Room 2"})  # no change: nothing recorded
    entries = [e for e in case.audit.entries(f"exhibit/{exhibit_id}") if e.action == "interview.updated"]
    assert [e.actor for e in entries] == ["DC Jones", "DS Patel"]
    assert entries[1].details == {"changes": {"place": ["", "Room 2"]}, "updated_at": entries[1].details["updated_at"]}
    assert stamps(case)[exhibit_id] == (entries[1].details["updated_at"], "DS Patel")  # verify holds them to the log
    with pytest.raises(StoreError):
        write_interview(case, exhibit_id, {"badge": "4471"})


def test_cli_sets_and_prints_the_details(tmp_path, capsys):
    case = Case.open(tmp_path / "case")
    exhibit_id, _ = _finished_run(case, (Segment(0, 1000, "Hello."),))
    case.close()
    folder = str(tmp_path / "case")
    assert main(["interview", str(exhibit_id), "--case", folder, "--case-ref", "OP-2026/0417",
                 "--interviewee", "John Smith", "--officer", "DC Karen Jones", "--officer", "DS Raj Patel",
                 "--present", "Ms A. Novak", "--place", "Interview room 2", "--date", "2026-03-15",
                 "--start", "10:02", "--end", "10:41", "--by", "DC Jones"]) == 0
    capsys.readouterr()
    assert main(["interview", "interview_17.wav", "--case", folder]) == 0  # no field: print only
    printed = capsys.readouterr().out
    assert "Person interviewed:       John Smith" in printed
    assert "Interviewing officer(s):  DC Karen Jones; DS Raj Patel" in printed
    assert "End time:                 10:41" in printed
    case = Case.open(tmp_path / "case")
    try:
        details = read_interview(case, exhibit_id)
    finally:
        case.close()
    assert details.officers == ("DC Karen Jones", "DS Raj Patel") and details.start == "10:02"
    assert details.present == ("Ms A. Novak",) and details.exhibit_ref == ""


# --- PDF -----------------------------------------------------------------------


def test_unverified_pdf_is_marked_draft_on_every_page_with_hash_and_page_count():
    many = tuple(replace(seg, start_ms=seg.start_ms + i * 90_000, end_ms=seg.end_ms + i * 90_000)
                 for i in range(30) for seg in make_transcript().segments)
    reader = PdfReader(io.BytesIO(render("pdf", record(segments=many))))
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "DRAFT" in text and SHA in text, number
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "Status: machine draft" in text


def test_pdf_carries_the_header_fields_the_exporter_and_the_closing_statement():
    text = " ".join(pdf_text(render("pdf", record())).split())
    for value in ("OP-2026/0417", "KJ/3", "John Smith", "DC Karen Jones; DS Raj Patel",
                  "Ms A. Novak (solicitor)", "Interview room 2", "2026-03-15", "10:02", "10:41"):
        assert value in text, value
    assert "Exported 2026-12-01 09:30 UTC by DC Karen Jones" in text
    assert "produced by machine transcription of the recording interview_mono.wav" in text
    assert f"speech recognition model base (SHA-256 {'ab' * 32})" in text
    assert "has not been checked by a person" in text
    assert f"Checked against the recording by: {'_' * 30}" in text  # left for a signature
    assert "beam search 5, voice activity detection on, language detected automatically: Polish (p=0.99)" in text
    assert "beam_size=" not in text


def test_verified_pdf_has_no_draft_and_names_who_verified_it_and_when():
    text = pdf_text(render("pdf", record(status="verified", verified_by="DS Raj Patel",
                                         verified_at="2026-12-01T08:15:00Z")))
    assert "DRAFT" not in text
    assert "Status: verified by DS Raj Patel on 2026-12-01 08:15 UTC" in text
    assert "checked against the recording and verified by DS Raj Patel" in " ".join(text.split())
    assert "Checked against the recording by: DS Raj Patel" in text
    assert "Date: 2026-12-01 08:15 UTC" in text


def test_edited_unverified_pdf_is_still_a_draft():
    text = pdf_text(render("pdf", record(status="edited")))
    assert "DRAFT — NOT VERIFIED" in text and "Status: edited, not verified" in text


def test_pdf_numbers_every_printed_line():
    long_text = "We went to the bank and then to the shop on the corner of the street. " * 3
    segments = (Segment(0, 1000, "First.", speaker="A"), Segment(2000, 9000, long_text, speaker="B"),
                Segment(9000, 9500, "Last.", speaker="A"))
    text = pdf_text(render("pdf", record(segments=segments)))
    numbered = [int(m.group(1)) for m in re.finditer(r"^(\d+) ", text, re.MULTILINE)]
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) >= 5  # the long one wraps
    assert re.search(r"^1 00:00:00 A First\.", text, re.MULTILINE)
    assert re.search(rf"^{numbered[-1]} 00:00:09 A Last\.", text, re.MULTILINE)


def test_inaudible_marker_where_no_words_were_recognised():
    segments = (Segment(0, 1000, "Hello."), Segment(3_723_000, 3_725_000, "  ", speaker="B"))
    transcript = record(segments=segments)
    assert "[inaudible 01:02:03]" in pdf_text(render("pdf", transcript))
    assert "[inaudible 01:02:03]" in docx_text(render("docx", transcript))[1]


def test_uncertain_words_are_marked_only_when_asked():
    words = (Word(0, 300, " I", 0.99), Word(300, 600, " was", 0.31), Word(600, 900, " home,", 0.2),
             Word(900, 1200, " honestly.", 0.9))
    segments = (Segment(0, 1200, " I was home, honestly.", speaker="B", words=words),)
    plain = record(segments=segments)
    marked = replace(plain, export=replace(CONTEXT, uncertain_below=0.5))
    assert "I was home, honestly." in pdf_text(render("pdf", plain))
    for raw in (render("pdf", marked), render("docx", marked)):
        text = pdf_text(raw) if raw.startswith(b"%PDF") else docx_text(raw)[1]
        assert "I [was?] [home?], honestly." in text
        assert "[word?]: a word recognised with a probability below 50%" in " ".join(text.split())
    assert mark_uncertain("typed other text", words, 0.5) == "typed other text"  # words no longer match
    clock = (Word(0, 100, " at", 0.9), Word(100, 200, " 9", 0.2), Word(200, 300, " o", 0.9),
             Word(300, 400, "'clock.", 0.9))
    assert mark_uncertain("at 9 o'clock.", clock, 0.5) == "at [9?] o'clock."  # word pieces stay joined


def test_same_record_gives_identical_bytes():
    for name in ("pdf", "docx"):
        assert render(name, record()) == render(name, record())


def test_settings_in_words():
    transcript = replace(make_transcript(), settings={
        "beam_size": 5, "vad": False, "language": "de", "device": "cpu", "compute_type": "int8",
        "threads": 2, "channels": "split", "batch": False})
    assert settings_in_words(transcript) == (
        "beam search 5, voice activity detection off, one channel (mono): nothing to split, "
        "language set by the user: German, on the processor (int8 arithmetic, 2 threads), "
        "decoded on its own")


# --- DOCX ----------------------------------------------------------------------


def test_docx_has_the_same_record():
    doc, text = docx_text(render("docx", record()))
    header = "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    footer = "\n".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert "DRAFT — NOT VERIFIED" in header and "OP-2026/0417" in header
    assert b"PowerPlusWaterMarkObject" in doc.sections[0].header.part.blob
    assert SHA in footer and "Status: machine draft" in footer and "Page 1 of 1" in footer
    rows = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert rows["Person interviewed"] == "John Smith"
    assert rows["Interviewing officer(s)"] == "DC Karen Jones; DS Raj Patel"
    assert rows["Start time"] == "10:02" and rows["End time"] == "10:41"
    assert f"00:01:02\tSPEAKER_01\t{TEXT_2}" in text
    assert "Exported on 2026-12-01 09:30 UTC by DC Karen Jones." in text
    numbering = doc.sections[0]._sectPr.find(qn("w:lnNumType"))
    assert numbering is not None and numbering.get(qn("w:countBy")) == "1"


def test_verified_docx_has_no_draft_marking():
    raw = render("docx", record(status="verified", verified_by="DS Raj Patel",
                                verified_at="2026-12-01T08:15:00Z"))
    doc, text = docx_text(raw)
    assert "DRAFT" not in text
    assert b"PowerPlusWaterMarkObject" not in doc.sections[0].header.part.blob
    assert "Status: verified by DS Raj Patel on 2026-12-01 08:15 UTC" in text


def test_translation_is_side_by_side_with_a_machine_translation_statement():
    transcript = replace(make_translation(), interview=DETAILS, export=CONTEXT)
    doc, text = docx_text(render("docx", transcript))
    table = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    assert table[0] == ["Line", "Time", "Speaker", "Original (Polish)", "Translation (English)"]
    assert table[2][:3] == ["2", "00:01:02", "SPEAKER_01"] and table[2][3] == TEXT_2
    assert "Machine translation: the text from Polish into English was produced by a machine" in text
    pdf = " ".join(pdf_text(render("pdf", transcript)).split())
    assert "Original Translation" in pdf and "Where were you at night?" in pdf
    assert "Machine translation: the text from Polish into English" in pdf


# --- through the export use case ----------------------------------------------


def test_export_run_fills_the_record_from_the_case(case, tmp_path):
    exhibit_id, run = _finished_run(case, (Segment(0, 1500, "I was at home.", speaker="SUSPECT"),
                                           Segment(2000, 2500, "", speaker="SUSPECT")))
    write_interview(case, exhibit_id, {"case_ref": "OP-9", "interviewee": "John Smith"})
    out = tmp_path / "out"
    export_run(case, run, out, ["pdf", "docx", "json"], actor="DC Jones")
    text = " ".join(pdf_text((out / "interview_17.pdf").read_bytes()).split())
    pages = len(PdfReader(out / "interview_17.pdf").pages)
    assert "DRAFT — NOT VERIFIED" in text and SHA in text and f"Page 1 of {pages}" in text
    assert "OP-9" in text and "John Smith" in text and "[inaudible 00:00:02]" in text
    assert "by DC Jones" in text
    manifest = json.loads((out / "interview_17.manifest.json").read_text(encoding="utf-8"))
    assert manifest["exported_by"] == "DC Jones" and manifest["exported_at"]
    assert "interview" not in json.loads((out / "interview_17.json").read_text(encoding="utf-8"))

    editing.set_verified(case, run, "DS Patel")
    export_run(case, run, tmp_path / "out2", ["pdf"], actor="DC Jones")
    text = pdf_text((tmp_path / "out2" / "interview_17.pdf").read_bytes())
    assert "DRAFT" not in text and re.search(r"Status: verified by DS Patel on \d{4}-\d\d-\d\d", text)


def test_cli_export_by_and_mark_uncertain(case, tmp_path):
    words = (Word(0, 500, " at", 0.9), Word(500, 1000, " home.", 0.2))
    _finished_run(case, (Segment(0, 1000, "at home.", words=words),))
    case.close()
    out = tmp_path / "out"
    assert main(["export", "--case", str(tmp_path / "case"), "--out", str(out), "--format", "pdf",
                 "--by", "DC Karen Jones", "--mark-uncertain", "0.5"]) == 0
    text = " ".join(pdf_text((out / "interview_17.pdf").read_bytes()).split())
    assert "at [home?]." in text and "by DC Karen Jones" in text
    with pytest.raises(SystemExit) as refused:  # a probability, not a percentage: refused as the options are read
        main(["export", "--case", str(tmp_path / "case"), "--out", str(out), "--format", "pdf", "--mark-uncertain", "50"])
    assert refused.value.code == 2


def test_a_row_continued_on_the_next_page_names_its_speaker_again():
    speech = "I walked down to the river and waited there until the others came back. " * 60
    reader = PdfReader(io.BytesIO(render("pdf", record(segments=(Segment(0, 90_000, speech, speaker="WITNESS"),)))))
    second = reader.pages[1].extract_text()
    assert re.search(r"^\d+ WITNESS \w", second, re.MULTILINE)
    assert len(re.findall(r"WITNESS", second)) == 1


def test_a_word_wider_than_the_column_is_cut_not_lost():
    token = "https://police.uk/" + "z" * 300
    text = pdf_text(render("pdf", record(segments=(Segment(0, 1000, f"see {token} now", speaker="A"),))))
    body = text[text.index("Speaker Text"):text.index("How this record")]
    assert body.count("z") == 300 and "see" in body and "now" in body
    assert len(re.findall(r"^\d+ ", body, re.MULTILINE)) >= 3


def test_a_docx_speaker_name_wider_than_its_column_puts_the_text_under_the_text_column():
    """'Appropriate Adult' ran past the speaker column's tab stop, so the tab threw its text to the
    next default stop, out of line with every other line's text."""
    segments = (Segment(0, 1000, "Is that your car?", speaker="DC Harris"),
                Segment(2000, 4000, "My client has nothing to add.", speaker="Appropriate Adult"))
    doc, text = docx_text(render("docx", record(segments=segments)))
    assert "00:00:00\tDC Harris\tIs that your car?" in text
    para = next(p for p in doc.paragraphs if "Appropriate Adult" in p.text)
    assert "\t" not in para.text.split("Appropriate Adult", 1)[1]
    assert para.text.endswith("Appropriate Adult\nMy client has nothing to add.")
    assert para.paragraph_format.left_indent > 0  # the wrapped text starts at the text column


def test_every_edit_undone_exports_as_a_machine_draft(case, tmp_path):
    _, run = _finished_run(case, (Segment(0, 1500, "I was at home.", speaker="SUSPECT"),
                                  Segment(2000, 3500, "All evening.", speaker="SUSPECT")))
    first = editing.segment_ids(case, run)[0]
    typed = editing.edit_text(case, run, first, "I was at work.", actor="DC Jones")
    editing.undo(case, typed.revision_id, actor="DC Jones")
    export_run(case, run, tmp_path / "out", ["pdf", "docx"], actor="DC Jones")
    text = " ".join(pdf_text((tmp_path / "out" / "interview_17.pdf").read_bytes()).split())
    assert "not been checked by a person: it is a machine DRAFT" in text and "corrected by a person" not in text
    assert "Status: machine draft" in text
    _, words = docx_text((tmp_path / "out" / "interview_17.docx").read_bytes())
    assert "machine DRAFT" in words and "corrected by a person" not in words
    manifest = json.loads((tmp_path / "out" / "interview_17.manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "machine draft"

    editing.redo(case, typed.revision_id, actor="DC Jones")
    editing.set_verified(case, run, "DS Patel", actor="DS Patel")
    export_run(case, run, tmp_path / "out2", ["pdf"], actor="DC Jones")
    text = " ".join(pdf_text((tmp_path / "out2" / "interview_17.pdf").read_bytes()).split())
    assert "checked against the recording and verified by DS Patel" in text


def test_pdf_speaker_column_fits_an_officer_s_full_name_on_one_line():
    """"DC Ann Harris" took two printed lines in the speaker column: every line the officer spoke
    was numbered twice, the second number beside nothing."""
    segments = (Segment(0, 1000, "This interview is being recorded.", speaker="DC Ann Harris"),
                Segment(2000, 3000, "My name is Daniel Price.", speaker="Daniel Price"),
                Segment(4000, 5000, "Where were you?", speaker="Detective Constable Ann Harris-Whitmore"))
    text = pdf_text(render("pdf", record(segments=segments)))
    assert re.search(r"^1 00:00:00 DC Ann Harris This interview is being recorded\.", text, re.MULTILINE)
    assert re.search(r"^2 00:00:02 Daniel Price My name is Daniel Price\.", text, re.MULTILINE)
    numbered = [int(m.group(1)) for m in re.finditer(r"^(\d+) ", text, re.MULTILINE)]
    assert numbered == [1, 2, 3, 4]  # a name longer than the widest column still wraps, onto line 4
