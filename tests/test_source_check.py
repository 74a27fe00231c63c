"""The bytes transcribed are the bytes hashed: a file swapped or still growing after intake
fails its job with the reason, and nothing is exported under the old SHA-256."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import MEDIA
from tests.test_cli import run_cli


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "alone"])
def test_a_file_swapped_between_intake_and_decoding_is_not_transcribed(tmp_path, models_dir, batch):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    note = evidence / "note.opus"
    shutil.copy(MEDIA / "en_voicenote.opus", note)
    case = str(tmp_path / "case")
    extra = [] if batch else ["--no-batch"]
    added = run_cli("queue", "add", str(note), "--case", case, "--model", "tiny.en", *extra)
    assert added.returncode == 0, added.stderr
    shutil.copy(MEDIA / "es_voicenote.ogg", note)  # same path, other bytes
    ran = run_cli("queue", "run", "--case", case, "--out", str(tmp_path / "out"), "--format", "json")
    assert ran.returncode == 1
    assert "changed since it was taken in" in ran.stderr
    assert not (tmp_path / "out" / "note.json").exists()


def test_a_file_that_grew_after_intake_is_not_transcribed(tmp_path, models_dir):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    note = evidence / "interview.wav"
    shutil.copy(MEDIA / "interview_mono.wav", note)
    case = str(tmp_path / "case")
    assert run_cli("queue", "add", str(note), "--case", case, "--model", "tiny.en").returncode == 0
    with open(note, "ab") as grow:  # the recorder was still writing
        grow.write(b"\0" * 64000)
    ran = run_cli("queue", "run", "--case", case)
    assert ran.returncode == 1 and "still being written" in ran.stderr
