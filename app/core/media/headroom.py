"""A float recording louder than full scale, scaled down to fit rather than clipped.

A 32- or 64-bit float WAV (a field recorder's 'cannot clip' mode, an editor's export of a boosted
mix) may hold samples far above 1.0: the format allows it, and the sound is intact. Clipped at
full scale, as any other sample is, a voice 20-60 dB over becomes a square wave and Whisper hears
other words ('need me to live the station' for 'meet me behind the station'). The stream's peak
is read first from its raw packets (samples that are not numbers, or past ABSURD, are damage and
stay so), and the whole recording is scaled by one gain, so its level keeps its proportions; a
warning says by how much. The peak is the level no more than one sample in 10,000 rises above:
a few damaged samples (a click at 900.0 in a file at speech level) are clipped as before, never
taken for the level that would scale the voice down to silence.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import av
import numpy as np

from app.core.media.mixing import ABSURD
from app.core.media.opening import open_container

FLOAT_CODECS = {"pcm_f32le": "<f4", "pcm_f32be": ">f4", "pcm_f64le": "<f8", "pcm_f64be": ">f8"}


@dataclass(frozen=True)
class Headroom:
    peak: float  # the level (above 1.0) only one sample in OUTLIERS rises over

    @property
    def gain(self) -> np.float32:
        return np.float32(1.0 / self.peak)

    @property
    def note(self) -> str:
        db = 20 * math.log10(self.peak)
        return (f"the float samples rise {db:.1f} dB over full scale (a float recording's headroom): the whole "
                f"recording was scaled down by {db:.1f} dB to fit, not clipped")


def over_full_scale(path: str, index: int, codec: str) -> Headroom | None:
    """The headroom of stream `index` (in `codec`) of a float PCM original past full scale, else None."""
    if codec not in FLOAT_CODECS:
        return None
    stat = os.stat(path)
    key = (path, index, stat.st_size, stat.st_mtime_ns)  # a reader made again (channels, speakers) reads once
    if key not in _FOUND:
        _FOUND[key] = _over_full_scale(path, index, codec)
    return _FOUND[key]


_FOUND: dict[tuple[str, int, int, int], Headroom | None] = {}


def _over_full_scale(path: str, index: int, codec: str) -> Headroom | None:
    with open(path, "rb") as handle:
        try:
            container = open_container(handle)
        except ValueError:
            return None
        with container:
            stream = container.streams[index]
            peak = _peak(container, stream, np.dtype(FLOAT_CODECS[codec]))
    return Headroom(peak) if peak > 1.0 else None


OUTLIERS = 10_000  # one sample in this many may rise above the level taken for the peak (a click)
STEP_DB = 0.25
EDGES_DB = np.arange(0.0, 20 * math.log10(ABSURD) + STEP_DB, STEP_DB)  # from full scale up to ABSURD


def _peak(container, stream, dtype: np.dtype) -> float:
    """The level only one sample in OUTLIERS exceeds, when that is past full scale; else 0."""
    over = np.zeros(EDGES_DB.size, dtype=np.int64)  # how many samples rise above each level
    total = 0
    try:
        for packet in container.demux(stream):
            data = bytes(packet)
            samples = np.abs(np.frombuffer(data[:len(data) - len(data) % dtype.itemsize], dtype).astype(np.float64))
            loud = samples[np.isfinite(samples) & (samples > 1.0) & (samples <= ABSURD)]
            total += samples.size
            levels = np.sort(20 * np.log10(loud))
            over += loud.size - np.searchsorted(levels, EDGES_DB, side="right")
    except av.error.FFmpegError:  # damage: the level of what was read
        pass
    first = int(np.argmax(over <= total // OUTLIERS))  # over[-1] is 0: nothing is past ABSURD
    return 10 ** (EDGES_DB[first] / 20) if first else 0.0
