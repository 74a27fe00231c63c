"""Two voices in one cluster that the segmentation model hears apart, on a phone band.

Two men of one pitch on a phone band can give voiceprints alike enough to fall into one cluster
(holdout16, AMR: an 8 kHz reader and two FLEURS men at 133 and 142 Hz, two of them one speaker).
The segmentation model is a second, independent witness (heard.py): within each 10 s window it
tells the voices apart. So on a phone band (band.py) each cluster of MIN_WINDOWS or more is halved
(k-means on its voiceprints); when the model hears the halves as two voices at least MIN_APART times
and never as one voice, and their voiceprints are less alike than
same_voice.JOIN_COSINE (under which two clusters are never joined as one voice), the halves are two
speakers. It is same_voice.py's merge read the other way: clusters heard as one and alike are
joined; halves heard apart and unlike are parted.
Measured on the main clusters of holdouts 13-17 (replayed from cached voiceprints): one voice's
halves were heard apart at most twice on a phone band (the CMU cards speaker on AMR 0/2, 0.64 alike),
two voices' 6 times (0/6). On wideband one person's halves from two recordings (reader 1272's
wideband clip and his 8 kHz chapter, holdout13) were heard apart 8 times to 1, 0.70 alike: the model
hears the recording, not only the voice, which a phone band's one channel evens out (not heard
apart on that file's AMR copy); so wideband is left alone. Never as one: halves that each hold some of
one voice are heard as one voice somewhere; on holdout7's three men (AMR) k-means put one of en0m's windows
with reader 260's two, halves heard apart 4 times and as one once, and parting them there cost 5 points
of DER (1.1 -> 6.5%) with the count right either way; the two men of holdout16 were heard 6 to 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.diarize.cluster import centroids, kmeans
from app.core.diarize.heard import LocalKey, heard
from app.core.diarize.same_voice import JOIN_COSINE

MIN_WINDOWS = 6  # a cluster of fewer voiceprints is not halved (cluster.MIN_CLUSTER: 4 for a speaker)
MIN_HALF = 2  # each half holds this many voiceprints or more
MIN_APART = 3  # the halves heard as two voices at least this often, and never as one


def split_heard_apart(labels: np.ndarray, emb: np.ndarray, keys: Sequence[LocalKey],
                      max_speakers: int, shift: float) -> np.ndarray:
    """`labels` (of the unit voiceprints `emb`; `keys`: each one's local speaker as heard) with each
    cluster whose two halves are heard apart and unlike split in two, never beyond max_speakers;
    only on a phone band (`shift` > 0: band.py)."""
    labels = np.asarray(labels).copy()
    if shift <= 0:
        return labels
    for label in np.unique(labels):
        if len(np.unique(labels)) >= max_speakers:
            break
        members = np.flatnonzero(labels == label)
        halves = _halves(emb, members, keys)
        if halves is not None:
            labels[members[halves == 1]] = labels.max() + 1
    return labels


def _halves(emb: np.ndarray, members: np.ndarray, keys: Sequence[LocalKey]) -> np.ndarray | None:
    """The cluster's two halves (0/1 per member) when heard apart and unlike, else None."""
    if len(members) < MIN_WINDOWS:
        return None
    halves = kmeans(emb[members], 2)
    if np.bincount(halves, minlength=2).min() < MIN_HALF:
        return None
    one, two = heard(halves, [keys[i] for i in members]).get((0, 1), (0, 0))
    if one > 0 or two < MIN_APART:
        return None
    centres = centroids(emb[members], halves)
    return halves if float(centres[0] @ centres[1]) < JOIN_COSINE else None
