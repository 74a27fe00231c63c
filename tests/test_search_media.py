"""Search and entities end to end: real media transcribed by the CLI, then searched by the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from app.core.editing import operations as editing
from app.core.store import Case
from tests.conftest import MEDIA, REPO

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True,
                          check=False, text=True, timeout=600)


def test_a_transcribed_voice_note_is_found_at_its_moment_and_follows_an_edit(tmp_path, models_dir):
    case_dir = tmp_path / "case"
    done = run_cli("transcribe", str(MEDIA / "en_voicenote.opus"), "--out", str(tmp_path / "out"),
                   "--case", str(case_dir), "--model", "tiny.en", "--format", "json", "--threads", "2")
    assert done.returncode == 0, done.stderr
    segments = json.loads((tmp_path / "out" / "en_voicenote.json").read_text())["segments"]
    segment = max(segments, key=lambda s: len(s["text"]))
    word = max(re.findall(r"[A-Za-z]+", segment["text"]), key=len)  # the transcript's own word
    found = run_cli("search", word.upper(), "--case", str(case_dir), "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert any(h["exhibit"] == "en_voicenote.opus" and abs(h["start_ms"] - segment["start"] * 1000) < 2
               and f"[{word}" in h["snippet"] for h in hits)

    case = Case.open(case_dir)
    try:
        run = case.latest_run(case.exhibits()[0].id, "transcribe")
        first = editing.segment_ids(case, run)[0]
        editing.edit_text(case, run, first, "Call me on oh seven seven double oh nine double oh one two three.")
    finally:
        case.close()
    found = run_cli("search", "double", "--case", str(case_dir), "--json")
    assert [h["edited"] for h in json.loads(found.stdout)] == [True]
    listed = run_cli("entities", "--case", str(case_dir), "--kind", "phone", "--json")
    assert listed.returncode == 0, listed.stderr
    [phone] = json.loads(listed.stdout)
    assert phone["value"] == "+447700900123" and phone["mentions"][0]["exhibit"] == "en_voicenote.opus"
