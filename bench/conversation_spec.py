"""One test conversation's recipe (bench/conversation_sets.py holds the voices and the sets)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    name: str
    voices: tuple[str, ...]
    overlap: float = 0.0  # chance that a turn starts before the previous one ends
    short: str | None = None  # the voice that only gives short answers
    seed: int = 0
