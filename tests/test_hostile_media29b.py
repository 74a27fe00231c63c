"""Hostile media, round 29 (review): chained Ogg voice notes whose pages lie or whose links are damaged.

A page-sequence gap was trusted without the bytes for it (a 41 kB chain read as 50 minutes, 436 MB
decoded); junk between links was called junk after the end (not transcribed) though all was heard, or
not named at all; a link whose first audio page was wiped was heard 1 s early and the loss named
where the link ended."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, TRAILING_JUNK, AudioReader, probe
from app.core.media.opus_gain import ogg_crc
from tests.test_hostile_media import dominant_hz, ffmpeg
from tests.test_hostile_media29 import assert_links_in_place, heard, note


def page_starts(data: bytes) -> list[int]:
    starts, at = [], 0
    while data[at:at + 4] == b"OggS":
        starts.append(at)
        count = data[at + 26]
        at += 27 + count + sum(data[at + 27:at + 27 + count])
    return starts


def restamped(data: bytes, at: int, granule: int | None = None, sequence: int | None = None) -> bytes:
    """The page at `at` with its granule or sequence number changed and its checksum made right."""
    page = bytearray(data)
    if granule is not None:
        struct.pack_into("<q", page, at + 6, granule)
    if sequence is not None:
        struct.pack_into("<I", page, at + 18, sequence)
    count = page[at + 26]
    end = at + 27 + count + sum(page[at + 27:at + 27 + count])
    struct.pack_into("<I", page, at + 22, 0)
    struct.pack_into("<I", page, at + 22, ogg_crc(bytes(page[at:end])))
    return bytes(page)


@pytest.mark.parametrize("raised_s", [3000, 3 * 86400])
def test_a_sequence_gap_without_the_bytes_for_it_buys_no_length(tmp_path, raised_s):
    """Link 1's last page says it ends 50 minutes (or 3 days) later and numbers itself 2^32-1, as if
    billions of pages were lost; none fit between it and the page before (they are adjacent)."""
    first = note(tmp_path, 440, 2)
    last = page_starts(first)[-1]
    granule = struct.unpack_from("<q", first, last + 6)[0]
    lying = restamped(first, last, granule + raised_s * 48000, 2**32 - 1)
    path = tmp_path / "lying.opus"
    path.write_bytes(lying + note(tmp_path, 1000, 2))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 4000) < 100, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 4.0) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 2.0), (1000, 2.0)])
    assert reader.notes == () and not reader.truncated


def test_junk_after_a_chain_is_named_once_after_its_last_link(tmp_path):
    """Junk between links belongs to neither (named where it lies); junk after the last is junk after the end."""
    path = tmp_path / "chain_then_junk.opus"
    junk = bytes(range(256)) * 300
    path.write_bytes(note(tmp_path, 440, 2) + junk + note(tmp_path, 1000, 3) + junk)
    audio, reader = heard(path)[1:]
    assert abs(audio.size / SAMPLE_RATE - 5.0) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 2.0), (1000, 3.0)])
    assert reader.notes == ("76,800 bytes that are not audio between recordings at 00:00:02.0 (not transcribed)",
                            TRAILING_JUNK)


def three_tones(tmp_path) -> bytes:
    """One link of 500, 1000 and 1500 Hz, 2 s each."""
    path = tmp_path / "three.opus"
    tones = "+".join(f"sin({hz}*2*PI*t)*between(t,{k * 2},{k * 2 + 1.999})*0.5" for k, hz in enumerate((500, 1000, 1500)))
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{tones}':s=48000:d=6", "-c:a", "libopus", str(path))
    return path.read_bytes()


def test_a_link_whose_first_audio_page_was_wiped_is_placed_by_its_own_clock(tmp_path):
    """The link's first 1 s page zeroed: its 500 Hz was heard at 2-3 s (true 3-4), every word of it 1 s
    early, and the loss named at 7.0-8.0 where intact speech lay; the loss lies at 2.0-3.0."""
    middle = bytearray(three_tones(tmp_path))
    pages = page_starts(bytes(middle))
    middle[pages[2]:pages[3]] = bytes(pages[3] - pages[2])
    path = tmp_path / "wiped_head.opus"
    path.write_bytes(note(tmp_path, 440, 2) + bytes(middle) + note(tmp_path, 700, 2))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 10000) < 100, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 10.0) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 2.0)])
    for hz, start, end in [(500, 3.1, 3.9), (1000, 4.1, 5.9), (1500, 6.1, 7.9), (700, 8.1, 9.9)]:
        assert abs(dominant_hz(audio, start, end) - hz) < 15, (hz, dominant_hz(audio, start, end))
    assert not audio[int(2.1 * SAMPLE_RATE):int(2.9 * SAMPLE_RATE)].any()
    assert reader.notes == ("damaged 00:00:02.0-00:00:03.0",) and not reader.truncated


def test_a_link_whose_clock_starts_late_is_not_filled_with_silence(tmp_path):
    """A captured live stream: the link's granules start 20 s on. It carried on, then 20 s of silence
    were added after it and named damaged, and intake counted 27 s for 7."""
    middle = note(tmp_path, 1000, 3)
    for at in page_starts(middle)[2:]:
        granule = struct.unpack_from("<q", middle, at + 6)[0]
        middle = restamped(middle, at, granule + 20 * 48000)
    path = tmp_path / "live.opus"
    path.write_bytes(note(tmp_path, 440, 2) + middle + note(tmp_path, 700, 2))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 7000) < 100, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 7.0) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 2.0), (1000, 3.0), (700, 2.0)])
    assert reader.notes == () and not reader.truncated


def test_a_chain_of_two_track_links_keeps_the_chosen_track_and_counts_each_link_once(tmp_path):
    """Each link holds a 300 Hz track (#0) and a 1000 Hz one (#1): the chosen #1 was heard in neither
    link (each link's first track was taken), and each link was counted as its two tracks one after
    the other (8 s of 4, the rest filled with silence named damaged)."""
    link = tmp_path / "two_tracks.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2:sample_rate=48000", "-f", "lavfi", "-i",
           "sine=frequency=1000:duration=2:sample_rate=48000", "-map", "0", "-map", "1", "-c:a", "libopus", str(link))
    path = tmp_path / "chain.opus"
    path.write_bytes(link.read_bytes() * 2)
    source = probe(path)
    reader = AudioReader(str(path), expected_ms=source.duration_ms, stream_index=1)
    audio = np.concatenate(list(reader.blocks()))
    assert abs(source.duration_ms - 4000) < 100, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 4.0) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(1000, 2.0), (1000, 2.0)])
    assert reader.notes == () and not reader.truncated


def test_a_single_note_whose_first_audio_page_was_wiped_keeps_its_times(tmp_path):
    """Not a chain: its first 1 s page zeroed, the rest was heard from 0 s, every word 1 s early, the
    loss unnamed, and intake recorded 5 s for 6; the note now starts at its clock's start, the loss named."""
    data = bytearray(three_tones(tmp_path))
    pages = page_starts(bytes(data))
    data[pages[2]:pages[3]] = bytes(pages[3] - pages[2])
    path = tmp_path / "wiped_head.opus"
    path.write_bytes(bytes(data))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 6000) < 100, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.1, audio.size / SAMPLE_RATE
    for hz, start, end in [(500, 1.1, 1.9), (1000, 2.1, 3.9), (1500, 4.1, 5.9)]:
        assert abs(dominant_hz(audio, start, end) - hz) < 15, (hz, dominant_hz(audio, start, end))
    assert reader.notes == ("damaged 00:00:00.0-00:00:01.0",) and not reader.truncated
