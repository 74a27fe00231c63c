"""Stereo interviews recorded with one speaker per channel.

Interview suites often record each microphone to its own channel. When that is
so, each channel is transcribed on its own and labelled with its speaker; when
the channels carry the same mix (most phone recordings), they are downmixed.
"""

from __future__ import annotations

import numpy as np

from app.core.media.decode import SAMPLE_RATE

FRAME_S = 0.03
DOMINANCE_DB = 10.0  # one channel this much louder than the other = that speaker
ACTIVE_DB_BELOW_PEAK = 35.0
SPLIT_MIN_SHARE = 0.1  # each side must dominate at least this share of active frames
SPLIT_MIN_DOMINATED = 0.6  # and together most active frames must be one-sided


def frame_levels_db(audio: np.ndarray) -> np.ndarray:
    """RMS level per 30 ms frame in dBFS, shape (channels, frames)."""
    frame = int(FRAME_S * SAMPLE_RATE)
    usable = audio.shape[-1] // frame * frame
    if usable == 0:
        return np.zeros((audio.shape[0], 0), dtype=np.float32)
    frames = audio[:, :usable].reshape(audio.shape[0], -1, frame)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=-1))
    return (20 * np.log10(np.maximum(rms, 1e-7))).astype(np.float32)


def one_speaker_per_channel(audio: np.ndarray) -> bool:
    """True when each of two channels carries a different, mostly separate voice."""
    if audio.ndim != 2 or audio.shape[0] != 2:
        return False
    levels = frame_levels_db(audio)
    if levels.shape[1] == 0:
        return False
    loudest = levels.max(axis=0)
    active = loudest > loudest.max() - ACTIVE_DB_BELOW_PEAK
    if active.sum() < 10:
        return False
    difference = levels[0, active] - levels[1, active]
    left = float(np.mean(difference > DOMINANCE_DB))
    right = float(np.mean(difference < -DOMINANCE_DB))
    return left >= SPLIT_MIN_SHARE and right >= SPLIT_MIN_SHARE and left + right >= SPLIT_MIN_DOMINATED


def isolate_channel(audio: np.ndarray, channel: int) -> np.ndarray:
    """One channel, silenced where the other channel is much louder (cross-talk bleed)."""
    levels = frame_levels_db(audio)
    frame = int(FRAME_S * SAMPLE_RATE)
    other = 1 - channel
    bleed = levels[other] - levels[channel] > DOMINANCE_DB
    gain = np.repeat(np.where(bleed, 0.0, 1.0).astype(np.float32), frame)
    out = audio[channel].copy()
    out[: len(gain)] *= gain
    return out


def speaker_label(channel: int, channels: int) -> str:
    if channels == 2:
        return ("Left", "Right")[channel]
    return f"Channel {channel + 1}"
