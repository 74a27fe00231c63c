"""Charging each stage of an in-process run its CPU: shared by long_stages.py and packing_stages.py (issue #15).

Every charged call runs under one lock and is charged the process's CPU (getrusage) over its call, less
any charged call inside it: CTranslate2 works on its own threads, so a thread's clock would miss it.
A call is labelled by what asked for it (`labelled`: main beam search, fallback, continuation, language
checks...). The serialising makes a run about twice as long in wall time; its CPU is what counts.
"""
from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable

from faster_whisper.feature_extractor import FeatureExtractor

SERIAL = threading.RLock()
local = threading.local()
stages: dict[str, list[float]] = {}  # name -> [cpu s, wall s, calls]
DECODER_STEPS = ("_fallback", "_continue", "detect_alone", "silence", "words")
MODEL_CALLS = ("encode", "generate", "align", "detect_language")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def kernel() -> float:
    """The process's CPU seconds in the kernel so far (page faults: zeroing fresh pages, README "Measured figures")."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def label() -> str:
    return "/".join(getattr(local, "kinds", [])) or "main"


def charged(stage: str | Callable[[], str], fn):
    """fn, run under the lock, its CPU (less any charged call inside it) added to `stage`."""
    def wrapper(*args, **kwargs):
        name = stage() if callable(stage) else stage
        with SERIAL:
            stack = local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            start, wall = cpu(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent, inner = cpu() - start, stack.pop()
                if stack:
                    stack[-1] += spent
                entry = stages.setdefault(name, [0.0, 0.0, 0])
                entry[0] += spent - inner
                entry[1] += time.perf_counter() - wall
                entry[2] += 1
    return wrapper


def labelled(name: str, fn):
    """fn, every charged call inside it labelled `name` (nested labels joined by '/')."""
    def wrapper(*args, **kwargs):
        kinds = local.__dict__.setdefault("kinds", [])
        kinds.append(name)
        try:
            return fn(*args, **kwargs)
        finally:
            kinds.pop()
    return wrapper


class Charged:
    """The CTranslate2 Whisper, each model call charged (ct2.NAME[label])."""

    def __init__(self, real) -> None:
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)


def _model_call(name: str):
    return charged(lambda: f"ct2.{name}[{label()}]", lambda self, *a, **k: getattr(self._real, name)(*a, **k))


for _name in MODEL_CALLS:
    setattr(Charged, _name, _model_call(_name))


def charge_engine(engine) -> None:
    """Each of the loaded engine's model calls charged from now on."""
    engine.model.model = Charged(engine.model.model)


def charge_decoder() -> None:
    """Log-mel features charged; the batched decoder's steps and full language detection labelled."""
    from app.core.asr import decoder as D
    from app.core.asr import engine as E

    FeatureExtractor.__call__ = charged(lambda: f"mel[{label()}]", FeatureExtractor.__call__)
    for name in DECODER_STEPS:
        setattr(D.BatchDecoder, name, labelled(name.strip("_"), getattr(D.BatchDecoder, name)))
    E.WhisperEngine.detect_language = labelled("detect_full", E.WhisperEngine.detect_language)


def redo_labelled(decode_pieces, on_top: Callable[..., None] | None = None):
    """decode_pieces, a call inside another (a piece decoded again alone) labelled "redo";
    `on_top(windows)` is called for each outermost call."""
    depth = threading.local()

    def wrapper(decoder, windows, *args, **kwargs):
        nested = getattr(depth, "n", 0) > 0
        depth.n = getattr(depth, "n", 0) + 1
        try:
            if not nested and on_top is not None:
                on_top(windows)
            return (labelled("redo", decode_pieces) if nested else decode_pieces)(decoder, windows, *args, **kwargs)
        finally:
            depth.n -= 1
    return wrapper


def table(total: float, width: int = 44) -> list[str]:
    """One line per stage, most CPU first, with its share of `total`."""
    return [f"  {name:{width}s} cpu {spent:7.2f} s {100 * spent / total:5.1f}%  calls {calls}"
            for name, (spent, _, calls) in sorted(stages.items(), key=lambda kv: -kv[1][0])]


def as_json() -> dict:
    return {k: {"cpu": round(v[0], 2), "wall": round(v[1], 2), "calls": v[2]} for k, v in stages.items()}
