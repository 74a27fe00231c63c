"""An MP4/M4A/MOV edit list whose media time no writer writes: negative, other than -1.

An edit (an entry of an elst box) shows the stretch of its track starting at `media_time`; -1
marks an empty edit (a pause before the track starts), and no other negative time has a meaning
(ISO/IEC 14496-12, 8.6.6). ffmpeg reads one anyway, as a shift: -5,000 silently dropped the last
0.3 s of a voice note, -16,000 its last second, and -2,000,000,000 all of it but 64 ms, the rest "hidden
by the edit list" as if an app had trimmed it. Such an entry is damage, not a trim: the file is
read through a view (app/core/media/views.py; the file is never changed) whose entry shows its
track from its first sample (an AAC encoder's priming included, 64 ms of near silence: its length
is not known) to its last (when the damaged entry is the list's last), and the note says so; the
entries around it (an empty edit: audio starting after the video) are kept.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes
from app.core.media.damage import LEAD_TOLERANCE_S, MAX_FILL, SAMPLE_RATE
from app.core.media.timescale import child_boxes


@dataclass(frozen=True)
class Fix:
    found: tuple[tuple[int, int, int, bool], ...]  # (where an entry's media time is, its width, the time, last)
    pauses: tuple[tuple[int, int, float, float], ...] = ()  # (where an empty edit's length is, width, s, file's s)
    beyond: tuple[tuple[int, int, int, bool], ...] = ()  # entries all starting past the track's samples, as found
    held: int = 0  # how long the track's samples last, in its own timescale (when `beyond`)

    @property
    def note(self) -> str:
        times = ", ".join(f"{time:,}" for _, _, time, _ in self.found)
        lines = [(f"the file's edit list is damaged (an edit starting at media time {times}, which no writer "
                  "writes): its audio is read whole, from the start of the track")] if self.found else []
        if self.beyond:
            past = ", ".join(f"{time:,}" for _, _, time, _ in self.beyond)
            lines.append(f"the file's edit list is damaged (it shows the audio only from media time {past}, past the "
                         f"track's end at {self.held:,}: none of it): its audio is read whole, from the start of the track")
        lines += [(f"the file's edit list is damaged (an empty edit holds its audio back {seconds:,.0f} s, past the "
                   f"{movie:,.1f} s the file states it lasts): the audio is read from the file's start")
                  for _, _, seconds, movie in self.pauses]
        return "; ".join(lines)

    def patches(self) -> dict[int, bytes]:
        entries = (*self.found, *self.beyond)
        patches = {at: bytes(width) for at, width, _, _ in entries}
        patches.update({at: bytes(width) for at, width, _, _ in self.pauses})
        # the last entry's length stated in full: ffmpeg shows the track to its end, no further
        patches.update({at - width: struct.pack(">I", UNTIL_THE_END).rjust(width, b"\x00")
                        for at, width, _, last in entries if last})
        return patches


UNTIL_THE_END = 0x7FFFFFFF
MAX_HELD_S = MAX_FILL / SAMPLE_RATE


def damaged(handle: BinaryIO) -> Fix | None:
    """The entries of the file's sound tracks' edit lists whose media time is negative but not -1, or
    None."""
    index = boxes.read_moov(handle)
    if index is None:
        return None
    start, moov = index
    found = [(start + offset, *entry) for offset, *entry in _bad_times(moov)]
    pauses = [(start + offset, *pause) for offset, *pause in _long_pauses(moov)]
    held, past = _past_the_samples(moov)
    beyond = [(start + offset, *entry) for offset, *entry in past]
    return Fix(tuple(found), tuple(pauses), tuple(beyond), held) if found or pauses or beyond else None


ROUNDING_S = 0.01  # an empty edit ffmpeg placed, a few microseconds early: rescaled from Apple's movie timescale (600)


@dataclass(frozen=True)
class HeldBack:
    """A sound track whose edit list begins with empty edits: it plays `seconds` into the recording."""

    seconds: float

    @property
    def note(self) -> str:
        return (f"its edit list holds the audio back {self.seconds:,.3f} s (an empty edit before it): a player plays "
                f"that long of nothing first, so the audio is placed {self.seconds:,.3f} s in, at the times a player shows")


def held_back(handle: BinaryIO, index: int) -> HeldBack | None:
    """How long track `index`'s edit list holds it back before it plays (its first entries' empty edits,
    media time -1, in the movie's clock, before an edit that shows some of it); None when it does not, by
    half a second or less (as a lead behind the picture: stream_times.lead_s), by more than the hour of
    silence a file may be given (damage.MAX_FILL: a clock kept from a source, ffmpeg's -output_ts_offset
    of 10 hours), or for longer than the file states it lasts (damage: `damaged` reads such a track from
    the file's start). ffmpeg starts its clock at a
    track's first sample when every track is held back (an M4A's one track): its words were heard that
    much earlier than any player shows them. The handle is left where it was."""
    index_read = boxes.read_moov(handle)
    if index_read is None:
        return None
    moov = index_read[1]
    scale, movie = _movie_length(moov)
    trak = next((span for n, span in enumerate(child_boxes(moov, 8, len(moov), b"trak")) if n == index), None)
    if trak is None or not (scale and movie):
        return None
    for edts, edts_end in child_boxes(moov, trak[0], trak[1], b"edts"):
        for elst, elst_end in child_boxes(moov, edts, edts_end, b"elst"):
            held, shown = 0, False
            for offset, width, time, _ in _entries(moov, elst, elst_end, every=True):
                if time != -1:
                    shown = True
                    break
                held += struct.unpack_from(">Q" if width == 8 else ">I", moov, offset - width)[0]
            seconds = held / scale
            return HeldBack(seconds) if shown and LEAD_TOLERANCE_S < seconds <= MAX_HELD_S and held <= movie else None
    return None


def _past_the_samples(moov: bytes) -> tuple[int, list[tuple[int, int, int, bool]]]:
    """(how long the samples last, the entries) of a sound track's edit list every edit of which
    starts past its samples (empty edits aside): it shows none of the audio. A trim never does
    that (there is nothing there to show); ffmpeg decoded nothing, and the whole note was named
    hidden by the edit list, never transcribed."""
    for mdia, elst, elst_end in _sound_edit_lists(moov, with_media=True):
        entries = [entry for entry in _entries(moov, elst, elst_end, every=True) if entry[2] != -1]
        held = _samples_last(moov, mdia)
        if held and entries and all(time >= held for _, _, time, _ in entries):
            return held, entries
    return 0, []


def _samples_last(moov: bytes, mdia: tuple[int, int]) -> int:
    """How long a track's samples last by its time-to-sample table (stts), in its timescale; 0 if unread."""
    box = mdia
    for kind in (b"minf", b"stbl", b"stts"):
        box = next(child_boxes(moov, box[0], box[1], kind), None)
        if box is None:
            return 0
    at, end = box
    if at + 8 > end:
        return 0
    count = struct.unpack_from(">I", moov, at + 4)[0]
    if at + 8 + count * 8 > end:
        return 0
    return sum(n * delta for n, delta in struct.iter_unpack(">II", moov[at + 8:at + 8 + count * 8]))


def _bad_times(moov: bytes) -> Iterator[tuple[int, int, int, bool]]:
    """(offset in moov, width, media time, whether the list's last) of each entry of a sound
    track's edit list whose time is < -1. (A time past the track's samples shows nothing: an edit
    list's own, when another edit shows some: tests/test_hostile_media5.py; when none does, damage:
    _past_the_samples.)"""
    for elst, elst_end in _sound_edit_lists(moov):
        yield from _entries(moov, elst, elst_end)


def _long_pauses(moov: bytes) -> Iterator[tuple[int, int, float, float]]:
    """(offset in moov of its length, width, seconds, the file's seconds) of each empty edit (media
    time -1) of a sound track that holds its audio back longer than the whole file lasts (mvhd): an
    audio track starting 34 hours into a 75 s video was decoded as 34 hours of silence first."""
    scale, movie = _movie_length(moov)
    if not (scale and movie):
        return
    for elst, elst_end in _sound_edit_lists(moov):
        for offset, width, time, _ in _entries(moov, elst, elst_end, every=True):
            length = struct.unpack_from(">Q" if width == 8 else ">I", moov, offset - width)[0]
            if time == -1 and length > movie:
                yield offset - width, width, length / scale, movie / scale


def _movie_length(moov: bytes) -> tuple[int, int]:
    """(timescale, duration) the file's header (mvhd) states, or (0, 0)."""
    mvhd = next(child_boxes(moov, 8, len(moov), b"mvhd"), None)
    if mvhd is None or mvhd[0] + 32 > mvhd[1]:
        return 0, 0
    at = mvhd[0]
    return struct.unpack_from(">IQ", moov, at + 20) if moov[at] == 1 else struct.unpack_from(">II", moov, at + 12)


def _sound_edit_lists(moov: bytes, with_media: bool = False) -> Iterator:
    """(body start, end) of each edit list (elst) of a sound track; (its mdia's, start, end) `with_media`."""
    for trak, trak_end in child_boxes(moov, 8, len(moov), b"trak"):
        mdia = next(child_boxes(moov, trak, trak_end, b"mdia"), None)
        if mdia is None or _handler(moov, *mdia) != b"soun":
            continue
        for edts, edts_end in child_boxes(moov, trak, trak_end, b"edts"):
            for elst in child_boxes(moov, edts, edts_end, b"elst"):
                yield (mdia, *elst) if with_media else elst


def _entries(moov: bytes, elst: int, end: int, every: bool = False) -> Iterator[tuple[int, int, int, bool]]:
    """(offset of its media time, width, time, whether last) of each entry whose time is < -1 (or every one)."""
    if elst + 8 > end or moov[elst] not in (0, 1):
        return
    version, count = moov[elst], struct.unpack_from(">I", moov, elst + 4)[0]
    width = 20 if version == 1 else 12
    if elst + 8 + count * width > end:
        return
    for entry in range(count):
        offset = elst + 8 + entry * width + (8 if version == 1 else 4)
        time = struct.unpack_from(">q" if version == 1 else ">i", moov, offset)[0]
        if time < -1 or every:
            yield offset, 8 if version == 1 else 4, time, entry == count - 1


def _handler(moov: bytes, mdia: int, end: int) -> bytes:
    hdlr = next(child_boxes(moov, mdia, end, b"hdlr"), None)
    return moov[hdlr[0] + 8:hdlr[0] + 12] if hdlr and hdlr[0] + 12 <= hdlr[1] else b""
