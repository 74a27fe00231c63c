"""Hostile expert, session 20: exports that presented what the log does not vouch for.

`export` checked only the text (and its scores) against the digests the log holds. So it wrote, with a
manifest vouching for it:
- a verified mark set in the store ("Status: verified by DS Patel"), no sign-off logged;
- record-of-interview details, a run's record (model, language...) or an exhibit's (its SHA-256, length)
  changed in the store;
- forged words whose digest was also edited into the log (the chain broken there), or with the log
  chained again after the edit (each manifest of the run exported since names an entry the log no longer
  holds as it was);
and `timeline` wrote a chat's messages changed in the store as the chat's.
"""

from __future__ import annotations

import json
import shutil

import pytest

from app.cli import main
from app.core.chats.intake import take_in
from app.core.editing import operations as editing
from app.core.evidence.content import content_sha256, scores_sha256
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.interview import write_interview
from app.core.types import Segment
from tests.conftest import MEDIA
from tests.tamper_helpers import forged, rechained
from tests.test_verify import MODEL, verify


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A case of one voice note: a finished run, an edit by DC Jones, record-of-interview details, a WhatsApp
    chat taken in, the run exported once; made by its own heads folder's account."""
    root = tmp_path_factory.mktemp("t20")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
        original = root / "evidence" / "note.opus"
        original.parent.mkdir()
        shutil.copy(MEDIA / "en_voicenote.opus", original)
        (root / "chat").mkdir()
        (root / "chat" / "_chat.txt").write_text(
            "12/03/2024, 21:15 - Dave Miller: Are we still on for Saturday?\n"
            "13/03/2024, 08:02 - Ana: Yes. Meet at the car park.\n"
            "13/03/2024, 08:03 - Ana: PTT-20240313-WA0004.opus (file attached)\n", encoding="utf-8")
        shutil.copy(MEDIA / "de_voicenote.opus", root / "chat" / "PTT-20240313-WA0004.opus")
        case = Case.open(root / "case")
        try:
            exhibit, _ = case.add_exhibit(probe(original))
            run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
            case.append_segments(run, (Segment(0, 1500, "meet me at the docks"), Segment(1500, 3000, "bring it")),
                                 {}, "en", 0.98)
            case.finish_run(run)
            editing.edit_text(case, run, editing.segment_ids(case, run)[1], "bring the van", actor="DC Jones")
            write_interview(case, exhibit.id, {"interviewee": "John Smith", "officers": ["DC Jones"]}, "DC Jones")
            [chat] = take_in(case, str(root / "chat"))
            voice = next(e.id for e in case.exhibits() if e.source.name.startswith("PTT-"))
            heard = case.start_run(voice, "transcribe", MODEL, {"beam_size": 5}, software_info())
            case.append_segments(heard, (Segment(0, 1500, "wir sehen uns am Parkplatz"),), {}, "de", 0.9)
            case.finish_run(heard)
            assert main(["export", "1", "--case", str(root / "case"), "--out", str(root / "out"), "--format",
                         "json,txt"]) == 0
        finally:
            case.close()
    return {"root": root, "run": run, "exhibit": exhibit.id, "chat": chat.exhibit_id, "heard": heard}


@pytest.fixture()
def case(made, tmp_path, monkeypatch):
    """A fresh copy of the made case, at the same place (its exports' paths are logged), with its heads."""
    root = made["root"]
    kept = tmp_path / "kept"
    shutil.copytree(root, kept, symlinks=True)
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
    yield {**made, "case": root / "case"}
    shutil.rmtree(root)
    shutil.copytree(kept, root, symlinks=True)


def _export(case, capsys) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["export", "1", "--case", str(case["case"]), "--out", str(case["root"] / "again"), "--format", "txt"])
    return code, capsys.readouterr().err.strip().splitlines()


def _refused(case, capsys, said: str) -> None:
    code, lines = _export(case, capsys)
    assert code == 1 and lines and said in lines[-1] and lines[-1].endswith("not exported; `verify` says more"), lines
    assert not (case["root"] / "again" / "note.txt").exists()
    code, found = verify(capsys, case["case"])
    assert code == 1 and found, found  # verify says it too


def _forged_words(case) -> None:
    """The proofread text changed in the store, and the digests its last revision logged set to match it."""
    forged(case["case"], f"UPDATE working_segments SET text='I was at the docks' WHERE run_id={case['run']} "
                          "AND text='meet me at the docks'")
    store = Case.open(case["case"])
    try:
        segments = editing.current_segments(store, case["run"])
        entry = [e for e in store.audit.entries(f"run/{case['run']}") if e.action.startswith("transcript.")][-1]
    finally:
        store.close()
    details = {**entry.details, "content_sha256": content_sha256(segments), "scores_sha256": scores_sha256(segments)}
    forged(case["case"], ("UPDATE audit_log SET details_json=? WHERE id=?",
                           (json.dumps(details, sort_keys=True, ensure_ascii=False), entry.id)))


def test_the_untouched_case_exports_and_verifies(case, capsys):
    code, lines = _export(case, capsys)
    assert code == 0, lines
    assert (case["root"] / "again" / "note.txt").is_file()
    assert verify(capsys, case["case"]) == (0, [])


def test_a_verified_mark_set_in_the_store_is_not_exported_as_signed_off(case, capsys):
    forged(case["case"], "UPDATE working_transcripts SET status='verified', verified_by='DS Patel', "
                          "verified_at='2026-01-01T10:00:00.000Z'")
    _refused(case, capsys, "run 1: its status in the store (verified by DS Patel) is not the one its revision "
                           "history left (edited)")


@pytest.mark.parametrize("statement, said", [
    ("UPDATE interview_details SET interviewee='Peter Jones'",
     "exhibit 1: its record-of-interview details in the store differ from the audit log (interviewee)"),
    ("UPDATE runs SET model_name='large-v3' WHERE id=1", ("run 1: its record in the store differs from the audit "
                                                         "log (model)")),
    ("UPDATE runs SET language='fr' WHERE id=1", ("run 1: its record in the store differs from the audit log "
                                                 "(language)")),
    ("UPDATE exhibits SET sha256='" + "0" * 64 + "' WHERE id=1", ("exhibit 1: its record in the store differs from "
                                                                 "the audit log (sha256)")),
    ("UPDATE revisions SET actor='DS Patel'", ("run 1: its proofreading history in the store differs from the "
                                              "audit log")),
])
def test_a_record_an_export_prints_changed_in_the_store_is_not_exported(case, capsys, statement, said):
    forged(case["case"], statement)
    _refused(case, capsys, said)


def test_forged_words_with_their_digest_forged_in_the_log_are_not_exported(case, capsys):
    _forged_words(case)
    _refused(case, capsys, "audit log: audit entry ")
    _, lines = _export(case, capsys)
    assert "does not match the chain: its digests vouch for nothing" in lines[-1], lines


def test_forged_words_with_the_log_chained_again_are_not_exported(case, capsys):
    _forged_words(case)
    rechained(case["case"])
    _refused(case, capsys, f"run 1: its export {case['root'] / 'out' / 'note.manifest.json'} names audit entry ")
    _, lines = _export(case, capsys)
    assert "which the log no longer holds as it was: the log was rewritten since" in lines[-1], lines


def _timeline(case) -> str | None:
    """The chat's timeline written as the window writes it (`export_timeline`); the refusal said, if any."""
    from app.core.errors import ParleyError
    from app.core.usecases.timeline import export_timeline
    store = Case.open(case["case"])
    try:
        export_timeline(store, case["chat"], case["root"] / "timeline", ["json"])
        return None
    except ParleyError as exc:
        return str(exc)
    finally:
        store.close()


def test_a_chat_message_changed_in_the_store_is_not_written_as_the_chat_s_timeline(case, capsys):
    forged(case["case"], "UPDATE chat_messages SET text='Meet at the docks, bring the gun.' WHERE idx=1")
    assert _timeline(case) == (
        f"exhibit {case['chat']}: its chat messages in the store differ from those taken in (text, sender, time or "
        "attachment changed, added or removed) (edited outside Parley): timeline not written; `verify` says more")
    assert not (case["root"] / "timeline").exists() or not list((case["root"] / "timeline").glob("*.json"))


def test_a_voice_note_s_transcript_changed_in_the_store_is_not_written_into_the_chat_s_timeline(case, capsys):
    forged(case["case"], f"UPDATE segments SET text='bring the gun' WHERE run_id={case['heard']}")
    assert _timeline(case) == (f"run {case['heard']}: the machine draft in the store differs from what was produced "
                               "(edited outside Parley): timeline not written; `verify` says more")


def test_the_untouched_chat_s_timeline_is_written(case, capsys):
    assert _timeline(case) is None
    assert list((case["root"] / "timeline").glob("*.timeline.json"))
    assert verify(capsys, case["case"]) == (0, [])


# ------------------------------------------------------------------ another case's export among this one's

def _other_case_exports(root, out, name: str) -> None:
    """A second case of the same recording (its own log), its set exported into `out` as `name`."""
    from app.core.usecases.exporting import export_run
    other = Case.open(root / "other-case")
    try:
        exhibit, _ = other.add_exhibit(probe(root / "evidence" / "note.opus"))
        run = other.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        other.append_segments(run, (Segment(0, 1500, "bring the gun to the docks"),), {}, "en", 0.98)
        other.finish_run(run)
        export_run(other, run, out, ["json", "txt"], basename=name)
    finally:
        other.close()


@pytest.mark.parametrize("moved", [False, True])
def test_another_case_s_export_of_the_same_recording_among_this_one_s_is_a_finding(case, capsys, moved):
    """Its manifest names an audit entry this log holds with another hash: it was said nothing of."""
    out = case["root"] / ("moved" if moved else "out")
    if moved:
        shutil.move(case["root"] / "out", out)
    _other_case_exports(case["root"], out, "note-final")
    capsys.readouterr()
    code = main(["verify", "--case", str(case["case"]), *(["--exports", str(out)] if moved else [])])
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.endswith("finding(s)")]
    assert code == 1 and lines == [(f"{out / 'note-final.manifest.json'}: an export of this case's evidence naming audit "
                                   "entry 4, which this case's log holds otherwise: another case's export (of the same "
                                   "recording), or this case's from before its store was put back to an older copy or "
                                   "its log rewritten; not an export this log made")], lines


# ------------------------------------------------------------------ a link in an export's place

def test_an_exported_file_replaced_by_a_link_to_the_same_bytes_is_said_so(case, capsys):
    """verify and check-export hashed through the link and found nothing: the set's file was wherever it led."""
    exported, elsewhere = case["root"] / "out" / "note.txt", case["root"] / "elsewhere.txt"
    shutil.move(exported, elsewhere)
    exported.symlink_to(elsewhere)
    code, lines = verify(capsys, case["case"])
    assert (code, lines) == (1, [(f"{exported}: exported file replaced by a symbolic link to {elsewhere} (an export "
                                 "writes files, never links)")]), lines
    assert main(["check-export", str(case["root"] / "out" / "note.manifest.json")]) == 1
    assert f"note.txt: a symbolic link to {elsewhere}, not the file written" in capsys.readouterr().err


# ------------------------------------------------------------------ a forged row taken into the next revision

def test_a_working_copy_row_changed_in_the_store_is_not_taken_into_the_next_edit(case, capsys):
    """The next edit logged the digest of the whole copy, forged row and all: verify then found nothing, and
    export wrote the forged words as the proofread record."""
    from app.core.editing.segment_edits import EditError
    forged(case["case"], "UPDATE working_segments SET text='I was at the docks with the gun' "
                          "WHERE text='meet me at the docks'")
    store = Case.open(case["case"])
    try:
        ids = editing.segment_ids(store, case["run"])
        for change in (lambda: editing.edit_text(store, case["run"], ids[-1], "bring the car", actor="DC Jones"),
                       lambda: editing.set_verified(store, case["run"], "DS Patel", actor="DS Patel"),
                       lambda: editing.replace_all(store, case["run"], "van", "car", actor="DC Jones"),
                       lambda: editing.undo(store, editing.history(store, case["run"])[-1].id, actor="DC Jones")):
            with pytest.raises(EditError, match=r"^run 1: the edited transcript in the store differs from its "
                                                r"recorded revision history \(edited outside Parley\): not changed"):
                change()
        assert len(editing.history(store, case["run"])) == 1
    finally:
        store.close()
    code, lines = verify(capsys, case["case"])
    assert (code, lines) == (1, ["run 1: the edited transcript differs from its recorded revision history"]), lines


def test_a_machine_draft_changed_in_the_store_is_not_taken_into_a_first_working_copy(case, capsys):
    from app.core.editing.segment_edits import EditError
    store = Case.open(case["case"])
    try:
        run = store.start_run(case["exhibit"], "transcribe", MODEL, {"beam_size": 4}, software_info())
        store.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
        store.finish_run(run)
    finally:
        store.close()
    forged(case["case"], f"UPDATE segments SET text='bring the gun' WHERE run_id={run}")
    store = Case.open(case["case"])
    try:
        with pytest.raises(EditError, match=f"^run {run}: the machine draft in the store differs from what was "
                                            r"produced \(edited outside Parley\): not changed"):
            editing.set_verified(store, run, "DS Patel", actor="DS Patel")
        assert not editing.has_working_copy(store, run)
    finally:
        store.close()


def test_a_run_s_record_forged_in_the_store_and_the_log_alike_is_not_re_run(case, capsys):
    """reproduce compared the record with a log whose entry was edited to match it (the chain broken there),
    and re-ran the forged record (another model's hash, say) as the one made."""
    forged(case["case"], "UPDATE runs SET model_sha256='" + "cd" * 32 + "' WHERE id=1")
    store = Case.open(case["case"])
    try:
        entry = next(e for e in store.audit.entries("run/1") if e.action == "run.started")
    finally:
        store.close()
    details = json.dumps({**entry.details, "model_sha256": "cd" * 32}, sort_keys=True, ensure_ascii=False)
    forged(case["case"], ("UPDATE audit_log SET details_json=? WHERE id=?", (details, entry.id)))
    capsys.readouterr()
    assert main(["reproduce", "1", "--case", str(case["case"])]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert said[-1].startswith(f"reproduce: audit log: audit entry {entry.id} (run.started) does not match the chain: "
                               "its digests vouch for nothing: not re-run"), said


def test_an_exported_file_replaced_by_a_named_pipe_is_said_so_not_missing(case, capsys):
    """It was "exported file missing (if its folder was moved, name the folder ...)": nothing was moved."""
    import os
    exported = case["root"] / "out" / "note.txt"
    exported.unlink()
    os.mkfifo(exported)
    code, lines = verify(capsys, case["case"])
    assert (code, lines) == (1, [(f"{exported}: exported file replaced by a named pipe (not read: it is not a "
                                 "file)")]), lines
    assert main(["check-export", str(case["root"] / "out" / "note.manifest.json")]) == 1
    assert "note.txt: a named pipe in its place (not read: it is not a file)" in capsys.readouterr().err


HIDDEN = ("the audit log saw it finish, a newer transcribe of exhibit 1 than run 1, but the store holds it otherwise "
          "(its status, task or exhibit changed, or removed): an older run would be exported in its place")


@pytest.mark.parametrize("statement, said", [
    ("UPDATE runs SET status='failed' WHERE id={run}", HIDDEN),
    # export writes the transcript (session 25): a run made a translation in the store is no candidate, so the
    # newer transcribe the log saw is missing from the store, as when its status changed
    ("UPDATE runs SET task='translate' WHERE id={run}", HIDDEN),
    ("DELETE FROM runs WHERE id={run}", HIDDEN),
])
def test_a_newer_run_hidden_in_the_store_does_not_let_an_older_one_be_exported_in_its_place(case, capsys,
                                                                                            statement, said):
    """The newer run's status, task or exhibit changed in the store (or its row removed): export picked the older
    run and wrote it as the exhibit's latest transcript."""
    store = Case.open(case["case"])
    try:
        run = store.start_run(case["exhibit"], "transcribe", MODEL, {"beam_size": 4}, software_info())
        store.append_segments(run, (Segment(0, 1500, "I was never at the docks"),), {}, "en", 0.98)
        store.finish_run(run)
    finally:
        store.close()
    forged(case["case"], statement.format(run=run))
    _refused(case, capsys, f"run {run}: {said}")


def test_a_transcript_changed_in_the_store_is_not_translated(case):
    """The changed words were translated, and the translation's digest logged as the machine's: it verified and
    exported clean, the forged words as its source text."""
    from pathlib import Path

    from app.core.editing.segment_edits import EditError
    from app.core.translation.engine import load_translator
    from app.core.translation.runs import translate_run
    forged(case["case"], "UPDATE working_segments SET text='I was at the docks with the gun' "
                          "WHERE text='meet me at the docks'")
    nllb = load_translator(Path(__file__).resolve().parent / "fixtures" / "tiny_nllb", device="cpu", threads=1)
    store = Case.open(case["case"])
    try:
        with pytest.raises(EditError, match=r"^run 1: the edited transcript in the store differs from its recorded "
                                            r"revision history \(edited outside Parley\): not translated"):
            translate_run(store, nllb, case["run"], "fr", source="en")
        assert store.run_ids() == [1, 2]
    finally:
        store.close()
