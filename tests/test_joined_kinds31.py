"""A WAV, Wave64 or CAF with a file of another kind joined after it (an M4A, an AIFF, a WAV after a
CAF written as it went): heard to its own end, the second named, the same on ext4 and tmpfs."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from tests.test_container_sizes31 import OFFSETS_S, SPEECH, _heard, _speech, _written, folders  # noqa: F401

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _assert_first_heard_and_second_named(first: Path, joined: Path, named: str) -> None:
    """The 3 s first heard as alone (an AMR's 20 ms frames, an MP3's or AAC's priming: up to 96 ms more)."""
    whole, whole_audio, _ = _heard(first)
    source, audio, reader = _heard(joined)
    assert source.duration_ms == whole.duration_ms and abs(whole.duration_ms - 3000) <= 100 \
        and np.array_equal(audio, whole_audio), \
        (joined.name, source.duration_ms, audio.size)
    assert not reader.truncated and not reader.damaged, (joined.name, reader.notes)
    assert any(f"at byte {first.stat().st_size:,}" in note and f"opening as {named}" in note
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


@pytest.mark.parametrize("suffix,codec", [("caf", "pcm_s16be"), ("w64", "pcm_s16le")])
@pytest.mark.parametrize("other,other_codec,named", [
    ("aiff", "pcm_s16be", "an AIFF"), ("flac", "flac", "a FLAC"), ("ogg", "libopus", "an Ogg"),
    ("amr", "libopencore_amrnb", "an AMR"), ("mp3", "libmp3lame", "an MP3")])
def test_a_recording_of_another_kind_after_a_caf_or_w64_is_named_not_heard(folders, suffix, codec, other,
                                                                           other_codec, named):
    """A CAF (big-endian PCM) + a 5 s AIFF was heard 8.002 s: the AIFF's speech transcribed under the
    CAF's name and hash; a FLAC, Ogg, MP3 or AMR after it was 0.25-2.7 s of noise given as its audio."""
    for folder in folders:
        first = _speech(folder, f"note.{suffix}", OFFSETS_S[0], 3, "-c:a", codec)
        extra = ("-ar", "8000") if other == "amr" else ()
        second = _speech(folder, f"other.{other}", OFFSETS_S[2], 5, "-c:a", other_codec, *extra)
        joined = _written(folder, f"both.{suffix}", first.read_bytes() + second.read_bytes())
        _assert_first_heard_and_second_named(first, joined, named)


def _id3_tag(title: str) -> bytes:
    """An ID3v2.3 tag holding a title (a tagger's, added after a recording's audio)."""
    frame_body = b"\x00" + title.encode("latin-1")
    frame = b"TIT2" + struct.pack(">I", len(frame_body)) + b"\x00\x00" + frame_body
    return b"ID3\x03\x00\x00" + bytes((len(frame) >> shift) & 0x7F for shift in (21, 14, 7, 0)) + frame


@pytest.mark.parametrize("suffix", ["caf", "w64", "wav"])
def test_an_id3_tag_alone_after_the_audio_is_no_second_file_and_no_audio(folders, suffix):
    """A tagger's ID3 tag after the audio is said to be one, not 'another file'; a W64's is no audio."""
    for folder in folders:
        first = _speech(folder, f"note.{suffix}", OFFSETS_S[0], 3, "-c:a", "pcm_s16le")
        tagged = _written(folder, f"tagged.{suffix}", first.read_bytes() + _id3_tag("Interview 3"))
        whole, whole_audio, _ = _heard(first)
        source, audio, reader = _heard(tagged)
        assert np.array_equal(audio, whole_audio) and not reader.truncated, (suffix, audio.size, reader.notes)
        assert any(f"an ID3 tag follows this one's audio at byte {first.stat().st_size:,}" in note
                   for note in reader.notes), reader.notes


def _written_as_it_went(folder: Path, name: str, *codec: str) -> Path:
    """A CAF or WAV as a recorder streaming it writes one (ffmpeg to a pipe): its data size -1."""
    path = folder / name
    container = name.rsplit(".", 1)[1]
    data = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", str(OFFSETS_S[0]), "-t", "3",
                           "-i", str(SPEECH), *codec, "-f", container, "-"], capture_output=True, check=True).stdout
    size = data[data.index(b"data") + 4:data.index(b"data") + (12 if container == "caf" else 8)]
    assert size == b"\xff" * len(size)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix,codec", [("caf", "pcm_s16be"), ("wav", "pcm_s16le")])
@pytest.mark.parametrize("other,other_codec,named", [("wav", "pcm_s16le", "a WAV"), ("m4a", "aac", "an MP4"),
                                                     ("aiff", "pcm_s16be", "an AIFF")])
def test_a_file_after_a_caf_or_wav_written_as_it_went_is_named_not_heard(folders, suffix, codec, other, other_codec, named):
    """A streamed 3 s CAF + a 5 s WAV was heard 8.002 s with no note: the WAV's words under the CAF's name
    (a streamed WAV's data chunk searched for every kind since session 31)."""
    for folder in folders:
        first = _written_as_it_went(folder, f"note.{suffix}", "-c:a", codec)
        second = _speech(folder, f"other.{other}", OFFSETS_S[2], 5, "-c:a", other_codec)
        joined = _written(folder, f"both.{suffix}", first.read_bytes() + second.read_bytes())
        _assert_first_heard_and_second_named(first, joined, named)
