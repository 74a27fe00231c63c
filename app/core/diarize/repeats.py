"""Stretches of sound heard again: a recording looped or joined to itself, a voice note
forwarded twice into one recording, a prompt played over and over.

Two voiceprints COPY_COSINE alike or more are the same sound (cluster.copy_of). Where the
sound repeats, such pairs come at one time offset (the loop's length, the gap between the
two forwards): JFK's 11 s looped three times gave 8 pairs at 11.0 and 22.0 s. A window cut a
little differently in a copy (0.4 s, or 2.2 s where the original had two 1.1 s windows) is
less alike than that (0.80-0.89) and was counted as a sound of its own, so the repeats of
a short phrase made a small tight cluster, a second or third speaker (issue #13). So an
offset at which OFFSET_PAIRS copy pairs or more lie is a repeat (one is enough: the AMR copy of
a note forwarded twice had a single pair), and a window whose span, moved back by it, overlaps
an earlier window by half the shorter one or more is a copy of it too when their voiceprints are
REPEAT_COSINE alike or more (0.7-0.8 give the same results; at 0.85 JFK looped is 2-3 speakers
again). A window COPY_COSINE alike to an earlier window's copy is a copy too (a prompt's fourth playing
on an AMR call: 0.944 to the first, 0.958 to the third; missed, the prompt's two phrases made two
tight clusters of two sounds each, 5 speakers of 4). Copies count once in a cluster's size (cluster.py) and in the speech of a half that
region_split.py weighs (fresh_seconds): JFK looped, one cluster, was halved into two voices
because each half held his phrases two to five times over. JFK looped 2-5 times, WAV and AMR,
and other one-voice clips looped or forwarded twice give one speaker; no cached eval, holdout,
tuning or one-voice file changed (copy pairs there are clips cut from one recording, one voice).
"""

from __future__ import annotations

import numpy as np

from app.core.diarize.cluster import COPY_COSINE

OFFSET_PAIRS = 1  # copy pairs this many or more at one offset: the sound repeats at it (one is enough)
OFFSET_TOLERANCE = 0.1  # seconds: copy pairs this close in offset share it
REPEAT_COSINE = 0.75  # a window at a repeat's offset from another, this alike: the same sound
MAX_OFFSETS = 30  # at most this many repeat offsets, the most often found: bounded work on an hour
RATE = 16000
TWIN_COSINE = 0.9  # two windows of a phrase said again (not one sound copied) come this alike ...
TWIN_GAP_S = 1.0  # ... this far apart or more (neighbouring windows of one stretch do not count)
ROWS_AT_ONCE = 512  # twins() compares this many windows with all at a time: bounded memory on an hour


def repeat_offsets(spans: np.ndarray, first: np.ndarray) -> list[int]:
    """The offsets (samples) at which OFFSET_PAIRS or more copy pairs (row, first[row]) lie, at most
    MAX_OFFSETS of them (those with most pairs), shortest first."""
    pairs = np.flatnonzero(first != np.arange(len(first)))
    offsets = np.sort(spans[pairs, 0] - spans[first[pairs], 0])
    found: list[int] = []
    tolerance = OFFSET_TOLERANCE * RATE
    start = 0
    for i in range(1, len(offsets) + 1):
        if i == len(offsets) or offsets[i] - offsets[i - 1] > tolerance:
            if i - start >= OFFSET_PAIRS:
                found.append((i - start, int(np.median(offsets[start:i]))))
            start = i
    found.sort(key=lambda pair: -pair[0])  # stable: the most pairs first, then the shortest offset
    return sorted(offset for _, offset in found[:MAX_OFFSETS])


def repeated_copies(emb: np.ndarray, spans: np.ndarray, first: np.ndarray) -> np.ndarray:
    """`first` (each row's earliest copy, cluster.copy_of) with the windows at a repeat offset
    from an earlier, REPEAT_COSINE-alike window made copies of that window's first."""
    first = _alike_to_copies(emb, first)
    offsets = repeat_offsets(spans, first)
    if not offsets:
        return first
    first = first.copy()
    order = np.argsort(spans[:, 0], kind="stable")
    starts = spans[order, 0]
    for row in order:
        if first[row] != row:
            continue
        for offset in offsets:
            earlier = _overlapping(spans, order, starts, spans[row] - offset)
            earlier = [i for i in earlier if spans[i, 0] < spans[row, 0] and first[i] != row]
            alike = [(float(emb[i] @ emb[row]), i) for i in earlier]
            alike = [pair for pair in alike if pair[0] >= REPEAT_COSINE]
            if alike:
                first[row] = first[max(alike)[1]]
                break
    while np.any(first[first] != first):  # copies of a window now a copy itself: to its first
        first = first[first]
    return first


def _alike_to_copies(emb: np.ndarray, first: np.ndarray) -> np.ndarray:
    """`first` with each window COPY_COSINE alike to an earlier window's copy (not to the window
    itself) made a copy of that window too: a prompt's fourth playing was 0.944 alike to the first
    on AMR, 0.958 to the third."""
    first = first.copy()
    copies = np.flatnonzero(first != np.arange(len(first)))
    if len(copies) == 0:
        return first
    alike = emb @ emb[copies].T
    for row in np.flatnonzero(first == np.arange(len(first))):
        earlier = copies < row
        if earlier.any() and float(alike[row, earlier].max()) >= COPY_COSINE:
            first[row] = first[copies[earlier][int(alike[row, earlier].argmax())]]
    return first


def _overlapping(spans: np.ndarray, order: np.ndarray, starts: np.ndarray, span: np.ndarray) -> list[int]:
    """Rows whose span overlaps `span` by half the shorter of the two or more."""
    longest = int((spans[:, 1] - spans[:, 0]).max())
    lo, hi = np.searchsorted(starts, [span[0] - longest, span[1]])
    found = []
    for i in order[lo:hi]:
        shared = min(spans[i, 1], span[1]) - max(spans[i, 0], span[0])
        if shared * 2 >= min(spans[i, 1] - spans[i, 0], span[1] - span[0]):
            found.append(int(i))
    return found


def twins(emb: np.ndarray, spans: np.ndarray, copies: np.ndarray) -> np.ndarray:
    """Pairs (i, j), i < j, of windows TWIN_COSINE alike or more, TWIN_GAP_S apart or more and no copies
    of one sound (`copies`: each window's first copy): a phrase said again, at another speed or level."""
    gap, found = TWIN_GAP_S * RATE, []
    for top in range(0, len(emb), ROWS_AT_ONCE):
        rows = np.arange(top, min(top + ROWS_AT_ONCE, len(emb)))
        near = (emb[rows] @ emb.T >= TWIN_COSINE) & (rows[:, None] < np.arange(len(emb))[None, :])
        near &= (spans[rows, 0, None] >= spans[None, :, 1] + gap) | (spans[None, :, 0] >= spans[rows, 1, None] + gap)
        near &= copies[rows, None] != copies[None, :]
        first, second = np.nonzero(near)
        found.append(np.stack([rows[first], second], axis=1))
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


def fresh_seconds(seconds: np.ndarray, region_of: np.ndarray, copies: np.ndarray) -> np.ndarray:
    """Each region's seconds times the share of its embedded windows that are no copy of another
    (`region_of`: each window's region; `copies`: each window's first copy): a region heard again
    holds no new speech."""
    fresh = np.asarray(seconds, dtype=np.float64).copy()
    for region in np.unique(region_of):
        windows = np.flatnonzero(region_of == region)
        fresh[region] *= float(np.mean(copies[windows] == windows))
    return fresh
