"""Diarisation's clustering holds memory flat in a recording's length: the silhouettes and k-means
took their distances as whole n x n (n x k x d) arrays, so a 40-min recording's final clustering
peaked at ten times a 10-min one's (conv20b: 4.6 -> 48.1 MB). Now a block of rows at a time, with
the same numbers to the bit."""

from __future__ import annotations

import tracemalloc

import numpy as np
from sklearn.metrics import silhouette_samples

from app.core.diarize.cluster import kmeans, member_silhouettes


def _voiceprints(n: int, speakers: int = 4, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Unit 192-d voiceprints scattered about `speakers` centres, as CAM++ gives them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(speakers, 192))
    labels = rng.integers(0, speakers, n)
    emb = (centres[labels] + 1.5 * rng.normal(size=(n, 192))).astype(np.float32)
    return emb / np.linalg.norm(emb, axis=1, keepdims=True), labels


def _peak_mb(fn, *args) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        out = fn(*args)
        return out, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_silhouettes_of_an_hour_of_windows_are_the_textbook_ones_in_bounded_memory() -> None:
    emb, labels = _voiceprints(2600)  # about an hour of 1.5 s windows
    scores, peak = _peak_mb(member_silhouettes, emb, labels)
    assert np.allclose(scores, silhouette_samples(emb.astype(np.float64), labels, metric="cosine"), atol=1e-5)
    assert peak < 15, f"{peak:.1f} MB for 2,600 voiceprints (the whole distance matrix is 27 MB and more)"


def test_silhouettes_peak_does_not_grow_with_the_square_of_the_windows() -> None:
    small = _peak_mb(member_silhouettes, *_voiceprints(650))[1]
    large = _peak_mb(member_silhouettes, *_voiceprints(2600))[1]
    assert large < 6 * small + 2, f"{small:.1f} MB at 650 windows, {large:.1f} MB at 2,600"


def test_kmeans_of_an_hour_of_windows_in_bounded_memory_and_deterministic() -> None:
    emb, truth = _voiceprints(2600, speakers=8)
    labels, peak = _peak_mb(kmeans, emb, 8)
    assert peak < 8, f"{peak:.1f} MB for k-means on 2,600 voiceprints (n x k x 192 was 16 MB)"
    assert np.array_equal(labels, kmeans(emb, 8))
    # the eight voices are found: each found cluster is mostly one true speaker
    for c in range(8):
        members = truth[labels == c]
        assert np.bincount(members).max() >= 0.9 * len(members)
