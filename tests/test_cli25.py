"""The CLI's loose ends, session 25: `queue run --out` wrote a duplicate under its first name only; `entities
--save-region` saved with no word; there was no CLI edit or sign-off (the window's only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli.main import main
from tests.conftest import MEDIA
from tests.test_cli_mistakes import run


def test_queue_run_out_writes_a_duplicate_under_each_of_its_names(capsys, tmp_path, models_dir):
    """`transcribe` writes a copy under another name (same SHA-256, transcribed once) under each name; `queue run
    --out` wrote only the first, so `b.opus`, named by the officer, had no export."""
    evidence, case, out = tmp_path / "evidence", str(tmp_path / "case"), tmp_path / "out"
    (evidence / "sub").mkdir(parents=True)
    for name in ("a.opus", "b.opus", "sub/a.opus"):  # a second a.opus, same bytes: one set, both paths in it
        shutil.copy(MEDIA / "en_voicenote.opus", evidence / name)
    code, _, err = run(capsys, "queue", "add", str(evidence), "--case", case, "--model", "tiny.en")
    assert code == 0, err
    code, printed, err = run(capsys, "queue", "run", "--case", case, "--out", str(out), "--format", "json")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "a.manifest.json", "b.json", "b.manifest.json"]
    for name in ("a", "b"):
        manifest = json.loads((out / f"{name}.manifest.json").read_text(encoding="utf-8"))
        assert manifest["source"]["sha256"] == json.loads((out / "a.json").read_text())["source"]["sha256"]
    assert str(out / "b.json") in printed
    assert main(["verify", "--case", case]) == 0


def test_entities_save_region_says_what_it_saved(capsys, tmp_path, models_dir):
    """`entities --region PL --save-region` changed how every later listing reads numbers and dates, silently."""
    case = str(tmp_path / "case")
    shutil.copytree(MEDIA, tmp_path / "media", ignore=lambda d, names: [n for n in names if n != "en_voicenote.opus"])
    assert run(capsys, "queue", "add", str(tmp_path / "media"), "--case", case, "--model", "tiny.en")[0] == 0
    code, out, err = run(capsys, "entities", "--case", case, "--region", "PL", "--save-region", "--json")
    assert code == 0 and json.loads(out) == []
    assert "saved: this case's region is now PL (was GB)" in err
    code, _, err = run(capsys, "entities", "--case", case, "--region", "RO", "--save-region")
    assert code == 0 and "now RO (was PL)" in err
    assert main(["verify", "--case", case]) == 0


@pytest.fixture()
def transcribed(capsys, tmp_path, models_dir) -> tuple[str, Path]:
    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / "note.opus")
    case = str(tmp_path / "case")
    code, _, err = run(capsys, "transcribe", str(tmp_path / "evidence"), "--case", case, "--model", "tiny.en",
                       "--out", str(tmp_path / "first"), "--format", "json")
    assert code == 0, err
    return case, tmp_path


def test_a_correction_and_a_sign_off_from_the_cli_are_the_window_s_revisions(capsys, transcribed):
    case, root = transcribed
    code, out, err = run(capsys, "edit", "note.opus", "--segment", "1", "--text", "Meet me at the docks.",
                         "--by", "DC Jones", "--case", case)
    assert code == 0, err
    assert "segment 1 of run 1 changed by DC Jones (revision 1); the transcript is now edited" in out
    code, out, _ = run(capsys, "edit", "1", "--segment", "1", "--text", "Meet me at the docks.", "--case", case)
    assert code == 0 and "already reads so: nothing changed" in out  # no revision, nothing undone
    code, out, err = run(capsys, "signoff", "1", "--by", "DS Patel", "--case", case)
    assert code == 0 and "run 1 signed off as verified by DS Patel (revision 2)" in out, err
    code, out, _ = run(capsys, "signoff", "1", "--by", "DS Patel", "--case", case)
    assert code == 0 and "already signed off by DS Patel" in out
    code, _, err = run(capsys, "export", "1", "--case", case, "--out", str(root / "second"), "--format", "json")
    assert code == 0, err
    exported = json.loads((root / "second" / "note.json").read_text(encoding="utf-8"))
    assert exported["segments"][0]["text"] == "Meet me at the docks."
    assert exported["review"]["corrected_by"] == ["DC Jones"] and exported["verified_at"]
    manifest = json.loads((root / "second" / "note.manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["verified_by"]) == ("verified", "DS Patel")
    assert main(["verify", "--case", case]) == 0


@pytest.mark.parametrize(("argv", "said"), [
    (["edit", "1", "--segment", "99", "--text", "x"], "no segment 99: the transcript has"),
    (["edit", "7", "--segment", "1", "--text", "x"], "no exhibit 7 in this case"),
    (["signoff", "1", "--by", "  "], "--by names the person signing off"),
])
def test_a_bad_edit_or_sign_off_is_one_line_and_changes_nothing(capsys, transcribed, argv, said):
    case, _ = transcribed
    code, out, err = run(capsys, *argv, "--case", case)
    assert code != 0 and out == "" and said in err and err.count("\n") == 1, err
    assert main(["verify", "--case", case]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "exhibits", "--case", case)
    assert "edited" not in out and "verified" not in out, out


def test_the_default_model_is_the_installed_one_in_a_folder_holding_a_folder_of_its_name(tmp_path, models_dir):
    """`timeline CHAT` (default --model base) run in a folder that held a folder named `base` (a case, a phone's
    extraction) was refused: "model folder ./base is incomplete"; `./base` still names that folder."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    (tmp_path / "base").mkdir()
    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / "note.opus")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PARLEY_MODELS": str(models_dir)}
    for model, refused in (([], False), (["--model", "./base"], True)):
        done = subprocess.run([sys.executable, "-m", "app", "queue", "add", "evidence", "--case", "case", *model],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert (done.returncode != 0) == refused, done.stderr
        assert ("incomplete" in done.stderr) == refused, done.stderr
