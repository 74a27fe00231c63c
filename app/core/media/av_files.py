"""The one way a file is handed to ffmpeg (PyAV): `open_av`.

PyAV calls the file's `read` and `seek` from inside ffmpeg. An exception raised there is kept
("stashed") and raised when ffmpeg's call returns; but ffmpeg often goes on after a failed read
or seek, and when a second one fails before that return PyAV prints the first on stderr as
"PyAV library exception being dropped: Traceback ..." (a CAF or W64 whose chunk size points
past the largest offset the filesystem allows: every seek there fails). The user saw a
traceback beside the refusal's one line. `OneFault` lets the first failure of a container's
file through, which PyAV raises as before, and answers every later one as ffmpeg's own file
reader does (an error code from `seek`, the end of the file from `read`): nothing is dropped,
nothing printed, and the file is refused exactly as it was.
"""

from __future__ import annotations

import errno
from typing import Any, BinaryIO

import av


class OneFault:
    """`handle` as PyAV sees it, raising at most one exception into ffmpeg (the first). Every other
    attribute (`name`, by which ffmpeg knows a raw G.722 or A-law file, `tell`, `seekable`, ...)
    is the handle's own. The first failure is remembered as long as the container lives: a caller that
    caught it and read on from the same container would get a silent end of file, not an error. None does
    (the refusal ends the read); open the file again to read on."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._failed = False

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._handle, attribute)

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except Exception:
            if self._failed:
                return b""  # the first failure is already on its way to the caller
            self._failed = True
            raise

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._handle.seek(offset, whence)
        except Exception as exc:
            if self._failed:
                return -(getattr(exc, "errno", None) or errno.EIO)  # an AVERROR: what ffmpeg's file reader returns
            self._failed = True
            raise


def open_av(handle: BinaryIO, **options: Any) -> av.container.InputContainer:  # type: ignore[name-defined]
    """`handle` open in ffmpeg for reading (av.open's keywords: `format`, `options`); a header's
    text that is not UTF-8 is kept with replacement characters."""
    return av.open(OneFault(handle), mode="r", metadata_errors="replace", **options)
