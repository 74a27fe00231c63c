"""Make one-voice recordings of 1-10 min (WAV and AMR-NB): one person, however long, is one speaker.

    .venv/bin/python bench/make_one_voice.py /tmp/onevoice
    .venv/bin/python bench/bench_conversations.py /tmp/onevoice --no-reference

Each voice's clips (make_long_conversations.VOICES, and reader 1272's 16 kHz clip and the CMU "cards"
speaker) are cut at pauses into 1-2.5 s phrases dealt from a shuffled deck, 1-5 to a turn, each at a
speed (0.95-1.05, pitch with it) and level of its own, as make_varied_conversations.py deals them;
turns 0.2-0.9 s apart. The eval holds 10 s to 3.7 min of distinct speech per voice, so the longer
recordings hear each phrase several times over (diar.json gives distinct_s). Seeded: the same files
every run. `--set holdout` (session 31): 22 recordings of 1-2 min from voices SPECS does not use
(conversation_sets' FLEURS and LibriSpeech readers, JFK: 5-43 s of speech each, so every phrase is heard
again and again), other seeds, with WAV, AMR-NB and Opus copies, to check a rule fitted on SPECS.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conversation_sets import VOICES as PEOPLE
from make_conversations import (
    RATE,
    _clip_turn,
    encode,
    levelled,
    load_clip,
    mixed,
    pieces,
    write_recording,
)
from make_long_conversations import VOICES, write_files
from make_varied_conversations import Deck, turn_audio

CLIPS = {**VOICES, "r1272wb": ("onnxruntime-extensions__1272-141231-0002.flac",),
         "cards": tuple(f"pocketsphinx__{n:03d}.wav" for n in range(1, 6))}
SPECS = (("lj", 1), ("lj", 3), ("lj", 6), ("lj", 10), ("bush", 2), ("bush", 5), ("austen", 1), ("austen", 2),
         ("osr", 1), ("osr", 3), ("r1272wb", 1), ("ls2412f", 1), ("cards", 1))
HOLDOUT = (("de9m", 2), ("de7m", 1), ("de0m", 1), ("es1m", 1), ("pt0m", 1), ("pt5m", 1), ("fr9m", 1),
           ("de2m", 1), ("en5m", 1), ("jfkm", 1), ("ls260m", 1), ("ls1995f", 1), ("fr1f", 1), ("pt8f", 1),
           ("es0f", 1), ("fr0f", 1), ("pt1f", 1), ("en2f", 1), ("es9f", 1), ("pt6f", 1), ("de4f", 1),
           ("pt9f", 2))
SEEDS = {"specs": (SPECS, 2400), "holdout": (HOLDOUT, 3100)}


def build(voice: str, minutes: float, seed: int) -> tuple[np.ndarray, list[dict], Deck]:
    """`minutes` of one voice's turns, the mix kept under 0.95, and its reference turns."""
    rng = np.random.default_rng(seed)
    clips = CLIPS[voice] if voice in CLIPS else PEOPLE[voice].clips
    deck = Deck([levelled(p) for clip in clips for p in pieces(load_clip(clip), rng, True)], rng)
    cursor, placed = rng.uniform(0.5, 1.0), []
    while cursor < minutes * 60:
        audio = turn_audio(deck, 5, rng)
        start = cursor + rng.uniform(0.2, 0.9)
        placed.append({"start": start, "length": len(audio) / RATE, "speaker": voice, "audio": audio})
        cursor = start + len(audio) / RATE
    mix = mixed(placed, cursor)
    return mix, [_clip_turn(t) for t in placed], deck


def recording(voice: str, minutes: float) -> np.ndarray:
    """The recording SPECS lists for (voice, minutes), as main() writes it (WAV)."""
    return build(voice, minutes, 2400 + SPECS.index((voice, minutes)))[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (outside the repository and shared/)")
    parser.add_argument("--set", choices=tuple(SEEDS), default="specs",
                        help="holdout: other voices and seeds, WAV/AMR/Opus, to check a change")
    args = parser.parse_args(argv)
    out, (specs, first_seed) = args.out, SEEDS[args.set]
    out.mkdir(parents=True, exist_ok=True)
    conversations = []
    for i, (voice, minutes) in enumerate(specs):
        name = f"one_{voice}_{minutes}min"
        mix, turns, deck = build(voice, minutes, first_seed + i)
        if args.set == "holdout":
            files, duration = encode(write_recording(name, mix, turns, out)), round(len(mix) / RATE, 2)
        else:
            files, duration = write_files(name, mix, turns, out, True)
        conversations.append({"name": name, "files": files, "rttm": f"{name}.rttm", "speakers": 1,
                              "duration": duration, "turns": turns, "distinct_s": round(deck.distinct_s(), 1)})
        print(f"{name}: {duration:.1f} s, {deck.distinct_s():.1f} s distinct", flush=True)
    (out / "diar.json").write_text(json.dumps({"conversations": conversations}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
