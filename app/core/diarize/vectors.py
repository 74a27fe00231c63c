"""Voiceprints as unit vectors: the one normalisation every speaker comparison relies on."""

from __future__ import annotations

import numpy as np


def unit(rows: np.ndarray) -> np.ndarray:
    """`rows` (one vector, or one per row) scaled to length 1; zero vectors stay zero."""
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)
