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
A half under cluster.MIN_CLUSTER windows is asked what cluster.py asks a small cluster (stand_apart:
silhouette, and under KEEP_COSINE + shift alike to its nearest big cluster only when heard apart from
it): a 2-window half 0.742 alike to its sibling had nothing else between it and a speaker (review 6).
A sound heard again (repeats.py's copies) counts once in sizes and heard pairs, as in cluster.py: a note
forwarded three times would be heard apart three times for one time in speech. Where max_speakers leaves
room for fewer splits than clusters found, those heard apart most often, then least alike, go first.
The rule acts only on short conversations: on recordings past about a minute one voice's halves are
heard as one voice many times, and so are two different men's (review 6: 20-236 times at 10-15 min).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.diarize.cluster import centroids, kmeans, sizes_of, stand_apart
from app.core.diarize.heard import LocalKey, heard
from app.core.diarize.same_voice import JOIN_COSINE

MIN_WINDOWS = 6  # a cluster of fewer voiceprints is not halved (cluster.MIN_CLUSTER: 4 for a speaker)
MIN_HALF = 2  # each half holds this many voiceprints or more
MIN_APART = 3  # the halves heard as two voices at least this often, and never as one


@dataclass(frozen=True)
class _Split:
    label: int  # the cluster halved
    halves: np.ndarray  # 0/1 per member, in member order
    apart: int  # times the halves were heard as two voices
    alike: float  # the halves' centroid cosine


def split_heard_apart(labels: np.ndarray, emb: np.ndarray, keys: Sequence[LocalKey], max_speakers: int,
                      shift: float, copies: np.ndarray | None = None) -> np.ndarray:
    """`labels` (of the unit voiceprints `emb`; `keys`: each one's local speaker as heard; `copies`: each
    one's first copy, a sound heard again counted once in sizes and heard pairs) with each cluster whose
    two halves are heard apart and unlike split in two, never beyond max_speakers (where there is room
    for fewer splits than clusters found, those heard apart most often, then least alike, go first);
    only on a phone band (`shift` > 0: band.py)."""
    labels = np.asarray(labels).copy()
    room = max_speakers - len(np.unique(labels))
    if shift <= 0 or room <= 0:
        return labels
    copies = np.arange(len(labels)) if copies is None else np.asarray(copies)
    found = [split for label in np.unique(labels)
             if (split := _split(labels, emb, keys, copies, shift, int(label))) is not None]
    found.sort(key=lambda split: (-split.apart, split.alike))  # stable: ties keep label order
    for split in found[:room]:
        members = np.flatnonzero(labels == split.label)
        labels[members[split.halves == 1]] = labels.max() + 1
    return labels


def _split(labels: np.ndarray, emb: np.ndarray, keys: Sequence[LocalKey], copies: np.ndarray, shift: float,
           label: int) -> _Split | None:
    """The cluster's two halves when heard apart, unlike, and each a speaker by cluster.py's small-cluster
    line (stand_apart), else None."""
    members = np.flatnonzero(labels == label)
    if len(np.unique(copies[members])) < MIN_WINDOWS:
        return None
    halves = kmeans(emb[members], 2)
    sizes = sizes_of(halves, copies[members])
    if len(sizes) < 2 or sizes.min() < MIN_HALF:
        return None
    _, once = np.unique(copies[members], return_index=True)  # one voiceprint per sound heard again
    one, two = heard(halves[once], [keys[i] for i in members[once]]).get((0, 1), (0, 0))
    if one > 0 or two < MIN_APART:
        return None
    centres = centroids(emb[members], halves)
    alike = float(centres[0] @ centres[1])
    parted = labels.copy()
    parted[members[halves == 1]] = labels.max() + 1
    if alike >= JOIN_COSINE or not stand_apart(emb, parted, copies, [label, labels.max() + 1], shift, keys):
        return None
    return _Split(label, halves, two, alike)
