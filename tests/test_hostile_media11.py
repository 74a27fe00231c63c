"""Hostile media, round 11: timestamps that jump days ahead (a decompression bomb: a 60 kB
voice note whose damaged clock claims 30 days was recorded as 720:00:06 long and decoded to
30 days of silence, for hours)."""

from __future__ import annotations

import struct
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, AudioReader, probe
from app.core.media.opus_gain import ogg_crc


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


def jumping(path, codec: str, jump_s: int) -> None:
    """6 s of tone whose timestamps jump `jump_s` ahead at 3 s (what the container then states)."""
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-af",
           f"asetpts='if(gte(T,3),PTS+{jump_s}/TB,PTS)'", "-c:a", codec, str(path))


def decoded(path, expected_ms: int, most_s: float = 120.0) -> tuple[np.ndarray, AudioReader]:
    """The audio, read block by block; stops (and the test fails) past `most_s` rather than hanging."""
    reader = AudioReader(str(path), expected_ms=expected_ms)
    blocks, total = [], 0
    for block in reader.blocks():
        blocks.append(block)
        total += block.shape[-1]
        if total > most_s * SAMPLE_RATE:
            break
    return np.concatenate(blocks), reader


@pytest.mark.parametrize("name, codec", [("note.opus", "libopus"), ("note.webm", "libopus"),
                                         ("note.ogg", "libvorbis"), ("note.mkv", "aac")])
def test_a_timestamp_jumping_30_days_ahead_is_not_filled_with_30_days_of_silence(tmp_path, name, codec):
    path = tmp_path / name
    jumping(path, codec, 30 * 24 * 3600)
    source = probe(path)
    assert abs(source.duration_ms - 6000) < 500  # the sound its packets hold, not 720:00:06
    audio, reader = decoded(path, source.duration_ms)
    assert audio.size < 7 * SAMPLE_RATE  # its 6 s, the tone after the jump placed straight on
    assert float(np.sqrt(np.mean(audio[4 * SAMPLE_RATE:5 * SAMPLE_RATE] ** 2))) > 0.05
    assert any("jump 720:00:00 ahead at 00:00:0" in note and "not the file's" in note for note in reader.notes)
    assert not reader.truncated  # the stated end past the jump is no end it fell short of


def test_a_jump_of_minutes_is_still_filled_so_later_words_keep_their_time(tmp_path):
    """Within the hour of silence a file may have lost, the gap is kept as before (not a new
    behaviour: the guard that the cap above did not take it away)."""
    path = tmp_path / "note.webm"
    jumping(path, "libopus", 600)
    source = probe(path)
    audio, reader = decoded(path, source.duration_ms, most_s=700)
    assert abs(audio.size / SAMPLE_RATE - 606) < 0.5
    assert float(np.sqrt(np.mean(audio[604 * SAMPLE_RATE:605 * SAMPLE_RATE] ** 2))) > 0.05
    assert not any("too far to fill" in note for note in reader.notes)


def test_a_webm_cut_short_of_a_header_stating_hours_keeps_the_claim_and_is_truncated(tmp_path):
    """A file cut short spans only the sound it holds: its header's two hours stand and it is
    truncated (not a jump: the check above must not take a cut for one; passes on main too)."""
    path = tmp_path / "note.webm"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "libopus", str(path))
    data = bytearray(path.read_bytes())
    at = data.index(b"\x44\x89\x88") + 3  # Segment Info's Duration, a double in milliseconds
    data[at:at + 8] = struct.pack(">d", 7_200_000.0)
    tag = data.index(b"00:00:06.0")  # the track's DURATION tag, said alike
    data[tag:tag + 10] = b"02:00:00.0"
    path.write_bytes(bytes(data))
    source = probe(path)
    assert abs(source.duration_ms - 7_200_000) < 1000
    _, reader = decoded(path, source.duration_ms, most_s=10)
    assert reader.truncated and not any("too far to fill" in note for note in reader.notes)


def _mp3_stating(path, header: str, frames: int) -> None:
    """5 s of MP3 whose first frame's VBRI or Xing header states `frames` frames."""
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k",
           *(["-write_xing", "0"] if header == "VBRI" else []), str(path))
    data = bytearray(path.read_bytes())
    start = 10 + sum(b << (7 * (3 - n)) for n, b in enumerate(data[6:10])) if data[:3] == b"ID3" else 0
    if header == "VBRI":  # 36 bytes into the first frame: version, delay, quality, bytes, frames, table
        vbri = b"VBRI" + struct.pack(">HHHII", 1, 0x0240, 75, len(data) - start, frames) + struct.pack(">HHHH", 0, 1, 2, 1)
        data[start + 36:start + 36 + len(vbri)] = vbri
    else:
        at = max(data.find(b"Xing"), data.find(b"Info"))
        struct.pack_into(">I", data, at + 8, frames)  # flags 15: the frame count comes first
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("header, frames", [("VBRI", 0x7FFFFFF0), ("VBRI", 10), ("Xing", 10)])
def test_an_mp3_whose_vbri_or_xing_frame_count_its_bytes_cannot_be_is_as_long_as_its_frames(tmp_path, header, frames):
    """A VBRI header was trusted whatever it said (5 s recorded as 15,582 hours, truncated and
    'damaged' to then; or as 0.26 s), and a Xing count too small for its bytes gave 0.22 s."""
    path = tmp_path / "note.mp3"
    _mp3_stating(path, header, frames)
    source = probe(path)
    assert abs(source.duration_ms - 5000) < 200
    audio, reader = decoded(path, source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 5) < 0.2
    assert not reader.truncated and reader.notes == ()


@pytest.mark.parametrize("delta", [1, 64])
def test_an_m4a_whose_sample_table_gives_its_packets_too_little_time_is_timed_by_its_samples(tmp_path, delta):
    """One damaged stts entry (1,024 units a packet read as 1 or 64) in an otherwise whole note:
    its 5 s were recorded as 0.05 s and decoded as 1,024 samples of silence ('no speech found',
    no warning). The header's own length (mdhd) says the table falls short: read by the samples."""
    path = tmp_path / "note.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-ar", "16000", "-c:a", "aac", str(path))
    data = bytearray(path.read_bytes())
    stts = data.index(b"stts")
    assert struct.unpack_from(">I", data, stts + 12 + 4)[0] == 1024  # the first entry's packets
    struct.pack_into(">I", data, stts + 12 + 4, delta)
    path.write_bytes(bytes(data))
    source = probe(path)
    assert abs(source.duration_ms - 5000) < 200
    audio, reader = decoded(path, source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 5) < 0.2
    assert float(np.sqrt(np.mean(audio[3 * SAMPLE_RATE:4 * SAMPLE_RATE] ** 2))) > 0.05
    assert not reader.truncated and any("timed by their samples, 1,024 units each" in note for note in reader.notes)


def test_an_ogg_vorbis_whose_pages_state_no_position_but_the_last_is_as_long_as_its_sound(tmp_path):
    """A damaged or streaming writer's Vorbis pages saying -1 (no position) up to the last one: the
    last page's true end was called a lie and the 6 s note recorded as 0.3 s long."""
    path = tmp_path / "note.ogg"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "libvorbis", "-page_duration", "200000",
           str(path))
    data, out, at, n = path.read_bytes(), bytearray(), 0, 0
    while at < len(data):
        size = 27 + data[at + 26] + sum(data[at + 27:at + 27 + data[at + 26]])
        page = bytearray(data[at:at + size])
        if n >= 3 and at + size < len(data):
            struct.pack_into("<q", page, 6, -1)
            page[22:26] = bytes(4)
            struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        out += page
        at, n = at + size, n + 1
    assert n > 10
    path.write_bytes(bytes(out))
    source = probe(path)
    assert abs(source.duration_ms - 6000) < 200
    audio, reader = decoded(path, source.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 6) < 0.2 and not reader.truncated
