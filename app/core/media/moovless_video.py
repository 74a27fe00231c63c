"""A phone video (MP4/MOV, H.264 or H.265 pictures, AAC sound) whose index (moov) is missing or cut.

A phone killed mid-recording (a battery gone, the camera app closed, a copy cut short) leaves the
media data (mdat) with no index: the pictures' and the sound's samples lie in it one run after
another, and nothing says which bytes are which. The pictures are H.264/H.265 NAL units, each
after its length in 4 bytes, each opening with a header of few possible values: a run of them is
passed over by its lengths (they are not decoded: the pictures are not read). What lies between
is the sound: its AAC frames are found by decoding them (aac_frames.py), as an index-less M4A's
are (moovless_aac.py, which builds the note and the view ffmpeg reads them through). The file is
read a block at a time (a phone's video runs to gigabytes); only the sound's bytes are decoded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import aac_frames

MOST_BYTES = 4 << 30  # media data searched (the pictures are passed over by their lengths, not decoded)
MOST_NAL = 4 << 20  # a NAL unit's largest length: a mono AAC frame's first bytes read as one state 8 MB or more
LARGEST_NAL = 64 << 20  # a larger one (an 8K camera's key picture) counts where another or two AAC frames follow it
SCAN = 1 << 20  # bytes searched from the media data's start for a run of NAL units (the sound may come first)
CONFIRMED = 2  # NAL units, each followed by another or by AAC frames, that call the media data video
RESYNC = 1 << 20  # bytes searched past damage for the next NAL units or AAC frames
RUN = 4  # AAC frames that must decode one after another where sound is found again past damage
TRIAL_FRAMES = 150  # frames each rate is tried on
TRIAL_BYTES = 64 << 20  # of media data, at most, each rate is tried on (a video without sound: no frames)
MIN_FRAMES = 8
BLOCK = 1 << 16  # bytes read at a time (a NAL unit's length is read, its bytes passed over)
H264_REFERENCED = (5, 7, 8)  # an IDR picture, SPS, PPS: nal_ref_idc above 0
H264_UNREFERENCED = (6, 9, 12)  # SEI, access unit delimiter, filler: nal_ref_idc 0
HEVC_TYPES = frozenset(range(10)) | frozenset(range(16, 22)) | frozenset(range(32, 41))
NAMES = {"h264": "H.264", "hevc": "H.265"}
FIRST_ELEMENTS = (0, 1, 4, 6)  # an AAC frame's first element: one channel, a pair, data, fill
ALIKE = {48000: (48000, 44100), 24000: (24000, 22050), 16000: (16000, 12000, 11025), 96000: (96000, 88200)}
PICTURE_RATES = (15, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60, 120)  # a camera's pictures a second
PACE = 0.005  # how near a picture rate the sound's frames must set the pictures, past what the runs blur


@dataclass(frozen=True)
class Interleaved:
    frames: tuple[tuple[int, int], ...]  # (where in the file, length) of each AAC frame
    rate: int
    channels: int
    codec: str  # the pictures' coding: 'h264' or 'hevc'
    video_bytes: int  # bytes of NAL units passed over
    gaps: tuple[tuple[int, int], ...]  # (AAC frames before it, bytes) of each stretch that is neither
    unread: int  # bytes after the last NAL unit or AAC frame that are neither
    cut: bool  # the file ends inside a NAL unit or before the media data's stated end
    paced: tuple[int, float] | None = None  # (rate, pictures a second) the pictures' count settles, if it does


def no_sound(codec: str) -> str:
    """Why a video without its index gave no sound."""
    return (f"its media data holds {NAMES[codec]} pictures and no AAC-LC frames (8-96 kHz, mono or stereo) or AMR "
            f"frames between them: a video without sound, or sound of another coding (Opus, PCM); its pictures are "
            f"not read")


class _Reader:
    """Bytes of the media data [.., end), read a block at a time."""

    def __init__(self, handle: BinaryIO, end: int) -> None:
        self.handle, self.end, self.base, self.data = handle, end, 0, b""

    def at(self, where: int, size: int) -> memoryview:
        size = max(0, min(size, self.end - where))
        if not (self.base <= where and where + size <= self.base + len(self.data)):
            self.handle.seek(where)
            self.data, self.base = self.handle.read(min(max(size, BLOCK), self.end - where)), where
        return memoryview(self.data)[where - self.base:where - self.base + size]


def video_at(handle: BinaryIO, start: int, end: int) -> tuple[str, int] | None:
    """(the pictures' coding, where their first NAL unit starts) when NAL units lie in the media
    data's first SCAN bytes (a NAL unit's bytes passed over not counted), or None (no video of that
    kind: a voice note's). A NAL unit counts where another starts where it ends, or two AAC frames
    do (as random bytes one in 500 times do not: 1 in 500 reads as one frame); CONFIRMED of one
    coding, none inside another, settle it."""
    reader = _Reader(handle, end)
    decoders = [aac_frames.decoder(rate, channels) for rate in aac_frames.TABLES for channels in (1, 2)]
    found: dict[str, list[int]] = {codec: [] for codec in NAMES}
    free = dict.fromkeys(NAMES, start)  # where a NAL unit of each coding may next start (none inside another)
    base, scanned = start, 0
    block = reader.at(base, SCAN + 8).tobytes()
    spot = block.find(b"\x00")
    while 0 <= spot < len(block) - 8 and scanned + spot < SCAN:
        jump = None
        for codec in NAMES:
            if base + spot < free[codec]:
                continue
            after = _nal_end(reader, base + spot, codec, False, LARGEST_NAL)
            if after is not None and (_nal_end(reader, after, codec, False, LARGEST_NAL) is not None or after == end
                                      or _opens_aac(reader, after, decoders, codec)):
                found[codec].append(base + spot)
                free[codec] = after
                if len(found[codec]) >= CONFIRMED:
                    return codec, found[codec][0]
                jump = after if after > base + len(block) - 16 else jump
        if jump is not None:  # a NAL unit longer than what was read: read on from its end
            scanned, base = scanned + spot, jump
            block = reader.at(base, SCAN + 8).tobytes()
            spot = block.find(b"\x00")
        else:
            spot = block.find(b"\x00", spot + 1)
    return None


def _opens_aac(reader: _Reader, at: int, decoders: list, codec: str) -> bool:
    """Whether two AAC frames follow one another from `at` under any of the decoders, or one and a
    NAL unit (the first element a lone channel, a pair or a fill element, as an encoder's frames open)."""
    head = reader.at(at, 1)
    return bool(head) and head[0] >> 5 in (0, 1, 6) and any(_two_frames(reader, at, decoder, codec)
                                                             for decoder in decoders)


def _two_frames(reader: _Reader, at: int, decoder, codec: str) -> bool:
    data = reader.at(at, 2 * aac_frames.most_frame(2))
    first = aac_frames.frame_length(decoder, data, 0, min(len(data), aac_frames.most_frame(2)), None)
    return first is not None and (_nal_end(reader, at + first, codec, False) is not None or aac_frames.frame_length(
        decoder, data, first, min(len(data) - first, aac_frames.most_frame(2)), first) is not None)


def walked(handle: BinaryIO, start: int, end: int, cut: bool, codec: str,
           stated: tuple[int, int] | None) -> Interleaved | None:
    """The sound's AAC frames among the video's NAL units in [start, end), or None (fewer than
    MIN_FRAMES decode at any rate)."""
    reader = _Reader(handle, end)
    open_end = end == handle.seek(0, 2)  # a NAL unit running past it is the cut, not damage
    chosen = _configuration(reader, start, codec, open_end, stated)
    if chosen is None:
        return None
    rate, channels, openings = chosen
    walk = _Walk(reader, codec, open_end, aac_frames.decoder(rate, channels), channels, openings)
    walk.run(start, None, resync=True)
    if len(walk.frames) < MIN_FRAMES:
        return None
    paced = _paced(walk, rate) if not stated else None
    return Interleaved(tuple(walk.frames), paced[0] if paced else rate, channels, codec, walk.video, tuple(walk.gaps),
                       end - walk.stop if not walk.cut else 0, cut or walk.cut, paced)


def _paced(walk: _Walk, rate: int) -> tuple[int, float] | None:
    """(rate, picture rate): the one rate sharing these band tables at which the frames last as long
    as the pictures at a camera's picture rate, or None. Counted between the first and the last
    place a run of pictures gave way to sound (each written as far ahead of the other there), within
    what one run of either can blur (a phone's second-long runs over a short clip settle nothing)."""
    (first_pictures, first_frames), (pictures, frames) = walk.marks
    pictures, frames = pictures - first_pictures, frames - first_frames
    if pictures < 2 or frames < 2 or walk.gaps:  # frames lost to damage: their count is no clock
        return None
    blur = max(walk.longest[0] / pictures, walk.longest[1] / frames)
    fits = []
    for candidate in ALIKE.get(rate, ()):
        shown = pictures * candidate / (1024 * frames)
        nearest = min(PICTURE_RATES, key=lambda picture_rate: abs(shown / picture_rate - 1))
        if abs(shown / nearest - 1) <= PACE + blur:
            fits.append((candidate, nearest))
    return fits[0] if len(fits) == 1 else None


def _configuration(reader: _Reader, start: int, codec: str, open_end: bool,
                   stated: tuple[int, int] | None) -> tuple[int, int, frozenset[int]] | None:
    """(rate, channels, the openings its frames show) whose decoder finds the most of the first
    TRIAL_FRAMES frames among the NAL units (the rate, or rate and channels, a cut index states first)."""
    rates = (stated[0],) if stated else aac_frames.TABLES
    counts = (stated[1],) if stated and stated[1] in (1, 2) else (1, 2)
    best, most = None, MIN_FRAMES - 1
    for rate in rates:
        for channels in counts:
            walk = _Walk(reader, codec, open_end, aac_frames.decoder(rate, channels), channels, None)
            walk.run(start, TRIAL_FRAMES, resync=False, until=start + TRIAL_BYTES)
            if len(walk.frames) > most:
                openings = Counter(reader.at(at, 1)[0] >> 1 for at, _ in walk.frames)
                best, most = (rate, channels, openings), len(walk.frames)
    if best is None:
        return None
    rate, channels, openings = best
    element = openings.most_common(1)[0][0] >> 4  # a lone channel (0) or a pair (1): AAC decodes either way
    return rate, {0: 1, 1: 2}.get(element, channels) if counts == (1, 2) else channels, frozenset(openings)


class _Walk:
    """One pass through the media data: NAL units passed over, AAC frames found between them."""

    def __init__(self, reader: _Reader, codec: str, open_end: bool, decoder, channels: int,
                 openings: frozenset[int] | None) -> None:
        self.reader, self.codec, self.open_end, self.decoder = reader, codec, open_end, decoder
        self.channels, self.most, self.openings = channels, aac_frames.most_frame(channels), openings
        self.strict = False  # frames must open as the first ones did (searching past damage)
        self.frames: list[tuple[int, int]] = []
        self.gaps: list[tuple[int, int]] = []
        self.video, self.stop, self.cut, self.guess = 0, 0, False, None
        self.pictures = 0  # pictures begun
        self.marks = ((0, 0), (0, 0))  # (pictures, frames) where sound first and last followed pictures
        self.runs, self.longest = [0, 0], [0, 0]  # pictures and frames in the current run of each, the most in one

    def run(self, at: int, limit: int | None, resync: bool, until: int | None = None) -> None:
        end = min(self.reader.end, until or self.reader.end)
        while at < end and (limit is None or len(self.frames) < limit):
            after = self._nals(at)
            if after > at:
                self.video, at = self.video + after - at, after
                continue
            length = self._frame(at)
            if length is not None:
                length = self._before_picture(at, length)
                self._count(1)
                self.frames.append((at, length))
                at, self.guess = at + length, length
                continue
            again = self._found_again(at) if resync else None
            if again is None:
                break
            self.gaps.append((len(self.frames), again - at))
            at = again
        self.stop = min(at, self.reader.end)

    def _nals(self, at: int, found_again: bool = False, counted: bool = True) -> int:
        """Where the run of NAL units starting at `at` ends (`at`: none starts there). A NAL unit
        counts only where what follows it is another, an AAC frame or the end; one running past the
        end of a cut file only after what was read before it (not where bytes are searched)."""
        open_end = self.open_end and not found_again
        while (after := _nal_end(self.reader, at, self.codec, open_end) or self._large_nal_end(at)) is not None:
            if after >= self.reader.end:
                self.cut = self.cut or _stated_end(self.reader, at) > self.reader.end
                return self.reader.end
            if (_nal_end(self.reader, after, self.codec, self.open_end) is None and self._frame(after) is None
                    and self._large_nal_end(after) is None):
                return at
            if counted and _opens_picture(self.reader, at, self.codec):
                self.pictures += 1
                self._count(0)
            at = after
        return at

    def _large_nal_end(self, at: int) -> int | None:
        """Where a NAL unit of over MOST_NAL bytes starting at `at` ends, where another NAL unit follows
        it, or an AAC frame and then a NAL unit or a frame (a mono frame's first bytes read as a length of
        megabytes seldom land so)."""
        after = _nal_end(self.reader, at, self.codec, False, LARGEST_NAL)
        if after is None or after >= self.reader.end or _nal_end(self.reader, after, self.codec, False) is not None:
            return after
        first = self._frame(after)
        if first is None:
            return None
        follows = _nal_end(self.reader, after + first, self.codec, False) or self._frame(after + first)
        return after if follows is not None else None

    def _count(self, kind: int) -> None:
        """One more picture (0) or frame (1) in the current run; a run of frames after pictures marks
        where both tracks were written up to about the same time."""
        if self.runs[kind] == 0 and kind == 1 and self.runs[0]:
            mark = (self.pictures, len(self.frames))
            self.marks = (self.marks[0] if self.marks[0][0] else mark, mark)
        self.runs[kind] += 1
        self.runs[1 - kind] = 0
        self.longest[kind] = max(self.longest[kind], self.runs[kind])

    def _frame(self, at: int) -> int | None:
        """The length of the AAC frame at `at`, or None. It opens as the frames found first do, or
        (where no search for lost frames is on) with an element an encoder opens a frame with."""
        head = self.reader.at(at, 1)
        if not head or (self.openings is not None and head[0] >> 1 not in self.openings
                        and (self.strict or head[0] >> 5 not in FIRST_ELEMENTS)):
            return None
        data = self.reader.at(at, self.most)
        return aac_frames.frame_length(self.decoder, data, 0, len(data), self.guess)

    def _before_picture(self, at: int, length: int) -> int:
        """The frame's length, cut back to where a picture's NAL unit starts inside it: ffmpeg's
        decoder reads on past a frame's end, and some of a picture's first bytes read with the frame
        as though they were part of it (a few frames in 1,000 of a video)."""
        if _nal_end(self.reader, at + length, self.codec, self.open_end) is not None:
            return length
        data = self.reader.at(at, length).tobytes()
        spot = data.find(b"\x00", 1)
        while spot > 0:
            if (self._nals(at + spot, found_again=True, counted=False) > at + spot
                    and aac_frames.decodes(self.decoder, memoryview(data)[:spot])):
                return spot
            spot = data.find(b"\x00", spot + 1)
        return length

    def _found_again(self, at: int) -> int | None:
        """The first place within RESYNC bytes past `at` where a NAL unit starts (followed by another or
        by an AAC frame) or RUN AAC frames decode one after another, each opening as the frames do."""
        block = self.reader.at(at, RESYNC).tobytes()
        for offset in range(1, len(block)):
            spot = at + offset
            first = block[offset]
            if first == 0 and self._nals(spot, found_again=True, counted=False) > spot:  # a NAL unit followed by another or by a frame
                return spot
            if self.openings is not None and first >> 1 in self.openings and any(block[offset:offset + 8]):
                trial = _Walk(self.reader, self.codec, self.open_end, self.decoder, self.channels, self.openings)
                trial.guess, trial.strict = self.guess, True
                trial.run(spot, RUN, resync=False)
                if len(trial.frames) >= RUN or (trial.frames and trial.stop >= self.reader.end):
                    return spot
        return None


def _nal_end(reader: _Reader, at: int, codec: str, open_end: bool, most: int = MOST_NAL) -> int | None:
    """Where the NAL unit whose 4-byte length starts at `at` ends, or None (no NAL unit of this
    coding starts there). Past the data's end only where that is the file's end (cut in it)."""
    head = reader.at(at, 6)
    if len(head) < 6 or not fits(codec, head[4], head[5]):
        return None
    length = int.from_bytes(head[:4], "big")
    if length < 2 or length > most:
        return None
    after = at + 4 + length
    return after if after <= reader.end or open_end else None


def _opens_picture(reader: _Reader, at: int, codec: str) -> bool:
    """Whether the NAL unit at `at` is a picture's first slice (first_mb_in_slice 0, or H.265's
    first_slice_segment_in_pic_flag)."""
    head = reader.at(at, 7)
    if len(head) < 7:
        return False
    if codec == "h264":
        return head[4] & 31 in (1, 5) and bool(head[5] & 0x80)
    return head[4] >> 1 & 63 < 22 and bool(head[6] & 0x80)


def _stated_end(reader: _Reader, at: int) -> int:
    return at + 4 + int.from_bytes(reader.at(at, 4), "big")


def fits(codec: str, first: int, second: int) -> bool:
    """Whether a NAL unit header of this coding can open with these bytes."""
    if first & 0x80:  # forbidden_zero_bit
        return False
    if codec == "h264":
        kind, referenced = first & 31, first >> 5
        return kind == 1 or (kind in H264_REFERENCED and referenced > 0) or (kind in H264_UNREFERENCED and not referenced)
    kind = first >> 1 & 63
    return kind in HEVC_TYPES and not first & 1 and second >> 3 == 0 and second & 7 >= 1  # layer 0, a temporal id
