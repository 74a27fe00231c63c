"""`python -m app reproduce`: a recorded run re-run from its record alone, compared."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from tests.conftest import MEDIA
from tests.test_cli import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory, models_dir):
    """Four short recordings decoded together (batched), and one of them again on its own."""
    root = tmp_path_factory.mktemp("repro")
    evidence = root / "evidence"
    evidence.mkdir()
    for name in ("en_voicenote.opus", "es_voicenote.ogg", "fr_voicenote.m4a", "interview_mono.wav"):
        shutil.copy(MEDIA / name, evidence / name)
    result = run_cli("transcribe", str(evidence), "--out", str(root / "out"), "--case", str(root / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    alone = run_cli("transcribe", str(evidence / "interview_mono.wav"), "--out", str(root / "alone"),
                    "--case", str(root / "case"), "--model", "tiny.en", "--format", "json", "--no-batch")
    assert alone.returncode == 0, alone.stderr
    return root


@pytest.mark.parametrize("name", ["out/en_voicenote", "out/interview_mono", "alone/interview_mono"])
def test_an_untouched_run_reproduces_identically(transcribed, name):
    manifest = transcribed / f"{name}.manifest.json"
    result = run_cli("reproduce", str(manifest), "--case", str(transcribed / "case"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("identical")


def test_a_batched_run_records_its_batch(transcribed):
    conn = sqlite3.connect(transcribed / "case" / "case.sqlite")
    run_id = json.loads((transcribed / "out" / "es_voicenote.json").read_text())["run_id"]
    state = json.loads(conn.execute("SELECT state_json FROM runs WHERE id=?", (run_id,)).fetchone()[0])
    conn.close()
    assert len(state["batch"]) == 4  # the four short recordings, decoded together, in order


def test_a_forged_draft_is_reported_segment_by_segment(transcribed, tmp_path):
    case = tmp_path / "case"
    shutil.copytree(transcribed / "case", case)
    run_id = json.loads((transcribed / "out" / "interview_mono.json").read_text())["run_id"]
    conn = sqlite3.connect(case / "case.sqlite")
    with conn:
        conn.execute("DROP TRIGGER segments_sealed_update")
        conn.execute("UPDATE segments SET text='I confess' WHERE id=(SELECT min(id) FROM segments WHERE run_id=?)",
                     (run_id,))
    conn.close()
    result = run_cli("reproduce", str(run_id), "--case", str(case))
    assert result.returncode == 1
    assert "segment 1: recorded" in result.stdout and "I confess" in result.stdout


def test_a_missing_original_is_one_line(transcribed, tmp_path):
    case = tmp_path / "case"
    shutil.copytree(transcribed / "case", case)
    (transcribed / "evidence" / "en_voicenote.opus").rename(tmp_path / "moved.opus")
    try:
        result = run_cli("reproduce", str(transcribed / "out" / "en_voicenote.manifest.json"), "--case", str(case))
    finally:
        (tmp_path / "moved.opus").rename(transcribed / "evidence" / "en_voicenote.opus")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not at any path" in result.stderr


def test_silence_states_changed_on_disk_with_their_hashes_are_not_used(tmp_path, monkeypatch):
    """The encoder states of silence kept beside the model (silence_store.py): one who rewrites a state and its
    SHA-256 beside it changed what later commands decoded (until session 24); now only states whose SHA-256 this
    account recorded are used, so the forged ones are encoded again and the text is the first run's, which
    `reproduce` (never reading them) confirms."""
    import hashlib
    import io

    import numpy as np

    store = tmp_path / "silence"
    monkeypatch.setenv("PARLEY_SILENCE_STORE", str(store))
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name, copy in (("en_voicenote.opus", "note1.opus"), ("en_voicenote.mp3", "note2.mp3")):
        shutil.copy(MEDIA / name, evidence / copy)
    first = run_cli("transcribe", str(evidence), "--out", str(tmp_path / "first"), "--case", str(tmp_path / "c1"),
                    "--model", "tiny.en", "--format", "json")
    assert first.returncode == 0, first.stderr
    kept = list(store.glob("tiny.en-*/floor*.npy"))
    assert kept
    for path in kept:  # forged: noise for silence, its SHA-256 written beside it
        states = np.load(path)
        buffer = io.BytesIO()
        np.save(buffer, np.random.default_rng(0).standard_normal(states.shape).astype(np.float32) * 4)
        path.write_bytes(buffer.getvalue())
        path.with_suffix(".sha256").write_text(hashlib.sha256(buffer.getvalue()).hexdigest() + "\n")
    second = run_cli("transcribe", str(evidence), "--out", str(tmp_path / "second"), "--case", str(tmp_path / "c2"),
                     "--model", "tiny.en", "--format", "json")
    assert second.returncode == 0, second.stderr
    texts = [json.loads((tmp_path / run / "note1.json").read_text())["segments"] for run in ("first", "second")]
    assert texts[0] == texts[1]  # the forged states were not read
    result = run_cli("reproduce", str(tmp_path / "second" / "note1.manifest.json"), "--case", str(tmp_path / "c2"))
    assert result.returncode == 0 and result.stdout.startswith("identical"), result.stdout
