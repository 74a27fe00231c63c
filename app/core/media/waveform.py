"""A downsampled peak envelope of an exhibit's audio, for drawing a waveform.

The audio is decoded in blocks with AudioReader (16 kHz mono), so memory stays
flat for long recordings; each `bucket_ms` of audio becomes one peak (the
largest absolute sample). An hour at the default 20 ms is 180,000 floats.
Envelopes can be cached as .npy files in the case folder (never beside the
evidence), keyed by the exhibit's SHA-256. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.media.decode import SAMPLE_RATE, AudioReader

BUCKET_MS = 20
CACHE_VERSION = 1


@dataclass(frozen=True)
class Envelope:
    peaks: np.ndarray  # float32, one absolute peak (0..1) per bucket
    bucket_ms: int
    duration_ms: int

    def resample(self, count: int, start_ms: int = 0, end_ms: int | None = None) -> np.ndarray:
        """`count` peaks covering [start_ms, end_ms) (max over each span; zeros past the end)."""
        end_ms = self.duration_ms if end_ms is None else end_ms
        if count <= 0 or end_ms <= start_ms:
            return np.zeros(max(0, count), dtype=np.float32)
        out = np.zeros(count, dtype=np.float32)
        edges = np.linspace(start_ms, end_ms, count + 1) / self.bucket_ms
        stop = int(min(len(self.peaks), np.ceil(edges[-1])))
        lo = np.floor(edges[:-1]).astype(np.int64)
        valid = (lo >= 0) & (lo < stop)
        if valid.any():
            # span i is [lo[i], lo[i+1]); a repeated index gives that one bucket
            out[valid] = np.maximum.reduceat(self.peaks[:stop], lo[valid])
        return out


def compute_envelope(path: str | Path, bucket_ms: int = BUCKET_MS, expected_ms: int = 0,
                     should_stop: Callable[[], bool] = lambda: False) -> Envelope:
    """Decode `path` block by block and keep one absolute peak per bucket."""
    per_bucket = max(1, SAMPLE_RATE * bucket_ms // 1000)
    reader = AudioReader(str(path), mono=True, block_seconds=10.0, expected_ms=expected_ms)
    parts: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    total = 0
    for block in reader.blocks():
        if should_stop():
            break
        total += block.shape[-1]
        data = np.concatenate([carry, np.abs(block)]) if carry.size else np.abs(block)
        whole = data.size // per_bucket * per_bucket
        if whole:
            parts.append(data[:whole].reshape(-1, per_bucket).max(axis=1))
        carry = data[whole:]
    if carry.size:
        parts.append(np.array([carry.max()], dtype=np.float32))
    peaks = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)
    np.clip(peaks, 0.0, 1.0, out=peaks)
    return Envelope(peaks, bucket_ms, int(total * 1000 / SAMPLE_RATE))


def cache_path(cache_dir: Path, sha256: str, bucket_ms: int = BUCKET_MS) -> Path:
    return Path(cache_dir) / f"{sha256}.v{CACHE_VERSION}.{bucket_ms}ms.npy"


def load_or_compute(path: str | Path, sha256: str, cache_dir: Path | None, bucket_ms: int = BUCKET_MS,
                    expected_ms: int = 0, should_stop: Callable[[], bool] = lambda: False) -> Envelope:
    """The envelope from the cache if present, else computed (and cached when complete)."""
    cached = cache_path(cache_dir, sha256, bucket_ms) if cache_dir else None
    if cached and cached.is_file():
        try:
            peaks = np.load(cached, allow_pickle=False).astype(np.float32)
            return Envelope(peaks, bucket_ms, len(peaks) * bucket_ms)
        except (OSError, ValueError):
            pass
    envelope = compute_envelope(path, bucket_ms, expected_ms, should_stop)
    if cached and not should_stop():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp.npy")
        np.save(tmp, envelope.peaks, allow_pickle=False)
        tmp.replace(cached)
    return envelope
