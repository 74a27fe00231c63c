"""Human editing (app.core.editing.operations): working copy, revisions, undo, verification. No Qt."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.editing import operations as editing
from app.core.editing import segment_edits
from app.core.editing.operations import EditError
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import FLAG_LOW_CONFIDENCE, ModelInfo, Segment, Word
from tests.conftest import MEDIA

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "cd" * 32)


def _words(start: int, text: str, prob: float = 0.9) -> tuple[Word, ...]:
    out = []
    for i, token in enumerate(text.split()):
        out.append(Word(start + i * 500, start + i * 500 + 400, " " + token, prob))
    return tuple(out)


@pytest.fixture()
def run_id(case: Case) -> int:
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    segs = (
        Segment(0, 2000, "hello there my friend", speaker="Officer", words=_words(0, "hello there my friend")),
        Segment(2000, 4000, "we met at the bank", speaker="Witness", words=_words(2000, "we met at the bank", 0.3),
                flags=(FLAG_LOW_CONFIDENCE,)),
        Segment(4000, 6000, "the bank on Main Street", speaker="Officer",
                words=_words(4000, "the bank on Main Street")),
    )
    case.append_segments(run, segs, {}, "en", 0.99)
    case.finish_run(run)
    return run


def _texts(case: Case, run_id: int) -> list[str]:
    return [s.text for s in editing.current_transcript(case, run_id).segments]


def _machine_rows(case: Case, run_id: int) -> list[tuple]:
    return [tuple(r) for r in case.conn.execute(
        "SELECT id, start_ms, end_ms, speaker, text FROM segments WHERE run_id=? ORDER BY id", (run_id,))]


def test_without_edits_the_current_transcript_is_the_machine_draft(case, run_id):
    t = editing.current_transcript(case, run_id)
    assert t.status == "machine draft" and t.verified_by is None
    assert t.segments == case.transcript(run_id).segments
    assert editing.segment_ids(case, run_id) == [s.id for s in case.segments(run_id)]


def test_first_edit_creates_a_working_copy_and_never_touches_the_machine_draft(case, run_id):
    machine = _machine_rows(case, run_id)
    first = editing.segment_ids(case, run_id)[0]
    change = editing.edit_text(case, run_id, first, "hello there my good friend", actor="alice")
    assert change.reset and change.status == "edited" and change.revision_id
    assert _texts(case, run_id)[0] == "hello there my good friend"
    assert _machine_rows(case, run_id) == machine
    assert case.transcript(run_id).segments[0].text == "hello there my friend"
    t = editing.current_transcript(case, run_id)
    assert t.status == "edited"
    # unchanged words keep the machine's timing; the typed word is marked as typed
    words = t.segments[0].words
    assert [w.text.strip() for w in words] == ["hello", "there", "my", "good", "friend"]
    assert words[0] == case.segments(run_id)[0].words[0]
    assert words[3].probability == segment_edits.TYPED_WORD_PROBABILITY


def test_each_operation_is_a_revision_and_an_audit_entry_with_who_and_when(case, run_id):
    ids = editing.segment_ids(case, run_id)
    editing.edit_text(case, run_id, ids[0], "hello", actor="alice")
    ids = editing.segment_ids(case, run_id)
    editing.rename_speaker(case, run_id, "Officer", "PC Smith", actor="bob")
    revs = editing.history(case, run_id)
    assert [(r.op, r.actor) for r in revs] == [("edit_text", "alice"), ("rename_speaker", "bob")]
    assert revs[0].before["segments"][0]["text"] == "hello there my friend"
    assert revs[0].after["segments"][0]["text"] == "hello"
    assert all(r.at for r in revs)
    actions = [(e.action, e.actor) for e in case.audit.entries("run/")]
    assert ("transcript.edit_text", "alice") in actions
    assert ("transcript.rename_speaker", "bob") in actions
    assert case.audit.verify() == []
    with pytest.raises(sqlite3.DatabaseError):
        case.conn.execute("DELETE FROM revisions")


def test_rename_speaker_everywhere(case, run_id):
    change = editing.rename_speaker(case, run_id, "Officer", "PC Smith", actor="alice")
    assert len(change.changed) == 2
    speakers = [s.speaker for s in editing.current_transcript(case, run_id).segments]
    assert speakers == ["PC Smith", "Witness", "PC Smith"]
    assert editing.speakers(case, run_id) == ["PC Smith", "Witness"]


def test_split_and_merge_and_their_undo(case, run_id):
    second = editing.segment_ids(case, run_id)[1]
    change = editing.split(case, run_id, second, len("we met"), actor="alice")
    ids = editing.segment_ids(case, run_id)
    assert len(ids) == 4 and len(change.added) == 1
    segs = editing.current_transcript(case, run_id).segments
    assert [s.text for s in segs[1:3]] == ["we met", "at the bank"]
    assert segs[1].end_ms == segs[2].start_ms and 2000 < segs[1].end_ms < 4000
    assert [w.text.strip() for w in segs[2].words] == ["at", "the", "bank"]

    merged = editing.merge(case, run_id, [ids[2], ids[3]], actor="alice")
    assert merged.removed and len(editing.segment_ids(case, run_id)) == 3
    assert _texts(case, run_id)[2] == "at the bank the bank on Main Street"

    editing.undo(case, merged.revision_id, actor="alice")
    assert _texts(case, run_id)[1:] == ["we met", "at the bank", "the bank on Main Street"]
    editing.undo(case, change.revision_id, actor="alice")
    assert _texts(case, run_id) == [s.text for s in case.segments(run_id)]
    assert editing.segment_ids(case, run_id)[1] == ids[1]
    editing.redo(case, change.revision_id, actor="alice")
    assert _texts(case, run_id)[1:3] == ["we met", "at the bank"]
    ops = [r.op for r in editing.history(case, run_id)]
    assert ops == ["split", "merge", "undo", "undo", "redo"]


def test_undo_out_of_order_is_refused(case, run_id):
    first = editing.segment_ids(case, run_id)[0]
    a = editing.edit_text(case, run_id, first, "one", actor="a")
    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, "two", actor="a")
    with pytest.raises(EditError):
        editing.undo(case, a.revision_id)


def test_replace_all_and_no_match(case, run_id):
    change = editing.replace_all(case, run_id, "BANK", "Barclays bank", actor="alice")
    assert len(change.changed) == 2
    assert _texts(case, run_id)[1:] == ["we met at the Barclays bank", "the Barclays bank on Main Street"]
    # the segment a person corrected is no longer flagged uncertain
    assert FLAG_LOW_CONFIDENCE not in editing.current_transcript(case, run_id).segments[1].flags
    nothing = editing.replace_all(case, run_id, "zebra", "x", actor="alice")
    assert nothing.revision_id is None
    whole = editing.replace_all(case, run_id, "the", "THE", whole_words=True, match_case=True, actor="a")
    assert len(whole.changed) == 3 - 1  # "there" in segment 1 is not a whole word "the"


def test_verified_by_a_named_user_then_an_edit_makes_it_a_draft_again(case, run_id):
    change = editing.set_verified(case, run_id, "DC Jones", actor="jones")
    assert change.status == "verified" and change.reset
    t = editing.current_transcript(case, run_id)
    assert (t.status, t.verified_by) == ("verified", "DC Jones")
    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, "hello again", actor="alice")
    t = editing.current_transcript(case, run_id)
    assert (t.status, t.verified_by) == ("edited", None)
    with pytest.raises(EditError):
        editing.set_verified(case, run_id, "  ")


def test_undo_of_verification_takes_the_mark_off(case, run_id):
    editing.edit_text(case, run_id, editing.segment_ids(case, run_id)[0], "hello", actor="jones")
    v = editing.set_verified(case, run_id, "DC Jones", actor="jones")
    editing.undo(case, v.revision_id, actor="jones")
    assert editing.status(case, run_id) == ("edited", None)
    editing.redo(case, v.revision_id, actor="jones")
    assert editing.status(case, run_id) == ("verified", "DC Jones")


def test_all_edits_undone_reads_as_the_machine_draft_again(case, run_id):
    ids = editing.segment_ids(case, run_id)
    typed = editing.edit_text(case, run_id, ids[0], "hello there my good friend", actor="alice")
    ids = editing.segment_ids(case, run_id)
    moved = editing.set_speaker(case, run_id, ids[1], "Officer", actor="alice")
    assert editing.status(case, run_id) == ("edited", None)
    editing.undo(case, moved.revision_id, actor="alice")
    assert editing.status(case, run_id) == ("edited", None)  # the typed word is still there
    editing.undo(case, typed.revision_id, actor="alice")
    t = editing.current_transcript(case, run_id)
    assert (t.status, t.verified_by) == ("machine draft", None)
    assert [s.text for s in t.segments] == [s.text for s in case.segments(run_id)]
    # what is stored and logged is unchanged: the working copy's row still says edited
    assert case.conn.execute("SELECT status FROM working_transcripts WHERE run_id=?",
                             (run_id,)).fetchone()[0] == "edited"
    editing.redo(case, typed.revision_id, actor="alice")
    assert editing.status(case, run_id) == ("edited", None)
    # typed back by hand to the machine's words: the words kept keep the machine's timings, so
    # the text is the machine's again; a changed speaker alone is an edit
    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, "hello there my friend", actor="alice")
    assert editing.status(case, run_id) == ("machine draft", None)
    editing.set_speaker(case, run_id, first, "Witness", actor="alice")
    assert editing.status(case, run_id) == ("edited", None)


def test_a_verified_mark_on_an_unedited_text_stays_verified(case, run_id):
    v = editing.set_verified(case, run_id, "DC Jones", actor="jones")
    assert editing.status(case, run_id) == ("verified", "DC Jones")
    editing.undo(case, v.revision_id, actor="jones")
    assert editing.status(case, run_id) == ("machine draft", None)


def test_edits_survive_reopening_the_case(case, run_id):
    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, "kept", actor="alice")
    again = Case.open(case.folder)
    try:
        assert editing.current_transcript(again, run_id).segments[0].text == "kept"
    finally:
        again.close()


def test_exports_take_the_current_transcript(case, run_id, tmp_path):
    from app.core.export import export_transcript

    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, "corrected words", actor="alice")
    editing.set_verified(case, run_id, "DC Jones")
    paths = export_transcript(editing.current_transcript(case, run_id), tmp_path / "out", ["txt", "json"])
    text = paths[0].read_text(encoding="utf-8")
    assert "corrected words" in text and "hello there my friend" not in text
    assert "DC Jones" in paths[1].read_text(encoding="utf-8")


def test_unknown_segment_is_refused(case, run_id):
    with pytest.raises(EditError):
        editing.edit_text(case, run_id, 999999, "x")
    with pytest.raises(EditError):
        editing.split(case, run_id, editing.segment_ids(case, run_id)[0], 0)


def test_realign_words_pure():
    words = [[0, 400, " a", 0.5], [500, 900, " b", 0.5], [1000, 1400, " c", 0.5]]
    out = segment_edits.realign_words(words, "a x y c")
    assert [w[2] for w in out] == [" a", " x", " y", " c"]
    assert out[1][0] == 500 and out[2][1] == 900 and out[1][3] == 1.0
    assert segment_edits.realign_words([], "anything") == []


def test_a_run_still_being_transcribed_cannot_be_edited(case):
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {}, software_info())
    case.append_segments(run, (Segment(0, 1000, "partial"),), {}, "en", 0.9)
    with pytest.raises(EditError):
        editing.edit_text(case, run, editing.segment_ids(case, run)[0], "x")
    assert not editing.has_working_copy(case, run)


def test_speakers_are_numbered_in_an_order_that_stays_put(case, run_id):
    from app.core.editing.speaker_edits import merge_speakers, numbered_speakers, split_speaker

    assert numbered_speakers(case, run_id) == ["Officer", "Witness"]
    ids = editing.segment_ids(case, run_id)
    moved = editing.set_speaker(case, run_id, ids[1], "Officer", actor="alice")  # Witness's only line
    assert editing.speakers(case, run_id) == ["Officer"]
    assert numbered_speakers(case, run_id) == ["Officer", "Witness"]
    ids = editing.segment_ids(case, run_id)
    split_speaker(case, run_id, [ids[2]], "Interpreter", actor="alice")
    editing.set_speaker(case, run_id, ids[0], "Solicitor", actor="alice")
    assert numbered_speakers(case, run_id) == ["Officer", "Witness", "Interpreter", "Solicitor"]
    renamed = editing.rename_speaker(case, run_id, "Officer", "DC Jones", actor="alice")
    assert numbered_speakers(case, run_id) == ["DC Jones", "Witness", "Interpreter", "Solicitor"]
    editing.undo(case, renamed.revision_id, actor="alice")
    assert numbered_speakers(case, run_id)[0] == "Officer"
    merge_speakers(case, run_id, "Interpreter", "Solicitor", actor="alice")
    assert numbered_speakers(case, run_id) == ["Officer", "Witness", "Solicitor"]
    editing.undo(case, moved.revision_id, actor="alice")
    assert numbered_speakers(case, run_id) == ["Officer", "Witness", "Solicitor"]
