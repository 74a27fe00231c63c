"""An MP4/3GP voice note whose index (moov) is missing or cut, its AMR frames whole in its media data.

Android's recorders write a .3gp (or .m4a) with the samples first (mdat) and the index that locates
them last, when recording stops: a phone that died, an app killed, a copy cut short leave the mdat
without a moov, and the file was refused whole ('an MP4/MOV without its index'). AMR frames name
their own size in their first byte, so an mdat holding only AMR-NB or AMR-WB frames (a voice note:
no video interleaved) is read as those frames, timed by them, and the run says how it was read. AAC
(an M4A) gives no frame sizes of its own without the index: it is still refused in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import amr, boxes
from app.core.media.views import from_start

CONTAINER = "mov,mp4,m4a,3gp,3g2,mj2"  # what ffmpeg calls the file when its index is there
CUT_NOTE = "the file ends inside its media data (mdat): the recording was cut short there"


@dataclass(frozen=True)
class Unindexed:
    start: int  # where the media data's frames start
    end: int  # where they end (the file's end when it is cut short)
    kind: str  # 'amrnb' or 'amrwb'
    cut: bool  # the file ends before the media data's stated end

    @property
    def note(self) -> str:
        return (f"an MP4/3GP without its index (the moov atom is missing or cut: an unfinished recording): read as "
                f"the {amr.NAMES[self.kind]} frames its media data holds, timed by the frames")

    @property
    def cut_note(self) -> str:
        return CUT_NOTE if self.cut else ""


def found(handle: BinaryIO) -> Unindexed | None:
    """The AMR frames of an MP4/3GP that has no whole index, or None (an index there, no media data,
    or media data that is not AMR frames alone). The handle is left where it was."""
    with from_start(handle):
        if handle.read(8)[4:8] != b"ftyp" or boxes.locate_top_level(handle, b"moov") is not None:
            return None
        data = boxes.payload(handle, b"mdat")
        if data is None:
            return None
        start, end, cut = data
        if end <= start:  # its size never written past its header (a recorder killed): to the file's end
            end = handle.seek(0, 2)
        handle.seek(start)
        kind = amr.raw_format(handle.read(min(amr.SNIFF_BYTES, end - start)))
        return Unindexed(start, end, kind, cut) if kind else None


def duration_ms(handle: BinaryIO, bare: Unindexed) -> int:
    """The length of the frames the media data holds, each 20 ms (ffmpeg estimates it from a bitrate)."""
    return amr.frames_ms(handle, bare.start, bare.end, bare.kind)
