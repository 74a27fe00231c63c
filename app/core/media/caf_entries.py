"""A CAF whose packet table states up to three packets' sizes wrong: read with them mended.

A variable-packet CAF (ALAC, AAC: an iPhone app's recording) finds each packet by adding up the
sizes before it, so one damaged size puts every later packet in the wrong place: ffmpeg stopped
at it (an 8 s note decoded to 2.8 s, the rest 'damaged', truncated, its last bytes 'cannot be
located'). The table's other sizes and the audio bytes say by how much it is wrong (the sizes
must add up to the audio); which one it is, the packets say: the first that no longer decodes
is at or just after it. The size that lets every packet decode is used (through the view
caf_packets.Table gives; nothing is written). With two sizes wrong the difference is the sum of
two errors, neither's own: the first is found by the packets after it (the one size that has
them decode where it puts them, each tried on those packets alone), the second as above.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import av

from app.core.media.av_files import open_av
from app.core.media.ffmpeg_log import captured

MAX_AUDIO = 64 << 20  # each try decodes the whole note: a voice note's size, not an hour's
NEAR = (-1, 0, -2, 1)  # the entries tried, relative to the first packet that no longer decodes


MOST_ENTRIES = 3  # damaged entries put right in one table (each more multiplies the tries by up to CANDIDATES)
THREE_AUDIO = 2 << 20  # three are looked for in a short note only: when none fits, an 8 s ALAC note (180 kB) cost 5 s more


def mended_sizes(handle: BinaryIO, sizes: list[int], audio: int, view,
                 entries: int = MOST_ENTRIES) -> tuple[list[int], list[int]] | None:
    """The sizes with the damaged entries put right (up to `entries` of them), and their indexes;
    None when every packet decodes, or no such mending lets them. `view(sizes)` gives the file read
    through a table of those sizes. With several wrong the difference the audio bytes give is the
    sum of their errors: the first is found by the packets after it, the rest as the table left."""
    if audio > MAX_AUDIO or not sizes:
        return None
    if (one := _one_entry(sizes, audio, view)) is not None:
        return one[0], [one[1]]
    if entries < 2 or (entries > 2 and audio > THREE_AUDIO):
        return None
    tries = CANDIDATES if entries >= MOST_ENTRIES else INNER_CANDIDATES  # each one tried tries the rest again
    for tried, index in _first_put_right(sizes, view, tries):  # several damaged: the first by the packets after it
        if sum(tried) == audio and _first_failing(view(tried)) is None:
            return tried, [index]
        if (rest := mended_sizes(handle, tried, audio, view, entries - 1)) is not None:
            return rest[0], sorted([index, *rest[1]])
    return None


def _one_entry(sizes: list[int], audio: int, view) -> tuple[list[int], int] | None:
    """The sizes with one damaged entry put right, and its index; None when the sizes add up,
    or no single entry changed by the difference (to no more than twice the largest packet: a
    count stating 3 of 24 packets is no damaged size) lets every packet decode."""
    delta = audio - sum(sizes)
    if not delta:
        return None
    failing = _first_failing(view(sizes))
    if failing is None:
        return None
    largest = max(sizes)
    for index in (failing + step for step in NEAR):
        if 0 <= index < len(sizes) and 0 < sizes[index] + delta <= 2 * largest:  # a packet's size, not the rest of the file
            tried = [*sizes[:index], sizes[index] + delta, *sizes[index + 1:]]
            if _first_failing(view(tried)) is None:
                return tried, index
    return None


CHECKED = 4  # packets after a mended size that must decode where it puts them


def _first_put_right(sizes: list[int], view, candidates: int) -> Iterator[tuple[list[int], int]]:
    """The sizes with the first damaged entry given the one size (of up to twice the largest
    packet) nearest the one stated that has the packets after it decode where it puts them, and
    its index, likeliest first (each is then checked with the other entry put right, by decoding
    every packet). With two entries damaged the difference the audio bytes give is their sum:
    neither's own. Each size is tried on those packets alone."""
    failing = _first_failing(view(sizes))
    if failing is None:
        return
    try:
        with open_av(view(sizes), options={"protocol_whitelist": "none"}) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            first = next(p for p in container.demux(stream) if p.size)
            source = view(sizes)
            source.seek(first.pos)
            data = source.read(MAX_AUDIO)
            decoder = stream.codec_context
            starts = [0]
            for size in sizes:
                starts.append(starts[-1] + size)
            found = ((index, size) for checked in (CHECKED, 1)  # one: the other damaged entry may be among those checked
                     for index in (failing + step for step in NEAR) if 0 <= index < len(sizes) - 1
                     for size in _fitting(decoder, data, starts[index], sizes, index, checked))
            tried: set[tuple[int, int]] = set()
            for index, size in found:
                if len(tried) >= candidates:
                    return
                if (index, size) not in tried:
                    tried.add((index, size))
                    yield [*sizes[:index], size, *sizes[index + 1:]], index
    except (av.error.FFmpegError, StopIteration, ValueError, OSError):
        return


TRIED = 6  # sizes tried for one entry
CANDIDATES = 8  # first entries put right, each checked by decoding the note up to five times
INNER_CANDIDATES = 3  # the same, for the second of three damaged entries


def _fitting(decoder, data: bytes, start: int, sizes: list[int], index: int, checked: int) -> Iterator[int]:
    """The sizes for entry `index` that have the `checked` packets after it decode where they put
    them, nearest the one stated first (packets of silence alike: a whole packet more fits as
    well), up to TRIED of them (one when several packets bear it out); none when the stated size
    fits (that entry is whole)."""
    stated, found = sizes[index], 0
    after = sizes[index + 1:index + 1 + checked]
    for distance in range(2 * max(sizes)):
        for size in {stated - distance, stated + distance}:
            if 0 < size <= 2 * max(sizes) and _decode_from(decoder, data, start + size, after):
                if not distance:
                    return
                yield size
                found += 1
                if found >= (1 if checked > 1 else TRIED):
                    return


def _decode_from(decoder, data: bytes, at: int, sizes: list[int]) -> bool:
    """Whether packets of these sizes, laid one after another from `at`, each decode to sound,
    the decoder finding each whole (ALAC decodes a packet a byte out of place to noise, saying
    only in its log that bits were left over)."""
    for size in sizes:
        if at + size > len(data):
            return False
        with captured() as said:
            try:
                if not any(frame.samples for frame in decoder.decode(av.Packet(data[at:at + size]))):
                    return False
            except av.error.FFmpegError:
                return False
        if said and not (len(sizes) == 1 and all(LEFT_OVER in line[2] for line in said)):  # its own size may be damaged too
            return False
        at += size
    return True


LEFT_OVER = "bits left"  # ALAC's word for a packet longer than it holds: the one thing a damaged size of its own does


def varints(sizes: list[int]) -> bytes:
    """A packet table's entries: 7 bits a byte, the high bit set on all but the last."""
    out = bytearray()
    for size in sizes:
        groups = [size & 0x7F]
        while size := size >> 7:
            groups.append(size & 0x7F | 0x80)
        out += bytes(reversed(groups))
    return bytes(out)


def _first_failing(handle) -> int | None:
    """The index of the first packet that does not decode, or None when all do."""
    try:
        with open_av(handle, options={"protocol_whitelist": "none"}) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            index = -1
            for index, packet in enumerate(container.demux(stream)):
                if packet.size:
                    with captured() as said:
                        try:
                            packet.decode()
                        except av.error.FFmpegError:
                            return index
                    if said:
                        return index
            return None if index >= 0 else 0
    except (av.error.FFmpegError, StopIteration, ValueError):
        return 0
