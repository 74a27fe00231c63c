"""Hostile media, sixth round, built here with ffmpeg or bytes: streams whose format changes part-way
(ADTS AAC joined from two recordings, Ogg chains whose links differ in channels or rate)..."""

from __future__ import annotations

import numpy as np

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import dominant_hz, ffmpeg, rms

TONE = ("-f", "lavfi", "-i", "sine=frequency={hz}:duration={s}")


def _tone(hz: int, seconds: float) -> tuple[str, ...]:
    return tuple(arg.format(hz=hz, s=seconds) for arg in TONE)


def test_adts_aac_whose_rate_and_channels_change_part_way_is_read_in_place(tmp_path):
    """Two ADTS AAC recordings joined (2 s at 8 kHz mono, then 4 s at 44.1 kHz stereo): the
    resampler refused the first 44.1 kHz frame ('Frame does not match AudioResampler setup'),
    an unexpected error that failed the file and the batch it was packed with; ffmpeg times
    every frame at the first header's rate, so the second part also read as 36 s of slivers."""
    first, second, joined = tmp_path / "a.aac", tmp_path / "b.aac", tmp_path / "joined.aac"
    ffmpeg(*_tone(440, 2), "-ar", "8000", "-ac", "1", "-c:a", "aac", "-f", "adts", str(first))
    ffmpeg(*_tone(1000, 4), "-ar", "44100", "-ac", "2", "-c:a", "aac", "-f", "adts", str(second))
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    info = probe(joined)
    assert abs(info.duration_ms - 6000) < 300
    for mono in (True, False):
        audio, reader = read_all(str(joined), mono=mono, expected_ms=info.duration_ms)
        audio = audio if mono else audio[0]
        assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.3 and not reader.truncated and reader.damaged == ()
        assert abs(dominant_hz(audio, 0.5, 1.8) - 440) < 20 and abs(dominant_hz(audio, 3.0, 5.5) - 1000) < 20
        assert min(rms(audio, t, t + 0.1) for t in np.arange(2.5, 5.5, 0.1)) > 0.05  # no slivers of silence
