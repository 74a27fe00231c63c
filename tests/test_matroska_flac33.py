"""A Matroska/WebM file of unknown Segment size (written as it went: `-live 1`, a browser's recorder, a recorder
killed before it wrote its sizes) with FLAC audio: its track's CodecPrivate holds a FLAC stream header, which the
search for a second file took for one at byte ~368, and the whole recording was refused as 'the file ends before
any audio' (review revB, session 33, H1). The search now starts at the first cluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media32 import SPEECH, _heard, _speech

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _live_flac(tmp_path: Path) -> Path:
    return _speech(tmp_path / "live.mka", 4, "-ar", "16000", "-c:a", "flac", "-live", "1")


def test_a_flac_matroska_written_as_it_went_is_heard_whole_with_no_note(tmp_path):
    made = _live_flac(tmp_path)
    assert b"fLaC" in made.read_bytes()[:1024]  # the track's own FLAC header, among the headers
    source, audio, reader = _heard(made)
    assert 3.9 < len(audio) / 16000 < 4.1, (source, reader.notes)
    assert not reader.damaged and not reader.truncated and not reader.notes, reader.notes


def test_a_flac_matroska_written_as_it_went_followed_by_a_copy_names_the_copy(tmp_path):
    one = _live_flac(tmp_path)
    other = tmp_path / "other.wav"
    ffmpeg("-t", "3", "-i", str(SPEECH), "-ar", "16000", str(other))
    joined = tmp_path / "joined.mka"
    joined.write_bytes(one.read_bytes() + other.read_bytes())
    _, whole_audio, _ = _heard(one)
    source, audio, reader = _heard(joined)
    assert np.array_equal(audio, whole_audio), reader.notes
    assert any(f"another file follows this one's end at byte {one.stat().st_size:,}" in note for note in reader.notes)
