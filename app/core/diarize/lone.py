"""A voice heard in one window only: a long window unlike every other is a speaker of its own.

Where one person's short turn runs into another's (an overlap, or a change the segmentation
model did not hear), the two are one speech region: no region voiceprint holds the first
person alone, and the one window of their own (1.4-2.2 s) went into the other's cluster, as a
cluster of one window is no speaker (session 22: a woman's one 2.7 s turn overlapped by the
next speaker, 1 speaker of 2; a man's 2.5 s turn run into another man's, 2 of 3 on WAV and Opus).
Such a window was unlike every other window of its recording (cosine 0.39-0.49). In the
conversation sets every window of 1.3 s or more under 0.5 alike to all the others belonged to a
voice with one or two windows of its own (a turn of 1.4-2.5 s); in the one-voice cases, readers'
clips joined, looped recordings and the 18-30 min conversations none came under 0.56. Short
windows do (0.38 at 0.6 s: a breath, a fragment), so only long ones count. A window's copies
(a sound heard again) are 0.95 alike to it: a repeat is never lone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.diarize.cluster import MIN_CLUSTER

LONE_S = 1.3  # a window this long or longer ...
LONE_COSINE = 0.5  # ... less alike than this to every other window is a voice of its own
MIN_WINDOWS = 8  # fewer windows than this (a voice note): never split here (cluster.MIN_POINTS)


def split_lone(labels: np.ndarray, emb: np.ndarray, seconds: Sequence[float], max_speakers: int) -> np.ndarray:
    """`labels` (one per row of the unit voiceprints `emb`, whose windows last `seconds`) with
    each long window unlike every other window made a speaker of its own, when its cluster holds
    MIN_CLUSTER windows or more that are not lone, never beyond max_speakers. A smaller cluster
    kept apart is already a speaker of a few windows, the lone one among them (a woman's one turn
    on an Opus copy: her own window and the one her turn shared with the next speaker's)."""
    labels = np.asarray(labels).copy()
    if len(emb) < MIN_WINDOWS:
        return labels
    lone = _lone(emb, np.asarray(seconds, dtype=np.float64))
    for i in np.flatnonzero(lone):
        if len(np.unique(labels)) >= max_speakers:
            break
        if np.count_nonzero((labels == labels[i]) & ~lone) >= MIN_CLUSTER:
            labels[i] = int(labels.max()) + 1
    return labels


def _lone(emb: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Which windows are LONE_S or longer and under LONE_COSINE alike to every other window
    (their cosines taken 256 rows at a time: memory stays flat on long recordings)."""
    out = np.zeros(len(emb), dtype=bool)
    long = np.flatnonzero(seconds >= LONE_S)
    for start in range(0, len(long), 256):
        rows = long[start : start + 256]
        alike = emb[rows] @ emb.T
        alike[np.arange(len(rows)), rows] = -1.0
        out[rows] = alike.max(axis=1) < LONE_COSINE
    return out
