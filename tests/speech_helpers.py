"""Speech built in tests from the shared voice notes: a note's samples and silence, 16 kHz mono."""

from __future__ import annotations

import numpy as np

from tests.conftest import MEDIA

RATE = 16000


def note(name: str) -> np.ndarray:
    """The shared voice note `name` (in ../shared/media), decoded to 16 kHz mono."""
    from app.core.media.decode import read_all

    return read_all(MEDIA / name)[0]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)
