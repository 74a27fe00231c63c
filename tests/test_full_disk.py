"""A full disk is one line and a clean failure, never a traceback: creating a case there, or
exporting there (a 48 KiB tmpfs stands in for the full disk; needs root to mount)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import MEDIA
from tests.disk_helpers import small_tmpfs
from tests.test_cli import run_cli


@pytest.fixture()
def full_disk(tmp_path):
    yield from small_tmpfs(tmp_path, "full", "48k")


def _fill(folder, leave_kb: int) -> None:
    free = shutil.disk_usage(folder).free // 1024
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave_kb) * 1024)


def test_a_case_on_a_full_disk_is_one_line(full_disk, tmp_path, models_dir):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", evidence)
    _fill(full_disk, 4)
    result = run_cli("transcribe", str(evidence), "--out", str(tmp_path / "out"), "--case", str(full_disk / "case"),
                     "--model", "tiny.en")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "disk is full" in result.stderr or "No space left" in result.stderr


def test_an_export_to_a_full_disk_is_one_line_and_leaves_no_partial_set(full_disk, tmp_path, models_dir):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", evidence)
    case = str(tmp_path / "case")
    assert run_cli("transcribe", str(evidence), "--out", str(tmp_path / "out"), "--case", case,
                   "--model", "tiny.en", "--format", "json").returncode == 0
    _fill(full_disk, 8)
    result = run_cli("export", "--case", case, "--out", str(full_disk / "out"), "--format", "json,txt,pdf")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    written = sorted(p.name for p in (full_disk / "out").iterdir()) if (full_disk / "out").exists() else []
    assert not any(name.startswith("en_voicenote") for name in written), written  # nothing half-written
