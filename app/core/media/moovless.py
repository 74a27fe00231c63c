"""An MP4/3GP whose index (moov) is missing or cut, its AMR frames whole in its media data.

Android's recorders write a .3gp (or .m4a) with the samples first (mdat) and the index that locates
them last, when recording stops: a phone that died, an app killed, a copy cut short leave the mdat
without a moov, and the file was refused whole ('an MP4/MOV without its index'). AMR frames name
their own size in their first byte, so the AMR frames of a voice note, or of a phone video between
its pictures (amr_runs.py: H.263, MPEG-4 Part 2, MJPEG, H.264/H.265, never decoded), are read as
those frames, timed by them, and the run says how it was read. AAC (an M4A) gives no frame sizes of
its own without the index: moovless_aac.py finds its frames by decoding them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import amr, amr_runs, boxes
from app.core.media.by_content import remembered
from app.core.media.views import Spliced, from_start

CONTAINER = "mov,mp4,m4a,3gp,3g2,mj2"  # what ffmpeg calls the file when its index is there
CUT_NOTE = "the file ends inside its media data (mdat): the recording was cut short there"


@dataclass(frozen=True)
class Unindexed:
    runs: tuple[tuple[int, int], ...]  # [start, end) of each run of the frames in the file
    kind: str  # 'amrnb' or 'amrwb'
    cut: bool  # the file ends before the media data's stated end, or inside a frame
    frames: int
    other_bytes: int  # between the runs: a video's pictures (or damage)
    zeros: tuple[tuple[float, int], ...] = ()  # (seconds of sound before it, bytes) of each run of zero bytes
    pictures: int = 0  # runs ending where a picture starts

    @property
    def note(self) -> str:
        name = amr.NAMES[self.kind]
        if self.pictures >= amr_runs.PICTURES:
            return (f"{boxes.UNINDEXED_VIDEO} (the moov atom is missing or cut: a recording killed before it "
                    f"ended): its pictures are not read ({self.other_bytes:,} bytes between its sound's frames passed "
                    f"over: pictures, and any damage among them); its sound read as the {self.frames:,} {name} "
                    f"frames found in {len(self.runs):,} run(s) between them, timed by the frames{self._zeros}")
        passed = f" ({self.other_bytes:,} bytes between them that are not frames passed over)" if self.other_bytes else ""
        return (f"an MP4/3GP without its index (the moov atom is missing or cut: an unfinished recording): read as "
                f"the {name} frames its media data holds{passed}, timed by the frames{self._zeros}")

    @property
    def _zeros(self) -> str:
        if not self.zeros:
            return ""
        when, size = self.zeros[0]
        return (f"; {len(self.zeros):,} stretch(es) of zero bytes ({sum(s for _, s in self.zeros):,} bytes, the first "
                f"{size:,} at {when:.1f} s of sound) lie in it (never written, or wiped: damaged): any sound they held "
                f"is lost, and what follows each is heard that much early")

    @property
    def cut_note(self) -> str:
        return CUT_NOTE if self.cut else ""

    @property
    def duration_ms(self) -> int:
        return self.frames * amr.FRAME_MS

    def view(self, handle: BinaryIO) -> Spliced:
        """The frames one run after another, as a headerless AMR stream (the file is not changed)."""
        return Spliced(handle, list(self.runs))


_FOUND: dict[tuple, amr_runs.Runs | None] = {}  # the file is opened several times a run


def found(handle: BinaryIO) -> Unindexed | None:
    """The AMR frames of an MP4/3GP that has no whole index, or None (an index there, no media
    data, or media data whose runs are not AMR frames). The handle is left where it was."""
    with from_start(handle):
        if handle.read(8)[4:8] != b"ftyp" or boxes.locate_top_level(handle, b"moov") is not None:
            return None
        data = boxes.payload(handle, b"mdat")
        if data is None:
            return None
        start, end, cut = data
        if end <= start:  # its size never written past its header (a recorder killed): to the file's end
            end = handle.seek(0, 2)
        runs = remembered(_FOUND, handle, lambda: amr_runs.found(handle, start, end))
        if runs is None:
            return None
        return Unindexed(runs.runs, runs.kind, cut or runs.cut, runs.frames, runs.other_bytes, runs.zeros, runs.pictures)


def read_by_its_index(path: str) -> bool:
    """Whether an MP4/3GP's tracks were read from its own index (a whole moov): False for one without (its
    sound read from its media data's frames, its pictures never looked for) or one that cannot be opened now."""
    try:
        with open(path, "rb") as handle:
            return boxes.locate_top_level(handle, b"moov") is not None
    except OSError:
        return False


def duration_ms(handle: BinaryIO, bare: Unindexed) -> int:
    """The length of the frames the media data holds, each 20 ms (ffmpeg estimates it from a bitrate)."""
    return bare.duration_ms
