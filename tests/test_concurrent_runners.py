"""Two commands working one case at once each export the jobs they asked for, whoever
decoded them, with an exit status that says how those jobs ended."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import MEDIA, REPO

pytestmark = pytest.mark.slow
NOTES = ("en_voicenote.opus", "es_voicenote.ogg", "fr_voicenote.m4a", "pl_voicenote.opus")


def test_queue_run_and_transcribe_on_one_case_both_export_everything(tmp_path, models_dir):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in NOTES:
        shutil.copy(MEDIA / name, evidence / name)
    case = str(tmp_path / "case")
    app = [sys.executable, "-m", "app"]
    added = subprocess.run([*app, "queue", "add", str(evidence), "--case", case, "--model", "tiny.en"],
                           cwd=REPO, capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    runner = subprocess.Popen([*app, "queue", "run", "--case", case, "--out", str(tmp_path / "a"),
                               "--format", "json"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    second = subprocess.run([*app, "transcribe", str(evidence), "--case", case, "--out", str(tmp_path / "b"),
                             "--model", "tiny.en", "--format", "json"], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=600)
    _out, err = runner.communicate(timeout=600)
    assert runner.returncode == 0, err
    assert second.returncode == 0, second.stderr
    for folder in (tmp_path / "a", tmp_path / "b"):
        names = {p.name for p in folder.iterdir()} if folder.exists() else set()
        missing = [n for n in NOTES if f"{n.rsplit('.', 1)[0]}.json" not in names]
        assert not missing, f"{folder.name}: {missing}"
