"""Hostile kills, eleventh round (session 19; tests/test_kills.py to test_kills9.py are the earlier ones):
`speakers confirm` killed between its two writes or just after them, and a chat export whose take-in was
killed before its messages were stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
