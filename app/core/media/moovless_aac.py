"""An M4A/MP4 voice note whose index (moov) is missing or cut, its AAC frames whole in its media data.

A phone recorder killed mid-recording (an app closed, a battery gone, a copy cut short) leaves the
samples (mdat) with no index after them. AMR frames state their own size (moovless.py); raw AAC
frames do not, and the file was refused whole. A raw AAC frame (raw_data_block) ends with its END
element, so its length is the fewest bytes from its start that ffmpeg's AAC decoder reads it from
whole (fewer run out before END): each frame's length is found that way, the next frame starts
there. The rate and channels are the index's; a cut index still holding its AAC configuration
(esds) or its track's timescale (mdhd) gives them, otherwise the channels are the first frame's
first element (one channel or a pair) and the rate is the one whose band tables decode the frames
(AAC-LC's tables tell 48/44.1 kHz apart from 32, 24/22.05, 16/12/11.025 and 8 kHz, not within a
set: the first of each is used and the run says so). The frames are shown to ffmpeg as ADTS, a
header made for each (views.Framed; nothing is written).
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes, moovless_pictures, moovless_video
from app.core.media.aac_frames import LC, RATES, TABLES, most_frame
from app.core.media.aac_frames import decoder as _decoder
from app.core.media.aac_frames import walk as _walk
from app.core.media.by_content import remembered
from app.core.media.views import Framed, from_start

ALIKE = {48000: ("44.1 kHz", 0.09), 24000: ("22.05 kHz", 0.09), 16000: ("12 or 11.025 kHz", 0.45),
         96000: ("88.2 kHz", 0.09)}  # the rates that share its band tables, and how far off they would be
ADTS_HEADER = 7
MOST_BYTES = 96 << 20  # a voice note's media data (read whole); an hour at 128 kbit/s is 58 MB
RESYNC = 1 << 16  # bytes searched past a frame that does not decode for the next that does
RUN = 8  # frames that must decode one after another, each opening as the frames do, where they are found again
TRIAL_FRAMES = 150  # frames each rate is tried on (3-10 s: past a silent start)
MIN_FRAMES = 8  # fewer is no recording, and too few to tell from chance
INDEX_READ = 1 << 20  # of a cut index, read for its AAC configuration
CUT_NOTE = "the file ends inside its media data (mdat): the recording was cut short there"


@dataclass(frozen=True)
class Unindexed:
    frames: tuple[tuple[int, int], ...]  # (where in the file, length) of each AAC frame
    rate: int
    channels: int
    stated: bool  # the rate read from what is left of the index, not found by decoding
    cut: bool  # the file ends before the media data's stated end
    unread: int  # bytes of media data after the last frame that decodes
    gaps: tuple[tuple[float, int, float], ...] = ()  # stretches that do not decode: when (s), bytes, least seconds held
    video: str = ""  # a video's pictures' coding ('h264', 'hevc') when the frames lie between its NAL units
    video_bytes: int = 0  # bytes of its pictures passed over
    paced: float = 0.0  # the pictures a second at which the frames' count settled the rate among those decoding alike

    @property
    def duration_ms(self) -> int:
        return round(len(self.frames) * 1024 * 1000 / self.rate)

    @property
    def note(self) -> str:
        layout = "mono" if self.channels == 1 else "stereo" if self.channels == 2 else f"{self.channels} channels"
        if self.stated:
            rate = f"at {self.rate:,} Hz {layout}, as what is left of its index states"
        elif self.paced:
            rate = (f"at {self.rate:,} Hz {layout}: of the rates decoding alike, the one at which its frames last as "
                    f"long as its pictures at about {round(self.paced)} a second (the index is gone)")
        elif self.rate in ALIKE:
            other, off = ALIKE[self.rate]
            rate = (f"at {self.rate / 1000:g} kHz {layout}: only the index states the rate, and {other} decodes "
                    f"alike (recorded at that rate, its times and pitch are off by up to {off:.0%})")
        else:
            rate = f"at {self.rate / 1000:g} kHz {layout}, the one rate its frames decode at (the index is gone)"
        lost = (f"; its last {self.unread:,} bytes do not decode as AAC frames (damaged, or not sound): not transcribed"
                if self.unread > self.most_frame and not self.cut else "")
        if self.video:
            return (f"{boxes.UNINDEXED_VIDEO} (the moov atom is missing or cut: a recording killed before it ended): "
                    f"its pictures are not read ({self.video_bytes:,} bytes of {PICTURES[self.video]} "
                    f"passed over); its sound read as the {len(self.frames):,} AAC frames found between them, each "
                    f"found by decoding it, {rate}{self._damage}{lost}{self._unplaced}")
        return (f"an M4A/MP4 without its index (the moov atom is missing or cut: an unfinished recording): read "
                f"as the {len(self.frames):,} AAC frames its media data holds, each found by decoding it, "
                f"{rate}{self._damage}{lost}")

    @property
    def _unplaced(self) -> str:
        """Pictures that state no length (found by their start codes) leave a frame not found unseen."""
        if self.video not in moovless_pictures.NAMES:
            return ""
        return (f"; a frame not found among the pictures would be left out unseen, and what follows it heard "
                f"{1024 * 1000 / self.rate:.0f} ms early (each frame's place was in the lost index)")

    @property
    def _damage(self) -> str:
        if not self.gaps:
            return ""
        when, size, held = self.gaps[0]
        if self.video:
            return (f"; {len(self.gaps):,} stretch(es) of it ({sum(gap[1] for gap in self.gaps):,} bytes, the first "
                    f"{size:,} at {when:.1f} s of sound) are neither its pictures' NAL units nor AAC frames (damaged) "
                    f"and are left out: any sound they held is lost, and what follows is heard that much early")
        return (f"; {len(self.gaps):,} stretch(es) of it ({sum(gap[1] for gap in self.gaps):,} bytes, the first "
                f"{size:,} at {when:.1f} s) do not decode (damaged, or not sound) and are left out: what follows each is heard "
                f"early, by {held:.2f} s or more (how long they lasted cannot be told from their bytes)")

    @property
    def cut_note(self) -> str:
        return CUT_NOTE if self.cut or 0 < self.unread <= self.most_frame else ""  # a recorder killed mid-frame

    @property
    def most_frame(self) -> int:
        return most_frame(self.channels)

    def view(self, handle: BinaryIO) -> Framed:
        return Framed(handle, list(self.frames), self._header, ADTS_HEADER)

    def _header(self, length: int) -> bytes:
        """An ADTS header (MPEG-4, no CRC) for a frame of `length` bytes."""
        size, rate = length + ADTS_HEADER, RATES.index(self.rate)
        bits = (0xFFF << 44 | 1 << 40 | (LC - 1) << 38 | rate << 34 | (self.channels & 7) << 30
                | size << 13 | 0x7FF << 2)
        return bits.to_bytes(ADTS_HEADER, "big")


PICTURES = {**moovless_video.NAMES, **moovless_pictures.NAMES}
_FOUND: dict[tuple, Unindexed | None] = {}  # the file is opened several times a run


def found(handle: BinaryIO) -> Unindexed | None:
    """The AAC frames of an MP4/M4A that has no whole index, or None (an index there, no media
    data, or media data that does not decode as AAC frames). The handle is left where it was."""
    with from_start(handle):
        if handle.read(8)[4:8] != b"ftyp" or boxes.locate_top_level(handle, b"moov") is not None:
            return None
        data = boxes.payload(handle, b"mdat")
        if data is not None and data[1] <= data[0]:  # its size never written past its header: to the end
            data = (data[0], handle.seek(0, 2), False)
        if data is None or data[1] <= data[0] or data[1] - data[0] > moovless_video.MOST_BYTES:
            return None
        return remembered(_FOUND, handle, lambda: _looked(handle, *data))


def most_bytes(handle: BinaryIO, data: tuple[int, int, bool]) -> int:
    """The most media data searched for frames: a video's pictures are passed over, not decoded."""
    return moovless_video.MOST_BYTES if moovless_video.video_at(handle, data[0], data[1]) else MOST_BYTES


def _looked(handle: BinaryIO, start: int, end: int, cut: bool) -> Unindexed | None:
    """A video's sound between its pictures, or a voice note's frames (media data of MOST_BYTES at most)."""
    video = moovless_video.video_at(handle, start, end)  # kept with the result: looked for once a file
    if video is not None and (sound := _between_pictures(handle, video[0], start, end, cut)) is not None:
        return sound  # from the start: the sound may come first
    if end - start > MOST_BYTES:
        return None
    return (_walked(handle, start, end, cut) if video is None else None) or _between_start_codes(handle, start, end, cut)


def _between_start_codes(handle: BinaryIO, start: int, end: int, cut: bool) -> Unindexed | None:
    """A video's sound between MPEG-4 Part 2, H.263 or JPEG pictures (moovless_pictures.py); a JPEG's
    bytes may read as H.265 NAL units, so tried where those gave no sound too."""
    handle.seek(start)
    data = handle.read(end - start)
    sound = moovless_pictures.found(data)
    if sound is None:
        return None
    frames, rate, channels, codec = sound
    return Unindexed(tuple((start + at, length) for at, length in frames), rate, channels, False, cut, 0, (),
                     codec, len(data) - sum(length for _, length in frames))


def _between_pictures(handle: BinaryIO, codec: str, start: int, end: int, cut: bool) -> Unindexed | None:
    stated = None if cut else _stated(handle, end)
    sound = moovless_video.walked(handle, start, end, cut, codec, stated)
    if sound is None:
        return None
    return Unindexed(sound.frames, sound.rate, sound.channels, stated is not None, sound.cut, sound.unread,
                     tuple((before * 1024 / sound.rate, size, 0.0) for before, size in sound.gaps),
                     codec, sound.video_bytes, sound.paced[1] if sound.paced else 0.0)


def _walked(handle: BinaryIO, start: int, end: int, cut: bool) -> Unindexed | None:
    handle.seek(start)
    data = memoryview(handle.read(end - start))
    chosen = _configuration(data, None if cut else _stated(handle, end))
    if chosen is None:
        return None
    rate, channels, said = chosen
    found, gaps = _frames(rate, channels, data)
    if len(found) < MIN_FRAMES:
        return None
    last = found[-1][0] + found[-1][1]
    return Unindexed(tuple((start + at, length) for at, length in found), rate, channels, said, cut,
                     len(data) - last, tuple(_gap(found, at, size, rate) for at, size in gaps))


def _frames(rate: int, channels: int, data: memoryview) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(offset, length) of each frame, and (offset, bytes) of each stretch between them that does
    not decode (a damaged frame: the frames after it are found again past it, each place tried by
    a decoder of its own: damaged bytes read as a channel layout of their own leave the decoder
    refusing the frames after them)."""
    frames: list[tuple[int, int]] = []
    gaps: list[tuple[int, int]] = []
    at = 0
    while at < len(data):
        run = _walk(_decoder(rate, channels), data, at, None, channels)
        frames += run
        at = run[-1][0] + run[-1][1] if run else at
        if at >= len(data) or (again := _found_again(rate, channels, data, at, _opening(data, frames))) is None:
            break
        gaps.append((at, again - at))
        at = again
    return frames, gaps


def _opening(data: memoryview, frames: list[tuple[int, int]]) -> int:
    """The first 7 bits most frames open with (their first element and its tag; an encoder's
    first frame may open with a fill element of its own)."""
    openings = Counter(data[start] >> 1 for start, _ in frames[-200:])
    return openings.most_common(1)[0][0] if openings else data[0] >> 1


def _found_again(rate: int, channels: int, data: memoryview, at: int, first: int) -> int | None:
    """Where frames decode again after a stretch that does not: the first place within RESYNC
    bytes from which RUN frames decode one after another, each opening as the frames do (`first`:
    their first element and tag; ffmpeg's decoder reads many a run of misplaced bytes as frames)."""
    for spot in range(at + 1, min(len(data), at + RESYNC)):
        if data[spot] >> 1 == first and any(data[spot:spot + 8]):  # a run of zeros (space never written) starts none
            run = _walk(_decoder(rate, channels), data, spot, RUN, channels)
            whole = len(run) == RUN or (run and run[-1][0] + run[-1][1] == len(data))
            if whole and all(data[start] >> 1 == first for start, _ in run):  # misplaced bytes decode too
                return spot
    return None


def _gap(frames: list[tuple[int, int]], at: int, size: int, rate: int) -> tuple[float, int, float]:
    """(when, in seconds, bytes, the fewest seconds it can have held) of a stretch that does not
    decode: as many frames as its bytes hold at the note's largest (a silent frame is a few bytes,
    a loud one hundreds: how long it lasted cannot be told from its bytes)."""
    before = sum(1 for start, _ in frames if start < at)
    largest = max(length for _, length in frames)
    return before * 1024 / rate, size, size // largest * 1024 / rate


def _configuration(data: memoryview, stated: tuple[int, int] | None) -> tuple[int, int, bool] | None:
    """The configuration to read the frames with, first: what is left of the index states it, or
    the rate (of each set of band tables) and channels whose decoder walks the most of the first
    frames."""
    first = data[0] >> 5 if len(data) else 7
    channels = (1,) if first == 0 else (2,) if first == 1 else (1, 2)  # a lone channel, or a pair
    if stated is not None:
        rate, count = stated
        return rate, count or channels[0], True
    best, walked = None, MIN_FRAMES - 1
    for rate in TABLES:
        for count in channels:
            lengths = _walk(_decoder(rate, count), data, 0, TRIAL_FRAMES, count)
            if len(lengths) > walked:
                best, walked = (rate, count, False), len(lengths)
    return best


def _stated(handle: BinaryIO, after: int) -> tuple[int, int] | None:
    """(rate, channels or 0) what is left of a cut index after the media data states: its AAC-LC
    configuration (esds), or its audio track's timescale (mdhd) when the cut came before it."""
    handle.seek(after)
    rest = handle.read(INDEX_READ)
    at = rest.find(b"esds")
    config = _esds_config(rest[at + 8:at + 8 + 256]) if at >= 0 else None
    if config and len(config) >= 2 and config[0] >> 3 == LC:
        index, count = (config[0] & 7) << 1 | config[1] >> 7, config[1] >> 3 & 0x0F
        if index < len(RATES) and count <= 2:
            return RATES[index], count
    at = rest.find(b"mdhd")
    while at >= 0:
        version = rest[at + 4] if at + 4 < len(rest) else 0
        spot = at + (24 if version == 1 else 16)
        if spot + 4 <= len(rest) and (scale := struct.unpack_from(">I", rest, spot)[0]) in RATES:
            return scale, 0
        at = rest.find(b"mdhd", at + 4)
    return None


def _esds_config(body: bytes) -> bytes | None:
    """The DecoderSpecificInfo (tag 5) of an esds box's descriptors, or None."""
    at = 0
    while at + 2 <= len(body):
        tag, at = body[at], at + 1
        size = 0
        for _ in range(4):
            if at >= len(body):
                return None
            byte, at = body[at], at + 1
            size = size << 7 | byte & 0x7F
            if not byte & 0x80:
                break
        if tag == 5:
            return body[at:at + size]
        if tag == 3:
            flags = body[at + 2] if at + 2 < len(body) else 0
            at += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
            if flags & 0x40 and at < len(body):
                at += 1 + body[at]
        elif tag == 4:
            at += 13
        else:
            at += size
    return None
