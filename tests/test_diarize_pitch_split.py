"""Two people in one cluster whose region halves are as alike as one voice's (0.61-0.744 on a
phone band) but whose pitches differ: a man and a woman taking turns on an AMR copy, and two
8 kHz readers on an Opus copy, came out as one speaker. A cluster's halves of 3 s or more,
under 0.75 alike, whose windows' pitches differ beyond chance (p < 0.05) are now two people
(region_split.py); one voice's halves that far apart speak at one pitch (p 0.28 or more)."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from conftest import SHARED

from app.core.diarize import diarize
from app.core.diarize.region_split import _pitched_apart
from app.core.media.decode import read_all

SPEECH = SHARED / "eval" / "speech"
RATE = 16000
AMR = ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]
OPUS = ["-ac", "1", "-c:a", "libopus", "-b:a", "16k"]


def pieces(name: str, count: int) -> list[np.ndarray]:
    """A shared clip levelled to one peak, cut into `count` turns at its quietest 10 ms near each cut."""
    audio = read_all(str(SPEECH / name))[0]
    audio = audio / max(1e-6, float(np.abs(audio).max())) * 0.5
    frames = np.abs(audio[: len(audio) // 160 * 160]).reshape(-1, 160).mean(axis=1)
    cuts = [0]
    for k in range(1, count):
        middle, reach = len(frames) * k // count, len(frames) // (3 * count)
        cuts.append((middle - reach + int(np.argmin(frames[middle - reach : middle + reach]))) * 160)
    return [audio[a:b] for a, b in zip(cuts, [*cuts[1:], len(audio)], strict=True)]


def conversation(names: tuple[str, str], turns: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Two people alternating, `turns` turns each, half a second apart; and each turn's span (s)."""
    parts = [pieces(name, turns) for name in names]
    pause = np.zeros(RATE // 2, dtype=np.float32)
    placed = [x for i in range(turns) for p in parts for x in (p[i], pause)]
    ends = np.cumsum([len(x) for x in placed]) / RATE
    return np.concatenate(placed).astype(np.float32), [(ends[i] - len(placed[i]) / RATE, ends[i])
                                                       for i in range(0, len(placed), 2)]


def copy(audio: np.ndarray, folder, suffix: str, args: list[str]) -> np.ndarray:
    wav, out = folder / "talk.wav", folder / f"talk{suffix}"
    soundfile.write(wav, audio, RATE, subtype="PCM_16")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                    *args, str(out)], check=True)
    return read_all(str(out))[0]


@pytest.mark.slow
@pytest.mark.parametrize(("names", "turns", "suffix", "args"), [
    (("cuttledoc__fleurs-de-005.ogg", "cuttledoc__fleurs-fr-007.ogg"), 2, ".amr", AMR),  # a man, a woman
    (("onnxruntime-extensions__1272-128104-0004-8k.wav", "joinly__OSR_us_000_0034_8k.wav"), 3, ".opus", OPUS),
])
def test_two_people_of_unlike_pitch_on_a_phone_copy_are_two(speaker_model, tmp_path, names, turns, suffix, args):
    """Each was one speaker on its compressed copy (the WAV gave two); each person's turns are
    mostly one speaker's, not the other's."""
    audio, spans = conversation(names, turns)
    result = diarize(copy(audio, tmp_path, suffix, args), speaker_model)
    assert result.speakers == 2

    def heard_as(start: float, end: float) -> int:
        """The speaker given most of this span."""
        time = [0.0, 0.0]
        for t in result.turns:
            if not t.overlap:
                time[t.speaker_index] += max(0.0, min(end, t.end_ms / 1000) - max(start, t.start_ms / 1000))
        return int(np.argmax(time))

    assert [heard_as(*span) for span in spans] == [0, 1] * turns


def test_halves_apart_by_pitch_need_length_unlikeness_and_a_real_difference():
    low, high = np.array([118.0, 121, 124, 119, 122, 120]), np.array([139.0, 142, 137, 141, 144, 138])
    assert _pitched_apart(6.0, 0.70, (low, high))
    assert not _pitched_apart(6.0, 0.70, (low, low + 0.5))  # one pitch: one voice
    assert not _pitched_apart(6.0, 0.76, (low, high))  # as alike as one voice's halves are
    assert not _pitched_apart(2.5, 0.70, (low, high))  # a half under 3 s: the short-half rule's
    assert not _pitched_apart(6.0, 0.70, (low[:2], high[:2]))  # too few voiced windows to tell
    assert not _pitched_apart(6.0, 0.70, None)


def test_a_long_recording_of_one_voice_is_not_split_by_a_small_pitch_difference():
    """One voice's halves lie 1.5-4% apart in median pitch (reader 1272's 124 against 119 Hz, p 0.28
    on 17 and 14 windows); on five times as many windows that difference is 'beyond chance'
    (p 0.013). Two people's halves lay 14-30% apart."""
    rng = np.random.default_rng(3)
    first, second = rng.normal(124, 6, 85), rng.normal(119, 6, 70)
    from app.core.diarize.same_voice import pitches_differ
    assert pitches_differ(first, second, p=0.05)  # the test alone would split it
    assert not _pitched_apart(60.0, 0.74, (first, second))
    assert _pitched_apart(60.0, 0.74, (first, second * 1.2))
