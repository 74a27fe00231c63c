"""What a lone note's record says of how it was read: its language detected in its own window, not "in its packed
window" (nothing shared it), and the rule for reading a packed piece again alone in the run's settings
(`reread_min_language`), so a third party re-runs it with the rule it was decoded with (session 33)."""

from __future__ import annotations

import json

from tests.conftest import MEDIA
from tests.test_cli import run_cli


def test_a_lone_notes_reading_is_said_as_in_its_own_window_and_the_reread_rule_recorded(tmp_path, models_dir):
    done = run_cli("transcribe", str(MEDIA / "fr_voicenote.m4a"), "--out", str(tmp_path / "out"), "--case",
                   str(tmp_path / "case"), "--model", "base", "--format", "json", "--diarize", "off")
    assert done.returncode == 0, done.stderr
    note = json.loads((tmp_path / "out" / "fr_voicenote.json").read_text(encoding="utf-8"))
    assert note["settings"]["reread_min_language"] == 0.8
    said = json.dumps(note, ensure_ascii=False)
    assert "in its own window" in said and "packed window" not in said, said  # its words withheld: how it was read
