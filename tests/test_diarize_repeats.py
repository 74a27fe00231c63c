"""One voice heard again is one speaker (issue #13): JFK's 11 s looped three times gave 4
speakers on WAV (2 at two loops), because a copy's windows are cut a little differently and
the repeats of one phrase made a small tight cluster; then its regions, three times the
speech, were halved into two voices. A voice note forwarded twice into one recording, on an
AMR copy, was two speakers."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from conftest import SHARED

from app.core.diarize import diarize
from app.core.diarize.cluster import copy_of
from app.core.diarize.repeats import fresh_seconds, repeat_offsets, repeated_copies
from app.core.media.decode import read_all

RATE = 16000
JFK = SHARED / "eval" / "speech" / "faster-whisper__jfk.flac"


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    return read_all(str(JFK))[0]


def as_amr(audio: np.ndarray, folder) -> np.ndarray:
    wav, amr = folder / "note.wav", folder / "note.amr"
    soundfile.write(wav, audio, RATE, subtype="PCM_16")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                    "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k", str(amr)], check=True)
    return read_all(str(amr))[0]


def test_jfk_looped_three_times_is_one_speaker(speaker_model, jfk):
    result = diarize(np.tile(jfk, 3), speaker_model)
    assert result.speakers == 1
    assert {t.speaker_index for t in result.turns} == {0}


def test_a_voice_note_forwarded_twice_on_amr_is_one_speaker(speaker_model, jfk, tmp_path):
    twice = np.concatenate([jfk, np.zeros(2 * RATE, dtype=jfk.dtype), jfk])
    assert diarize(as_amr(twice, tmp_path), speaker_model).speakers == 1


def unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_window_cut_differently_at_the_repeats_offset_is_a_copy():
    """Windows 0 and 1 come again 10 s later (copies 0.99 alike): 10 s is a repeat. Window 2's
    repeat (5) is cut 0.2 s later and only 0.8 alike: a copy too. Window 6, as alike to 2 but
    at no repeat's offset, is a sound of its own."""
    a, b, c, d, e = np.eye(5)
    emb = unit([a, b, c, a + 0.01 * c, b + 0.01 * c, c + 0.75 * d, c + 0.75 * e])  # 5 and 6: 0.8 to 2
    s = RATE
    spans = np.array([(0, 1.5 * s), (1.5 * s, 3 * s), (3 * s, 4.5 * s), (10 * s, 11.5 * s), (11.5 * s, 13 * s),
                      (13.2 * s, 14.7 * s), (20 * s, 21.5 * s)], dtype=np.int64)
    first = copy_of(emb)
    assert list(first) == [0, 1, 2, 0, 1, 5, 6]
    assert repeat_offsets(spans, first) == [10 * s]
    assert float(emb[5] @ emb[2]) < 0.95
    assert list(repeated_copies(emb, spans, first)) == [0, 1, 2, 0, 1, 2, 6]


def test_a_region_heard_again_holds_no_new_speech():
    seconds = np.array([3.0, 2.0, 3.0])
    region_of = np.array([0, 0, 1, 2, 2])
    copies = np.array([0, 1, 2, 0, 4])  # region 2's first window is region 0's again
    assert list(fresh_seconds(seconds, region_of, copies)) == [3.0, 2.0, 1.5]


def test_a_playing_alike_to_an_earlier_copy_is_a_copy_and_gives_its_offset():
    """A prompt of two phrases played three times, at 0, 20 and 50 s. The third playing's first
    window is 0.88 alike to the first playing (under COPY_COSINE) but 0.97 to the second: a
    copy, and its offset (50 s) then makes its second window (0.9 alike) a copy too. Before, on
    an AMR call with a prompt played four times, the prompt's two phrases made two small tight
    clusters: a fifth speaker in a call of four."""
    angle = np.radians([0.0, 14.07, 28.0])  # the first phrase's three playings, in one plane
    e = np.eye(4)
    first_phrase = [np.cos(t) * e[0] + np.sin(t) * e[1] for t in angle]
    emb = unit([first_phrase[0], e[2], first_phrase[1], e[2], first_phrase[2], 0.9 * e[2] + 0.436 * e[3]])
    spans = np.array([(t * RATE, (t + 1.4) * RATE) for t in (0, 1.5, 20, 21.5, 50, 51.5)], dtype=np.int64)
    first = copy_of(emb)
    assert list(first) == [0, 1, 0, 1, 4, 5]  # strict copies alone miss the third playing
    assert list(repeated_copies(emb, spans, first)) == [0, 1, 0, 1, 0, 1]
