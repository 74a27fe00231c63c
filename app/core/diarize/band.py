"""Phone-band recordings: speech with (almost) nothing above 4 kHz.

A narrowband codec (AMR-NB, G.711, a recorded call: 300-3400 Hz) makes different
people's voiceprints more alike: on the tuning conversations (bench/make_conversations.py)
two speakers' centroids came 0.10 more alike on the AMR copy than on the WAV (sd 0.055),
0.015 on 16 kbit/s Opus, while a window's cosine to its own speaker's centroid stayed
the same. So the cosines under which clusters are two people are raised by NARROW_SHIFT
for such a recording: every two clusters' centroids (cluster.DISTINCT_COSINE) and a
cluster's two halves of speech regions (region_split.SPLIT_COSINE). The share of the
embedded speech's energy above HIGH_HZ tells it: AMR-NB copies 0.00001-0.00015 (159 files),
WAV and Opus copies 0.0003 or more but for those made of 8 kHz or old band-limited
sources (an 8 kHz LibriSpeech reader and OSR clip, JFK 1961: 0.0001-0.0003), which are
phone band too; wideband speech 0.01-0.04.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
HIGH_HZ = 4000  # a phone band ends below this
NARROW_SHARE = 0.0003  # speech with less of its energy above HIGH_HZ than this is phone band
NARROW_SHIFT = 0.05  # how much more alike two people's voiceprints may be there
FRAME = 512


def band_energy(audio: np.ndarray) -> tuple[float, float]:
    """(energy above HIGH_HZ, total energy) of `audio` (16 kHz), over whole 32 ms frames."""
    count = len(audio) // FRAME
    if count == 0:
        return 0.0, 0.0
    frames = audio[: count * FRAME].reshape(count, FRAME).astype(np.float64)
    power = np.abs(np.fft.rfft(frames * np.hanning(FRAME), axis=1)) ** 2
    high = int(HIGH_HZ * FRAME / SAMPLE_RATE)
    return float(power[:, high:].sum()), float(power.sum())


def is_narrowband(high: float, total: float) -> bool:
    """Whether speech with this much energy above HIGH_HZ, of this total, is phone band."""
    return total > 0 and high < NARROW_SHARE * total
