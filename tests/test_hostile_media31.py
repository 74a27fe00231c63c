"""Hostile media, round 31: session 30's leftovers and the classes session 31's sweep
(bench/hostile_media_sweep.py) found.

- A CAF or W64 whose chunk size points past the largest offset the filesystem allows was refused in
  one line, but PyAV printed "PyAV library exception being dropped: Traceback ..." on stderr above
  it (ffmpeg went on after the first failed seek; the second failure dropped the first).
- An Ogg note whose first audio page fails its checksum: ffmpeg drops the page and timed the note from
  the next, so intake recorded 5 s of 6 (decoding heard 6, the loss named).
- An ADTS AAC stream cut inside a frame was never called cut; cut inside its first frame it was 'not a
  media file', or 0 s heard as 'damaged'.
- An edit list playing all of a track twice, the track's header stating its own length: 'the 6.0 s it
  hides are not transcribed' (nothing was hidden; every word was transcribed twice).
- An Ogg whose end-of-stream page lost its header was 'cut short' (its length is whole: its end is
  damaged); one cut inside that page was not called cut at all.
"""

from __future__ import annotations

import errno
import io
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.av_files import open_av
from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg


def _refused_or_heard_quietly(path: Path, capfd) -> None:
    """Intake and decoding hear the file or refuse it in one line, and print nothing on stderr."""
    try:
        source = probe(path)
        read_all(str(path), expected_ms=source.duration_ms)
    except MediaError as refused:
        assert "\n" not in str(refused)
    assert capfd.readouterr().err == ""


class _SeeksFailPastExt4Limit(io.BytesIO):
    """A file's bytes whose seeks past 2^44 fail as on ext4 (EINVAL), whatever filesystem the test's
    files are on (on tmpfs such a seek succeeds, and the real files never reach a failing seek)."""

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.tell(), 2: len(self.getbuffer())}[whence]
        if base + offset >= 1 << 44:
            raise OSError(errno.EINVAL, "Invalid argument")
        return super().seek(offset, whence)


def _w64_data_size_of_billions_of_hours(data: bytes) -> bytes:
    at = data.index(b"data") + 16  # the data chunk's 16-byte GUID, then its 8-byte little-endian size
    return data[:at] + struct.pack("<Q", struct.unpack("<Q", data[at:at + 8])[0] | 1 << 62) + data[at + 8:]


def _caf_data_size_past_any_file(data: bytes) -> bytes:
    at = data.index(b"data") + 4  # the data chunk's 8-byte big-endian size
    return data[:at] + struct.pack(">q", struct.unpack(">q", data[at:at + 8])[0] | 1 << 48) + data[at + 8:]


@pytest.mark.parametrize("container, damage", [("caf", _caf_data_size_past_any_file),
                                               ("w64", _w64_data_size_of_billions_of_hours)])
def test_a_file_whose_every_seek_fails_prints_nothing_but_its_refusal(tmp_path, capfd, container, damage):
    """ffmpeg went on after a failed seek; PyAV printed the first failure as 'exception being dropped'
    when a second one came. Since mediafix31 these real files are heard with a note (their sizes read
    against the file) and seek nowhere far; the bytes handed to ffmpeg as they are still do, on ext4."""
    note = tmp_path / f"note.{container}"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=3:sample_rate=16000", "-c:a", "pcm_s16le", str(note))
    path = tmp_path / f"damaged.{container}"
    path.write_bytes(damage(note.read_bytes()))
    capfd.readouterr()
    _refused_or_heard_quietly(path, capfd)
    with pytest.raises(OSError, match="Invalid argument"), \
            open_av(_SeeksFailPastExt4Limit(path.read_bytes())) as container_read:  # the first failure, raised as before
        for _ in container_read.decode(audio=0):
            pass
    assert capfd.readouterr().err == ""


def _first_audio_page_body(data: bytes) -> int:
    """Where the body of an Ogg file's first page stating a position (its first audio page) starts."""
    at = data.index(b"OggS")
    while struct.unpack_from("<q", data, at + 6)[0] <= 0:
        at = data.index(b"OggS", at + 1)
    return at + 27 + data[at + 26]


@pytest.mark.parametrize("codec, ext", [("libvorbis", "ogg"), ("libopus", "opus")])
def test_an_ogg_note_whose_first_audio_page_fails_its_checksum_is_as_long_at_intake_as_decoded(tmp_path, codec, ext):
    """ffmpeg drops a page failing its checksum and timed the note from the next: intake recorded 5.0 s
    for 6 s (decoding already placed the sound after the damage at its time, the loss named)."""
    note = tmp_path / f"note.{ext}"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=6:sample_rate=16000", "-c:a", codec, str(note))
    data = bytearray(note.read_bytes())
    data[_first_audio_page_body(bytes(data)) + 40] ^= 0x55
    path = tmp_path / f"damaged.{ext}"
    path.write_bytes(bytes(data))
    whole, source = probe(note), probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - whole.duration_ms) <= 20 and abs(audio.size / 16 - source.duration_ms) <= 20
    assert reader.damaged and not reader.truncated


def _adts(tmp_path: Path) -> bytes:
    note = tmp_path / "note.aac"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2:sample_rate=16000", "-c:a", "aac", "-b:a", "48k", str(note))
    return note.read_bytes()


def test_an_adts_stream_cut_inside_its_first_frame_is_refused_as_cut(tmp_path):
    """Cut after 200 of its first frame's bytes: 'not a media file ffmpeg can read' (a false reason);
    after 28, heard as 0 s 'damaged'. Neither said the file was cut."""
    data = _adts(tmp_path)
    first = (data[3] & 3) << 11 | data[4] << 3 | data[5] >> 5
    for kept in (28, first // 2, first - 1):
        path = tmp_path / f"cut{kept}.aac"
        path.write_bytes(data[:kept])
        with pytest.raises(MediaError, match="cut short inside its first frame"):
            probe(path)


def test_an_adts_stream_cut_inside_a_later_frame_is_called_cut(tmp_path):
    """An ADTS file states no length: its last frame running past the file's end is the one sign it was
    cut, and it was not read (not truncated, no note)."""
    data = _adts(tmp_path)
    path = tmp_path / "cut.aac"
    path.write_bytes(data[:len(data) // 2])
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert audio.size / 16 >= source.duration_ms - 150  # the whole frames before the cut are heard
    assert reader.truncated and any("ends inside a frame" in line for line in reader.notes)
    whole = tmp_path / "whole.aac"
    whole.write_bytes(data)
    assert not read_all(str(whole))[1].truncated


def _frame_starts(data: bytes) -> list[int]:
    """Where each frame of an ADTS stream starts, walked by the lengths its headers state."""
    starts = [0]
    while starts[-1] + 7 <= len(data):
        at = starts[-1]
        starts.append(at + ((data[at + 3] & 3) << 11 | data[at + 4] << 3 | data[at + 5] >> 5))
    return starts[:-1]


def _length_bit_12_set(data: bytes, at: int) -> bytes:
    """The ADTS frame at `at` stating 4,096 bytes more than it holds (bit 12 of its 13-bit length)."""
    return data[:at + 3] + bytes((data[at + 3] | 0x02,)) + data[at + 4:]


@pytest.mark.parametrize("from_the_end", [2, 3, 5])
def test_a_whole_adts_stream_with_a_damaged_length_near_its_end_is_not_called_cut(tmp_path, from_the_end):
    """A frame near the end stating a length past the file's end: the header repair reads on to the
    next frame and every frame is heard, but the cut check walked the raw lengths and exported the
    whole file as TRUNCATED, 'cut short'. The same file really cut inside its last frame is cut."""
    data = _adts(tmp_path)
    frames = _frame_starts(data)
    damaged = _length_bit_12_set(data, frames[-from_the_end])
    whole, path, cut = tmp_path / "whole.aac", tmp_path / "damaged.aac", tmp_path / "cut.aac"
    whole.write_bytes(data)
    path.write_bytes(damaged)
    cut.write_bytes(damaged[:(frames[-1] + len(data)) // 2])
    heard, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert np.array_equal(heard, read_all(str(whole))[0])
    assert not reader.truncated and any("wrong frame length" in line for line in reader.notes)
    cut_reader = read_all(str(cut), expected_ms=probe(cut).duration_ms)[1]
    assert cut_reader.truncated and any("ends inside a frame" in line for line in cut_reader.notes)


def _with_its_edit_twice(data: bytes) -> bytes:
    """An M4A (moov after mdat) whose one-entry edit list has its entry written twice: all the audio played twice."""
    elst = data.index(b"elst") - 4
    assert data[elst + 8] == 0 and struct.unpack_from(">I", data, elst + 12)[0] == 1  # version 0, one entry
    edited = bytearray(data[:elst + 28] + data[elst + 16:elst + 28] + data[elst + 28:])
    struct.pack_into(">I", edited, elst + 12, 2)
    for kind in (b"moov", b"trak", b"edts", b"elst"):  # each box holding the entry grows by it
        at = edited.index(kind) - 4
        struct.pack_into(">I", edited, at, struct.unpack_from(">I", edited, at)[0] + 12)
    return bytes(edited)


def test_an_edit_list_playing_the_audio_twice_does_not_say_it_hides_any(tmp_path):
    """The track's header still stating the audio's own length: 'shows 6.1 s of the 6.1 s of audio it
    holds: the 6.0 s it hides are not transcribed' (nothing is hidden; every word is transcribed twice)."""
    note = tmp_path / "note.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=3:sample_rate=16000", "-c:a", "aac", str(note))
    path = tmp_path / "twice.m4a"
    path.write_bytes(_with_its_edit_twice(note.read_bytes()))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    [line] = reader.notes
    assert audio.size / 16000 > 5.9 and "more than once" in line and "hides" not in line, line


def test_an_ogg_note_whose_last_page_lost_its_header_is_called_damaged_not_cut(tmp_path):
    """The end-of-stream page's header wiped: the file is whole in length, its last page unreadable. It
    was 'the file was cut short'; a file really cut inside its last page still is."""
    note = tmp_path / "note.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=6:sample_rate=16000", "-c:a", "libopus", str(note))
    data = note.read_bytes()
    last = data.rindex(b"OggS")
    wiped, cut = tmp_path / "wiped.opus", tmp_path / "cut.opus"
    wiped.write_bytes(data[:last] + bytes(27) + data[last + 27:])
    cut.write_bytes(data[:last + (len(data) - last) // 2])
    for path, said, unsaid in ((wiped, "are not Ogg pages (damaged)", "cut short"), (cut, "cut short", "damaged)")):
        source = probe(path)
        audio, reader = read_all(str(path), expected_ms=source.duration_ms)
        assert reader.truncated and 0 < audio.size and any(said in line for line in reader.notes), reader.notes
        assert not any(unsaid in line for line in reader.notes), reader.notes


@pytest.mark.parametrize("codec, ext", [("libvorbis", "ogg"), ("libopus", "opus")])
def test_an_ogg_note_whose_pages_end_in_zero_bytes_does_not_call_them_lost_audio(tmp_path, codec, ext):
    """Cut at a page boundary, zeros up to its size (a recorder's file made larger than it filled, blocks
    never written): 'not Ogg pages (damaged): the audio they held is lost', though nothing shows those
    bytes ever held audio. Other bytes there still are."""
    note = tmp_path / f"note.{ext}"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=6:sample_rate=16000", "-c:a", codec, str(note))
    data = note.read_bytes()
    half = data.index(b"OggS", len(data) // 2)
    zeros, more, junk = tmp_path / f"zeros.{ext}", tmp_path / f"more.{ext}", tmp_path / f"junk.{ext}"
    zeros.write_bytes(data[:half] + bytes(len(data) - half))
    more.write_bytes(data[:half] + bytes(100_000))  # further than ffmpeg looks back for the last page
    junk.write_bytes(data[:half] + bytes(range(1, 256)) * ((len(data) - half) // 255 + 1))
    for path, said, unsaid in ((zeros, "zero bytes (not audio: never written, or padding)", "lost"),
                               (more, "last 100,000 bytes, after its last page, are zero bytes", "lost"),
                               (junk, "(damaged): the audio they held is lost", "never written")):
        source = probe(path)
        audio, reader = read_all(str(path), expected_ms=source.duration_ms)
        assert reader.truncated and 0 < audio.size and any(said in line for line in reader.notes), reader.notes
        assert not any(unsaid in line for line in reader.notes), reader.notes
        assert abs(audio.size / 16 - source.duration_ms) <= 20  # intake's length is the pages', not a guess


def test_a_whole_vorbis_note_padded_with_100_kb_of_zeros_is_its_own_length(tmp_path):
    """ffmpeg looks for the last page in the last 64 kB: a 6 s Vorbis note then 100 kB of zeros was
    guessed from the bitrate as 21.5 s long, its export naming 6.0-21.5 s damaged (Opus: already right)."""
    note = tmp_path / "note.ogg"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=6:sample_rate=16000", "-c:a", "libvorbis", str(note))
    path = tmp_path / "padded.ogg"
    path.write_bytes(note.read_bytes() + bytes(100_000))
    whole, source = probe(note), probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == whole.duration_ms and abs(audio.size / 16 - whole.duration_ms) <= 20
    assert not reader.truncated and not reader.damaged


def test_an_ogg_note_whose_last_page_fails_its_checksum_says_its_end_is_lost(tmp_path):
    """ffmpeg drops the page: a Vorbis note's last second was lost with no note, not truncated."""
    note = tmp_path / "note.ogg"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=6:sample_rate=16000", "-c:a", "libvorbis", str(note))
    data = bytearray(note.read_bytes())
    *_, (_, body, _) = _audio_pages(bytes(data))
    data[body + 40] ^= 0x55
    path = tmp_path / "damaged.ogg"
    path.write_bytes(bytes(data))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert 0 < audio.size / 16 < probe(note).duration_ms - 500 and reader.truncated
    assert any("last Ogg page fails its checksum (damaged)" in line for line in reader.notes), reader.notes


def _audio_pages(data: bytes) -> list[tuple[int, int, int]]:
    """Each Ogg page stating a position: where it starts, where its body starts, its granule."""
    pages, at = [], 0
    while (at := data.find(b"OggS", at)) >= 0:
        body = at + 27 + data[at + 26]
        if (granule := struct.unpack_from("<q", data, at + 6)[0]) > 0:
            pages.append((at, body, granule))
        at = body + sum(data[at + 27:body])
    return pages


def _loudness(samples: np.ndarray) -> np.ndarray:
    """RMS over 10 ms, every 5 ms: the words' shape, whatever a block's few ms of placement."""
    return np.sqrt(np.convolve(samples.astype(float) ** 2, np.ones(160) / 160, "valid"))[::80]


def _best_match(envelope: np.ndarray, shape: np.ndarray) -> int:
    """Where in `envelope` `shape` correlates best (its index; a silent stretch correlates 0)."""
    shape = shape - shape.mean()

    def correlation(start: int) -> float:
        part = envelope[start:start + len(shape)] - envelope[start:start + len(shape)].mean()
        return float(part @ shape / (np.linalg.norm(part) * np.linalg.norm(shape) + 1e-12))
    return max(range(len(envelope) - len(shape) + 1), key=correlation)


def test_a_vorbis_note_whose_page_before_the_last_is_lost_hears_its_last_page_in_place(tmp_path):
    """The page before the end-of-stream page failing its checksum (ffmpeg drops it): the last page's
    words were heard a page early, and the page named damaged was the last, not the lost one."""
    note = tmp_path / "note.ogg"
    ffmpeg("-t", "6", "-i", str(MEDIA / "interview_mono.wav"), "-c:a", "libvorbis", str(note))
    data = bytearray(note.read_bytes())
    *_, (_, _, kept), (_, body, lost), (_, _, end) = _audio_pages(bytes(data))
    data[body + 40] ^= 0x55
    path = tmp_path / "damaged.ogg"
    path.write_bytes(bytes(data))
    whole = read_all(str(note))[0]
    heard, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    rate = struct.unpack_from("<I", data, data.find(b"\x01vorbis") + 12)[0]  # what the granules count
    at = [round(granule * 16000 / rate) for granule in (kept, lost, end)]  # in the decoded 16 kHz samples
    assert abs(heard.size - whole.size) <= 320 and not reader.truncated
    words = _loudness(whole[at[1] + 800:at[2] - 800])  # the last page's, clear of its neighbours' overlap
    heard_at = _best_match(_loudness(heard), words) * 80
    assert abs(heard_at - (at[1] + 800)) <= 800, (heard_at, at)  # within 50 ms (a block's trim), not 1 s early
    [(start_ms, end_ms)] = reader.damaged
    assert abs(start_ms - at[0] / 16) <= 100 and abs(end_ms - at[1] / 16) <= 100, reader.damaged
