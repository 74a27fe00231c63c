"""Hostile kills, eleventh round (session 19; tests/test_kills.py to test_kills9.py are the earlier ones):
`speakers confirm` killed between its two writes or just after them, and a chat export whose take-in was
killed before its messages were stored."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.store import chats as chat_store
from tests.conftest import MEDIA
from tests.test_kills2 import _app, _killed_after, _rows, _verify

LJ_SEGMENTS = "1,3,5,7,9,11,13,15,17"  # Linda Johnson's turns in two_lj_bush (exhibit 1)
CONFIRM = ("speakers", "confirm", "--exhibit", "2", "--speaker", "Speaker 3", "--by", "DC Test")


@pytest.fixture
def enrolled(diarised_case, tmp_path) -> Path:
    """A copy of the diarised case with Linda Johnson enrolled from exhibit 1: exhibit 2's "Speaker 3"
    is offered as her."""
    case_dir = tmp_path / "case"
    shutil.copytree(diarised_case, case_dir)
    enrol = _app("speakers", "enrol", "--case", str(case_dir), "--exhibit", "1", "--segments", LJ_SEGMENTS,
                 "--name", "Linda Johnson", "--by", "DC Test")
    assert enrol.returncode == 0, enrol.stderr
    offer = _app("speakers", "suggest", "--case", str(case_dir), "--exhibit", "2")
    assert offer.stdout.startswith("Speaker 3 -> Linda Johnson"), offer.stdout + offer.stderr
    return case_dir


def _confirm_entries(case_dir: Path) -> list[tuple]:
    return _rows(case_dir, "SELECT action FROM audit_log WHERE action IN ('transcript.rename_speaker',"
                           " 'speaker.suggestion_confirmed') ORDER BY id")


@pytest.mark.parametrize("target", ["app.core.editing.operations:rename_speaker",
                                    "app.core.usecases.speakers:confirm"])
def test_a_confirm_killed_keeps_the_rename_and_its_confirmation_together_and_the_run_again_says_done(
        enrolled, tmp_path, target):
    """Killed after the rename was stored, before the confirmation (its match score) was logged: the
    transcript named Linda Johnson with no confirmation in the log for good, and the run again said
    "no suggestion for 'Speaker 3' in this transcript", exit 1. Killed after both, before it could say so:
    the run again said the same. Both are now one transaction, and a confirm repeated says it is done."""
    args = (*CONFIRM[:2], "--case", str(enrolled), *CONFIRM[2:])
    _killed_after(tmp_path, "command", target, *args)
    assert len(_confirm_entries(enrolled)) in (0, 2)  # both writes or neither
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert "Linda Johnson" in again.stdout and again.stderr == ""
    assert _confirm_entries(enrolled) == [("transcript.rename_speaker",), ("speaker.suggestion_confirmed",)]
    twice = _app(*args)  # once more: still done, nothing added
    assert twice.returncode == 0 and "already" in twice.stdout, twice.stdout + twice.stderr
    assert len(_confirm_entries(enrolled)) == 2
    assert _verify(enrolled).returncode == 0
    other = _app(*args[:-3], "Speaker 1", *args[-2:])  # a speaker never offered is still refused
    assert other.returncode == 1 and "no suggestion for 'Speaker 1'" in other.stderr, other.stderr


CHAT = ("[13/03/2024, 08:02:11] Dave: Are we still on for the Ford Transit?\n"
        "[13/03/2024, 08:04:10] Ana: yes, ring me on 07700 900123\n")


@pytest.mark.parametrize("target", ["app.core.chats.intake:_take_media", "app.core.store.case:Case.add_exhibit"])
def test_a_chat_export_whose_take_in_was_killed_is_said_by_search_and_verify_until_taken_in(tmp_path, target):
    """`timeline` killed after the export was made an exhibit, before its messages were stored: `search`
    said "no hits for 'Transit'" and `verify` "nothing found", a chat listed among the exhibits with none of
    its messages in the case and nothing saying so. Now each says that exhibit was taken in part-way and
    that `timeline` takes it in; run again, its messages are stored once and searched, and nothing is said."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    archive = evidence / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", CHAT)
    case_dir, out = tmp_path / "case", tmp_path / "out"
    args = ("timeline", str(archive), "--case", str(case_dir), "--out", str(out), "--format", "json")
    _killed_after(tmp_path, "command", target, *args)
    said = f"exhibit 1 (WhatsApp Chat with Ana.zip): {chat_store.PART_WAY}"
    checked = _verify(case_dir)
    assert checked.returncode == 0 and f"note: {said}" in checked.stdout, checked.stdout + checked.stderr
    for command in (("search", "Transit"), ("entities",), ("exhibits",)):
        seen = _app(*command, "--case", str(case_dir))
        assert seen.returncode == 0 and f"note: {said}\n" in seen.stderr, seen.stderr
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    found = _app("search", "Transit", "--case", str(case_dir))
    assert "Ford [Transit]" in found.stdout and "part-way" not in found.stderr, found.stdout + found.stderr
    assert _rows(case_dir, "SELECT count(*) FROM chat_messages") == [(2,)]
    clean = _verify(case_dir)
    assert clean.returncode == 0 and "part-way" not in clean.stdout, clean.stdout + clean.stderr


def test_a_queue_run_killed_before_writing_its_done_job_out_writes_it_when_run_again(tmp_path, models_dir):
    """`queue run --out OUT` killed once its job was done, before the job's export was written: the run
    again said "nothing queued", exit 0, and OUT stayed empty for good (the job done, never to run again).
    It now writes out each done job never written out, and says so."""
    case_dir, out = tmp_path / "case", tmp_path / "out"
    added = _app("queue", "add", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en", "--diarize", "off",
                 "--case", str(case_dir))
    assert added.returncode == 0, added.stderr
    args = ("queue", "run", "--case", str(case_dir), "--out", str(out), "--format", "json,srt")
    _killed_after(tmp_path, "command", "app.core.usecases.exporting:review_state", *args)
    assert _rows(case_dir, "SELECT state FROM jobs") == [("done",)]
    assert not list(out.glob("*.json"))
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert "1 job(s) done earlier and never written out, written now" in again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["en_voicenote.json", "en_voicenote.manifest.json",
                                                      "en_voicenote.srt"]
    assert str(out / "en_voicenote.json") in again.stdout
    once_more = _app(*args)  # written now: not again
    assert once_more.returncode == 0 and once_more.stderr.strip() == "nothing queued", once_more.stderr
    assert _rows(case_dir, "SELECT count(*) FROM audit_log WHERE action='export.written'") == [(3,)]
    assert _verify(case_dir).returncode == 0
