"""Diarisation of a recording handed over in blocks (e.g. AudioReader.blocks()).

Memory stays flat in duration: at most BUFFER_S of audio is held, cut at the start
of a speech region that runs into the buffer's end, and only one voiceprint per
1.5 s window is kept (about 30 KB per minute of speech).

Stoppable: with `should_stop`, the flag is read before each block, each model call (at most
16 windows of 1.5-6 s, or two 10 s segmentation windows: well under a second) and the
clustering, and DiarisationStopped is raised; nothing is made of the part read.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from app.core.diarize.embedder import SAMPLE_RATE
from app.core.diarize.engine import (
    Collector,
    check_block,
    check_settings,
    load_embedder,
    scan,
    segmenter_for,
    settings_of,
)
from app.core.diarize.records import DiarResult
from app.core.diarize.segmentation import load_segmenter

BUFFER_S = 120
TAIL_S = 1.0  # a region ending this close to the buffer's end may go on in the next block

StopFn = Callable[[], bool]
Model = TypeVar("Model")


class DiarisationStopped(Exception):
    """The search for speakers was told to stop: it returns nothing (a result from part of a
    recording would be wrong, not short)."""


def diarize_blocks(
    blocks: Iterable[np.ndarray],
    model_dir: Path,
    speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threads: int = 2,
    segmentation_dir: Path | None = None,
    should_stop: StopFn | None = None,
) -> DiarResult:
    """Like diarize(), over consecutive 16 kHz mono float32 blocks of one recording; the
    segmentation model from `segmentation_dir`, else beside the speaker model if there.
    Raises DiarisationStopped soon after `should_stop()` turns true."""
    check_settings(np.zeros(0, dtype=np.float32), speakers, min_speakers, max_speakers)
    stop = should_stop or _never
    _check(stop)  # a search stopped before it began (its run failed its check) loads and imports nothing
    segmenter = load_segmenter(segmentation_dir, threads) if segmentation_dir else segmenter_for(model_dir, threads)
    collector = Collector(stoppable(load_embedder(model_dir, threads), stop), stoppable(segmenter, stop))
    _check(stop)  # the models' first load is about a second; the import cannot be broken into
    _import_clustering_library()
    buffer, offset = np.zeros(0, dtype=np.float32), 0
    for block in _until_stopped(blocks, stop):
        check_block(block)
        buffer = np.concatenate([buffer, block])
        if len(buffer) < BUFFER_S * SAMPLE_RATE:
            continue
        cut = _take(collector, buffer, offset, final=False)
        buffer, offset = buffer[cut:].copy(), offset + cut
        _import_pitch_test()
    _check(stop)
    _take(collector, buffer, offset, final=True)
    _check(stop)  # the clustering itself is not broken into (seconds on an hour)
    settings = settings_of(speakers, min_speakers, max_speakers)
    return collector.finish(offset + len(buffer), speakers, min_speakers, max_speakers, settings)


def _import_clustering_library() -> None:
    """Import now, beside the decoding, scipy.linalg, which the clustering imports when it runs (~0.2 CPU s):
    run after the decoding, it added to the wall time. It is imported where used (cluster.py), so no other
    command pays it. Not scipy.stats yet (_import_pitch_test)."""
    import scipy.linalg  # noqa: F401


def _import_pitch_test() -> None:
    """Import scipy.stats (0.55-0.65 CPU s, about 40 MB) beside the decoding once a recording has filled a
    buffer (BUFFER_S): only the pitch test (same_voice.pitches_differ) needs it, and the cached inputs of 600
    recordings replayed (session 32) asked for it on 25 of 475 under a minute, 36 of 99 of 1-2 min, 10 of
    26 longer. Imported before the first block, every search paid it: eval/diar's 1.2- and 1.7-min
    conversations, which do not ask for it, now take 2.1-2.2 and 3.2-3.3 CPU s (were 2.5-2.6 and 3.5-3.7).
    A shorter recording that asks for it imports it in the clustering, after the decoding: that much more in
    the tail, on a recording of two minutes at most."""
    import scipy.stats  # noqa: F401


def _take(collector: Collector, buffer: np.ndarray, offset: int, final: bool) -> int:
    """Embed the regions that are complete in the buffer; return how far it was used."""
    regions, frames = scan(buffer, collector.segmenter)
    cut = len(buffer)
    if not final:
        cut = len(buffer) - int(TAIL_S * SAMPLE_RATE)
        open_region = next((r for r in regions if r[1] > cut), None)
        if open_region is not None and open_region[0] > 0:
            cut = min(cut, open_region[0])
    done = [(start, min(end, cut)) for start, end in regions if start < cut]
    collector.take(buffer, offset, done, frames, cut)
    return cut


def _until_stopped(blocks: Iterable[np.ndarray], stop: StopFn) -> Iterator[np.ndarray]:
    """`blocks`, the stop flag read before each is read (not after: a stopped search read and
    decoded one more 30 s block of a file that had failed its check)."""
    iterator = iter(blocks)
    while True:
        _check(stop)
        block = next(iterator, None)
        if block is None:
            return
        yield block


def _never() -> bool:
    return False


def _check(stop: StopFn) -> None:
    if stop():
        raise DiarisationStopped("the search for speakers was stopped")


class _CheckedSession:
    """An ONNX session that reads the stop flag before each run."""

    def __init__(self, session: Any, stop: StopFn) -> None:
        self._session, self._stop = session, stop

    def run(self, *args: Any, **kwargs: Any) -> Any:
        _check(self._stop)
        return self._session.run(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def stoppable(model: Model, stop: StopFn) -> Model:
    """`model` (a loaded ONNX model, or None) as a shallow copy whose every model call first reads
    `stop`; the cached model itself is untouched (another recording may be using it)."""
    if model is None or stop is _never:
        return model
    checked = copy.copy(model)
    checked._session = _CheckedSession(model._session, stop)  # type: ignore[attr-defined]
    return checked
