"""How the segmentation model heard two clusters: for each pair of their windows inside one 10 s window,
as one local speaker (one voice) or two. same_voice.py joins clusters heard as one voice; cluster.py keeps
a small cluster on a phone band that is heard apart from its nearest big one."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

LocalKey = tuple[int, int] | None  # (10 s window number, local speaker) heard in a voiceprint's window


def heard(labels: np.ndarray, keys: Sequence[LocalKey]) -> dict[tuple[int, int], list[int]]:
    """(cluster a, cluster b), a < b -> [pairs heard as one voice, pairs heard as two]."""
    by_window: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for label, key in zip(labels, keys):
        if key is not None:
            by_window[key[0]].append((int(label), key[1]))
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for members in by_window.values():
        for (a, local_a), (b, local_b) in itertools.combinations(members, 2):
            if a != b:
                counts[(min(a, b), max(a, b))][0 if local_a == local_b else 1] += 1
    return counts
