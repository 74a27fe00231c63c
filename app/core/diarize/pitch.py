"""A voice's typical pitch: the median fundamental frequency of a stretch of speech.

Autocorrelation over 40 ms frames (computed with one FFT for all frames of a window),
a frame counted as voiced when its normalised autocorrelation peak in 60-400 Hz is
strong. Crude, but enough to tell whether two groups of a recording's windows speak at
one pitch (same_voice.py).
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
FRAME = 640  # 40 ms: two periods of the lowest pitch looked for
HOP = 320
LOWEST_HZ, HIGHEST_HZ = 60, 400
VOICED = 0.5  # normalised autocorrelation peak a voiced frame reaches
QUIET = 0.1  # frames quieter than this share of the window's loudest frame are skipped


def median_f0(samples: np.ndarray) -> float:
    """Median pitch in Hz of the voiced frames of 16 kHz `samples`; NaN if none is voiced."""
    frames = _frames(samples)
    if len(frames) == 0:
        return float("nan")
    frames = frames - frames.mean(axis=1, keepdims=True)
    loudness = np.sqrt((frames**2).mean(axis=1))
    frames = frames[loudness >= max(QUIET * float(loudness.max()), 1e-4)]
    if len(frames) == 0:
        return float("nan")
    spectrum = np.fft.rfft(frames, n=2 * FRAME, axis=1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :FRAME]
    low, high = SAMPLE_RATE // HIGHEST_HZ, SAMPLE_RATE // LOWEST_HZ
    lags = low + autocorr[:, low:high].argmax(axis=1)
    peaks = autocorr[np.arange(len(lags)), lags] / np.maximum(autocorr[:, 0], 1e-12)
    voiced = lags[peaks > VOICED]
    return float(np.median(SAMPLE_RATE / voiced)) if len(voiced) else float("nan")


def _frames(samples: np.ndarray) -> np.ndarray:
    if len(samples) < FRAME:
        return np.zeros((0, FRAME), dtype=np.float32)
    count = 1 + (len(samples) - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return samples[index].astype(np.float32)
