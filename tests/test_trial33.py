"""Hostile expert, session 33: a chat's timeline handed over without the case.

A timeline is written without a manifest; its files' SHA-256 are in the case's audit log alone. `check-export`
given the timeline said "not an export manifest (give the set's <name>.manifest.json)", sending the reader to look for
a manifest no timeline has. It now says what a timeline is and how it is checked: against the case, with
`verify --exports FOLDER` (a copy's every file against the SHA-256 the log lists for it)."""

from __future__ import annotations

import shutil

import pytest

from app.cli import main
from tests.conftest import REPO

CHAT = REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt"
TIMELINE = "WhatsApp Chat with Dave.timeline"


@pytest.fixture(scope="module")
def timeline_out(tmp_path_factory):
    """A WhatsApp chat (no media: no model needed) taken in, its timeline written as JSON and DOCX."""
    root = tmp_path_factory.mktemp("timeline33")
    chat = root / "evidence" / "WhatsApp Chat with Dave.txt"
    chat.parent.mkdir()
    shutil.copy(CHAT, chat)
    assert main(["timeline", str(chat), "--out", str(root / "out"), "--case", str(root / "case"),
                 "--format", "json,docx"]) == 0
    return root / "out"


@pytest.mark.parametrize("suffix", ["json", "docx"])
def test_check_export_given_a_timeline_says_it_has_no_manifest_and_how_it_is_checked(timeline_out, capsys, suffix):
    given = timeline_out / f"{TIMELINE}.{suffix}"
    capsys.readouterr()
    code = main(["check-export", str(given)])
    said = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(said) == 1, said
    assert "a chat's timeline, written without a manifest" in said[0], said  # was: "not an export manifest"
    assert "verify --case CASE --exports" in said[0], said
    assert not list(timeline_out.glob("*.manifest.json"))  # no manifest indeed: the line says so truthfully


def test_check_export_given_a_transcript_file_still_asks_for_its_manifest(timeline_out, tmp_path, capsys):
    other = tmp_path / "note.json"
    other.write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert main(["check-export", str(other)]) == 1
    assert "not an export manifest (give the set's <name>.manifest.json)" in capsys.readouterr().err


def test_check_export_given_the_json_of_a_recording_named_like_a_timeline_asks_for_its_manifest(tmp_path, capsys):
    """A transcript set of `x.timeline.opus` (`x.timeline.json` beside `x.timeline.manifest.json`) is not a timeline."""
    given = tmp_path / "x.timeline.json"
    given.write_text("{}", encoding="utf-8")
    (tmp_path / "x.timeline.manifest.json").write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert main(["check-export", str(given)]) == 1
    assert "not an export manifest (give the set's <name>.manifest.json)" in capsys.readouterr().err
