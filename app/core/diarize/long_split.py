"""A minority voice hidden in a long cluster, found in one of four groups of its speech regions.

region_split.py halves each cluster's speech regions (k-means, two groups) and splits off a
half that is another voice. In a long recording a big cluster's own voice varies more than a
small second voice differs from it: a reader heard from two recordings (one 16 kHz, one 8 kHz)
fell into two halves by recording, and a second 8 kHz reader who spoke 13% of the cluster's
time went with the 8 kHz half, so the halves were one voice (0.78 alike, one pitch) and the
second reader stayed merged (the eval conversations joined into 18 min: 4 speakers of 5; a
25 min conversation where he speaks 2% of the time: 2 of 3). In four groups (k-means on the
cluster's regions of 1 s or more, shorter ones joining the nearest) his regions form a group of
their own (21 of his 25 windows, and 22 of 22); against the rest of the cluster they are as
unlike as region_split asks of two voices (0.62-0.67 alike, median pitches 138-139 and 121-122 Hz).

So each cluster of LONG_S of region speech or more (region_split's halves were tuned on
conversations of 15-150 s, whose clusters hold less: nothing shorter is touched) is searched
group by group: a group that region_split's tests call another voice against the rest of its
cluster (3 s or more under 0.6 alike, 0.65 on a phone band; or 1.8-3 s under 0.55; or parted by
pitch, below), and less alike to every other cluster than to the rest of its own (or under
OTHER_COSINE to all), becomes a speaker; the most unlike group first, then the rest is searched
again. A group parted by its pitch
must be under PITCH_COSINE alike (0.75 on a phone band, where voices come closer: the minority
reader's group was 0.668 alike on the WAV copy, 0.734 on the AMR), not region_split's 0.75 on any
band: one reader's own groups in a long file came 0.75 alike with medians 12-16% apart on a
wideband copy (a long cluster's groups are many tries at chance).
"""

from __future__ import annotations

import numpy as np

from app.core.diarize.cluster import kmeans
from app.core.diarize.region_split import (
    OTHER_COSINE,
    STEADY_S,
    _centre,
    _nearest_other,
    _owners,
    _pitched_apart,
    _two_voices,
)

LONG_S = 120.0  # a cluster with this much region speech or more is searched in GROUPS groups
GROUPS = 4  # a long cluster's regions in this many groups, each tried against the rest
PITCH_COSINE = 0.7  # a group parted by pitch must be less alike than this (+ the phone-band shift)


def split_minorities(labels: np.ndarray, regions: np.ndarray, prints: np.ndarray, seconds: np.ndarray,
                     max_speakers: int, shift: float = 0.0, pitches: np.ndarray | None = None) -> np.ndarray:
    """`labels` (one per embedded window; `regions`: each window's region index into `prints`,
    the regions' unit voiceprints; `seconds`, their lengths) with a minority voice split off each
    long cluster that hides one, never beyond max_speakers (arguments as split_by_regions)."""
    labels = np.asarray(labels).copy()
    if len(prints) < 4:
        return labels
    queue = [int(label) for label in np.unique(labels)]
    while queue and len(np.unique(labels)) < max_speakers:
        label = queue.pop(0)
        owner = _owners(labels, regions, len(prints))
        mine = np.flatnonzero(owner == label)
        if seconds[mine].sum() < LONG_S:
            continue
        found = _minority(labels, label, mine, owner, regions, prints, seconds, shift, pitches)
        if found is None:
            continue
        labels[np.isin(regions, found) & (labels == label)] = int(labels.max()) + 1
        queue.append(label)  # the rest may hide another
    return labels


def _minority(labels: np.ndarray, label: int, mine: np.ndarray, owner: np.ndarray, regions: np.ndarray,
              prints: np.ndarray, seconds: np.ndarray, shift: float, pitches: np.ndarray | None) -> np.ndarray | None:
    """The regions (indices into `prints`) of the group of cluster `label` that is another
    voice, the least alike to the rest if several are; None if none is."""
    best, lowest = None, np.inf
    for group_mask in _groups(prints[mine], seconds[mine]):
        group, rest = mine[group_mask], mine[~group_mask]
        if len(group) == 0 or len(rest) == 0:
            continue
        centre = _centre(prints[group], seconds[group])
        alike = float(centre @ _centre(prints[rest], seconds[rest]))
        smaller = min(seconds[group].sum(), seconds[rest].sum())
        tones = _pitches(pitches, labels == label, regions, group, rest)
        pitched = alike < PITCH_COSINE + shift and _pitched_apart(smaller, alike, tones)
        if alike >= lowest or not (_two_voices(smaller, alike, shift) or pitched):
            continue
        nearest = _nearest_other(owner, prints, seconds, centre, label)
        if nearest >= alike and nearest >= OTHER_COSINE:
            continue  # as much another cluster's voice as a voice of its own
        best, lowest = group, alike
    return best


def _groups(prints: np.ndarray, seconds: np.ndarray) -> list[np.ndarray]:
    """Masks over a cluster's regions: GROUPS groups by k-means on its regions of STEADY_S or
    more, each shorter region joining the nearest group (as region_split._halves does)."""
    steady = seconds >= STEADY_S
    if steady.sum() < 2 * GROUPS:
        return []
    groups = np.zeros(len(prints), dtype=np.int64)
    groups[steady] = kmeans(prints[steady], GROUPS)
    ids = np.unique(groups[steady])
    centres = np.stack([_centre(prints[steady & (groups == g)], seconds[steady & (groups == g)]) for g in ids])
    groups[~steady] = ids[(prints[~steady] @ centres.T).argmax(axis=1)]
    return [groups == g for g in ids]


def _pitches(pitches: np.ndarray | None, members: np.ndarray, regions: np.ndarray, group: np.ndarray,
             rest: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The voiced window pitches of the group's regions and of the rest's (windows of `members`)."""
    if pitches is None:
        return None
    out = []
    for part in (group, rest):
        known = pitches[members & np.isin(regions, part)]
        out.append(known[~np.isnan(known)])
    return out[0], out[1]
