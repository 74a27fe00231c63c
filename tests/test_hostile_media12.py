"""Hostile media, round 12: Ogg pages whose end positions (granules) rise, but at the wrong pace;
an M4A whose AAC configuration states the wrong sample rate; ADTS frames stating a wrong length;
an MPEG-TS whose program table names the other audio codec.

A writer whose clock ran twice too fast (or half too slow) states positions that still rise, so
nothing looked wrong: the 8 s note was 15 s long, its second burst heard at 6 s not 3 s, silence
between every page named damaged and the note called truncated; run half too slow, pages
overlapped and a third of the sound was lost. The packets hold their own lengths (Opus: its TOC
byte; Vorbis: its mode's block size), so the positions are counted from them."""

from __future__ import annotations

import struct
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from app.core.media.opus_gain import ogg_crc
from app.core.media.ts_streams import mpeg_crc32

BURSTS = "sine=frequency=440:duration=8,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound at 0-1, 3-4, 6-7 s


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


def pages(data: bytes) -> list[bytearray]:
    out, at = [], 0
    while at < len(data):
        count = data[at + 26]
        size = 27 + count + sum(data[at + 27:at + 27 + count])
        out.append(bytearray(data[at:at + size]))
        at += size
    return out


def sealed(page: bytearray) -> bytes:
    struct.pack_into("<I", page, 22, 0)
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


def paced(data: bytes, pace: float) -> bytes:
    """The same pages, every audio page's end position multiplied by `pace` (checksums made again)."""
    out = []
    for number, page in enumerate(pages(data)):
        granule = struct.unpack_from("<q", page, 6)[0]
        if number >= 2 and granule > 0:
            struct.pack_into("<q", page, 6, int(granule * pace))
        out.append(sealed(page))
    return b"".join(out)


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("ogg")
    made = {}
    for name, codec, rate in (("note.ogg", "libvorbis", "16000"), ("note.opus", "libopus", "48000")):
        ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", rate, "-c:a", codec, str(folder / name))
        made[name] = (folder / name).read_bytes()
    return made


def loudness(audio: np.ndarray, second: int) -> float:
    return float(np.sqrt(np.mean(audio[second * SAMPLE_RATE:(second + 1) * SAMPLE_RATE] ** 2)))


@pytest.mark.parametrize("name", ["note.ogg", "note.opus"])
@pytest.mark.parametrize("pace", [2.0, 0.5])
def test_positions_rising_at_the_wrong_pace_are_counted_from_the_packets(tmp_path, notes, name, pace):
    path = tmp_path / name
    path.write_bytes(paced(notes[name], pace))
    source = probe(path)
    assert abs(source.duration_ms - 8000) < 100  # not 15 s (too fast) or 4 s (too slow)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 8) < 0.1  # every burst kept: none overlapped away
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]  # at their true times
    assert not reader.truncated and not reader.damaged
    assert any(f"run {pace:.2g} times as fast" in note and "packets' own lengths" in note for note in reader.notes)


@pytest.mark.parametrize("name", ["note.ogg", "note.opus"])
def test_a_sound_ogg_and_one_with_a_page_lost_keep_their_stated_positions(tmp_path, notes, name):
    """Guards (pass on main too): positions that keep pace are left alone, and one page lost
    from the middle is a real gap (its sound missing), not a clock to count again."""
    path = tmp_path / name
    path.write_bytes(notes[name])
    _, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert not reader.notes
    held = pages(notes[name])
    lost = held[:4] + held[5:]  # an audio page in the middle lost: the sequence numbers jump
    path.write_bytes(b"".join(bytes(page) for page in lost))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 8) < 0.1  # the gap kept: later bursts at their times
    assert loudness(audio, 6) > 0.05
    assert not any("times as fast" in note for note in reader.notes)


def with_rate_index(data: bytes, index: int) -> bytes:
    """An M4A whose AudioSpecificConfig (AAC-LC, 16 kHz: 0x1408) states another rate index."""
    out = bytearray(data)
    at = out.index(bytes.fromhex("05808080051408")) + 5  # DecoderSpecificInfo, its two first bytes
    first = (out[at] << 8) | out[at + 1]
    out[at:at + 2] = struct.pack(">H", (first & ~(0x0F << 7)) | (index << 7))
    return bytes(out)


@pytest.fixture(scope="module")
def m4a(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("m4a") / "note.m4a"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-c:a", "aac", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("index, stated", [(3, 48000), (6, 24000), (11, 8000)])
def test_an_m4a_whose_aac_config_states_a_wrong_rate_is_decoded_at_its_tracks_rate(tmp_path, m4a, index, stated):
    """Before: every packet failed ('damaged 00:00:00.0-00:00:08.0', nothing heard) or the decode
    stopped on ffmpeg's bare 'Invalid argument' (24 kHz)."""
    path = tmp_path / "note.m4a"
    path.write_bytes(with_rate_index(m4a, index))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 8) < 0.1
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]
    assert not reader.damaged and not reader.truncated
    assert any(f"states a sample rate of {stated:,} Hz" in note and "16,000 Hz" in note for note in reader.notes)
    assert path.read_bytes() == with_rate_index(m4a, index)  # the original untouched


def test_an_m4a_whose_aac_config_and_sample_entry_both_state_wrong_rates_is_timed_by_its_header(tmp_path, m4a):
    """The sample entry damaged too (44,100 Hz): the header's timescale, whose packets last 1,024
    units (an AAC-LC frame), gives the rate. Before: 'unexpected error: ArgumentError: Invalid
    argument returned 22' after three attempts, nothing transcribed."""
    data = bytearray(with_rate_index(m4a, 6))
    struct.pack_into(">H", data, data.index(b"mp4a") + 28, 44100)  # the entry's rate, 16.16: its integer part
    path = tmp_path / "note.m4a"
    path.write_bytes(bytes(data))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]
    assert any("states a sample rate of 24,000 Hz" in note for note in reader.notes)


def test_an_m4a_whose_aac_config_is_right_carries_no_note(tmp_path, m4a):
    path = tmp_path / "note.m4a"
    path.write_bytes(m4a)
    _, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert not reader.notes


def adts_frames(data: bytes) -> list[bytearray]:
    out, at = [], 0
    while at + 7 <= len(data):
        length = (data[at + 3] & 3) << 11 | data[at + 4] << 3 | data[at + 5] >> 5
        out.append(bytearray(data[at:at + length]))
        at += length
    return out


def stating(frame: bytearray, length: int) -> bytearray:
    frame[3] = frame[3] & 0xFC | length >> 11 & 3
    frame[4] = length >> 3 & 0xFF
    frame[5] = frame[5] & 0x1F | (length & 7) << 5
    return frame


@pytest.fixture(scope="module")
def aac(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("aac") / "note.aac"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-c:a", "aac", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("damaged, off_by", [((40,), -40), ((40,), 300), (tuple(range(5, 200, 10)), 200)])
def test_adts_frames_stating_a_wrong_length_are_read_where_the_next_frame_starts(tmp_path, aac, damaged, off_by):
    """Before: one frame 40 bytes short made the 8 s note 4.6 s long and lost its last burst; 300
    bytes long lost half a second and moved the later words early; every tenth, 3 s lost."""
    frames = adts_frames(aac)
    for number in damaged:
        if number < len(frames) - 1:  # the last frame stating more than the file holds is a cut (test_hostile_media31)
            stating(frames[number], len(frames[number]) + off_by)
    path = tmp_path / "note.aac"
    path.write_bytes(b"".join(bytes(frame) for frame in frames))
    source = probe(path)
    assert abs(source.duration_ms - 8064) < 100
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 8.06) < 0.1
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]
    assert not reader.damaged and not reader.truncated
    assert any("ADTS frame header(s) state a wrong frame length" in note for note in reader.notes)


def test_a_crc_protected_adts_stream_reads_whole(tmp_path, aac):
    """A guard (passes on main too): frames carrying a CRC (2 bytes after the header) are frames."""
    protected = []
    for frame in adts_frames(aac):
        head = bytearray(frame[:7])
        head[1] &= 0xFE  # protection_absent = 0
        protected.append(bytes(stating(head + b"\x12\x34" + frame[7:], len(frame) + 2)))
    path = tmp_path / "note.aac"
    path.write_bytes(b"".join(protected))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]
    assert not reader.notes


def naming(data: bytes, stream_type: int, pmt_pid: int = 0x1000, first: int = 0, step: int = 188) -> bytes:
    """The transport stream with every PMT's (PID 0x1000, ffmpeg's) first stream type set and its checksum
    made again; `first` and `step` place the 188-byte packets (an M2TS: 4 and 192)."""
    out = bytearray(data)
    for at in range(first, len(out), step):
        packet = out[at:at + 188]
        if (packet[1] & 0x1F) << 8 | packet[2] != pmt_pid or not packet[1] & 0x40:
            continue
        table = 5 + packet[4]
        end = table + 3 + ((packet[table + 1] & 0x0F) << 8 | packet[table + 2]) - 4
        packet[table + 12 + ((packet[table + 10] & 0x0F) << 8 | packet[table + 11])] = stream_type
        packet[end:end + 4] = mpeg_crc32(bytes(packet[table:end])).to_bytes(4, "big")
        out[at:at + 188] = packet
    return bytes(out)


@pytest.mark.parametrize("codec, named", [("aac", 0x03), ("libmp3lame", 0x0F)])
def test_a_transport_stream_whose_table_names_the_other_codec_is_read_as_its_frames_are(tmp_path, codec, named):
    """Before: a table naming MP3 over AAC frames (or AAC over MP3) decoded nothing:
    'damaged 00:00:00.0-00:00:04.3', truncated, no words."""
    made = tmp_path / "made.ts"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-c:a", codec, str(made))
    path = tmp_path / "screen.ts"
    path.write_bytes(naming(made.read_bytes(), named))
    source = probe(path)
    assert abs(source.duration_ms - 8100) < 150
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 8.1) < 0.15
    assert [second for second in range(8) if loudness(audio, second) > 0.05] == [0, 3, 6]
    assert not reader.damaged and not reader.truncated
    assert any("program table names its sound" in note for note in reader.notes)
