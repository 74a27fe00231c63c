"""Silero VAD run 20 s at a time (fw_internals.SlicedSilero) gives faster-whisper's probabilities to the bit, so the
speech found, and the text, are as before; only ONNX Runtime's buffers are smaller (issue #15).

ONNX Runtime's buffers are malloc'd outside tracemalloc's sight, so the slices are checked where they are made:
every run of the Silero session, on every path that finds speech (fw_internals.speech_timestamps) or asks how
likely speech is (fw_internals.speech_probabilities), holds at most MOST_SECONDS_AT_ONCE of audio (faster-whisper
ran a whole 180 s transcription buffer, or a 120 s speaker-search block, at once)."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from faster_whisper import vad as fw_vad
from faster_whisper.vad import get_speech_timestamps

from app.core.asr import fw_internals as fw
from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.pipeline import RunState, transcribe_tracks
from app.core.asr.speech import BUFFER_S, vad_options
from app.core.diarize.vad import speech_regions
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from app.core.media.streams import SCAN_S, speech_ms
from app.core.options import TranscribeOptions
from tests.conftest import MEDIA, interview_repeated

MOST_SECONDS_AT_ONCE = 30  # Silero's audio per session run; ONNX Runtime's buffers for it grow with it
STEP = 512  # samples per Silero step


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0]


@pytest.mark.parametrize("cut", [0, 30, 700])  # samples short of whole steps: the padding under 64 samples too
def test_sliced_runs_give_the_whole_runs_probabilities(interview, cut):
    audio = np.tile(interview, 3)[: 160 * 16000 - cut]  # 160 s: eight slices
    padded = np.pad(audio, (0, 512 - len(audio) % 512))
    assert len(padded) // 512 > 7 * fw.VAD_STEPS_AT_ONCE
    whole = fw.whole_vad_model()(padded.copy())
    sliced = fw.sliced_vad_model()(padded.copy())
    assert sliced.shape == whole.shape
    assert np.array_equal(sliced, whole)


def test_the_pipelines_speech_timestamps_run_the_sliced_model_and_find_the_same_speech(interview, monkeypatch):
    audio = np.tile(interview, 2)
    runs = []
    sliced_call = fw.SlicedSilero.__call__
    monkeypatch.setattr(fw.SlicedSilero, "__call__", lambda self, *a, **k: runs.append(1) or sliced_call(self, *a, **k))
    found = fw.speech_timestamps(audio, vad_options())
    assert runs and found
    monkeypatch.setattr(fw_vad, "get_vad_model", fw.whole_vad_model)  # faster-whisper's own, the buffer at once
    assert get_speech_timestamps(audio, vad_options()) == found


@pytest.fixture
def silero_runs(monkeypatch) -> list[int]:
    """The steps of audio each run of a Silero session is given (any session, on any thread). faster-whisper's
    own model is put back first, so a caller that goes around fw_internals.speech_timestamps runs it whole."""
    monkeypatch.setattr(fw_vad, "get_vad_model", fw.whole_vad_model)
    steps: list[int] = []
    run = onnxruntime.InferenceSession.run

    def counted(session, output_names, feed, *args, **kwargs):
        if {"input", "h", "c"} <= set(feed):
            steps.append(len(feed["input"]))
        return run(session, output_names, feed, *args, **kwargs)

    monkeypatch.setattr(onnxruntime.InferenceSession, "run", counted)
    return steps


class _Taking:
    """A decoder (the CPU's batch) that takes each speech chunk as soon as it is read."""

    batch = DEFAULT_BATCH

    def decode(self, chunks, state, should_stop):
        for chunk in chunks:
            yield chunk, []


def _at_most_slices(steps: list[int], seconds: float) -> None:
    """`seconds` of audio all went through Silero, never more than MOST_SECONDS_AT_ONCE of it in one run."""
    assert sum(steps) * STEP >= seconds * SAMPLE_RATE, (sum(steps), seconds)
    assert max(steps) * STEP <= MOST_SECONDS_AT_ONCE * SAMPLE_RATE, max(steps)


def test_the_pipelines_vad_buffers_go_through_silero_a_slice_at_a_time(tmp_path, silero_runs):
    source = probe(str(interview_repeated(tmp_path / "x4.wav", 4)))  # 226 s: one full 180 s VAD buffer and more
    done = list(transcribe_tracks(source, TranscribeOptions(), _Taking(), RunState()))
    assert done[-1].final and done[-1].done_ms / 1000 > BUFFER_S
    _at_most_slices(silero_runs, done[-1].done_ms / 1000)


def test_the_speaker_search_finds_speech_a_slice_at_a_time(interview, silero_runs):
    audio = np.tile(interview, 3)  # 170 s: one 120 s block of the speaker search and more
    assert speech_regions(audio)
    _at_most_slices(silero_runs, len(audio) / SAMPLE_RATE)


def test_the_choice_among_audio_streams_finds_speech_a_slice_at_a_time(interview, silero_runs):
    audio = np.tile(interview, 3)[: int(SCAN_S * SAMPLE_RATE)]  # the longest scan of one stream
    assert speech_ms(audio) > 0
    _at_most_slices(silero_runs, SCAN_S)


def test_the_speech_probabilities_of_the_language_cut_and_inaudible_checks_run_a_slice_at_a_time(interview,
                                                                                                 silero_runs):
    audio = np.tile(interview, 2)  # 113 s: its callers give it a chunk at most (30 s), it takes any length
    probabilities = fw.speech_probabilities(audio)
    assert len(probabilities) * STEP >= len(audio) and probabilities.max() > 0.5
    _at_most_slices(silero_runs, len(audio) / SAMPLE_RATE)
