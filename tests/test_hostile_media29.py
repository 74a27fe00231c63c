"""Hostile media, round 29: chained Ogg voice notes (notes joined end to end, a recorder that starts a
new stream at each pause) whose links are short.

A link's clock starts again at 0. A restart was taken for the next link only where the link before
it had lasted over a second; after a shorter one it read as an overlap, dropped and called damaged (a
0.5 s note before a 6 s one: 6.1 s heard of 6.6, 'damaged 00:00.0-00:00.6', truncated). And ffmpeg,
reading the chain as one stream, mistimes a later link held in one audio page (each 0.1 s link after
the first decoded as 13.5 ms: 1,000 such links heard as 13.6 s of 100). Every link is now opened on
its own and placed where the one before it ended."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import dominant_hz, ffmpeg

CODECS = {"opus": "libopus", "ogg": "libvorbis"}


def note(tmp_path, hz: int, seconds: float, codec: str = "opus") -> bytes:
    path = tmp_path / f"{hz}_{seconds}.{codec}"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}:sample_rate=48000",
           "-c:a", CODECS[codec], str(path))
    return path.read_bytes()


def heard(path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


def assert_links_in_place(audio: np.ndarray, links: list[tuple[int, float]]) -> None:
    """Each link's tone in the middle of the stretch where it belongs."""
    at = 0.0
    for hz, seconds in links:
        middle = at + seconds / 2
        assert abs(dominant_hz(audio, middle - seconds / 4, middle + seconds / 4) - hz) < 2 / seconds + 10, (at, hz)
        at += seconds


@pytest.mark.parametrize("first,second", [("opus", "opus"), ("ogg", "ogg"), ("ogg", "opus"), ("opus", "ogg")])
def test_a_short_link_before_a_longer_one_is_heard(tmp_path, first, second):
    path = tmp_path / "chained.ogg"
    path.write_bytes(note(tmp_path, 440, 0.5, first) + note(tmp_path, 1000, 3, second))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 3500) < 100
    assert abs(audio.size / SAMPLE_RATE - 3.5) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 0.5), (1000, 3.0)])
    assert reader.notes == () and not reader.truncated


@pytest.mark.parametrize("seconds,count", [(0.1, 40), (0.3, 12), (0.7, 6), (0.4, 3)])
def test_a_short_note_joined_to_copies_of_itself_is_heard_each_time(tmp_path, seconds, count):
    """One note's bytes over and over (a recorder's pieces, a copy appended): one serial throughout,
    each copy a link of its own whose clock starts again (1,000 copies of 0.1 s: 13.6 s of 100)."""
    path = tmp_path / "copies.opus"
    path.write_bytes(note(tmp_path, 700, seconds) * count)
    source, audio, reader = heard(path)
    total = seconds * count
    assert abs(source.duration_ms / 1000 - total) < 0.05
    assert abs(audio.size / SAMPLE_RATE - total) < 0.05, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(700, seconds)] * count)
    assert reader.notes == () and not reader.truncated


@pytest.mark.parametrize("seconds,count", [(0.1, 40), (0.3, 12)])
def test_a_chain_of_two_short_notes_taking_turns_stays_whole_and_in_order(tmp_path, seconds, count):
    """Each link's stream named anew: ffmpeg read these right before; kept right link by link."""
    tones = [400, 1200]
    notes = [note(tmp_path, hz, seconds) for hz in tones]
    path = tmp_path / "chained.opus"
    path.write_bytes(b"".join(notes[k % 2] for k in range(count)))
    audio, reader = heard(path)[1:]
    assert abs(audio.size / SAMPLE_RATE - seconds * count) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(tones[k % 2], seconds) for k in range(count)])
    assert reader.notes == () and not reader.truncated


@pytest.mark.parametrize("between", [bytes(3000), bytes(range(256)) * 20, bytes(range(256)) * 300])
def test_a_short_link_behind_zeros_or_junk_is_heard_and_counted(tmp_path, between):
    """A carving or damaged copy with zeros or junk (5 kB; 77 kB, past ffmpeg's search) between
    two notes: the short first note was lost (called damaged) or the one after the junk was, and the
    length recorded at intake left a link out."""
    path = tmp_path / "joined.opus"
    path.write_bytes(note(tmp_path, 440, 0.5) + between + note(tmp_path, 1000, 3))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 3500) < 100
    assert abs(audio.size / SAMPLE_RATE - 3.5) < 0.1, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 0.5), (1000, 3.0)])
    assert not reader.truncated
    named = f"{len(between):,} bytes that are not audio between recordings at 00:00:00.5 (not transcribed)"
    assert reader.notes == (named,)


def test_a_link_whose_last_pages_are_lost_keeps_the_links_after_it_in_place(tmp_path):
    """A link's next-to-last page wiped: the link decodes short of the end its last page states, and
    the links after it were heard that much early, the damage named at the file's end (truncated)."""
    middle = bytearray(note(tmp_path, 1000, 3))
    pages = [at for at in range(len(middle)) if middle[at:at + 4] == b"OggS"]
    middle[pages[-2]:pages[-1]] = bytes(pages[-1] - pages[-2])
    path = tmp_path / "wiped.opus"
    path.write_bytes(note(tmp_path, 440, 0.5) + bytes(middle) + note(tmp_path, 700, 1))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 4500) < 100
    assert abs(audio.size / SAMPLE_RATE - 4.5) < 0.05, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 0.5)])
    assert abs(dominant_hz(audio, 3.6, 4.4) - 700) < 15 and abs(dominant_hz(audio, 0.7, 1.3) - 1000) < 15
    assert not reader.truncated and reader.damaged and all(0.5 <= s / 1000 and e / 1000 <= 3.6
                                                           for s, e in reader.damaged), reader.damaged
