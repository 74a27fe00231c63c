"""Diarisation of a recording handed over in blocks (e.g. AudioReader.blocks()).

Memory stays flat in duration: at most BUFFER_S of audio is held, cut at the start
of a speech region that runs into the buffer's end, and only one voiceprint per
1.5 s window is kept (about 30 KB per minute of speech).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

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


def diarize_blocks(
    blocks: Iterable[np.ndarray],
    model_dir: Path,
    speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threads: int = 2,
    segmentation_dir: Path | None = None,
) -> DiarResult:
    """Like diarize(), over consecutive 16 kHz mono float32 blocks of one recording; the
    segmentation model from `segmentation_dir`, else beside the speaker model if there."""
    check_settings(np.zeros(0, dtype=np.float32), speakers, min_speakers, max_speakers)
    segmenter = load_segmenter(segmentation_dir, threads) if segmentation_dir else segmenter_for(model_dir, threads)
    collector = Collector(load_embedder(model_dir, threads), segmenter)
    buffer, offset = np.zeros(0, dtype=np.float32), 0
    for block in blocks:
        check_block(block)
        buffer = np.concatenate([buffer, block])
        if len(buffer) < BUFFER_S * SAMPLE_RATE:
            continue
        cut = _take(collector, buffer, offset, final=False)
        buffer, offset = buffer[cut:].copy(), offset + cut
    _take(collector, buffer, offset, final=True)
    settings = settings_of(speakers, min_speakers, max_speakers)
    return collector.finish(offset + len(buffer), speakers, min_speakers, max_speakers, settings)


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
