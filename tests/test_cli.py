"""The command line as an investigator uses it, on the shared media."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MEDIA, REPO

pytestmark = pytest.mark.slow


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def batch(media_folder_run):
    """One transcribe run over good and bad files, as the contract describes: the session's run of
    the shared media folder (speech, silence, a truncated MP3, an empty, a non-media and a random
    file) and a missing file (conftest; test_inaudible reads it too)."""
    return media_folder_run


def test_exit_status_and_one_line_failures(batch):
    _, result = batch
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith(str(MEDIA))]
    reasons = {Path(line.split(": ", 1)[0]).name: line.split(": ", 1)[1] for line in failures}
    assert reasons == {
        "empty.wav": "empty file (0 bytes)",
        "not_audio.wav": "not a media file ffmpeg can read",
        "random_bytes.m4a": "not a media file ffmpeg can read",
        "missing.wav": "no such file",
    }


def test_json_contract(batch, manifest):
    root, _ = batch
    out = root / "out"
    data = json.loads((out / "interview_stereo.json").read_text())
    assert data["source"]["sha256"] == manifest["files"]["interview_stereo.wav"]["sha256"]
    assert data["source"]["bytes"] == manifest["files"]["interview_stereo.wav"]["bytes"]
    assert abs(data["source"]["duration_s"] - 56.58) < 0.1
    assert data["language"] == "en"
    assert data["model"]["name"] == "base" and len(data["model"]["sha256"]) == 64
    assert data["settings"]["beam_size"] == 5 and data["settings"]["threads"] == 2
    assert data["software"]["name"] == "Parley" and data["software"]["version"]
    segment = data["segments"][0]
    assert {"start", "end", "speaker", "text", "words"} <= segment.keys()
    assert isinstance(segment["start"], float) and segment["speaker"] in ("Left", "Right")
    assert {"start", "end", "word", "probability"} <= segment["words"][0].keys()
    for name in ("interview_stereo.txt", "interview_stereo.srt", "interview_stereo.vtt"):
        assert (out / name).stat().st_size > 100


def test_same_stem_inputs_get_distinct_outputs(batch):
    root, _ = batch
    assert (root / "out" / "en_voicenote.opus.json").exists()
    assert (root / "out" / "en_voicenote.m4a.json").exists()


def test_silence_is_an_empty_transcript_and_truncation_is_flagged(batch):
    root, _ = batch
    silence = json.loads((root / "out" / "silence_30s.json").read_text())
    assert silence["segments"] == []
    truncated = json.loads((root / "out" / "truncated.json").read_text())
    assert truncated["source"]["truncated"] is True and truncated["warnings"]
    assert truncated["segments"] and truncated["segments"][-1]["end"] <= 2.1


def test_export_rewrites_from_the_case_without_transcribing(batch, tmp_path):
    root, _ = batch
    shutil.copytree(root / "case", tmp_path / "case")  # the session's case stays as transcribed
    result = run_cli("export", "interview_stereo.wav", "--case", str(tmp_path / "case"),
                     "--format", "json,docx,pdf", "--out", str(tmp_path / "again"))
    assert result.returncode == 0, result.stderr
    first = json.loads((root / "out" / "interview_stereo.json").read_text())
    again = json.loads((tmp_path / "again" / "interview_stereo.json").read_text())
    assert again["segments"] == first["segments"]
    assert (tmp_path / "again" / "interview_stereo.pdf").read_bytes()[:4] == b"%PDF"


def test_verify_checks_hashes_and_audit_chain(batch, tmp_path):
    root, _ = batch
    shutil.copytree(root / "case", tmp_path / "case")
    result = run_cli("verify", "--case", str(tmp_path / "case"))
    assert result.returncode == 0, result.stderr
    assert "audit chain intact" in result.stdout


def test_same_file_same_settings_byte_identical(tmp_path, models_dir):
    outputs = []
    for n in (1, 2):
        result = run_cli("transcribe", str(MEDIA / "interview_mono.wav"), "--out", str(tmp_path / f"o{n}"),
                         "--case", str(tmp_path / f"c{n}"), "--format", "json,srt", "--threads", "2",
                         "--model", "tiny.en")  # base's determinism: test_asr, test_reproduce
        assert result.returncode == 0, result.stderr
        outputs.append(tmp_path / f"o{n}")
    assert (outputs[0] / "interview_mono.srt").read_bytes() == (outputs[1] / "interview_mono.srt").read_bytes()
    first, second = (json.loads((o / "interview_mono.json").read_text()) for o in outputs)
    assert json.dumps(first["segments"]) == json.dumps(second["segments"])
    assert first["settings"] == second["settings"] and first["model"] == second["model"]


def test_folder_input_walks_and_lists_skips(tmp_path, models_dir):
    folder = tmp_path / "phone" / "WhatsApp" / "Media"
    folder.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20240314-WA0001.opus")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20240314-WA0001 (copy)")  # no extension
    (folder / "notes.txt").write_text("not media")
    result = run_cli("transcribe", str(tmp_path / "phone"), "--out", str(tmp_path / "out"),
                     "--case", str(tmp_path / "case"), "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr and "notes.txt" in result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == 4  # both copies have outputs (and manifests); recognised by content, not extension
    assert sum(name.endswith(".manifest.json") for name in written) == 2


def test_nothing_is_written_beside_the_evidence(evidence, tmp_path, models_dir):
    before = sorted(p.name for p in evidence.iterdir())
    result = run_cli("transcribe", str(evidence / "en_voicenote.opus"), "--out", str(evidence),
                     "--case", str(tmp_path / "case"))
    assert result.returncode == 1 and "beside the evidence" in result.stderr
    result = run_cli("transcribe", str(evidence / "en_voicenote.opus"), "--out", str(tmp_path / "o"),
                     "--case", str(tmp_path / "case"), "--model", "tiny.en")
    assert result.returncode == 0
    assert sorted(p.name for p in evidence.iterdir()) == before


def test_unknown_model_is_a_one_line_error(tmp_path):
    result = run_cli("transcribe", str(MEDIA / "en_voicenote.opus"), "--out", str(tmp_path / "o"),
                     "--case", str(tmp_path / "c"), "--model", "large-v3")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "model 'large-v3' is not installed" in result.stderr
