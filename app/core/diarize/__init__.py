"""Offline speaker diarisation: who spoke when on one microphone.

    from app.core.diarize import diarize, assign_speakers
    result = diarize(audio_16k_mono_float32, models_dir / "speaker-campplus")
    segments = assign_speakers(segments, result.turns)

Pure Python over numpy, onnxruntime and kaldi-native-fbank; no torch, no network.

The names below are loaded on first use (PEP 562), so importing a light
submodule such as `package` (model installation) does not load onnxruntime
and faster-whisper's VAD into a process that never diarises.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "DiarizeError": "engine", "diarize": "engine", "load_embedder": "engine",
    "DiarResult": "records", "Turn": "records", "speaker_label": "records",
    "diarize_blocks": "stream",
}

__all__ = ["DiarResult", "DiarizeError", "Turn", "diarize", "diarize_blocks", "load_embedder", "speaker_label"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
