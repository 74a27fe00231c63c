"""A man who speaks once, for 2.4 s, between another man's turns on a phone copy (AMR-NB):
his one speech region went into the other man's cluster, and the region split asked 3 s
of a voice before it would part it (region_split.py). A smaller half of 1.8 s or more
that is clearly another voice (region voiceprints under 0.55 alike) is now a speaker."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from conftest import SHARED

from app.core.diarize import diarize
from app.core.media.decode import read_all

SPEECH = SHARED / "eval" / "speech"
RATE = 16000


def levelled(audio: np.ndarray) -> np.ndarray:
    return (audio / max(1e-6, float(np.abs(audio).max())) * 0.5).astype(np.float32)


def from_first_sound(audio: np.ndarray) -> np.ndarray:
    frames = np.abs(audio[: len(audio) // 160 * 160]).reshape(-1, 160).mean(axis=1)
    return audio[int(np.flatnonzero(frames > 0.02 * frames.max())[0]) * 160 :]


def pause(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def conversation() -> tuple[np.ndarray, tuple[float, float]]:
    """FLEURS en-001 (a man) in three turns; LibriSpeech reader 260 (a man, the right channel
    of faster-whisper's stereo test file) once, 2.4 s, after the first. Also his turn's span (s)."""
    reader = from_first_sound(levelled(read_all(str(SPEECH / "cuttledoc__fleurs-en-001.ogg"))[0]))
    stereo, rate = soundfile.read(str(SPEECH / "faster-whisper__stereo_diarization.wav"), dtype="float32")
    assert rate == RATE
    other = from_first_sound(levelled(stereo[:, 1]))[: int(2.4 * RATE)]
    cuts = [0, int(3.1 * RATE), int(5.3 * RATE), int(7.8 * RATE)]
    parts = [pause(0.9), reader[: cuts[1]], pause(0.7), other, pause(0.8), reader[cuts[1] : cuts[2]],
             pause(0.6), reader[cuts[2] : cuts[3]], pause(0.5)]
    start = (len(parts[0]) + len(parts[1]) + len(parts[2])) / RATE
    return np.concatenate(parts), (start, start + len(other) / RATE)


def as_amr(audio: np.ndarray, folder) -> np.ndarray:
    """`audio` through AMR-NB 12.2 kbit/s at 8 kHz, as a recorded call, decoded back."""
    wav, amr = folder / "talk.wav", folder / "talk.amr"
    soundfile.write(wav, audio, RATE, subtype="PCM_16")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                    "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k", str(amr)], check=True)
    return read_all(str(amr))[0]


@pytest.mark.slow
def test_a_man_who_speaks_once_on_a_phone_copy_is_a_speaker(speaker_model, tmp_path):
    audio, (start, end) = conversation()
    for copy in (as_amr(audio, tmp_path), audio):  # the AMR copy was one speaker; the WAV was two
        result = diarize(copy, speaker_model)
        assert result.speakers == 2
        his = [t for t in result.turns if t.speaker_index == 1 and not t.overlap]
        assert len(his) == 1
        assert abs(his[0].start_ms / 1000 - start) < 0.5 and abs(his[0].end_ms / 1000 - end) < 0.5
