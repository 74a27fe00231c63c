"""Hostile media, round 33: members of the classes session 32 left open.

- A WAV written as it went (its sizes left 0 or -1) with a tag chunk over a MiB after its samples (an id3
  chunk holding cover art): its chunks after the samples were looked for only in the file's last MiB, so
  the tag was not found as the WAV's own. The ID3 tag inside it was named 'another file (an MP3) follows',
  and a LIST before it was heard as 128 ms of sound (3.128 s of a 3 s note).
- An M4A whose media data states a size of 0 ('to the end of the file') followed by another file: the index
  taken was the one ending the file (a copy's: the copy not named), or none was (a WAV after it: the M4A read
  without its index, its rate guessed, the WAV called bytes that do not decode as AAC).
- An Apple CAF whose data chunk runs 'to the end of the file' (size -1), its packet table whole before the
  audio, with bytes after its audio (4 kB of junk, a WAV): the table was taken for a damaged one and put
  after the audio, where ffmpeg never looked: refused as 'cut before its packet table'; a WAV after it was
  called 'the last 96,078 bytes of audio cannot be located'.
- A WAV or an M4A behind ID3 tags in a row (a tagger's new one put before the old) of which one states a size
  past the file's end or too short, or behind 17 or more tags, or a second tag over a MiB: refused as 'an ID3
  tag with no audio after it' or 'not a media file', or (a WAV behind a 3 MB second tag) heard as 0 s.
- A bare MP3 or ADTS AAC (no ID3 tag) joined after a WAV, an M4A, a CAF, an Ogg, a FLAC: lost without a word (after a
  CAF, its frames heard as 0.8 s of the CAF's sound; after a 3 s AMR, as 85 s of damaged noise); any file after
  an Ogg Opus or Vorbis: unnamed, or called 'data that is not audio'.
- A recording of two audio tracks in two languages (or each side of a call): the note named the track not
  transcribed by its number alone ('not transcribed: #0'); now with the language each states.
- An M4A of no sound at all (a recording stopped before its first sample: its index lists no track) was
  refused as 'its tracks hold only subtitles, timecode or other data', which it does not hold.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media32 import _caf_data_size_at, _heard, _speech

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from hostile_media_more import apple_caf  # the sweep's own builder

SPEECH = Path("/work/shared/media/interview_mono.wav")

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _id3_with_picture(picture_bytes: int) -> bytes:
    """An ID3v2.4 tag holding one APIC frame (a front cover of `picture_bytes` bytes)."""
    picture = b"\xff\xd8\xff\xe0" + bytes(np.random.default_rng(1).integers(0, 256, picture_bytes - 4, dtype=np.uint8))
    body = b"\x00image/jpeg\x00\x03\x00" + picture
    frame = b"APIC" + _syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame


def _id3_title(title_bytes: int, stated: int | None = None) -> bytes:
    """An ID3v2.4 tag holding a title of `title_bytes` letters, stating `stated` bytes after its header (its own
    length unless given)."""
    frame = b"TIT2" + _syncsafe(title_bytes + 1) + b"\x00\x00\x03" + b"a" * title_bytes
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame) if stated is None else stated) + frame


def _chunk(name: bytes, body: bytes) -> bytes:
    return name + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)


FIRSTS = {"wav": ("-ar", "16000"), "m4a": ("-c:a", "aac", "-b:a", "48k"), "caf": ("-ar", "16000", "-c:a", "pcm_s16be"),
          "opus": ("-c:a", "libopus"), "ogg": ("-c:a", "libvorbis"),
          "amr": ("-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"), "flac": ("-ar", "16000")}
SECONDS = {"mp3": ("-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0", "-id3v2_version", "0"),
           "aac": ("-c:a", "aac", "-b:a", "48k", "-f", "adts"), "wav": ("-ar", "16000")}
BARE = "MPEG audio or ADTS AAC frames (an MP3 or AAC with no tag)"
NAMED = {"wav": "a WAV", "mp3": BARE, "aac": BARE, "copy": "a CAF"}  # a second file, as the note names it
JOINED = [("wav", "mp3"), ("m4a", "aac"), ("caf", "mp3"), ("caf", "aac"), ("opus", "wav"), ("opus", "mp3"),
          ("ogg", "aac"), ("amr", "mp3"), ("amr", "aac"), ("flac", "mp3"), ("flac", "aac")]


@pytest.mark.parametrize("unknown", [0, 0xFFFFFFFF])
@pytest.mark.parametrize("with_list", [False, True])
@pytest.mark.parametrize("picture_bytes", [3_000, 2_000_000])
def test_a_wav_written_as_it_went_with_a_tag_chunk_after_its_samples_is_heard_to_its_samples_end(
        tmp_path, unknown, with_list, picture_bytes):
    """The samples heard to their end whatever the tag chunk's size, the chunks named as the WAV's own, no
    'another file follows'."""
    whole = _speech(tmp_path / "whole.wav", 3, "-ar", "16000", "-c:a", "pcm_s16le")
    after = (_chunk(b"LIST", b"INFO" + _chunk(b"INAM", b"interview\x00")) if with_list else b"") + \
        _chunk(b"id3 ", _id3_with_picture(picture_bytes))
    data = bytearray(whole.read_bytes() + after)
    struct.pack_into("<I", data, 4, unknown)
    struct.pack_into("<I", data, data.index(b"data") + 4, unknown)
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(bytes(data))
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(streamed)
    assert source.duration_ms == 3000 and np.array_equal(audio, whole_audio), (source.duration_ms, audio.size)
    samples_end = whole.stat().st_size
    said = (f"the WAV states no length for its samples (written as it went), and chunks follow them from byte "
            f"{samples_end:,} to the file's end (its LIST or tags): the samples were read up to there")
    assert reader.notes == (said,)


@pytest.mark.parametrize("second", ["copy", "wav"])
def test_an_m4a_whose_media_data_runs_to_the_end_followed_by_a_file_is_heard_alone_and_the_file_named(
        tmp_path, second):
    whole = _speech(tmp_path / "whole.m4a", 3, "-c:a", "aac", "-b:a", "48k")
    other = whole if second == "copy" else _speech(tmp_path / "other.wav", 2, "-ar", "16000")
    data = bytearray(whole.read_bytes())
    at = data.index(b"mdat") - 4
    struct.pack_into(">I", data, at, 0)
    joined = tmp_path / "joined.m4a"
    joined.write_bytes(bytes(data) + other.read_bytes())
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(joined)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.truncated and not reader.damaged
    kind = "an MP4/MOV/3GP" if second == "copy" else "a WAV"
    said = (
        f"its 'mdat' box (at byte {at:,}) states a size of 0 bytes, which cannot be right (damaged): read as the "
        f"{data.index(b'moov') - 4 - at:,} bytes to the box after it; another file follows this one's end at byte "
        f"{len(data):,} ({other.stat().st_size:,} bytes opening as {kind} of its own: two files joined, by a copy or "
        "a carving): it was not read; open it as a file of its own to hear it")
    assert reader.notes == (said,)


@pytest.mark.parametrize("coding, codec", [("aac", ("-c:a", "aac", "-b:a", "48k")), ("opus", ("-c:a", "libopus"))])
@pytest.mark.parametrize("after", ["junk", "wav", "mp3", "copy"])  # copy: review revB L1 (three notes, two false)
def test_an_apple_caf_of_data_size_minus_one_with_bytes_after_its_audio_is_heard_whole(tmp_path, coding, codec,
                                                                                        after):
    source = _speech(tmp_path / f"source.{'m4a' if coding == 'aac' else 'webm'}", 4, *codec)
    written = bytearray(apple_caf(source, coding))
    struct.pack_into(">q", written, _caf_data_size_at(bytes(written)), -1)
    whole = tmp_path / "whole.caf"
    whole.write_bytes(bytes(written))
    other = {"junk": os.urandom(4096), "copy": bytes(written)}.get(after) or _speech(
        tmp_path / f"other.{after}", 2, *SECONDS[after]).read_bytes()
    followed = tmp_path / "followed.caf"
    followed.write_bytes(bytes(written) + other)
    whole_source, whole_audio, whole_reader = _heard(whole)
    source_info, audio, reader = _heard(followed)
    assert whole_reader.notes == () and not whole_reader.truncated
    assert source_info.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.truncated and not reader.damaged
    assert reader.notes == (("data that is not audio follows the end of the recording (not transcribed)",)
                            if after == "junk" else
                            ((f"another file follows this one's end at byte {len(written):,} ({len(other):,} bytes "
                              f"opening as {NAMED[after]} of its own: two files joined, by a copy or a carving): it "
                              "was not read; open it as a file of its own to hear it"),))


TAGS_BEFORE = {  # what a tagger (or damage) put before the recording, given the recording's bytes
    "a second tag stating a size past the file's end": lambda audio: _id3_title(100) + _id3_title(100, len(audio) + 5000),
    "a second tag stating too few bytes": lambda audio: _id3_title(100) + _id3_title(100, 50),
    "17 tags in a row": lambda audio: _id3_title(20) * 17,
    "40 tags of no frames": lambda audio: b"ID3\x04\x00\x00\x00\x00\x00\x00" * 40,
    "a second tag of 3 MB": lambda audio: _id3_title(100) + _id3_title(3_000_000),
}


@pytest.mark.parametrize("tags", TAGS_BEFORE)
@pytest.mark.parametrize("kind, codec", [("wav", ("-ar", "16000")), ("m4a", ("-c:a", "aac", "-b:a", "48k"))])
def test_a_recording_behind_id3_tags_in_a_row_one_damaged_or_many_is_heard_whole(tmp_path, tags, kind, codec):
    whole = _speech(tmp_path / f"whole.{kind}", 3, *codec)
    audio_bytes = whole.read_bytes()
    tagged = tmp_path / f"tagged.{kind}"
    tagged.write_bytes(TAGS_BEFORE[tags](audio_bytes) + audio_bytes)
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(tagged)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert reader.notes == () and not reader.damaged and not reader.truncated


@pytest.mark.parametrize("first, second", JOINED)
def test_a_bare_mp3_or_adts_or_any_file_after_an_ogg_joined_after_the_first_is_named(tmp_path, first, second):
    one = _speech(tmp_path / f"one.{first}", 3, *FIRSTS[first])
    other = tmp_path / f"other.{second}"
    ffmpeg("-ss", "30", "-t", "2", "-i", str(SPEECH), *SECONDS[second], str(other))
    assert second == "wav" or other.read_bytes()[:1] == b"\xff"  # bare frames: no tag before them
    joined = tmp_path / f"joined.{first}"
    joined.write_bytes(one.read_bytes() + other.read_bytes())
    whole_source, whole_audio, _ = _heard(one)
    source, audio, reader = _heard(joined)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.truncated and not reader.damaged
    said = (f"another file follows this one's end at byte {one.stat().st_size:,} ({other.stat().st_size:,} bytes "
            f"opening as {NAMED[second]} of its own: two files joined, by a copy or a carving): it was not read; "
            "open it as a file of its own to hear it")
    assert reader.notes == (said,)


@pytest.mark.parametrize("container", ["mkv", "m4a"])
def test_two_audio_tracks_in_two_languages_the_one_not_transcribed_is_named_with_its_language(tmp_path, container):
    """Track #0 (eng) holds 1 s of speech, #1 (spa) 6 s: #1 is transcribed, #0 named with its language."""
    both = tmp_path / f"both.{container}"
    ffmpeg("-ss", "13", "-t", "1", "-i", str(SPEECH), "-ss", "40", "-t", "6", "-i", str(SPEECH), "-map", "0:a",
           "-map", "1:a", "-c:a", "aac", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=spa",
           str(both))
    source, _, reader = _heard(both)
    assert [stream.language for stream in source.audio_streams] == ["eng", "spa"]
    said = ("2 audio streams; transcribed audio stream #1 [spa] (the one holding the most speech); "
            "not transcribed: #0 [eng]")
    assert reader.notes == (said,)


def test_an_m4a_whose_index_lists_no_track_is_refused_as_what_it_is(tmp_path):
    empty = tmp_path / "empty.m4a"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", "-c:a", "aac", str(empty))
    assert b"moov" in empty.read_bytes() and b"trak" not in empty.read_bytes()
    with pytest.raises(MediaError) as refused:
        probe(empty)
    assert str(refused.value).endswith("no audio or video track: its index (moov) lists no track at all (a recording "
                                       "stopped before any sound was written, or its index damaged)")
