"""A second file joined after an AMR, AIFF, RF64, FLAC, M4A, MP3 or ADTS named (it was lost without a word,
or heard as noise: an AMR's as minutes), and ID3 tags where a tagger leaves them: one followed by an
ID3v1 tag after the audio is a tag, not a second file; one before a WAV or an M4A joined after the
first names that file; a WAV a tagger put an unpadded one before is heard, not refused."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.test_container_sizes31 import OFFSETS_S, SPEECH, _heard, _speech, _written, folders  # noqa: F401
from tests.test_joined_kinds31 import _assert_first_heard_and_second_named, _id3_tag

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")

ID3V1 = b"TAG" + b"Interview 3".ljust(30, b"\x00") + bytes(30 + 30 + 4 + 30 + 1)  # title, artist, album, year...


def _ape_tag(title: str) -> bytes:
    """An APEv2 tag (header, one item, footer), as mp3gain and foobar2000 append before an ID3v1 tag."""
    item = struct.pack("<II", len(title), 0) + b"Title\x00" + title.encode("latin-1")
    def block(flags: int) -> bytes:
        return b"APETAGEX" + struct.pack("<IIII", 2000, len(item) + 32, 1, flags) + bytes(8)
    return block(0xA0000000) + item + block(0x80000000)


TRAILERS = {"id3v1": ID3V1, "ape+id3v1": _ape_tag("Interview 3") + ID3V1}
SECONDS = {"wav": ("pcm_s16le", "a WAV"), "caf": ("pcm_s16be", "a CAF"), "m4a": ("aac", "an MP4/MOV/3GP")}


def _second(folder: Path, kind: str) -> Path:
    return _speech(folder, f"other.{kind}", OFFSETS_S[2], 5, "-c:a", SECONDS[kind][0])


@pytest.mark.parametrize("trailer", TRAILERS)
@pytest.mark.parametrize("suffix", ["wav", "caf", "w64"])
def test_an_id3_tag_and_an_id3v1_tag_after_the_audio_are_a_tag_not_a_second_file(folders, suffix, trailer):
    """A tagger's ID3v2 tag with the 128-byte ID3v1 'TAG' (or an APEv2 tag and that) after it was named
    'another file ... an MP3 (ID3-tagged) ... two files joined, by a copy or a carving' in the transcript."""
    for folder in folders:
        first = _speech(folder, f"note.{suffix}", OFFSETS_S[0], 3, "-c:a", "pcm_s16le")
        tagged = _written(folder, f"tagged.{suffix}", first.read_bytes() + _id3_tag("Interview 3") + TRAILERS[trailer])
        _, whole_audio, _ = _heard(first)
        _, audio, reader = _heard(tagged)
        assert np.array_equal(audio, whole_audio) and not reader.truncated, (suffix, audio.size, reader.notes)
        assert any(f"an ID3 tag follows this one's audio at byte {first.stat().st_size:,}" in note
                   for note in reader.notes), reader.notes
        assert not any("another file" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("first_suffix", ["caf", "wav"])
@pytest.mark.parametrize("other", ["wav", "m4a"])
def test_a_wav_or_m4a_a_tagger_put_an_id3_tag_before_is_named_as_itself_when_joined(folders, first_suffix, other):
    """A tag + a WAV (or an M4A) after a CAF or WAV was named 'an MP3 (ID3-tagged)'."""
    for folder in folders:
        first = _speech(folder, f"note.{first_suffix}", OFFSETS_S[0], 3, "-c:a", SECONDS[first_suffix][0])
        tagged = _id3_tag("Interview 4") + _second(folder, other).read_bytes()
        joined = _written(folder, f"both.{first_suffix}", first.read_bytes() + tagged)
        _assert_first_heard_and_second_named(first, joined, f"{SECONDS[other][1]} behind an ID3 tag")


def test_a_wav_behind_an_unpadded_id3_tag_is_heard_not_refused(folders):
    """Refused as 'an ID3 tag ... with no audio after it': the 'RIFF' after the tag's last frame was
    walked as a frame's name, its size running past the file's end."""
    for folder in folders:
        wav = _second(folder, "wav")
        tagged = _written(folder, "tagged.wav", _id3_tag("Interview 4") + wav.read_bytes())
        whole, whole_audio, _ = _heard(wav)
        source, audio, _ = _heard(tagged)
        assert source.duration_ms == whole.duration_ms == 5000 and np.array_equal(audio, whole_audio)


@pytest.mark.parametrize("other", ["wav", "caf"])
def test_a_file_after_an_amr_is_named_not_heard_as_noise(folders, other):
    """A 3 s AMR + a 5 s WAV was heard as 339 s, 336 s of it 'damaged': the WAV's bytes read as frames."""
    for folder in folders:
        first = _speech(folder, "note.amr", OFFSETS_S[0], 3, "-c:a", "libopencore_amrnb", "-ar", "8000")
        joined = _written(folder, "both.amr", first.read_bytes() + _second(folder, other).read_bytes())
        _assert_first_heard_and_second_named(first, joined, SECONDS[other][1])


FIRSTS = {"aiff": ("note.aiff", "-c:a", "pcm_s16be"), "flac": ("note.flac", "-c:a", "flac"),
          "m4a": ("note.m4a", "-c:a", "aac"), "rf64": ("note.wav", "-c:a", "pcm_s16le", "-rf64", "always"),
          "mp3": ("note.mp3", "-c:a", "libmp3lame"),
          "bare_mp3": ("note.mp3", "-c:a", "libmp3lame", "-write_xing", "0", "-id3v2_version", "0"),
          "adts": ("note.aac", "-c:a", "aac")}


@pytest.mark.parametrize("first_kind", FIRSTS)
@pytest.mark.parametrize("other", ["wav", "caf"])
def test_a_file_after_an_aiff_flac_m4a_rf64_mp3_or_adts_is_named_not_lost_nor_heard(folders, first_kind, other):
    """After an AIFF, FLAC, M4A or RF64 the second was lost with no note at all; after an MP3 (tagged or
    bare) or an ADTS AAC its bytes were decoded as frames: 0.3-2 s more, 'damaged'."""
    name, *codec = FIRSTS[first_kind]
    for folder in folders:
        first = _speech(folder, name, OFFSETS_S[0], 3, *codec)
        joined = _written(folder, f"both.{name.rsplit('.', 1)[1]}", first.read_bytes() + _second(folder, other).read_bytes())
        _assert_first_heard_and_second_named(first, joined, SECONDS[other][1])
