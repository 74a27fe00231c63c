"""Resampling to 16 kHz that follows a stream whose format changes part-way.

PyAV's AudioResampler is set up by the first frame it is given and refuses any later frame of
another sample rate, channel layout or sample format ('Frame does not match AudioResampler
setup'): an ADTS AAC stream joined from two recordings (8 kHz mono, then 44.1 kHz stereo), or
any stream whose encoder changed its settings mid-way, failed as an unexpected error and lost
the whole file. Here a frame of another format finishes what the old resampler holds and
starts a new one, so the output keeps one format throughout.
"""

from __future__ import annotations

import av


class Resampler:
    """av.AudioResampler(format, layout, rate) that accepts frames of any input format in turn."""

    def __init__(self, fmt: str, layout: str | None, rate: int) -> None:  # layout None: the input's own
        self._args = (fmt, layout, rate)
        self._inner = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        self._input: tuple | None = None

    def resample(self, frame) -> list:
        """The output frames for `frame`, or (None) whatever is still held (the end of a stretch)."""
        if frame is None:
            return self._inner.resample(None)
        shape = (frame.format.name, frame.layout.name, len(frame.layout.channels), frame.sample_rate)
        held = []
        if self._input is not None and shape != self._input:  # the stream changed its format here
            held = self._inner.resample(None)
            fmt, layout, rate = self._args
            self._inner = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        self._input = shape
        return [*held, *self._inner.resample(frame)]
