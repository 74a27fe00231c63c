"""Several channels mixed to one, none cancelling another.

A microphone wired with its polarity reversed (a balanced lead's pins swapped, a recorder's
'phase invert' left on, a stereo file one channel of which a tool turned over) records the same
voice on both channels, one upside down: summed, they cancel, and a plain downmix reads as
silence, so not a word is transcribed. Each channel found to run opposite to the reference one
(the first to carry sound) over the last seconds is turned over before the mix, and said so.
Channels carrying different voices are uncorrelated and mix as before, sample for sample as
ffmpeg's own downmix does.

A channel holding samples that are not numbers (NaN, infinite: a float file's damage) is left
out of the mix where it does, so one broken channel of eight does not silence the other seven;
where every channel is broken the mix is marked so, and the reader names the stretch damaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000
MEMORY_S = 2.0  # the correlation's half-life: a lasting wiring fault, not a moment's echo
OPPOSITE = -0.5  # correlation below which a channel is turned over (above +0.5 it is turned back)
QUIET = 1e-6  # the reference channel needs this much energy (sum of squares) before anything is judged
ABSURD = 1000.0  # a float sample 60 dB over full scale is damage, not sound
STEREO_GAIN = np.float32(np.sqrt(0.5))  # ffmpeg's stereo-to-mono weights, kept so a stereo file mixes as before
MAX_CHANNELS = 64  # the most ffmpeg's resampler takes (SWR_CH_MAX): past it every frame fails ('Function not implemented')


def too_many_channels(channels: int) -> str | None:
    """Why a stream of this many channels cannot be read (a header stating 255: every batch holding
    the file failed as an unexpected error, its neighbours' work retried with it), or None."""
    if channels <= MAX_CHANNELS:
        return None
    return (f"its audio stream states {channels:,} channels, more than the {MAX_CHANNELS} ffmpeg can mix "
            "(a damaged header, or not a recording): it cannot be read")


@dataclass
class Mixer:
    """Mix (channels, samples) blocks to one channel; channels running opposite to the reference
    one are turned over first."""

    channels: int
    turned: set[int] = field(default_factory=set)  # every channel ever turned over (0-based)
    broken: set[int] = field(default_factory=set)  # every channel that held samples that are no numbers
    _signs: np.ndarray = field(init=False, repr=False)
    _cov: np.ndarray = field(init=False, repr=False)
    _reference: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._signs = np.ones(self.channels, dtype=np.float32)
        self._cov = np.zeros((self.channels, self.channels), dtype=np.float64)

    def mix(self, planes: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(planes) | (np.abs(planes) > ABSURD)
        lost = None
        if bad.any():
            self.broken.update(int(c) for c in np.flatnonzero(bad.any(axis=1)))
            lost = bad.all(axis=0)
            planes = np.where(bad, np.float32(0), planes)
        if planes.shape[-1]:
            self._judge(planes)
        mixed = self._mixed(planes)
        if lost is not None and lost.any():
            mixed[lost] = np.nan  # nothing left to mix there: the reader names it damaged
        return mixed

    def _mixed(self, planes: np.ndarray) -> np.ndarray:
        flipped = bool((self._signs < 0).any())
        if self.channels == 2:
            right = -planes[1] if flipped else planes[1]
            return planes[0] * STEREO_GAIN + right * STEREO_GAIN
        if flipped:
            planes = planes * self._signs[:, None]
        return planes.mean(axis=0, dtype=np.float32)

    def _judge(self, planes: np.ndarray) -> None:
        samples = planes.astype(np.float64)
        decay = 0.5 ** (planes.shape[-1] / (MEMORY_S * SAMPLE_RATE))
        self._cov = self._cov * decay + samples @ samples.T
        energy = np.diag(self._cov)
        if self._reference is None:
            if energy.max() <= QUIET:
                return
            self._reference = int(np.argmax(energy))
        ref = self._reference
        if energy[ref] <= QUIET:
            return
        corr = self._cov[:, ref] / np.sqrt(np.maximum(energy * energy[ref], 1e-30))
        self._signs[corr < OPPOSITE] = -1.0
        self._signs[corr > -OPPOSITE] = 1.0
        self.turned.update(int(c) for c in np.flatnonzero(self._signs < 0))

    @property
    def notes(self) -> tuple[str, ...]:
        """Warning lines naming the channels turned over and those left out of the mix."""
        lines = []
        if self.turned and self._reference is not None:
            which = _channels(self.turned, "runs", "run")
            lines.append(f"{which} in opposite polarity to channel {self._reference + 1} (a microphone wired "
                         "inverted): turned over before the channels were mixed, else the voice cancels out")
        if self.broken and len(self.broken) < self.channels:
            which = _channels(self.broken, "holds", "hold")
            lines.append(f"{which} samples that are not numbers (NaN, infinite: damage): left out of the mix where "
                         "they are, the other channels transcribed")
        return tuple(lines)


def _channels(numbers: set[int], one: str, many: str) -> str:
    names = ", ".join(str(c + 1) for c in sorted(numbers))
    return f"channels {names} {many}" if len(numbers) > 1 else f"channel {names} {one}"
