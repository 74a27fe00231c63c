"""Diarisation in the pipeline: `--diarize on` labels each segment's speaker in every run and
export, turns match the interview's, a voice note stays one voice, and the run records it."""

from __future__ import annotations

import itertools
import json
import shutil

import pytest

from app.core.diarize.pipeline import VOICE_NOTE_MS, wanted
from app.core.options import TranscribeOptions
from app.core.types import SourceInfo
from tests.conftest import MEDIA
from tests.test_cli import run_cli

pytestmark = pytest.mark.slow


def test_auto_is_on_for_recordings_and_off_for_a_voice_note():
    note = SourceInfo("/e/n.opus", "ab" * 32, 10, VOICE_NOTE_MS - 1)
    long_audio = SourceInfo("/e/i.wav", "ab" * 32, 10, VOICE_NOTE_MS + 1)
    video = SourceInfo("/e/v.mp4", "ab" * 32, 10, 5_000, has_video=True)
    auto = TranscribeOptions()
    assert not wanted(auto, note) and wanted(auto, long_audio) and wanted(auto, video)
    assert wanted(TranscribeOptions(diarize="on"), note)
    assert not wanted(TranscribeOptions(diarize="off"), long_audio)


@pytest.fixture(scope="module")
def diarised(tmp_path_factory, models_dir):
    root = tmp_path_factory.mktemp("diar")
    evidence = root / "evidence"
    evidence.mkdir()
    for name in ("interview_mono.wav", "en_voicenote.opus"):
        shutil.copy(MEDIA / name, evidence / name)
    result = run_cli("transcribe", str(evidence), "--out", str(root / "out"), "--case", str(root / "case"),
                     "--model", "base", "--format", "json,txt", "--diarize", "on")
    assert result.returncode == 0, result.stderr
    (root / "stderr.txt").write_text(result.stderr)
    return root


def test_the_progress_says_when_speakers_are_being_found(diarised):
    # the bar sat on its last decoding ETA, silent, while the speakers were found
    lines = (diarised / "stderr.txt").read_text().splitlines()
    assert any("interview_mono.wav" in line and "finding speakers..." in line for line in lines), lines


def test_the_interview_has_two_speakers_turning_where_the_manifest_says(diarised, manifest):
    data = json.loads((diarised / "out" / "interview_mono.json").read_text())
    speakers = [s["speaker"] for s in data["segments"]]
    assert set(speakers) == {"Speaker 1", "Speaker 2"} and speakers[0] == "Speaker 1"
    changes = [s["start"] for a, s in zip(data["segments"], data["segments"][1:]) if s["speaker"] != a["speaker"]]
    truth = [t["start"] for a, t in zip(manifest["interview"]["turns"], manifest["interview"]["turns"][1:])
             if t["speaker"] != a["speaker"]]
    assert len(changes) == len(truth)
    assert all(abs(found - true) <= 1.0 for found, true in zip(changes, truth)), (changes, truth)
    assert data["settings"]["diarize"] == "on" and len(data["settings"]["diarization_model_sha256"]) == 64
    assert "Speaker 2:" in (diarised / "out" / "interview_mono.txt").read_text()


def test_no_segment_of_the_interview_stops_mid_sentence(diarised):
    # Whisper cut "... Please" | "take your full name." and three more sentences in two
    segments = json.loads((diarised / "out" / "interview_mono.json").read_text())["segments"]
    words = " ".join(s["text"] for s in segments).split()
    assert len(words) > 80
    for segment, following in itertools.pairwise(segments):
        if segment["speaker"] == following["speaker"]:
            assert segment["text"].rstrip().endswith((".", "?", "!")), (segment["text"], following["text"])


def test_a_voice_note_is_one_speaker(diarised):
    data = json.loads((diarised / "out" / "en_voicenote.json").read_text())
    assert {s["speaker"] for s in data["segments"]} == {"Speaker 1"}


def test_a_diarised_run_reproduces(diarised):
    manifest = diarised / "out" / "interview_mono.manifest.json"
    result = run_cli("reproduce", str(manifest), "--case", str(diarised / "case"))
    assert result.returncode == 0 and result.stdout.startswith("identical"), result.stdout + result.stderr


def test_each_speakers_voiceprint_is_kept_with_the_run(diarised):
    from app.core.store import Case
    from app.core.store.speakers import run_voiceprints

    case = Case.open(diarised / "case")
    try:
        interview = case.find_exhibit("interview_mono.wav")
        model_sha, voices = run_voiceprints(case, case.latest_run(interview.id, "transcribe"))
        assert set(voices) == {"Speaker 1", "Speaker 2"} and len(model_sha) == 64
        # unit centroids of two different clusters (this synthetic interview's two voices are
        # close for CAM++, about 0.92: real voices are compared in test_speakers.py)
        assert all(abs(float(v @ v) - 1) < 1e-4 for v in voices.values())
        assert float(voices["Speaker 1"] @ voices["Speaker 2"]) < 0.99
    finally:
        case.close()


def test_turns_found_beside_the_decoding_are_the_turns_found_after_it(models_dir):
    from app.core.diarize.pipeline import (
        Background,
        find_turns,
        speaker_model_dir,
        start_background,
    )
    from app.core.media.decode import probe

    source, options, whisper = probe(str(MEDIA / "interview_mono.wav")), TranscribeOptions(), models_dir / "base"
    background = start_background(source, options, whisper)
    assert isinstance(background, Background)
    beside, after = background.result(), find_turns(source, options, whisper, speaker_model_dir(whisper))
    assert beside.speakers == after.speakers == 2 and beside.turns == after.turns
    assert all((a == b).all() for a, b in zip(beside.embeddings, after.embeddings, strict=True))
    note = probe(str(MEDIA / "en_voicenote.opus"))  # auto: a voice note is one voice, nothing to find
    assert start_background(note, options, whisper) is None
    stopped = start_background(source, options, whisper)
    stopped.cancel()  # a paused job: the thread ends, nothing is raised
    assert not stopped._thread.is_alive()
