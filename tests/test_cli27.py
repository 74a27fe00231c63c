"""Session 27: what the command line says after a kill and for a proofreader's changes without a name.

A worker SIGKILLed was listed at work until its supervisor reaped it; `edit` without --by printed "Corrected by
root" as a proofreader's name; an emptied segment read "Speaker 1: " with nothing after it; `--case D bogus` named
D as the unknown command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from app.cli.main import main
from app.core.store import Case
from app.core.store.audit import current_user
from app.core.store.jobs import JobQueue, worker_name
from tests import gui_case

ACCOUNT = f"computer account '{current_user()}' (no name was given)"


def _case(tmp_path) -> str:
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    gui_case.add_run(case, exhibit.id, (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
                                        gui_case.segment(3000, "Thank you for watching.", "Speaker 1")))
    case.close()
    return str(tmp_path / "case")


# ------------------------------------------------------------------ a worker killed, not yet reaped

def test_a_job_whose_worker_was_killed_is_not_listed_at_work_before_its_worker_is_reaped(tmp_path, capsys):
    """A SIGKILLed worker stays a zombie until its supervisor reaps it (1-3 s): it answered signal 0 as if alive,
    so `queue status` showed its job running with nothing said. Now its job says its worker has stopped."""
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    worker = subprocess.Popen(["sleep", "60"])
    try:
        JobQueue(case.conn).add(exhibit.id, "transcribe", {"model": "tiny.en"})
        JobQueue(case.conn).claim(worker_name(worker.pid))
        case.close()
        os.kill(worker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _state(worker.pid) != "Z" and time.monotonic() < deadline:  # killed, never waited for: a zombie
            time.sleep(0.05)
        assert _state(worker.pid) == "Z"
        assert main(["queue", "status", "--case", str(tmp_path / "case")]) == 0
        out = capsys.readouterr().out
    finally:
        worker.wait()
    line = next(x for x in out.splitlines() if "en_voicenote" in x)
    assert "running" in line and "its worker has stopped: the next run takes it up again" in line, out


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


# ------------------------------------------------------------------ a proofreader's change without a name

@pytest.mark.parametrize("by", [None, "  ", "DC Karen Jones"])
def test_an_edit_made_without_a_name_is_signed_by_the_computer_account_said_to_be_one(tmp_path, capsys, by):
    """`edit` without --by printed "changed by root", and every export "Corrected by root": a proofreader named
    root, to a court. The revision, its audit entry and the record now name the account as an account."""
    case_dir = _case(tmp_path)
    named = ["--by", by] if by is not None else []
    assert main(["edit", "1", "--segment", "1", "--text", "Meet me at nine.", "--case", case_dir, *named]) == 0
    said = capsys.readouterr().out
    assert main(["export", "--case", case_dir, "--out", str(tmp_path / "out"), "--format", "txt,json,docx",
                 "--by", "DS Patel"]) == 0, capsys.readouterr().err
    expected = "DC Karen Jones" if by and by.strip() else ACCOUNT
    assert f"changed by {expected} " in said, said
    text = (tmp_path / "out" / "en_voicenote.txt").read_text()
    assert f"Corrected by: {expected}\n" in text and "Corrected by: root" not in text, text
    assert json.loads((tmp_path / "out" / "en_voicenote.json").read_text())["review"]["corrected_by"] == [expected]
    case = Case.open(tmp_path / "case")
    actors = {e.actor for e in case.audit.entries("run/") if e.action.startswith("transcript.")}
    case.close()
    assert actors == {by.strip() if by and by.strip() else current_user()}  # the log: the bare account, as ever
    assert main(["verify", "--case", case_dir]) == 0, capsys.readouterr()


def test_a_speaker_confirmed_or_details_given_without_a_name_name_the_account_as_one(tmp_path, capsys):
    """`speakers confirm` without --by renamed the speaker in a revision by "root" (the record: "Corrected by
    root"); `interview` without --by recorded root as who gave the details. Both now name the account as one."""
    from app.core.store.interview import read_interview, stamps, write_interview
    from app.core.usecases.speakers import Suggestion, confirm

    case_dir = _case(tmp_path)
    case = Case.open(tmp_path / "case")
    confirm(case, 1, Suggestion("Speaker 1", "Ana Petrova", 0.91))
    write_interview(case, 1, {"interviewee": "Ana Petrova"})
    revisions = {e.actor for e in case.audit.entries("run/") if e.action.startswith("transcript.")}
    given = read_interview(case, 1)
    case.close()
    assert revisions == {current_user()}  # the log's actor: the bare account, as every other entry holds it
    assert main(["export", "--case", case_dir, "--out", str(tmp_path / "out"), "--format", "txt"]) == 0
    assert f"Corrected by: {ACCOUNT}\n" in (tmp_path / "out" / "en_voicenote.txt").read_text()
    assert main(["verify", "--case", case_dir]) == 0, capsys.readouterr()
    assert given.interviewee == "Ana Petrova"
    case = Case.open(tmp_path / "case")
    assert {e.actor for e in case.audit.entries("exhibit/") if e.action == "interview.updated"} == {current_user()}
    case.close()
    case = Case.open(tmp_path / "case")
    assert stamps(case)[1][1] == ACCOUNT  # who gave the details, as a person's name is kept: the account said so
    case.close()


def test_the_audit_log_spells_an_account_one_way_and_never_signs_it_off_as_verifier(tmp_path, capsys):
    """Edits, speaker confirmations and interview details without a name wrote "computer account 'root' (no name
    was given)" into the log's actor column, exports and runs "root": two spellings of one account. And the
    account's label was taken as the verifier's name."""
    from app.core.editing import operations as editing
    from app.core.editing.segment_edits import EditError

    case_dir = _case(tmp_path)
    assert main(["edit", "1", "--segment", "1", "--text", "Meet me at nine.", "--case", case_dir]) == 0
    assert main(["export", "--case", case_dir, "--out", str(tmp_path / "out"), "--format", "txt"]) == 0
    case = Case.open(tmp_path / "case")
    try:
        with pytest.raises(EditError, match="name of the person verifying"):
            editing.set_verified(case, 1, ACCOUNT)
        assert {e.actor for e in case.audit.entries()} == {current_user()}
    finally:
        case.close()


# ------------------------------------------------------------------ a segment emptied by a proofreader

def test_a_segment_a_proofreader_emptied_is_said_so_in_every_record(tmp_path, capsys):
    """`edit --text ""` (the machine heard "Thank you for watching." in silence) left "Speaker 1: " and nothing
    else in the TXT and subtitles, and "[inaudible 00:00:03]" in the DOCX/PDF, as if no words had been heard.
    Each now says that a person removed the words, and where; the machine draft still holds them."""
    case_dir = _case(tmp_path)
    assert main(["edit", "1", "--segment", "2", "--text", "", "--by", "DC Jones", "--case", case_dir]) == 0
    out = tmp_path / "out"
    assert main(["export", "--case", case_dir, "--out", str(out), "--format", "txt,srt,vtt,json,docx,pdf"]) == 0
    marker = "[words removed in proofreading 00:00:03]"
    txt = (out / "en_voicenote.txt").read_text()
    assert f"Speaker 1: {marker}" in txt and "Meet me at eight." in txt, txt
    assert f"Speaker 1: {marker}" in (out / "en_voicenote.srt").read_text()
    assert f"Speaker 1: {marker}" in (out / "en_voicenote.vtt").read_text()
    from docx import Document

    docx = [p.text for p in Document(str(out / "en_voicenote.docx")).paragraphs]
    assert f"00:00:03*\tSpeaker 1\t{marker}" in docx and not any("[inaudible" in line for line in docx), docx
    assert json.loads((out / "en_voicenote.json").read_text())["segments"][1]["text"] == ""
    case = Case.open(tmp_path / "case")
    machine = [s.text for s in case.segments(1)]
    case.close()
    assert machine[1] == "Thank you for watching."  # the draft keeps what the machine heard
    assert main(["verify", "--case", case_dir]) == 0


def test_a_machine_drafts_inaudible_segment_is_still_inaudible(tmp_path, capsys):
    """The new marker is a person's: a machine draft's empty segment (speech, no words) keeps [inaudible]."""
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    from app.core.types import FLAG_INAUDIBLE, Segment

    gui_case.add_run(case, exhibit.id, (Segment(2000, 4000, "", flags=(FLAG_INAUDIBLE,)),))
    case.close()
    assert main(["export", "--case", str(tmp_path / "case"), "--out", str(tmp_path / "out"), "--format", "txt"]) == 0
    txt = (tmp_path / "out" / "en_voicenote.txt").read_text()
    assert "[inaudible 00:00:02]" in txt and "removed" not in txt


# ------------------------------------------------------------------ an unknown command after --case

@pytest.mark.parametrize("words", [["--case", "D", "bogus"], ["--case=D", "bogus", "x"], ["bogus", "--case", "D"]])
def test_an_unknown_command_after_case_first_is_the_one_named(words, capsys):
    """`python -m app --case D bogus` said "invalid choice: 'D'": the case folder named as the command."""
    with pytest.raises(SystemExit) as stop:
        main(words)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in err and "'D'" not in err, err


def test_the_help_asked_for_after_case_first_is_given(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--case", "D", "--help"])
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out


class _Translator:
    """A translator that prefixes each text: what is checked is how an emptied segment is shown."""

    from app.core.models.catalogue import ModelInfo as _Info
    info = _Info("fake-mt", "/nonexistent", "0" * 64, "marian")
    device, compute_type, max_batch_tokens = "cpu", "int8", 1000

    def language_token(self, code):
        return code

    def translate_texts(self, texts, src, tgt, beam_size=4):
        from app.core.translation.engine import SentenceTranslation
        return [SentenceTranslation(t, f"<{tgt}>{t}" if t.strip() else "", ()) for t in texts]


def test_a_translation_of_an_emptied_segment_says_its_words_were_removed(tmp_path):
    """A translation is a machine draft: a segment whose original a proofreader emptied printed "Speaker 1: "
    and "(original) " with nothing after either, as if words were lost (review 2 of session 27)."""
    from app.core.editing import operations as editing
    from app.core.translation.runs import translate_run
    from app.core.usecases.exporting import export_run

    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    run = gui_case.add_run(case, exhibit.id, (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
                                              gui_case.segment(3000, "Thank you for watching.", "Speaker 1")))
    editing.edit_text(case, run, editing.segment_ids(case, run)[1], "")
    translated = translate_run(case, _Translator(), run, "de", "en")
    export_run(case, translated, tmp_path / "out", ["txt", "docx"], "tr")
    case.close()
    text = (tmp_path / "out" / "tr.txt").read_text(encoding="utf-8")
    assert "Speaker 1: [words removed in proofreading 00:00:03]\n    (original) [words removed in proofreading " \
           "00:00:03]" in text, text
    assert "Speaker 1: \n" not in text and "(original) \n" not in text
