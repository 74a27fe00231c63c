"""Several channels mixed to one, none cancelling another.

A microphone wired with its polarity reversed (a balanced lead's pins swapped, a recorder's
'phase invert' left on, a stereo file one channel of which a tool turned over) records the same
voice on both channels, one upside down: summed, they cancel, and a plain downmix reads as
silence, so not a word is transcribed. Each channel found to run opposite to the reference one
(the first to carry sound) over the last seconds is turned over before the mix, and said so.
Channels carrying different voices are uncorrelated and mix as before, sample for sample as
ffmpeg's own downmix does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000
MEMORY_S = 2.0  # the correlation's half-life: a lasting wiring fault, not a moment's echo
OPPOSITE = -0.5  # correlation below which a channel is turned over (above +0.5 it is turned back)
QUIET = 1e-6  # the reference channel needs this much energy (sum of squares) before anything is judged
STEREO_GAIN = np.float32(np.sqrt(0.5))  # ffmpeg's stereo-to-mono weights, kept so a stereo file mixes as before


@dataclass
class Mixer:
    """Mix (channels, samples) blocks to one channel; channels running opposite to the reference
    one are turned over first."""

    channels: int
    turned: set[int] = field(default_factory=set)  # every channel ever turned over (0-based)
    _signs: np.ndarray = field(init=False, repr=False)
    _cov: np.ndarray = field(init=False, repr=False)
    _reference: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._signs = np.ones(self.channels, dtype=np.float32)
        self._cov = np.zeros((self.channels, self.channels), dtype=np.float64)

    def mix(self, planes: np.ndarray) -> np.ndarray:
        if planes.shape[-1]:
            self._judge(planes)
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
    def note(self) -> str:
        """A warning line naming the channels turned over, or ''."""
        if not self.turned or self._reference is None:
            return ""
        names = ", ".join(str(c + 1) for c in sorted(self.turned))
        which = f"channels {names} run" if len(self.turned) > 1 else f"channel {names} runs"
        return (f"{which} in opposite polarity to channel {self._reference + 1} (a microphone wired inverted): "
                "turned over before the channels were mixed, else the voice cancels out")
