"""What a user met on day one (session 18): a voice note's record headed as an interview, a sign-off
that claimed every word checked, a TXT without the record's details, warnings in another clock."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from app.core.editing import operations as editing
from app.core.editing import review
from app.core.evidence.provenance import software_info
from app.core.media.damage import format_damaged
from app.core.media.decode import probe, read_all
from app.core.store import Case
from app.core.store.interview import write_interview
from app.core.types import ModelInfo, Segment, Word
from app.core.usecases.exporting import export_run
from tests.conftest import MEDIA

MODEL = ModelInfo("base", "/models/base", "ab" * 32)
INTERVIEW_ONLY_LABELS = ("Person interviewed", "Interviewing officer(s)", "Others present", "Place", "Date",
                         "Start time", "End time")


def _voice_note_case(folder) -> tuple[Case, int]:
    """The shared voice note taken into a case with its machine text; 'Kowalski' the model was unsure of."""
    case = Case.open(folder)
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5, "vad": True}, software_info())
    words = (Word(0, 400, " Meet", 0.95), Word(500, 900, " Kowalski", 0.31), Word(1000, 1400, " behind", 0.9),
             Word(1500, 1900, " the", 0.9), Word(2000, 2600, " station.", 0.9))
    case.append_segments(run, (Segment(0, 2600, " Meet Kowalski behind the station.", words=words),
                               Segment(3000, 5500, " Bring the money.")), {}, "en", 0.98)
    case.finish_run(run)
    return case, run


def _pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(str(path)).pages).split())


def _docx(path) -> tuple[docx.document.Document, str]:
    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return doc, " ".join(" ".join(parts).split())


def _labels(doc: docx.document.Document) -> list[str]:
    return [row.cells[0].text for table in doc.tables for row in table.rows]


def test_a_voice_note_is_not_headed_as_an_interview_and_keeps_its_evidential_rows(tmp_path):
    """A voice note's DOCX/PDF was 'RECORD OF INTERVIEW' over nine empty rows (person interviewed,
    officers, place...). With no interview detail given it is a transcript of a recording: case and
    exhibit references, then the source's hash, model, settings, software and review state."""
    case, run = _voice_note_case(tmp_path / "case")
    try:
        paths = export_run(case, run, tmp_path / "out", ["docx", "pdf"])
    finally:
        case.close()
    doc, text = _docx(paths[0])
    pdf = _pdf_text(paths[1])
    assert doc.paragraphs[0].text == "TRANSCRIPT OF A RECORDING" and doc.paragraphs[1].text == "en_voicenote.opus"
    assert doc.core_properties.category == "transcript of a recording"
    assert doc.core_properties.title == "Transcript of a recording: en_voicenote.opus"  # not "...: Transcript of ..."
    assert PdfReader(str(paths[1])).metadata.title == "Transcript of a recording: en_voicenote.opus"
    labels = _labels(doc)
    assert labels[:2] == ["Case reference", "Exhibit reference"]
    assert not set(INTERVIEW_ONLY_LABELS) & set(labels)
    for label in ("SHA-256", "Model", "Model SHA-256", "Settings", "Software", "Status", "Uncertain words"):
        assert label in labels, label
    sha = probe(MEDIA / "en_voicenote.opus").sha256
    for shown in (text, pdf):
        assert "interview" not in shown.lower().replace("en_voicenote", "")
        assert sha in shown and "machine draft" in shown
    assert pdf.removeprefix("DRAFT ").startswith("Transcript of a recording — en_voicenote.opus")  # running head
    assert "TRANSCRIPT OF A RECORDING en_voicenote.opus" in pdf and "Person interviewed" not in pdf


def test_an_interview_detail_given_makes_it_a_record_of_interview_with_all_its_rows(tmp_path):
    case, run = _voice_note_case(tmp_path / "case")
    try:
        write_interview(case, case.run(run).exhibit_id, {"interviewee": "Daniel Price", "case_ref": "OP-7"},
                        actor="DC Ann Harris")
        paths = export_run(case, run, tmp_path / "out", ["docx", "pdf"])
    finally:
        case.close()
    doc, _ = _docx(paths[0])
    assert doc.paragraphs[0].text == "RECORD OF INTERVIEW"
    assert doc.paragraphs[1].text == "Transcript of en_voicenote.opus"
    assert doc.core_properties.title == "Record of interview: Transcript of en_voicenote.opus"
    assert set(INTERVIEW_ONLY_LABELS) <= set(_labels(doc))
    pdf = _pdf_text(paths[1])
    assert pdf.removeprefix("DRAFT ").startswith("Record of interview — case OP-7 — en_voicenote.opus")
    assert "Person interviewed Daniel Price" in pdf and "Place —" in pdf  # the rows left to fill are there


def test_a_sign_off_with_uncertain_words_never_reviewed_says_which_were_not_checked(tmp_path):
    """Signed off with 'Kowalski' (31%) never reviewed, the record read 'The text was checked against the
    recording and verified by ...' and was signed 'Checked against the recording by'. It now says which
    words the model was unsure of were never reviewed, and when; reviewed, the old sentence is true."""
    case, run = _voice_note_case(tmp_path / "case")
    try:
        editing.edit_text(case, run, editing.segment_ids(case, run)[1], "Bring the money, all of it.",
                          actor="DC Ann Harris")
        editing.set_verified(case, run, "DS Raj Patel")
        unchecked = export_run(case, run, tmp_path / "unchecked", ["docx", "pdf", "txt"])
        [span] = review.unreviewed(case, run)
        review.mark_reviewed(case, run, span, actor="DS Raj Patel")
        editing.set_verified(case, run, "DS Raj Patel")
        checked = export_run(case, run, tmp_path / "checked", ["docx", "pdf", "txt"])
    finally:
        case.close()
    _, docx_text = _docx(unchecked[0])
    for shown in (docx_text, _pdf_text(unchecked[1])):
        assert "checked against the recording and verified" not in shown
        assert "The text was corrected by DC Ann Harris and verified by DS Raj Patel" in shown
        assert ('Of the 1 word the model was unsure of, 1 was never reviewed (marked as checked against the '
                'recording): "Kowalski" at 00:00:00. Listen to it before relying on it.') in shown
        assert "Verified by: DS Raj Patel" in shown and "Checked against the recording by" not in shown
    txt = unchecked[2].read_text(encoding="utf-8")
    assert 'Uncertain words: 1 below the model\'s 50% probability: 0 reviewed, 1 never reviewed ("Kowalski" at 00:00:00)' in txt
    _, docx_text = _docx(checked[0])
    for shown in (docx_text, _pdf_text(checked[1])):
        assert "The text was corrected by DC Ann Harris and checked against the recording and verified by DS Raj Patel" in shown
        assert "Checked against the recording by: DS Raj Patel" in shown and "never reviewed (" not in shown
    assert "Uncertain words: 1 below the model's 50% probability: 1 reviewed, 0 never reviewed\n" in \
        checked[2].read_text(encoding="utf-8")


def test_the_txt_carries_the_record_s_details_and_who_corrected_and_exported_it(tmp_path):
    """The TXT named no case, exhibit or person interviewed, nor who corrected or exported the text,
    where the DOCX and PDF of the same export did."""
    case, run = _voice_note_case(tmp_path / "case")
    try:
        write_interview(case, case.run(run).exhibit_id, {"case_ref": "OP-2026/0417", "exhibit_ref": "KJ/3",
                                                         "interviewee": "Daniel Price"}, actor="DC Ann Harris")
        editing.edit_text(case, run, editing.segment_ids(case, run)[1], "Bring all the money.", actor="DC Ann Harris")
        [txt] = [p for p in export_run(case, run, tmp_path / "out", ["txt"], actor="DS Raj Patel")
                 if p.suffix == ".txt"]
    finally:
        case.close()
    lines = txt.read_text(encoding="utf-8").splitlines()
    head = lines[: lines.index("=" * 72)]
    for line in ("Case reference: OP-2026/0417", "Exhibit reference: KJ/3", "Person interviewed: Daniel Price",
                 "Status: edited", "Corrected by: DC Ann Harris"):
        assert line in head, (line, head)
    assert not any(line.startswith(("Place:", "Date:")) for line in head)  # nothing given, nothing printed
    assert any(line.startswith("SHA-256: ") and len(line) == 9 + 64 for line in head)
    assert any(line.startswith("Model: base (sha256 ") for line in head)
    assert any(line.startswith("Exported: ") and " by DS Raj Patel with Parley " in line for line in head)
    body = lines[lines.index("=" * 72):]
    assert any(line.startswith("* [") and "Bring all the money." in line for line in body)  # marked as changed


def test_a_damaged_range_is_given_in_the_record_s_hh_mm_ss():
    """truncated.mp3's warning read 'damaged 00:01.9-00:06.2' (mm:ss.s) on a record whose every other
    time reads 00:00:01: the warning now uses hh:mm:ss with the tenth it needs."""
    source = probe(MEDIA / "truncated.mp3")
    _, reader = read_all(source.path, expected_ms=source.duration_ms)
    assert reader.notes[-1] == "damaged 00:00:01.9-00:00:06.2"
    assert format_damaged([(3_723_500, 3_724_000)]) == "damaged 01:02:03.5-01:02:04.0"
    assert format_damaged([(59_950, 60_020)]) == "damaged 00:00:59.9-00:01:00.1"


def test_interview_says_how_the_exhibit_s_docx_and_pdf_will_be_headed(tmp_path, capsys):
    """`interview EXHIBIT` printed nine fields and nothing of what they change: with none of the
    interview's own given, the exhibit prints as the transcript of a recording."""
    from app.cli.main import main

    case, _ = _voice_note_case(tmp_path / "case")
    case.close()
    folder = str(tmp_path / "case")
    assert main(["interview", "en_voicenote.opus", "--case", folder, "--exhibit-ref", "KJ/3"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("DOCX and PDF:") and "transcript of a recording (a record of interview once" in last
    assert main(["interview", "en_voicenote.opus", "--case", folder, "--place", "Interview room 2"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split() == ["DOCX", "and", "PDF:", "record", "of", "interview"]


@pytest.mark.gui
def test_a_sign_off_in_the_window_with_words_unreviewed_exports_a_record_that_says_so(qtbot, tmp_path, qapp,
                                                                                       models_dir):
    """Signed off in the window with two of three uncertain passages never reviewed (F8, Ctrl+Shift+W),
    the record claimed the text checked against the recording; an edit after that said 'its record of
    interview says DRAFT' of a recording that is no interview."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.main_window import MainWindow
    from tests.gui_case import build_case, open_exhibit, settings

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    try:
        open_exhibit(qtbot, window, "interview_stereo.wav")
        window.editor.next_uncertain()
        assert window.editor.mark_current_reviewed()
        window.editor.mark_verified("DC Ann Example")
        paths, error = window.export_to(tmp_path / "out", ["pdf"], [window.session.run_id])
        window.editor.edit_text(1, "Please state your full name now.")
        qtbot.waitUntil(lambda: "no longer stands" in window.statusBar().currentMessage(), timeout=5_000)
        message = window.statusBar().currentMessage()
    finally:
        window.close()
        case.close()
    assert error is None
    text = _pdf_text(paths[0])
    assert "checked against the recording and verified" not in text
    assert ("Of the 3 words the model was unsure of, 2 were never reviewed (marked as checked against the "
            'recording): "Jonas Petraitis." at 00:00:08, "sister." at 00:00:14.') in text
    assert "(its DOCX and PDF say DRAFT)" in message and "record of interview" not in message


def test_no_uncertain_word_is_said_as_what_it_is(tmp_path):
    """A voice note heard in a wrong language ('[inaudible 00:00:00]', no word) read 'Uncertain words:
    none (no word below the model's 50% probability)', as if every word had been scored and found sure."""
    from app.core.types import FLAG_INAUDIBLE

    case = Case.open(tmp_path / "case")
    try:
        runs = []
        for name, segments in (("de_voicenote.opus", (Segment(0, 5000, "", flags=(FLAG_INAUDIBLE,)),)),
                               ("pl_voicenote.opus", (Segment(0, 5000, "Where were you?"),)),
                               ("en_voicenote.opus", (Segment(0, 900, " Meet", words=(Word(0, 900, " Meet", 0.9),)),))):
            exhibit, _ = case.add_exhibit(probe(MEDIA / name))
            run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
            case.append_segments(run, segments, {}, "en", 0.9)
            case.finish_run(run)
            runs.append(run)
        said = []
        for run in runs:
            [txt] = [p for p in export_run(case, run, tmp_path / "out", ["txt"]) if p.suffix == ".txt"]
            said += [line for line in txt.read_text(encoding="utf-8").splitlines() if line.startswith("Uncertain words:")]
    finally:
        case.close()
    assert said == ["Uncertain words: none (no words were recognised)",
                    "Uncertain words: not known (the text has no word-by-word probabilities)",
                    "Uncertain words: none (no word below the model's 50% probability)"]


def test_the_docx_heads_its_columns_as_the_pdf_does_and_leaves_the_heads_unnumbered(tmp_path):
    """The PDF's lines are headed 'Line Time Speaker Text'; the DOCX's were not, so a line with no speaker
    named left its text column to guess. The heads are one unnumbered paragraph kept with the first line."""
    from docx.oxml.ns import qn

    case, run = _voice_note_case(tmp_path / "case")
    try:
        [path] = [p for p in export_run(case, run, tmp_path / "out", ["docx"]) if p.suffix == ".docx"]
    finally:
        case.close()
    paragraphs = docx.Document(str(path)).paragraphs
    at = [p.text for p in paragraphs].index("Transcript")
    heads, first = paragraphs[at + 1], paragraphs[at + 2]
    assert heads.text == "Time\tSpeaker\tText" and heads.paragraph_format.keep_with_next
    assert heads._p.pPr.find(qn("w:suppressLineNumbers")) is not None
    assert first.text == "00:00:00\t\tMeet Kowalski behind the station."
    assert first._p.pPr.find(qn("w:suppressLineNumbers")) is None  # the text's lines are numbered


def test_a_voice_note_cut_short_says_so_in_the_timeline(case, tmp_path):
    """A phone's voice note cut short (truncated.mp3's 'Meet me behind the station at a') read in the
    chat's timeline as the whole message: its record of interview said TRUNCATED, the timeline's DOCX,
    PDF, JSON and window nothing."""
    import json

    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline
    from app.core.export.timeline import write_timeline
    from app.core.store.chats import attachment_exhibits
    from app.gui.timeline_view import attachment_text
    from tests.search_helpers import add_run
    from tests.test_timeline import whatsapp_zip

    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [note] = attachment_exhibits(case, taken.exhibit_id)
    add_run(case, note, ["Meet me behind the station at a"])
    whole = build_timeline(case, taken.exhibit_id).entries[1].attachment
    case.mark_truncated(note)  # as the transcription that found the file cut short marks it
    timeline = build_timeline(case, taken.exhibit_id)
    cut = timeline.entries[1].attachment
    assert not whole.cut_short and cut.cut_short
    assert attachment_text(whole) == "Voice note: Meet me behind the station at a"
    assert attachment_text(cut) == "Voice note (cut short or damaged): Meet me behind the station at a"
    paths = write_timeline(timeline, tmp_path / "out", "ana", ["json", "docx", "pdf"])
    assert json.loads(paths[0].read_text(encoding="utf-8"))["messages"][1]["attachment"]["truncated"] is True
    cells = [c.text for t in docx.Document(str(paths[1])).tables for r in t.rows for c in r.cells]
    assert any(c.startswith("[Voice note 00000004-AUDIO-2024-03-13-08-03-40.opus, transcript, machine draft, the "
                            "recording is cut "
                            "short or damaged: only what could be read is transcribed]\nMeet me behind") for c in cells)
    assert "the recording is cut short or damaged" in _pdf_text(paths[2])


@pytest.mark.gui
def test_the_exhibit_list_says_what_a_sign_off_left_unchecked(tmp_path, qapp):
    """'verified ✓' with 'signed off ... UTC' on hover, for a transcript whose three uncertain words no
    one reviewed and for a file cut short alike: the hover now says what the sign-off left."""
    from PySide6.QtCore import Qt

    from app.gui.exhibits_view import ExhibitsModel, exhibit_rows
    from tests.gui_case import build_case

    case = build_case(tmp_path)
    try:
        runs = {e.source.name: case.latest_run(e.id, "transcribe") for e in case.exhibits()}
        for name in ("interview_stereo.wav", "truncated.mp3"):
            editing.set_verified(case, runs[name], "DS Raj Patel")
        before = {r.exhibit.source.name: r.detail + (r.more() if r.more else "") for r in exhibit_rows(case)}
        for span in review.unreviewed(case, runs["interview_stereo.wav"]):
            review.mark_reviewed(case, runs["interview_stereo.wav"], span)
        editing.set_verified(case, runs["interview_stereo.wav"], "DS Raj Patel")
        after = {r.exhibit.source.name: r.detail + (r.more() if r.more else "") for r in exhibit_rows(case)}
        model = ExhibitsModel()
        model.set_rows(exhibit_rows(case))
        row = next(i for i, r in enumerate(model.rows) if r.exhibit.source.name == "truncated.mp3")
        tip = model.data(model.index(row, 5), Qt.ItemDataRole.ToolTipRole)  # what the hover shows
    finally:
        case.close()
    assert before["interview_stereo.wav"].startswith("signed off 20")
    assert before["interview_stereo.wav"].endswith(" UTC; 3 uncertain word(s) never reviewed")
    assert after["interview_stereo.wav"].endswith(" UTC") and "never reviewed" not in after["interview_stereo.wav"]
    assert before["truncated.mp3"].endswith("UTC; the file is truncated or damaged; only what could be read")
    assert tip.startswith("verified by DS Raj Patel: signed off 20") and tip.endswith("only what could be read")


def test_the_history_gives_a_reviewed_word_s_time_as_the_editor_shows_it(tmp_path, qapp):
    """History said '"Kowalski" at 0.5 s accepted as written' (and '3723.5 s' an hour in) where the
    editor's time column reads 00:00.5 - 00:00.9 and 1:02:03.5: the same clock now."""
    from app.gui.history_view import describe

    case, run = _voice_note_case(tmp_path / "case")
    try:
        [span] = review.unreviewed(case, run)
        review.mark_reviewed(case, run, span, actor="DS Raj Patel")
        [revision] = editing.history(case, run)
    finally:
        case.close()
    assert describe(revision) == "“Kowalski” at 00:00.5 accepted as written"
    later = type(revision)(**{**revision.__dict__, "params": {"start_ms": 3_723_500, "text": "eight"}})
    assert describe(later) == "“eight” at 1:02:03.5 accepted as written"


def test_a_damaged_range_stored_before_is_printed_in_the_record_s_clock():
    """A run made before today holds 'damaged 00:01.9-00:06.2' as it was stored: its TXT, DOCX and PDF
    print it as hh:mm:ss too (the JSON keeps the words the run stored)."""
    import json
    from dataclasses import replace

    from tests.test_record_of_interview import record, render

    old = replace(record(), warnings=("damaged 00:01.9-00:06.2, damaged 1:02:03.5-1:02:04.0",))
    said = "damaged 00:00:01.9-00:00:06.2, damaged 01:02:03.5-01:02:04.0"
    assert f"Warning: {said}" in render("txt", old).decode("utf-8").splitlines()
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(render("pdf", old))).pages).split())
    assert f"Warning {said}" in pdf
    cells = [c.text for t in docx.Document(io.BytesIO(render("docx", old))).tables for r in t.rows for c in r.cells]
    assert said in cells and "damaged 00:01.9" not in " ".join(cells)
    assert json.loads(render("json", old))["warnings"] == list(old.warnings)


def test_the_history_of_a_machine_draft_says_no_changes_yet_and_lists_them_once_made(tmp_path, qapp):
    """A draft no one had touched showed a blank History tab, which reads as a history lost; it says
    there are no changes yet, and that row goes once there is one."""
    from app.gui.history_view import HistoryView

    case, run = _voice_note_case(tmp_path / "case")
    view = HistoryView()
    try:
        view.show_run(case, run)
        rows = [view.topLevelItem(i).text(3) for i in range(view.topLevelItemCount())]
        assert rows == ["no changes yet"]
        [span] = review.unreviewed(case, run)
        review.mark_reviewed(case, run, span, actor="DS Raj Patel")
        view.show_run(case, run)
        rows = [view.topLevelItem(i).text(3) for i in range(view.topLevelItemCount())]
        assert len(rows) == 1 and rows != ["no changes yet"]
    finally:
        view.deleteLater()
        case.close()
