"""A two-person interview with a long silence, faint hiss and a repeat of a passage keeps its two speakers
(issue #13). The test interview (56.6 s, two voices, 11 turns) + 150 s of digital silence + 20 s of faint
noise + its first 30 s again was one speaker: two short scraps of the officer's voice (one a copy of the
other) fell into the suspect's cluster, and the same-voice test, weighing their pitches, joined the two
voices. Each recording is built here from the shared interview as 16-bit audio and read in 30 s blocks, as
AudioReader hands them over."""

from __future__ import annotations

import av
import numpy as np
import pytest
from conftest import MEDIA

from app.core.diarize import diarize_blocks
from app.core.media.decode import read_all

RATE = 16000
BLOCK = 30 * RATE
LABEL = {"officer": 0, "suspect": 1}  # the officer speaks first

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0]


def gappy(interview: np.ndarray, silence_s: int, hiss_s: int, hiss: float, repeat: tuple[int, int]) -> np.ndarray:
    """The interview, `silence_s` of digital silence, `hiss_s` of noise of standard deviation `hiss`, and
    the interview's seconds `repeat` again, as 16-bit samples."""
    noise = np.random.default_rng(0).standard_normal(hiss_s * RATE) * hiss
    parts = [interview, np.zeros(silence_s * RATE), noise, interview[repeat[0] * RATE : repeat[1] * RATE]]
    samples = np.round(np.clip(np.concatenate(parts), -1, 1) * 32767)
    return (samples / 32768).astype(np.float32)


def speaker_at(turns, second: float) -> int | None:
    ms = second * 1000
    return next((t.speaker_index for t in turns if t.start_ms <= ms < t.end_ms and not t.overlap), None)


@pytest.mark.parametrize(("silence_s", "hiss_s", "hiss", "repeat"), [
    (150, 20, 1e-4, (0, 30)),  # the recording of the issue
    (150, 20, 3e-4, (0, 30)),  # louder hiss
    (130, 40, 1e-4, (0, 30)),  # a shorter silence, longer hiss
])
def test_a_long_gap_faint_hiss_and_a_repeat_keep_the_interviews_two_speakers(
        speaker_model, interview, manifest, silence_s, hiss_s, hiss, repeat):
    audio = gappy(interview, silence_s, hiss_s, hiss, repeat)
    result = diarize_blocks((audio[i : i + BLOCK] for i in range(0, len(audio), BLOCK)), speaker_model)
    assert result.speakers == 2
    again = len(interview) / RATE + silence_s + hiss_s - repeat[0]  # where the repeated passage's second 0 is
    for turn in manifest["interview"]["turns"]:
        points = (turn["start"] + 0.3, (turn["start"] + turn["end"]) / 2, turn["end"] - 0.3)
        for second in points:  # each turn as the interview has it, at its first and last 0.3 s and its middle
            assert speaker_at(result.turns, second) == LABEL[turn["speaker"]], second
        for second in (s for s in points if repeat[0] + 0.3 <= s <= repeat[1] - 0.3):  # and where it is heard again
            assert speaker_at(result.turns, again + second) == LABEL[turn["speaker"]], again + second
    heard_in_the_gap = [t for t in result.turns if len(interview) / RATE + 1 < t.end_ms / 1000 < again + repeat[0]]
    assert heard_in_the_gap == []  # nobody speaks in the silence or the hiss


def as_opus_8k(audio: np.ndarray, folder) -> np.ndarray:
    """The recording as an 8 kbit/s Opus voice note (PyAV's libopus at 16 kHz), read back as Parley reads it."""
    copy = folder / "gappy.ogg"
    frame = av.AudioFrame.from_ndarray(np.round(audio * 32768).astype(np.int16)[None, :], format="s16", layout="mono")
    frame.sample_rate = RATE
    with av.open(str(copy), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=RATE)
        stream.bit_rate, stream.layout = 8000, "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=RATE)
        for piece in [*resampler.resample(frame), *resampler.resample(None), None]:
            out.mux(stream.encode(piece))
    return read_all(str(copy))[0]


def test_its_8_kbit_opus_copy_keeps_the_two_speakers(speaker_model, interview, manifest, tmp_path):
    """The issue's recording as an 8 kbit/s Opus note: its two clusters' pitches ordered 0.899 of pairs, under
    the 0.9 line same_voice had then, and every line was "Speaker 1" (review of session 30)."""
    audio = as_opus_8k(gappy(interview, 150, 20, 1e-4, (0, 30)), tmp_path)
    result = diarize_blocks((audio[i : i + BLOCK] for i in range(0, len(audio), BLOCK)), speaker_model)
    assert result.speakers == 2
    truth = manifest["interview"]["turns"]
    officer = [speaker_at(result.turns, (t["start"] + t["end"]) / 2) for t in truth if t["speaker"] == "officer"]
    suspect = [speaker_at(result.turns, (t["start"] + t["end"]) / 2) for t in truth if t["speaker"] == "suspect"]
    assert officer == [LABEL["officer"]] * len(officer)
    assert sum(s == LABEL["suspect"] for s in suspect) >= 3  # of 5: his first two answers fall to the officer
