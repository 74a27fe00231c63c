"""Speakers found twice: two clusters the segmentation model hears as one voice, at one pitch.

Voiceprints of one person can fall into two clusters when the sound changes (clips
recorded apart, a phone codec: eval, one reader split 72 s / 38 s on an AMR copy). The
segmentation model tells voices apart within each 10 s window, so it is a second,
independent witness: for two clusters, count the pairs of their windows that share a
10 s window and a local speaker (heard as one voice) against those with different
local speakers (heard as two). Two clusters are one speaker when all three agree:
- heard as one voice more often than as two (at least twice as often, unless their
  voiceprints are very alike, centroid cosine >= STRONG_COSINE);
- their voiceprints alike: centroid cosine >= JOIN_COSINE. The segmentation model hears
  two people of one sex and pitch as one voice often enough (new conversations made
  like eval/diar from other voices: two women 9 to 6, four men 5 to 0), but their
  centroids stay apart: 0.72 at most for different people (0.756 for the two women
  on AMR, heard 9 to 6), 0.77 at least for one person's two clusters (28 splits of
  one voice in the eval's speakers cut out alone and readers' clips joined);
- their windows' pitches do not differ beyond chance (Mann-Whitney U, p < PITCH_P):
  the segmentation model and the voiceprints take the interview's two espeak voices
  for one (heard 23 to 0, cosine 0.92), their pitches do not (p 0.0001 and 0.0014 on
  the WAV and MP4), while a reader split in two speaks at one pitch (p 0.052 at least).
  Medians under PITCH_GAP apart never count as different: the test alone grows "significant"
  with the number of windows (the interview looped ten times: one voice's clusters 4.6% apart,
  p 5e-6; its two voices are 15% apart); no cached eval, holdout or one-voice file changed.
Clusters STRONG_COSINE alike or more are kept apart by their pitches only when these barely overlap
(SEPARATE_AUC: a window of one is higher than a window of the other in 85% of pairs or more; session
24 set 90%, session 31 85%: the gappy interview's 8 kbit/s Opus copy, two voices, was ordered 0.899 and
joined; of 498 cached conversation, holdout, one-voice and phone-copy files only one changed, an Opus
copy of the interview, 1 -> 2 speakers). It is a line: two voices ordered under it still join.
One person's long reading falls into two clusters by prosody, their voiceprints 0.91-0.97 alike, their
median pitches 8-15% apart at p < 0.01, yet their windows' pitches interleave (0.65-0.77 of pairs ordered
one way: the LJSpeech reader for 1 min on WAV, 6 min on AMR, was two speakers); the interview's two
synthetic voices (0.88-0.92 alike) are ordered 0.97-1.0. No two people of the conversation sets came
0.78 alike or more.
A tie (heard as one voice exactly as often as two) is under two to one, so it counts as one voice
only for centroids STRONG_COSINE alike or more (session 19: a reader cut out alone split 4 to 22 at 0.949, heard
6 to 6); no two people of the conversation sets came that close (0.8 at most; the interview's
synthetic voices, 0.92, differ in pitch).
Two clusters each most of whose windows (PHRASE_SHARE or more) have a twin in their own cluster
(repeats.twins: a window 0.9 alike or more, 1 s away or more, no copy of one sound) are phrases said
again and again: their pitches follow the phrases' intonation, not two people's voices, so the pitch
witness is not asked (session 31). One voice's few seconds dealt again 3-9 times at 0.95-1.05 speed
(make_one_voice.py) fell into clusters by phrase, ordered by pitch in 0.89-1.00 of pairs: reader 1272
(AMR, 1 min; its clusters' shares 0.72 and 0.80) and the OSR reader (AMR, 3 min) were 2 and 4
speakers, now 1 (22 new recordings of other voices: 44 of 66 copies split, 26 now). Both, not either:
a suspect answering "No comment." after each question (a cluster of 7 windows, share 1.00) beside the
officer's (0.23) was joined to him on an Opus copy when either sufficed. The interview's two voices on
16 phone copies have shares of 0.24 at most; in the conversation sets the pitch witness keeps no pair
apart. An officer who asks his few questions again and again is a phrase said again too: 24 no-comment
interviews built from the test interview (13 seeds, 6-15 rounds of 2-4 questions; some as AMR and Opus)
and from two other pairs of voices had, where the clustering kept the two voices apart, the smaller of
the two clusters' shares at 0.55 at most (0.53 and 0.55 where 0.5 joined them, 0.44-0.45 where 0.4 did); at
0.6 the rule joins none of them (the same counts as without it) and the one-voice holdout has 31 of 66
copies wrong (26 at 0.4, 29 at 0.5, 44 without the rule). Still a line, 0.05 above those interviews:
more rounds of fewer questions raise both shares (session 32).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.diarize.cluster import centroids
from app.core.diarize.heard import LocalKey, heard

PITCH_P = 0.01  # pitches this unlikely to come from one voice keep two clusters apart ...
PITCH_GAP = 0.08  # ... when their medians are this far apart too (share of the lower)
JOIN_COSINE = 0.745  # centroids less alike than this are two people, whatever is heard
STRONG_COSINE = 0.85  # centroids this alike need only be heard as one more often than as two
MIN_PITCHES = 3  # fewer voiced windows than this in a cluster: its pitch says nothing
SEPARATE_AUC = 0.85  # share of window pairs ordered one way by pitch under which STRONG_COSINE clusters join
PHRASE_SHARE = 0.6  # a cluster whose windows have a twin in it this often is a phrase said again
# (0.4, then 0.5: no-comment interviews whose officer asks his questions again, 2 of 13 variants, were one
# speaker; 0.6 costs the one-voice holdout 29 -> 31 of 66 wrong, 44 without the rule: see above)


def merge_same_voice(labels: np.ndarray, emb: np.ndarray, keys: Sequence[LocalKey], pitches: Sequence[float],
                     min_speakers: int = 1, shift: float = 0.0, twin_pairs: np.ndarray | None = None) -> np.ndarray:
    """`labels` (of the unit voiceprints `emb`) with clusters of one voice joined, never
    below min_speakers. `shift` (a phone band: band.py) raises STRONG_COSINE as it raises
    cluster.DISTINCT_COSINE: two people's voiceprints come closer there. `twin_pairs`
    (repeats.twins) tells which clusters are a phrase said again (their pitch is not weighed)."""
    labels = np.asarray(labels).copy()
    twin_pairs = np.zeros((0, 2), dtype=np.int64) if twin_pairs is None else twin_pairs
    while len(np.unique(labels)) > max(1, min_speakers):
        said_again = phrases_said_again(labels, twin_pairs)
        pair = _likeliest_same(labels, emb, keys, np.asarray(pitches, dtype=np.float64), STRONG_COSINE + shift,
                               said_again)
        if pair is None:
            break
        labels[labels == pair[1]] = pair[0]
    return labels


def _likeliest_same(labels: np.ndarray, emb: np.ndarray, keys: Sequence[LocalKey], pitches: np.ndarray,
                    strong: float = STRONG_COSINE, said_again: frozenset = frozenset()):
    """The pair of clusters most often heard as one voice, if heard so clearly more than
    as two, alike in voiceprint and at the same pitch (unless both are phrases said again,
    `said_again`); else None."""
    best, most = None, 0
    ids, centres = list(np.unique(labels)), centroids(emb, labels)
    for (a, b), (one, two) in heard(labels, keys).items():
        if one < two or one <= most:
            continue
        alike = float(centres[ids.index(a)] @ centres[ids.index(b)])  # cosine of the two centroids
        if alike < JOIN_COSINE or (one < 2 * two and alike < STRONG_COSINE):  # a tie too: one < 2 * two
            continue
        if a in said_again and b in said_again:
            best, most = (a, b), one
            continue
        first, second = _voiced(pitches, labels == a), _voiced(pitches, labels == b)
        if not pitches_apart(first, second) or (alike >= strong and not pitches_separate(first, second)):
            best, most = (a, b), one
    return best


def phrases_said_again(labels: np.ndarray, twin_pairs: np.ndarray) -> frozenset:
    """The clusters PHRASE_SHARE or more of whose windows have a twin (`twin_pairs`) in the same cluster."""
    inside = twin_pairs[labels[twin_pairs[:, 0]] == labels[twin_pairs[:, 1]]]
    has_twin = np.zeros(len(labels), dtype=bool)
    has_twin[inside.ravel()] = True
    return frozenset(int(c) for c in np.unique(labels) if has_twin[labels == c].mean() >= PHRASE_SHARE)


def pitches_differ(first: np.ndarray, second: np.ndarray, p: float = PITCH_P) -> bool:
    """Whether two groups of window pitches are unlikely (under `p`) to come from one voice."""
    if min(len(first), len(second)) < MIN_PITCHES:
        return False
    # imported here: scipy.stats takes 0.9 s to import, which every command (the CLI's parent
    # process too) paid at start though only a diarisation's last step asks it
    from scipy.stats import mannwhitneyu
    return float(mannwhitneyu(first, second).pvalue) < p


def pitches_apart(first: np.ndarray, second: np.ndarray, p: float = PITCH_P, gap: float = PITCH_GAP) -> bool:
    """Pitches that differ beyond chance (p) and by `gap` or more (a share of the lower median):
    the test alone grows "significant" with the number of windows, so one voice's two clusters
    in a long recording (4.6% apart, p 5e-6 in the interview looped ten times) stayed apart."""
    if not pitches_differ(first, second, p):
        return False
    low, high = sorted((float(np.median(first)), float(np.median(second))))
    return high - low >= gap * low


def pitches_separate(first: np.ndarray, second: np.ndarray, share: float = SEPARATE_AUC) -> bool:
    """Whether two groups of window pitches barely overlap: a window of one is above a window of the
    other in `share` of all pairs or more (either way; ties count half). Unlike a test of chance it does
    not grow with the number of windows: one voice's prosody spreads its pitches over both groups."""
    if min(len(first), len(second)) < MIN_PITCHES:
        return False
    above = (first[:, None] > second[None, :]).mean() + 0.5 * (first[:, None] == second[None, :]).mean()
    return max(float(above), 1.0 - float(above)) >= share


def _voiced(pitches: np.ndarray, members: np.ndarray) -> np.ndarray:
    known = pitches[members]
    return known[~np.isnan(known)]
