"""Hostile media, round 32: the cases session 31 left open, and new members of the class.

- A CAF exactly 2^k bytes short of what its data chunk states: a file cut short by exactly that many
  bytes, or one bit of the size damaged. It was exported as "a damaged size, not a recording cut
  short" (a 6 s telephone note that lost 4 s, as a whole 1.9 s recording), or the other way round as
  a cut (a whole note called truncated). The bytes cannot tell: the note gives both readings.
- An MP4/M4A whose index (moov) is written twice before its media data: heard as 0 s of sound.
- An MP4/M4A whose edit list starts with an empty edit: heard from its first sound, every word that much
  earlier than a player shows it, when every track starts late.
- A CAF or W64 with a chunk after its audio: its length ffmpeg's estimate from the file's size (3.128 s of
  3.000); a WAV written as it went with a LIST after its samples: the LIST heard as 128 ms of sound.
- An iPhone-style AAC or Opus CAF (its packet table before its audio) cut inside its audio: refused whole.
"""

from __future__ import annotations

import struct
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from hostile_media_more import apple_caf, held_back  # the sweep's own builders

SPEECH = Path("/work/shared/media/interview_mono.wav")

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _speech(path: Path, seconds: float, *codec: str) -> Path:
    ffmpeg("-ss", "13", "-t", str(seconds), "-i", str(SPEECH), *codec, str(path))
    return path


def _heard(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


def _caf_data_size_at(data: bytes) -> int:
    at = 8  # chunks follow the 8-byte 'caff' header; each: name, 8-byte big-endian size, body
    while data[at:at + 4] != b"data":
        at += 12 + struct.unpack_from(">q", data, at + 4)[0]
    return at + 4


RESAMPLER_TAIL = 64
BOTH_READINGS = ("either the file was cut short by", "or one bit of the size is damaged and the recording is whole")

CUTS = {  # name: (seconds, ffmpeg's codec arguments, how the file is made from the whole one)
    "3 s PCM cut by 65,536 bytes": (3, ("-ar", "16000", "-c:a", "pcm_s16be"), lambda data: data[:-65_536]),
    "6 s A-law cut by 32,768 bytes": (6, ("-ar", "8000", "-c:a", "pcm_alaw"), lambda data: data[:-32_768]),
    "3 s PCM whose size gained 2^15": (3, ("-ar", "16000", "-c:a", "pcm_s16be"), lambda data: _size_or(data, 1 << 15)),
}


def _size_or(data: bytes, bit: int) -> bytes:
    at, changed = _caf_data_size_at(data), bytearray(data)
    assert not struct.unpack_from(">q", data, at)[0] & bit
    struct.pack_into(">q", changed, at, struct.unpack_from(">q", data, at)[0] | bit)
    return bytes(changed)


@pytest.mark.parametrize("case", CUTS)
def test_a_caf_exactly_2k_bytes_short_gives_both_readings(tmp_path, case):
    """Its stated length stands and it is truncated (the cut reading is not ruled out); the note names
    both readings and never says "not a recording cut short"; the audio is the bytes present, nothing more."""
    seconds, codec, damage = CUTS[case]
    whole = _speech(tmp_path / "whole.caf", seconds, *codec)
    damaged = tmp_path / "damaged.caf"
    damaged.write_bytes(damage(whole.read_bytes()))
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(damaged)
    assert source.duration_ms >= seconds * 1000 and reader.truncated, (case, source.duration_ms, reader.notes)
    assert reader.damaged[-1][1] == source.duration_ms, reader.damaged
    assert all(part in " ".join(reader.notes) for part in BOTH_READINGS), reader.notes
    assert "not a recording cut short" not in " ".join(reader.notes)
    kept = audio.size - RESAMPLER_TAIL  # the last samples before a cut are the resampler's flush (8 kHz A-law)
    assert audio.size <= whole_audio.size and np.array_equal(audio[:kept], whole_audio[:kept])
    present_s = (damaged.stat().st_size - (whole.stat().st_size - seconds * _bytes_per_s(codec))) / _bytes_per_s(codec)
    assert abs(audio.size / SAMPLE_RATE - present_s) < 0.01, (audio.size / SAMPLE_RATE, present_s)


def _bytes_per_s(codec: tuple[str, ...]) -> int:
    rate = int(codec[codec.index("-ar") + 1])
    return rate * (2 if "pcm_s16be" in codec else 1)


def test_a_caf_claiming_hours_exactly_2k_bytes_past_a_short_note_is_as_long_as_its_bytes(tmp_path):
    """2^36 bytes past a 3 s note would be 596 hours cut to 3 s: the length is the bytes', not truncated,
    and the note still gives both readings."""
    whole = _speech(tmp_path / "whole.caf", 3, "-ar", "16000", "-c:a", "pcm_s16be")
    damaged = tmp_path / "damaged.caf"
    damaged.write_bytes(_size_or(whole.read_bytes(), 1 << 36))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(damaged)
    assert source.duration_ms == whole_source.duration_ms and not reader.truncated and not reader.damaged
    assert np.array_equal(audio, whole_audio)
    assert all(part in " ".join(reader.notes) for part in BOTH_READINGS), reader.notes


def _moov_written_again_after_itself(data: bytes) -> bytes:
    """The file with its index (moov) written a second time right after the first: the media data moves."""
    at = 0
    while data[at + 4:at + 8] != b"moov":
        at += struct.unpack_from(">I", data, at)[0]
    end = at + struct.unpack_from(">I", data, at)[0]
    return data[:end] + data[at:end] + data[end:]


VIDEO = ("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=4", "-c:v", "libx264", "-preset", "ultrafast",
         "-shortest")


@pytest.mark.parametrize("suffix, extra", [("m4a", ()), ("mp4", VIDEO)])
def test_an_index_written_twice_before_the_media_data_is_read_past(tmp_path, suffix, extra):
    """Every sample offset pointed into the copy: an M4A was heard as 0 s ('damaged 00:00:00.0-00:00:04.0',
    no words; a 6 s video's sound failed with a traceback). Now heard as the file without the copy, and named."""
    whole = tmp_path / f"whole.{suffix}"
    ffmpeg("-ss", "13", "-t", "4", "-i", str(SPEECH), *extra, "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart",
           str(whole))
    twice = tmp_path / f"twice.{suffix}"
    twice.write_bytes(_moov_written_again_after_itself(whole.read_bytes()))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(twice)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.truncated and not reader.damaged, reader.notes
    assert any("index (moov) is written twice before its media data (a copy of it" in note for note in reader.notes)


def test_an_index_written_again_after_the_media_data_is_read_as_before(tmp_path):
    """A copy after the samples moves nothing: ffmpeg reads the first index; no note."""
    whole = tmp_path / "whole.m4a"
    ffmpeg("-ss", "13", "-t", "4", "-i", str(SPEECH), "-c:a", "aac", "-b:a", "48k", str(whole))
    data = whole.read_bytes()
    twice = tmp_path / "twice.m4a"
    twice.write_bytes(data + data[data.index(b"moov") - 4:])
    _, whole_audio, _ = _heard(whole)
    _, audio, reader = _heard(twice)
    assert np.array_equal(audio, whole_audio) and reader.notes == ()


@pytest.mark.parametrize("suffix, extra, handlers, named", [
    ("m4a", (), (b"soun",), True),
    ("mp4", VIDEO, (b"soun", b"vide"), True),  # the whole clip starts 2 s late
    ("mp4", VIDEO, (b"soun",), False),  # the sound alone starts 2 s after the picture: placed so before too, unnamed
])
def test_an_mp4_whose_edit_list_starts_with_an_empty_edit_is_placed_as_a_player_shows_it(tmp_path, suffix, extra, handlers,
                                                                                          named):
    """2 s of nothing, then the audio: every word was heard (and timed) 2 s earlier than any player shows
    it when every track started late (ffmpeg's clock starts at the first sound). Now the audio is placed
    2 s in, after 2 s of silence, the length counts them, and the note says why."""
    whole = tmp_path / f"whole.{suffix}"
    ffmpeg("-ss", "13", "-t", "4", "-i", str(SPEECH), *extra, "-c:a", "aac", "-b:a", "48k", str(whole))
    late = tmp_path / f"late.{suffix}"
    late.write_bytes(held_back(whole.read_bytes(), 2.0, handlers))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(late)
    two_s = 2 * SAMPLE_RATE
    assert not audio[:two_s].any() and np.array_equal(audio[two_s:], whole_audio), (audio.size, whole_audio.size)
    assert abs(source.duration_ms - whole_source.duration_ms - 2000) <= 100, (source.duration_ms, whole_source.duration_ms)
    assert not reader.truncated and not reader.damaged, reader.notes
    assert any("edit list holds the audio back 2.000 s" in note for note in reader.notes) == named, reader.notes


def test_a_sound_track_held_back_in_apple_movie_time_that_ffmpeg_placed_is_not_named(tmp_path):
    """An iPhone's movie timescale is 600: a sound track's empty edit of 1,163/600 s (1.93833 s) is placed by
    ffmpeg at 31,013/16,000 s (1.93831 s), and the rounding made it look held back where ffmpeg had placed it,
    'its edit list holds the audio back 1.938 s' written where the README says no note is. Same place, no note."""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-ss", "13", "-t", "4", "-i", str(SPEECH), *VIDEO, "-c:a", "aac", "-b:a", "48k", "-movie_timescale", "600",
           str(whole))
    late = tmp_path / "late.mp4"
    late.write_bytes(held_back(whole.read_bytes(), 1163 / 600, (b"soun",)))
    _, whole_audio, _ = _heard(whole)
    _, audio, reader = _heard(late)
    lead = round(31_013 / 16_000 * SAMPLE_RATE)
    assert not audio[:lead].any() and np.array_equal(audio[lead:], whole_audio), (audio.size, whole_audio.size)
    assert not any("holds the audio back" in note for note in reader.notes), reader.notes


def _caf_with_chunk_after(data: bytes, kind: bytes) -> bytes:
    return data + kind + struct.pack(">q", 4096) + bytes(4096)


def _w64_with_markers_after(data: bytes) -> bytes:
    """Sound Forge's 'markers' chunk (4 kB) after the audio, the 'riff' size grown to hold it."""
    markers = uuid.UUID("ABF76256-392D-11D2-86C7-00C04F8EDB8A").bytes_le
    grown = bytearray(data + markers + struct.pack("<Q", 24 + 4096) + bytes(4096))
    struct.pack_into("<Q", grown, 16, len(grown))
    return bytes(grown)


AFTER_THE_AUDIO = {
    "CAF + a chunk of its own": ("caf", lambda data: _caf_with_chunk_after(data, b"Plyx")),
    "CAF + an info chunk": ("caf", lambda data: _caf_with_chunk_after(data, b"info")),
    "W64 + markers": ("w64", _w64_with_markers_after),
}


@pytest.mark.parametrize("case", AFTER_THE_AUDIO)
def test_a_chunk_after_the_audio_is_not_counted_in_the_length(tmp_path, case):
    """ffmpeg estimates a CAF's or a W64's length from the file's size: a 3 s note with a 4 kB chunk after
    its audio was recorded as 3.128 s (3.129 s), though 3.000 s were heard. The length is the audio's."""
    suffix, damage = AFTER_THE_AUDIO[case]
    whole = _speech(tmp_path / f"whole.{suffix}", 3, "-ar", "16000", "-c:a", "pcm_s16le")
    after = tmp_path / f"after.{suffix}"
    after.write_bytes(damage(whole.read_bytes()))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(after)
    assert whole_source.duration_ms == 3000 and source.duration_ms == 3000, source.duration_ms
    assert np.array_equal(audio, whole_audio) and reader.notes == ()


@pytest.mark.parametrize("unknown", [0, 0xFFFFFFFF])
def test_a_wav_written_as_it_went_with_a_list_after_its_samples_is_read_to_the_list(tmp_path, unknown):
    """RIFF and data sizes left unknown (a recorder killed before it put them in), a LIST chunk written
    after the samples: ffmpeg read the LIST's 4 kB as sound (3.128 s heard of 3.000, a click at the end,
    the length 3.128 s). Now the samples alone, and a note."""
    whole = _speech(tmp_path / "whole.wav", 3, "-ar", "16000", "-c:a", "pcm_s16le")
    data = bytearray(whole.read_bytes() + b"LIST" + struct.pack("<I", 4092) + b"INFO" + bytes(4088))
    struct.pack_into("<I", data, 4, unknown)
    struct.pack_into("<I", data, data.index(b"data") + 4, unknown)
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(bytes(data))
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(streamed)
    assert source.duration_ms == 3000 and np.array_equal(audio, whole_audio), (source.duration_ms, audio.size)
    assert any("chunks follow them from byte" in note for note in reader.notes), reader.notes


AAC = ("-c:a", "aac", "-b:a", "48k")


@pytest.mark.parametrize("coding, codec, data_size", [("aac", AAC, "stated"), ("opus", ("-c:a", "libopus"), "stated"),
                                                      ("aac", AAC, "-1")])
def test_an_apple_caf_cut_inside_its_audio_after_its_packet_table_is_heard_to_the_cut(tmp_path, coding, codec,
                                                                                      data_size):
    """The table (before the audio) locates more packets than the cut file holds: it was taken for a damaged
    table and replaced by a shorter one ffmpeg never reached, and the whole note refused as 'cut before its
    packet table'. Now the packets present are heard, the file truncated at its stated length. Its data
    chunk's size -1 ('to the end of the file', as the format allows) was refused so, for a false reason."""
    source = _speech(tmp_path / f"source.{'m4a' if coding == 'aac' else 'webm'}", 5, *codec)
    whole = tmp_path / "whole.caf"
    whole.write_bytes(apple_caf(source, coding))
    written = bytearray(whole.read_bytes())
    if data_size == "-1":
        struct.pack_into(">q", written, _caf_data_size_at(bytes(written)), -1)
    cut = tmp_path / "cut.caf"
    cut.write_bytes(bytes(written[:len(written) * 6 // 10]))
    whole_source, whole_audio, _ = _heard(whole)
    source_info, audio, reader = _heard(cut)
    assert source_info.duration_ms == whole_source.duration_ms and reader.truncated, reader.notes
    assert 0.4 * whole_audio.size < audio.size < 0.7 * whole_audio.size
    assert np.array_equal(audio[:audio.size - 1024], whole_audio[:audio.size - 1024])


def test_an_apple_caf_whose_data_runs_to_the_end_of_the_file_is_whole_with_no_note(tmp_path):
    """Its data chunk's size -1 ('to the end of the file'), its packet table locating every byte of it: ffmpeg
    stops there with an error, and the whole note was said to have 'data that is not audio' after it."""
    source = _speech(tmp_path / "source.m4a", 5, *AAC)
    whole = tmp_path / "whole.caf"
    whole.write_bytes(apple_caf(source, "aac"))
    written = bytearray(whole.read_bytes())
    struct.pack_into(">q", written, _caf_data_size_at(bytes(written)), -1)
    to_the_end = tmp_path / "to_the_end.caf"
    to_the_end.write_bytes(bytes(written))
    whole_source, whole_audio, _ = _heard(whole)
    source_info, audio, reader = _heard(to_the_end)
    assert source_info.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.notes and not reader.truncated and not reader.damaged, reader.notes


def _header_sizes_widened(data: bytes) -> bytes:
    """The Matroska file with its EBML header's sizes (its own, its elements') written as 8-byte vints, as
    EBML allows: its DocType then lies at byte 56 (ffmpeg still opens it as matroska,webm)."""
    assert data[4] & 0x80  # ffmpeg's header: its size, and each element's, a 1-byte vint
    end, at, elements = 5 + (data[4] & 0x7F), 5, b""
    while at < end:  # each element: a 2-byte id, a 1-byte size, its body
        size = data[at + 2] & 0x7F
        elements += data[at:at + 2] + b"\x01" + size.to_bytes(7, "big") + data[at + 3:at + 3 + size]
        at += 3 + size
    return data[:4] + b"\x01" + len(elements).to_bytes(7, "big") + elements + data[end:]


WRITTEN = {"by ffmpeg": ((), lambda data: data), "as it went": (("-live", "1"), lambda data: data),
           "with wide header sizes": ((), _header_sizes_widened)}  # how the first file is written


@pytest.mark.parametrize("first, second, written", [("webm", "webm", "by ffmpeg"), ("webm", "wav", "by ffmpeg"),
                                                    ("mkv", "wav", "by ffmpeg"), ("webm", "webm", "as it went"),
                                                    ("webm", "wav", "as it went"),
                                                    ("webm", "webm", "with wide header sizes")])
def test_a_matroska_file_followed_by_another_is_heard_alone_and_the_second_named(tmp_path, first, second, written):
    """A WebM voice note followed by a copy of itself (a carving that ran on): ffmpeg read on into the copy,
    its clock back to 0, and the whole first note was named 'damaged 00:00:00.0-00:00:05.0', the second
    never mentioned; a WAV's bytes after it were walked as a Matroska element, and the note called cut short.
    Now the first alone, and the second named where it starts. Written as it went (a browser's recorder:
    its Segment's size unknown), a WAV after it was lost without a word; with its header's sizes 8 bytes
    wide (its DocType past byte 40), the copy was not known as a file."""
    options, rewrite = WRITTEN[written]
    made = _speech(tmp_path / f"made.{first}", 4, "-c:a", "libopus", *options)
    one = tmp_path / f"one.{first}"
    one.write_bytes(rewrite(made.read_bytes()))
    other = tmp_path / f"other.{second}"  # the interview's first 3 s: their bytes read as a Matroska element cut short
    ffmpeg("-t", "3", "-i", str(SPEECH), "-ar", "16000", str(other))
    joined = tmp_path / f"joined.{first}"
    joined.write_bytes(one.read_bytes() + other.read_bytes())
    whole_source, whole_audio, _ = _heard(one)
    source, audio, reader = _heard(joined)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.damaged and not reader.truncated, reader.notes
    assert any(f"another file follows this one's end at byte {one.stat().st_size:,}" in note for note in reader.notes)


@pytest.mark.parametrize("stated", [0, 0xFFFFFFFF])
def test_an_m4a_whose_media_data_size_runs_to_or_past_the_end_is_read_by_its_index(tmp_path, stated):
    """The mdat's size damaged (0: 'to the end', or past it), the index (moov) whole after it: the index was
    passed over, the note read as an M4A without one (its AAC frames found by decoding them: 6.08 s, its
    times from their count), and called cut short. Now read by its index, the size named damaged."""
    whole = _speech(tmp_path / "whole.m4a", 4, "-c:a", "aac", "-b:a", "48k")
    data = bytearray(whole.read_bytes())
    at = data.index(b"mdat") - 4
    assert data.index(b"moov") > at  # ffmpeg writes its index after the media data
    struct.pack_into(">I", data, at, stated)
    damaged = tmp_path / "damaged.m4a"
    damaged.write_bytes(bytes(data))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(damaged)
    assert source.duration_ms == whole_source.duration_ms and np.array_equal(audio, whole_audio)
    assert not reader.truncated and not reader.damaged
    said = (f"its 'mdat' box (at byte {at:,}) states a size of {stated:,} bytes, which cannot be right (damaged): "
            f"read as the {data.index(b'moov') - 4 - at:,} bytes to the box after it")
    assert reader.notes == (said,)
