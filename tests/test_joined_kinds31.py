"""A WAV, Wave64 or CAF with a file of another kind joined after it (an M4A, an AIFF, a WAV after a
CAF written as it went): heard to its own end, the second named, the same on ext4 and tmpfs."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_container_sizes31 import OFFSETS_S, SPEECH, _heard, _speech, _written, folders  # noqa: F401

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _assert_first_heard_and_second_named(first, joined, named: str) -> None:
    whole, whole_audio, _ = _heard(first)
    source, audio, reader = _heard(joined)
    assert source.duration_ms == whole.duration_ms == 3000 and np.array_equal(audio, whole_audio), \
        (joined.name, source.duration_ms, audio.size)
    assert not reader.truncated and not reader.damaged, (joined.name, reader.notes)
    assert any(f"at byte {first.stat().st_size:,}" in note and f"{named} of its own" in note
               for note in reader.notes), (joined.name, reader.notes)


@pytest.mark.parametrize("suffix", ["w64", "caf", "wav"])
def test_an_m4a_after_a_wav_w64_or_caf_is_named_and_the_first_heard_whole(folders, suffix):
    """A W64 + M4A was refused on ext4 ('unreadable (Invalid argument)') and called damaged 3.0-4.5
    on tmpfs; a WAV + M4A left the M4A unaccounted."""
    for folder in folders:
        first = _speech(folder, f"note.{suffix}", OFFSETS_S[0], 3, "-c:a", "pcm_s16le")
        second = _speech(folder, "other.m4a", OFFSETS_S[2], 5, "-c:a", "aac")
        joined = _written(folder, f"both.{suffix}", first.read_bytes() + second.read_bytes())
        _assert_first_heard_and_second_named(first, joined, "an MP4/MOV/3GP")
