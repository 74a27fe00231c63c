"""A Whisper model over faster-whisper, loaded once and kept for many files."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import ctranslate2
import numpy as np
from threadpoolctl import threadpool_limits

from app.core.asr import fw_internals as fw
from app.core.asr.fw_internals import WhisperModel
from app.core.asr.packing import BatchOptions, batch_for
from app.core.asr.silence_store import SilenceStore, identity
from app.core.asr.speech import SpeechChunk
from app.core.errors import LanguageError, ModelError
from app.core.media.decode import SAMPLE_RATE
from app.core.memory import small_pages
from app.core.models import catalogue as models
from app.core.models.device import Placement, choose, load_with_fallback
from app.core.models.integrity import check_model
from app.core.options import TranscribeOptions
from app.core.types import ModelInfo, Segment, Word

NOT_SPOKEN = frozenset({"la"})
"""Not offered by detection unless the user names it (`--language`, `--languages`). Whisper's detector gives
Latin to speech it cannot place: on the shared synthetic notes (base, int8 and float32 alike) the Spanish note
is es 65% / la 16%, the German note la 47% with German not in the first three, the Romanian la 34%; an English
clip read as Latin at 85% is reported elsewhere (open-webui pull request 30015). No seized phone's voice note is
in Latin, and a reading as Latin gives Latin-looking words that are not what was said."""


def likeliest_language(ranked: list[tuple[str, float]], allowed: tuple[str, ...]) -> tuple[str, float]:
    """The likeliest language of Whisper's ranked (code, probability) pairs: within the user's allow-list as
    Whisper scored it against all 99 (a German note with `--languages en,fr` is English at a few percent, a
    guess, not English "sure" among the two named, then translated); with none, of every language but
    NOT_SPOKEN, its probability among those (what Latin took shared out, so a Spanish note at 65% beside
    Latin's 16% is 77% Spanish). One language named is that language set (options.named_languages)."""
    if allowed:
        candidates = [(code, p) for code, p in ranked if code in allowed]
        share = 1.0
    else:
        candidates = [(code, p) for code, p in ranked if code not in NOT_SPOKEN]
        share = sum(p for _, p in candidates) or 1.0
    if not candidates:
        raise LanguageError("none of the allowed languages is known to this model")
    return candidates[0][0], min(1.0, float(candidates[0][1]) / share)


def _offline_environment() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class WhisperEngine:
    """A Whisper model loaded once and kept for many files."""

    def __init__(self, model_dir: Path, placement: Placement) -> None:
        _offline_environment()
        models.check_whisper_folder(model_dir)
        self.files_sha256 = check_model(model_dir)  # refuses a folder changed since it was installed
        try:
            with small_pages():  # its packed weights only as resident as written (memory.py)
                self.model, self.placement = load_with_fallback(placement, lambda p: WhisperModel(
                    str(model_dir),
                    device=p.device,
                    compute_type=p.compute_type,  # the first of its preference the device accepts
                    cpu_threads=p.threads_per_replica,
                    num_workers=p.replicas,
                    local_files_only=True,
                ))
        except Exception as exc:  # noqa: BLE001 - tokenizers raises a bare Exception on a damaged tokenizer.json
            raise ModelError(f"model {model_dir} could not be loaded: {_one_line(exc)}") from None
        self.info: ModelInfo = models.model_info(model_dir)
        if check_model(model_dir) != self.files_sha256:
            raise ModelError(f"model {model_dir.name} changed while it was being loaded; not used")
        self.silence_states: dict[int, np.ndarray] = {}  # the batched decoder's encoder states of silence, kept between batches
        self.silence_store = SilenceStore.beside(model_dir, identity(  # ... and between commands (silence_store.py)
            self.files_sha256, self.placement.device, self.placement.compute_type,
            self.placement.threads * 100 + self.placement.threads_per_replica), self.placement.device)
        self.silence_locks: dict[int, threading.Lock] = {}  # one per state being encoded: each is encoded once

    @property
    def batch(self) -> BatchOptions:
        """How pieces are batched on this device (decode batch and group sizes from the placement)."""
        return batch_for(self.placement)

    @property
    def multilingual(self) -> bool:
        return fw.is_multilingual(self.model)

    def check_language(self, code: str) -> str:
        code = code.strip().lower()
        if not fw.is_language_code(code):
            raise LanguageError(f"unknown language code '{code}'")
        if not self.multilingual and code != "en":
            raise LanguageError(f"model {self.info.name} is English-only; it cannot do '{code}'")
        return code

    def detect_language(self, audio: np.ndarray, allowed: tuple[str, ...] = ()) -> tuple[str, float]:
        if not self.multilingual:
            return "en", 1.0
        _, _, ranked = self.model.detect_language(audio=audio[: 30 * SAMPLE_RATE])
        return likeliest_language(ranked, allowed)

    def transcribe_chunk(
        self, chunk: SpeechChunk, language: str, options: TranscribeOptions
    ) -> list[Segment]:
        ctranslate2.set_random_seed(options.seed)  # temperature fallback samples: keep reruns identical
        segments, _ = self.model.transcribe(
            chunk.audio,
            language=language,
            task=options.task,
            beam_size=options.beam_size,
            vad_filter=False,
            word_timestamps=options.word_timestamps,
            condition_on_previous_text=False,
            hallucination_silence_threshold=2.0 if options.word_timestamps else None,
        )
        return [_to_segment(s, chunk) for s in segments]


def _ms(seconds: float, chunk: SpeechChunk) -> int:
    return min(chunk.end_ms, chunk.start_ms + round(seconds * 1000))


def _to_segment(raw, chunk: SpeechChunk) -> Segment:
    words = tuple(
        Word(_ms(w.start, chunk), _ms(w.end, chunk), w.word, round(float(w.probability), 4))
        for w in (raw.words or ())
    )
    return Segment(
        start_ms=_ms(raw.start, chunk),
        end_ms=_ms(raw.end, chunk),
        text=raw.text.strip(),
        words=words,
        avg_logprob=round(float(raw.avg_logprob), 4),
        no_speech_prob=round(float(raw.no_speech_prob), 4),
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def load_engine(options: TranscribeOptions, models_dir: Path | None = None) -> WhisperEngine:
    single_threaded_blas()
    folder = models.resolve(options.model, models_dir)
    return WhisperEngine(folder, choose(options.device, options.compute_type, options.threads))


def single_threaded_blas() -> None:
    """One BLAS thread for the process: the log-mel features are a BLAS product whose float
    rounding depends on how many threads share it, which moved word times by 20 ms between
    the worker (one thread) and an in-process run. The model's own threads are CTranslate2's."""
    threadpool_limits(limits=1, user_api="blas")
