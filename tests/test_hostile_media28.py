"""Hostile media, round 28: a recording whose first bytes are zeros (its header wiped: a carving that
lost the first sector, a copy whose first block never came).

An MP4/M4A/3GP/MOV so damaged was 'not a media file ffmpeg can read' though its index (moov), which
states where each sample lies, was whole; a 3GP voice note's was even read as a headerless AMR with
its index decoded as frames (7.18 s of a 6.35 s note, 'cut inside a frame'). It is now read by its
index, the zeros named. A WAV so damaged states its rate, channels and sample size nowhere else: it
is still refused, in one line that now names the zeros."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.media.decode import MediaError, probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media26 import read


def zeroed(data: bytes, count: int) -> bytes:
    return bytes(count) + data[count:]


def zeros(data: bytes) -> int:
    """Zero bytes at the start (a size field's high bytes after those wiped are zeros too)."""
    return len(data) - len(data.lstrip(b"\x00"))


@pytest.mark.parametrize("name,count", [("en_voicenote.m4a", 44), ("en_voicenote.m4a", 24), ("interview.mp4", 44),
                                        ("interview.mp4", 32), ("ro_voicenote.3gp", 44), ("ro_voicenote.3gp", 16)])
def test_an_mp4_whose_first_bytes_are_zeros_is_read_by_its_index(tmp_path, name, count):
    original = MEDIA / name
    path = tmp_path / name
    path.write_bytes(zeroed(original.read_bytes(), count))
    expected = read_all(str(original))[0]
    source, audio, reader = read(path)
    assert source.duration_ms == probe(original).duration_ms
    assert len(audio) == len(expected) and not reader.truncated
    assert np.abs(expected).max() > 0.1 and np.allclose(audio, expected, atol=1e-4)
    assert any(f"first {zeros(path.read_bytes()):,} bytes are zeros" in note and "read by its index" in note
               for note in reader.notes), reader.notes


def test_an_mp4_whose_zeros_reach_its_first_samples_names_them_damaged(tmp_path):
    """A MOV's first sound samples start 36 bytes in: the 8 zeroed past them are damage, not sound."""
    data = (MEDIA / "interview.mp4").read_bytes()
    at = data.index(b"mdat") + 4
    path = tmp_path / "clip.mp4"
    path.write_bytes(zeroed(data, at + 200))
    source, audio, reader = read(path)
    assert abs(len(audio) / 16 - source.duration_ms) < 100
    assert any("first" in note and "are zeros" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("name", ["interview_mono.wav", "interview_stereo.wav", "noise_10s.wav"])
def test_a_wav_whose_header_is_zeroed_is_refused_in_one_line_naming_the_zeros(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(zeroed((MEDIA / name).read_bytes(), 44))
    with pytest.raises(MediaError) as raised:
        probe(path)
    message = str(raised.value)
    assert "\n" not in message and "first 44 bytes are zeros where its header belongs" in message, message


def test_zeros_with_no_index_after_them_stay_refused(tmp_path):
    """An index-less M4A (moov gone) whose ftyp is zeroed: nothing states where its samples lie."""
    data = (MEDIA / "en_voicenote.m4a").read_bytes()
    at = data.index(b"moov") - 4
    path = tmp_path / "note.m4a"
    path.write_bytes(zeroed(data[:at], 44))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "\n" not in str(raised.value) and "zeros" in str(raised.value)
