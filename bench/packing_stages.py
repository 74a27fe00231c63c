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
import sys
import time
from pathlib import Path

WT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(WT)); sys.path.insert(0, str(WT / "bench"))
import bench_packing as bp
from stage_cpu import (
    as_json,
    charge_decoder,
    charge_engine,
    charged,
    cpu,
    redo_labelled,
    stages,
    table,
)

import app.core.asr as asr_pkg
from app.core.asr import batched as B
from app.core.asr import clips as C

layout: list = []
groups: list = []

charge_decoder()
C.read_all = charged("read_all", C.read_all)
_sc = C.speech_chunks
C.speech_chunks = charged("vad", lambda *a, **k: list(_sc(*a, **k)))
B.decode_pieces = C.decode_pieces = redo_labelled(B.decode_pieces)

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
    c0 = cpu()
    e = _load(*a, **k)
    charge_engine(e)
    load_cpu["load"] = cpu() - c0
    return e


asr_pkg.load_engine = load_engine

import argparse

p = argparse.ArgumentParser(); p.add_argument("--model", default="base"); p.add_argument("--gap", type=float, default=None)
p.add_argument("--no-pack", action="store_true"); p.add_argument("--json", type=Path)
p.add_argument("--mixed-languages", action="store_true")
args = p.parse_args()
c0, t0 = cpu(), time.perf_counter()
out = bp.run(args)
total = cpu() - c0
staged = sum(v[0] for v in stages.values())
out["stages"] = dict(sorted(as_json().items()))
out["cpu_total"] = round(total, 2); out["cpu_load"] = round(load_cpu.get("load", 0), 2)
out["cpu_other"] = round(total - staged - load_cpu.get("load", 0), 2)
out["layout"] = layout
args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False))
print(f"total CPU {total:.1f} s (load {out['cpu_load']}, other {out['cpu_other']}) wall {time.perf_counter() - t0:.0f} s")
print(f"WER {out['wer']:.2%}", {k: round(100 * v, 1) for k, v in out["wer_by_language"].items()})
print(out["encoder"], out["decoder"])
print("\n".join(table(total, 40)))
