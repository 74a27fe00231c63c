"""Two voices in one cluster, told apart by whole speech regions' voiceprints.

A 1.5 s window's voiceprint is noisy, and a speaker with two or three windows can go
into another's cluster (three men on Opus: a reader's two windows in another man's
cluster, window centroids 0.56 alike). A speech region (cut at the segmentation model's
speaker changes, so mostly one voice) embedded whole gives a steadier voiceprint: one
voice's regions are more alike, two voices' less (tuning set: a region's cosine to its
speaker's centroid 0.86 -> 0.90 on average, two speakers' centroids about 0.05 less
alike). (Since session 26 a region of three windows or more takes its windows' unit mean voiceprint
instead, engine.Collector._take_regions: the same turns on every set, a seventh less CPU.)
So each cluster's regions are split in two (k-means); when both halves hold
MIN_HALF_S of speech or more, their voiceprints are less alike than SPLIT_COSINE, and
the smaller half is less alike to every other cluster than to its own other half, it
becomes a speaker of its own.

Halves of one voice (3 s or more each) on the tuning set (make_conversations.py) came
0.69 alike at least, on the holdouts 0.71; a second voice's halves in the holdouts
0.52-0.75. SPLIT_COSINE sits below all halves of one voice: it changes nothing on the
tuning set, the holdout, eval/diar, the interview or the one-voice cases, and gives
holdout2 two speakers back (four men on AMR, three men on Opus); on two sets unseen until
it was fixed, 1 of 9 and 3 of 8 wrong counts right, no file worse. Two women on AMR
(0.75 alike here too) stay one.

A speaker of one or two short answers (1.8-3 s of speech, session 17) is too little for a 3 s
half, so a man's one 2.4 s turn stayed in another man's cluster on AMR copies (halves 0.40-0.53
alike). Such a smaller half is a voice of its own when under SHORT_COSINE alike, on any band:
one voice's short halves came 0.575 alike at least (0.54 at 1.7 s), so the phone-band shift,
which would reach them, is not added. Fixed 4 wrong counts of holdouts 3-6, none made wrong.

Two people's halves can be as alike as one voice's on a phone band or a low-rate codec (0.61-0.744:
two women on AMR and Opus, two 8 kHz readers, a man and a woman on AMR), where the cosine alone
cannot tell them. Their windows' pitches can (session 18): halves of MIN_HALF_S or more under
PITCH_COSINE alike whose pitches differ beyond chance (Mann-Whitney p < PITCH_P) and by
PITCH_GAP or more (so a long recording of one voice, whose halves' small pitch difference grows
"significant" with the number of windows, is not split) are two voices.
One voice's halves under 0.75 alike spoke at one pitch (p 0.28 at least, 0.20 under 0.8); the merged pairs at
p 0.001-0.036. Fixed 5 wrong counts of holdouts 3, 4, 6 and 7, none made wrong.

The halves are found by k-means on the cluster's regions of STEADY_S or more; shorter ones then
join the nearer half (session 19). A 0.4 s region's voiceprint is noisy: k-means had put two such
strays of one man beside another man's one 2.2 s turn (AMR), so that half was never unlike enough
to part (holdout8). 0.8-1.5 s give the same results on every set. What is left of a cluster after
a split is split again (a third voice in it: four women on AMR), and a half under OTHER_COSINE alike
to every other cluster is kept as a voice of its own even when one of them is a little more alike
than its own other half (reader 260's turn, 0.43-0.50 to every cluster, had stayed with reader 61's;
0.55-0.65 give the same results, 0.5 loses a four-women AMR file; no one-voice case splits).
"""

from __future__ import annotations

import numpy as np

from app.core.diarize.cluster import kmeans
from app.core.diarize.same_voice import pitches_apart
from app.core.diarize.vectors import unit

STEADY_S = 1.0  # regions shorter than this are left out when a cluster is halved (noisy voiceprints)
MIN_HALF_S = 3.0  # each half holds this much speech or more ...
SPLIT_COSINE = 0.6  # ... and the halves' voiceprints are less alike than this: two voices
SHORT_HALF_S = 1.8  # a smaller half of this much speech (a speaker of two short answers) ...
SHORT_COSINE = 0.55  # ... is a voice of its own when less alike than this, on any band
OTHER_COSINE = SHORT_COSINE  # a half under this alike to every other cluster is none of theirs
PITCH_COSINE = 0.75  # halves of MIN_HALF_S or more, less alike than this ...
PITCH_P = 0.05  # ... whose windows' pitches differ this unlikely by chance ...
PITCH_GAP = 0.08  # ... and whose median pitches are this far apart (share of the lower): two voices
SHORT_PITCH_COSINE = 0.65  # on a phone band, a smaller half of SHORT_HALF_S-MIN_HALF_S under this alike ...
SHORT_PITCH_GAP = 0.10  # ... whose voiced windows' median pitch is this far from the rest's: another voice
MIN_PITCHES = 3  # the rest of the cluster needs this many voiced windows for its pitch to say anything


def split_by_regions(labels: np.ndarray, regions: np.ndarray, prints: np.ndarray, seconds: np.ndarray,
                     max_speakers: int, shift: float = 0.0, pitches: np.ndarray | None = None,
                     fresh: np.ndarray | None = None) -> np.ndarray:
    """`labels` (one per embedded window; `regions`: each window's region index into `prints`,
    the regions' unit voiceprints, and `seconds`, their lengths) with each cluster that holds
    two voices split, never beyond max_speakers; `shift` raises SPLIT_COSINE (phone band: band.py).
    `fresh`: each region's seconds not heard before (repeats.fresh_seconds), what a half's speech
    is measured in: a phrase heard three times is not three times the speech."""
    fresh = seconds if fresh is None else fresh
    labels = np.asarray(labels).copy()
    if len(prints) < 2:
        return labels
    queue = [int(label) for label in np.unique(labels)]
    while queue:
        label = queue.pop(0)
        owner = _owners(labels, regions, len(prints))
        mine = np.flatnonzero(owner == label)
        if len(mine) < 2:
            continue
        halves = _halves(prints[mine], seconds[mine])
        if len(np.unique(halves)) < 2:
            continue
        weight = [fresh[mine][halves == h].sum() for h in (0, 1)]
        centres = [_centre(prints[mine][halves == h], seconds[mine][halves == h]) for h in (0, 1)]
        alike = float(centres[0] @ centres[1])
        small = int(np.argmin(weight))
        voiced = _half_pitches(pitches, labels == label, regions, mine, halves)
        if not (_two_voices(min(weight), alike, shift) or _pitched_apart(min(weight), alike, voiced)
                or _short_pitched_apart(min(weight), alike, shift, voiced, small)):
            continue
        nearest = _nearest_other(owner, prints, seconds, centres[small], label)
        if len(np.unique(labels)) >= max_speakers or (nearest >= alike and nearest >= OTHER_COSINE):
            continue  # no room, or the half is another cluster's voice as much as its own: left as it is
        labels[np.isin(regions, mine[halves == small]) & (labels == label)] = int(labels.max()) + 1
        queue.append(label)  # what is left may hold a third voice
    return labels


def _halves(prints: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """A cluster's regions in two groups (0/1): k-means on the regions of STEADY_S or more,
    whose voiceprints are steady; each shorter region then joins the nearer group. A 0.4 s
    region's voiceprint is noisy, and k-means had put two such strays of one voice beside
    another voice's one 2.2 s turn, which then never came out alone."""
    if len(prints) <= 2:
        return np.arange(len(prints))
    steady = seconds >= STEADY_S
    if steady.sum() < 2 or steady.all():
        return kmeans(prints, 2)
    halves = np.zeros(len(prints), dtype=np.int64)
    halves[steady] = kmeans(prints[steady], 2)
    if len(np.unique(halves[steady])) < 2:
        return kmeans(prints, 2)
    centres = np.stack([_centre(prints[steady & (halves == h)], seconds[steady & (halves == h)]) for h in (0, 1)])
    halves[~steady] = (prints[~steady] @ centres.T).argmax(axis=1)
    return halves


def _two_voices(smaller_s: float, alike: float, shift: float) -> bool:
    """Whether halves this unlike, the smaller holding `smaller_s` of speech, are two voices."""
    if smaller_s >= MIN_HALF_S:
        return alike < SPLIT_COSINE + shift
    return smaller_s >= SHORT_HALF_S and alike < SHORT_COSINE


def _pitched_apart(smaller_s: float, alike: float, pitches: tuple[np.ndarray, np.ndarray] | None) -> bool:
    """Whether halves of MIN_HALF_S or more, under PITCH_COSINE alike, speak at pitches that
    differ beyond chance (p < PITCH_P) and by PITCH_GAP or more: two people of one sex on a phone
    band, or a man and a woman on AMR, whose voiceprints come as close as one voice's halves
    (0.61-0.744; medians 14-30% apart). One voice's halves lay 1.5-4% apart, which a long enough
    recording makes "beyond chance" too (reader 1272's at p 0.28 would be 0.013 at five times the length)."""
    return (pitches is not None and smaller_s >= MIN_HALF_S and alike < PITCH_COSINE
            and pitches_apart(*pitches, p=PITCH_P, gap=PITCH_GAP))


def _short_pitched_apart(smaller_s: float, alike: float, shift: float,
                         pitches: tuple[np.ndarray, np.ndarray] | None, small: int) -> bool:
    """Whether a short smaller half (SHORT_HALF_S to MIN_HALF_S of speech) on a phone band is
    another voice by its pitch: under SHORT_PITCH_COSINE alike, its voiced windows' median pitch
    SHORT_PITCH_GAP or more from the rest's (session 21). On AMR copies a man's one 2 s answer
    came 0.55-0.64 alike to another man's cluster, within one voice's short halves' range
    (0.575 and up), and stayed in it (reader 260 in 5 of the 7 wrong counts of the conversation
    sets); its pitch lay 12-64% from that man's. One voice's short halves on a phone band under
    0.65 alike came 3-8% from the rest. Too few windows for a test of chance (one or two):
    the gap alone decides, so on wideband copies, where one voice's short halves came
    0.61-0.65 alike and 17-20% apart (one FLEURS reader), it is not used."""
    if not shift or pitches is None or not SHORT_HALF_S <= smaller_s < MIN_HALF_S or alike >= SHORT_PITCH_COSINE:
        return False
    mine, rest = pitches[small], pitches[1 - small]
    if len(mine) == 0 or len(rest) < MIN_PITCHES:
        return False
    low, high = sorted((float(np.median(mine)), float(np.median(rest))))
    return high - low >= SHORT_PITCH_GAP * low


def _half_pitches(pitches: np.ndarray | None, members: np.ndarray, regions: np.ndarray, mine: np.ndarray,
                  halves: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The voiced window pitches of each half (the windows of `members` in its regions)."""
    if pitches is None:
        return None
    out = []
    for h in (0, 1):
        known = pitches[members & np.isin(regions, mine[halves == h])]
        out.append(known[~np.isnan(known)])
    return out[0], out[1]


def _owners(labels: np.ndarray, regions: np.ndarray, count: int) -> np.ndarray:
    """Each region's majority label (-1 for a region with no embedded window)."""
    owner = np.full(count, -1, dtype=np.int64)
    for region in np.unique(regions):
        owner[region] = int(np.bincount(labels[regions == region]).argmax())
    return owner


def _centre(prints: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return unit((prints * seconds[:, None]).sum(axis=0))


def _nearest_other(owner: np.ndarray, prints: np.ndarray, seconds: np.ndarray, centre: np.ndarray,
                   label: int) -> float:
    """How alike `centre` is to the most alike other cluster's regions (-1 if there is none)."""
    alike = [float(_centre(prints[owner == other], seconds[owner == other]) @ centre)
             for other in np.unique(owner) if other not in (label, -1)]
    return max(alike, default=-1.0)
