"""Loaded models kept between jobs: at most one speech model and one translation model.

The worker keeps one ModelCache for every kind of job; a job that asks for another
model (or another placement) of the same kind replaces the loaded one, whose memory
(and GPU memory) is freed first.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.asr import WhisperEngine, load_engine
from app.core.models import catalogue as models
from app.core.options import TranscribeOptions, TranslateOptions
from app.core.translation.engine import TextTranslator
from app.core.translation.runs import load_translation_model


@dataclass(frozen=True)
class Loaded:
    """What was loaded, for the user: name, device, compute type, seconds taken."""

    name: str
    device: str
    compute_type: str
    seconds: float


class ModelCache:
    def __init__(self, models_dir: Path | None = None, on_load: Callable[[Loaded], None] | None = None) -> None:
        self.models_dir = models_dir
        self.on_load = on_load
        self._loaded: dict[str, tuple[tuple[Any, ...], Any]] = {}  # kind -> (key, model)

    def whisper(self, options: TranscribeOptions) -> WhisperEngine:
        key = (options.model, options.device, options.compute_type, options.threads)
        return self._get("speech", key, lambda: load_engine(options, self.models_dir))

    def translator(self, options: TranslateOptions) -> TextTranslator:
        folder = models.resolve(options.model, self.models_dir)
        key = (str(folder), options.device, options.compute_type, options.threads, options.max_batch_tokens)
        return self._get("text", key, lambda: load_translation_model(
            folder, options.device, options.compute_type, options.threads, options.max_batch_tokens))

    def loaded_speech(self) -> WhisperEngine | None:
        entry = self._loaded.get("speech")
        return entry[1] if entry else None

    def clear(self) -> None:
        self._loaded.clear()
        gc.collect()

    def _get(self, kind: str, key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        entry = self._loaded.get(kind)
        if entry is not None and entry[0] == key:
            return entry[1]
        self._loaded.pop(kind, None)
        gc.collect()  # free the old model's memory (and GPU memory) before loading the next
        started = time.monotonic()
        model = load()
        self._loaded[kind] = (key, model)
        if self.on_load is not None:
            self.on_load(_describe(model, time.monotonic() - started))
        return model


def _describe(model: Any, seconds: float) -> Loaded:
    if isinstance(model, WhisperEngine):
        return Loaded(model.info.name, model.placement.device, model.placement.compute_type, round(seconds, 2))
    return Loaded(model.info.name, model.device, model.compute_type, round(seconds, 2))
