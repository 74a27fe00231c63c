"""Recordings with many channels (a 7.1 WAV, a 16-track recorder) decode channel by channel.

PyAV's planar frames with 8 or more channels read past their planes (a segfault, which
killed the worker on every attempt); decoding is checked in a child process so a crash
fails the test instead of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import read_all

RATE = 16000
ROOT = Path(__file__).resolve().parents[1]


def _write(path, channels: int) -> None:
    t = np.arange(RATE * 2) / RATE
    tracks = [0.3 * np.sin(2 * np.pi * (200 + 100 * c) * t) for c in range(channels)]
    pcm = (np.stack(tracks, axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


@pytest.mark.parametrize("channels", [8, 16])
def test_many_channels_decode_without_crashing(tmp_path, channels):
    path = tmp_path / f"ch{channels}.wav"
    _write(path, channels)
    code = ("import sys; from app.core.media.decode import read_all; "
            "a, _ = read_all(sys.argv[1], mono=False); print(a.shape)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", code, str(path)], check=False, capture_output=True,
                           text=True, timeout=120, cwd=ROOT, env=env)
    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.strip() == f"({channels}, {RATE * 2})"


def test_many_channels_keep_each_channel_in_its_place(tmp_path):
    path = tmp_path / "ch8.wav"
    _write(path, 8)
    audio, _ = read_all(str(path), mono=False)
    mono, _ = read_all(str(path))
    assert audio.shape == (8, RATE * 2) and mono.shape == (RATE * 2,)
    for c in range(8):  # each channel's own tone is its strongest frequency
        spectrum = np.abs(np.fft.rfft(audio[c]))
        assert abs(np.argmax(spectrum) / 2 - (200 + 100 * c)) <= 1
