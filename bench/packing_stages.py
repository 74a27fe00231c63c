"""bench_packing.py's in-process run with the CPU of each stage counted (session 24).

Every model call (CTranslate2 encode / generate / align / detect_language), the log-mel features,
reading and VAD run one at a time under one lock, and each is charged the process's CPU
(getrusage) over its call: CTranslate2 works on its own threads, so a thread's CPU clock would
miss it. Python between those calls is not serialised ("other": total less the stages).
A generate is labelled by what asked for it: the main beam search, a fallback, a continuation,
a piece decoded again alone; an encode by the window, the silence, a language check.
The serialising makes the run about twice as long in wall time; its CPU is what counts.

    nice .venv/bin/python bench/packing_stages.py --json /tmp/stages.json [--mixed-languages]
"""
import json
import resource
import sys
import threading
import time
from pathlib import Path

WT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(WT)); sys.path.insert(0, str(WT / "bench"))
import bench_packing as bp
from faster_whisper.feature_extractor import FeatureExtractor

import app.core.asr as asr_pkg
from app.core.asr import batched as B
from app.core.asr import clips as C
from app.core.asr import decoder as D
from app.core.asr import engine as E

SERIAL = threading.RLock()
tl = threading.local()
acc: dict = {}
layout: list = []
groups: list = []


def ru():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def kind():
    return "/".join(getattr(tl, "kinds", [])) or "main"


def timed(stage, fn):
    def wrapper(*a, **k):
        name = stage() if callable(stage) else stage
        with SERIAL:
            stack = tl.__dict__.setdefault("stack", [])
            stack.append(0.0)
            c0, t0 = ru(), time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                c, wt = ru() - c0, time.perf_counter() - t0
                child = stack.pop()
                if stack:
                    stack[-1] += c
                a_ = acc.setdefault(name, [0.0, 0.0, 0])
                a_[0] += c - child; a_[1] += wt; a_[2] += 1
    return wrapper


def labelled(label, fn):
    def wrapper(*a, **k):
        kinds = tl.__dict__.setdefault("kinds", [])
        kinds.append(label)
        try:
            return fn(*a, **k)
        finally:
            kinds.pop()
    return wrapper


class Proxy:
    def __init__(self, real):
        self._real = real

    def __getattr__(self, n):
        return getattr(self._real, n)


def _method(name):
    def f(self, *a, **k):
        return getattr(self._real, name)(*a, **k)
    return timed(lambda: f"ct2.{name}[{kind()}]", f)


for _n in ("encode", "generate", "align", "detect_language"):
    setattr(Proxy, _n, _method(_n))

FeatureExtractor.__call__ = timed(lambda: f"mel[{kind()}]", FeatureExtractor.__call__)
C.read_all = timed("read_all", C.read_all)
_sc = C.speech_chunks
C.speech_chunks = timed("vad", lambda *a, **k: list(_sc(*a, **k)))
D.BatchDecoder._fallback = labelled("fallback", D.BatchDecoder._fallback)
D.BatchDecoder._continue = labelled("continue", D.BatchDecoder._continue)
D.BatchDecoder.detect_alone = labelled("detect_alone", D.BatchDecoder.detect_alone)
D.BatchDecoder.silence = labelled("silence", D.BatchDecoder.silence)
E.WhisperEngine.detect_language = labelled("detect_full", E.WhisperEngine.detect_language)
_dp = B.decode_pieces
_depth = threading.local()


def decode_pieces(*a, **k):  # nested: a piece decoded again alone
    nested = getattr(_depth, "n", 0) > 0
    _depth.n = getattr(_depth, "n", 0) + 1
    try:
        return (labelled("redo", _dp) if nested else _dp)(*a, **k)
    finally:
        _depth.n -= 1


B.decode_pieces = decode_pieces
C.decode_pieces = decode_pieces
_w = D.BatchDecoder.words
D.BatchDecoder.words = labelled("words", _w)

_groups = C._groups


def rec_groups(items, batch):
    for g in _groups(items, batch):
        groups.append([i.source.path for i in g])
        yield g


C._groups = rec_groups
_pack = C.pack


def rec_pack(pieces, batch):
    windows = _pack(pieces, batch)
    g = groups[-1]
    layout.append([[(Path(g[p.owner]).name, round(p.offset / 16000, 2), round(len(p.audio) / 16000, 2)) for p in w]
                   for w in windows])
    return windows


C.pack = rec_pack
_load = asr_pkg.load_engine
load_cpu = {}


def load_engine(*a, **k):
    c0 = ru()
    e = _load(*a, **k)
    e.model.model = Proxy(e.model.model)
    load_cpu["load"] = ru() - c0
    return e


asr_pkg.load_engine = load_engine

import argparse

p = argparse.ArgumentParser(); p.add_argument("--model", default="base"); p.add_argument("--gap", type=float, default=None)
p.add_argument("--no-pack", action="store_true"); p.add_argument("--json", type=Path)
p.add_argument("--mixed-languages", action="store_true")
args = p.parse_args()
c0, t0 = ru(), time.perf_counter()
out = bp.run(args)
total = ru() - c0
staged = sum(v[0] for v in acc.values())
out["stages"] = {k: {"cpu": round(v[0], 2), "wall": round(v[1], 2), "calls": v[2]} for k, v in sorted(acc.items())}
out["cpu_total"] = round(total, 2); out["cpu_load"] = round(load_cpu.get("load", 0), 2)
out["cpu_other"] = round(total - staged - load_cpu.get("load", 0), 2)
out["layout"] = layout
args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False))
print(f"total CPU {total:.1f} s (load {out['cpu_load']}, other {out['cpu_other']}) wall {time.perf_counter() - t0:.0f} s")
print(f"WER {out['wer']:.2%}", {k: round(100 * v, 1) for k, v in out["wer_by_language"].items()})
print(out["encoder"], out["decoder"])
for k, v in sorted(acc.items(), key=lambda kv: -kv[1][0]):
    print(f"  {k:40s} cpu {v[0]:7.2f} s  {100 * v[0] / total:5.1f}%  calls {v[2]}")
