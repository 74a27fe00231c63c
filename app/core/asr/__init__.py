"""Speech to text over faster-whisper.

The pipeline: decode in blocks -> Silero VAD -> chunks of at most 30 s cut at
silences -> a ChunkDecoder (by default the packed decoder: chunks packed into
windows and decoded in batches; ChunkByChunk is faster-whisper's own transcribe,
chunk by chunk) -> hallucination guards. Results are committed a unit at a time,
which makes a run reproducible and resumable at any unit boundary.

    engine.py        WhisperEngine, load_engine: a model loaded once
    fw_internals.py  every call into faster-whisper beyond its documented API
    speech.py        VAD: speech chunks of at most 30 s
    pipeline.py      tracks, chunks and resume (RunState, ChunkDone, ChunkDecoder)
    packing.py       pieces packed into 30 s windows, and batch grouping
    tokens.py        rules on decoded token sequences
    decoder.py       the batched decoder (BatchDecoder, DecodeOutput)
    batched.py       the batched decoder at work; PackedDecoder, transcribe_source
    clips.py         many short files together: transcribe_clips, ClipResult
    hallucination.py guards against invented words
    runs.py          one exhibit transcribed into the case store, chunk by chunk, resumable

Modules import downwards in that order (clips -> batched -> decoder -> packing,
pipeline -> engine -> fw_internals); this package only re-exports, on first use
(PEP 562), so importing a light submodule such as sentence_ends does not load
faster-whisper and CTranslate2.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "PackedDecoder": "batched", "transcribe_source": "batched", "transcribe_source_batched": "batched",
    "ClipResult": "clips", "transcribe_clips": "clips",
    "WhisperEngine": "engine", "load_engine": "engine",
    "BatchOptions": "packing",
    "ChunkByChunk": "pipeline", "ChunkDecoder": "pipeline", "ChunkDone": "pipeline", "RunState": "pipeline",
    "Track": "pipeline", "plan_tracks": "pipeline",
}

__all__ = [
    "BatchOptions", "ChunkByChunk", "ChunkDecoder", "ChunkDone", "ClipResult", "PackedDecoder", "RunState",
    "Track", "WhisperEngine", "load_engine", "plan_tracks", "transcribe_clips", "transcribe_source",
    "transcribe_source_batched",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
