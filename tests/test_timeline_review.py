"""A voice note in the timeline says how far its transcript was checked, and speech heard without
words is shown as the record of interview shows it: "[inaudible hh:mm:ss]", not "(no speech found)"
(a user saw the Polish note read as "no speech" in the window and the DOCX, though it was heard)."""

from __future__ import annotations

import json

from docx import Document

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline, timeline_dict
from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.export.timeline import write_timeline
from app.core.store.chats import attachment_exhibits
from app.core.types import FLAG_INAUDIBLE, Segment
from app.core.usecases.timeline import story
from tests.search_helpers import MODEL, add_run
from tests.test_timeline import whatsapp_zip


def _docx_cells(path) -> list[str]:
    return [cell.text for table in Document(path).tables for row in table.rows for cell in row.cells]


def test_a_proofread_and_a_verified_note_say_so_in_every_view(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [note] = attachment_exhibits(case, taken.exhibit_id)
    untranscribed = timeline_dict(build_timeline(case, taken.exhibit_id))["messages"][1]["attachment"]
    assert (untranscribed["transcript"], untranscribed["review"]) == (None, None)  # was "machine draft" (revC)
    run = add_run(case, note, ["Meet me at the station at eight."])
    machine = timeline_dict(build_timeline(case, taken.exhibit_id))["messages"][1]["attachment"]
    assert machine["review"] == "machine draft" and machine["transcript"] == "Meet me at the station at eight."
    editing.edit_text(case, run, editing.segment_ids(case, run)[0], "Meet me at the bus station at eight.")
    edited = timeline_dict(build_timeline(case, taken.exhibit_id))["messages"][1]["attachment"]
    assert edited["review"] == "proofread" and edited["transcript"] == "Meet me at the bus station at eight."
    editing.set_verified(case, run, "DC Jane Hollis")
    timeline = build_timeline(case, taken.exhibit_id)
    assert timeline.entries[1].attachment.review == "verified by DC Jane Hollis"
    paths = write_timeline(timeline, tmp_path / "out", "ana", ["json", "docx"])
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert data["messages"][1]["attachment"]["review"] == "verified by DC Jane Hollis"
    voice = [c for c in _docx_cells(paths[1]) if c.startswith("[Voice note")]
    assert voice and voice[0].startswith("[Voice note 00000004-AUDIO-2024-03-13-08-03-40.opus, transcript, "
                                         "verified by DC Jane Hollis]\nMeet me at the bus station at eight.")


def test_speech_heard_without_words_is_marked_inaudible_not_no_speech(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [note] = attachment_exhibits(case, taken.exhibit_id)
    run = case.start_run(note, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, (Segment(1_200, 4_800, "", flags=(FLAG_INAUDIBLE,)),), {}, "pl", 0.5)
    case.finish_run(run)
    timeline, _ = story(case, taken.exhibit_id)  # the timeline as the window and `timeline` build it
    assert timeline.entries[1].attachment.transcript == "[inaudible 00:00:01]"
    paths = write_timeline(timeline, tmp_path / "out", "ana", ["docx"])
    cells = _docx_cells(paths[0])
    assert any("transcript, machine draft]\n[inaudible 00:00:01]\n(language uncertain: speech heard (4 s) but no words recognised; "
               "detected as Polish, 50% sure: re-run in its language)\n(exhibit " in c for c in cells), cells
    assert not any("(no speech found)" in c for c in cells)


def test_words_a_proofreader_removed_are_said_as_in_the_record(case, tmp_path):
    """A voice note whose words a proofreader removed read "(no speech found)" in the chat's timeline, while
    its record of interview says "[words removed in proofreading hh:mm:ss]" (review 2 of session 27)."""
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [note] = attachment_exhibits(case, taken.exhibit_id)
    run = add_run(case, note, ["Meet me at the station at eight."])
    editing.edit_text(case, run, editing.segment_ids(case, run)[0], "")
    timeline = build_timeline(case, taken.exhibit_id)
    assert timeline.entries[1].attachment.transcript.startswith("[words removed in proofreading ")
    cells = _docx_cells(write_timeline(timeline, tmp_path / "out", "ana", ["docx"])[0])
    assert not any("(no speech found)" in c for c in cells), cells
