"""A speaker of scraps is no speaker: a small cluster holding under SHORT_HALF_S of speech joins
the nearest cluster.

cluster() keeps a tight small cluster (two or three windows) far from every big one as a person
who gave a few short answers. Short windows (0.4-0.8 s: the tail of a speech region, a word cut
off at a speaker change) give noisy voiceprints, and two of them can come out alike to each
other and apart from everything else: two 0.4-0.46 s scraps of the CMU "cards" speaker, 0.64
alike to his own cluster, were a fifth speaker of four on the AMR and Opus copies of a holdout12
conversation (session 23); on the AMR copy of another, a 0.82 s window of laughter put into a
pause, with a 0.62 s scrap of a woman's turn, was a fourth speaker of three. Of the 243 small
clusters kept in the 619 cached files (tuning, holdouts 1-12, eval, one-voice, looped, with
sounds in the pauses), every one that was a person held 2.26 s of speech or more (two windows
of 1.13 s or longer); those three held 0.86-1.44 s. region_split.py already asks SHORT_HALF_S
(1.8 s) of a voice of one or two short answers; a small cluster is asked the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.diarize.cluster import MIN_CLUSTER, centroids
from app.core.diarize.region_split import SHORT_HALF_S


def fold_scraps(labels: np.ndarray, emb: np.ndarray, seconds: Sequence[float], copies: np.ndarray,
                min_speakers: int = 1) -> np.ndarray:
    """`labels` (one per row of the unit voiceprints `emb`, whose windows last `seconds`; `copies`:
    each row's first copy, a sound heard again counted once) with every cluster of fewer than
    MIN_CLUSTER windows and under SHORT_HALF_S of speech joined, window by window, to the nearest
    other cluster's centroid; never below min_speakers."""
    labels = np.asarray(labels).copy()
    fresh = np.where(copies == np.arange(len(labels)), np.asarray(seconds, dtype=np.float64), 0.0)
    ids = np.unique(labels)
    scraps = [c for c in ids if len(np.unique(copies[labels == c])) < MIN_CLUSTER
              and fresh[labels == c].sum() < SHORT_HALF_S]
    scraps = sorted(scraps, key=lambda c: fresh[labels == c].sum())[: max(0, len(ids) - max(min_speakers, 1))]
    kept = [c for c in ids if c not in scraps]
    if not scraps or not kept:
        return labels
    keep = np.isin(labels, kept)
    centres = centroids(emb[keep], labels[keep])
    moving = np.isin(labels, scraps)
    labels[moving] = np.unique(labels[keep])[(emb[moving] @ centres.T).argmax(axis=1)]
    return labels
