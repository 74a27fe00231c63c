"""Make 30-45 min conversations of real voices with as little repeated speech as the eval allows.

    .venv/bin/python bench/make_varied_conversations.py /tmp/diarvaried [--minutes 35] [--only NAME]
    .venv/bin/python bench/bench_conversations.py /tmp/diarvaried --no-reference

make_long_conversations.py replays each voice's utterances whole (1-12 s), so a 25 min file
holds each utterance 5-30 times over. A real interview holds 30-60 min of speech that never
comes back. `../shared/eval` cannot give that: its longest single voices are the LJSpeech
reader (3.7 min of distinct speech), the 2008 radio address (2.1 min), LibriSpeech 1272
(0.7 min), the Open Speech Repository reader (0.6 min) and the LibriVox Austen reader
(0.4 min); FLEURS clips are each another speaker. So the closest this can come:

* each voice's clips are cut at pauses into PHRASES of 1-2.5 s (make_conversations.pieces,
  short), and a turn is 1-5 phrases drawn from a shuffled deck (every phrase is used once
  before any is used again: repeats as few and as evenly spread as the speech allows), joined
  with 0.12-0.45 s pauses, each phrase at a speed (0.95-1.05, pitch with it) and level
  (-4..+2 dB) of its own: no turn and few 1.5 s windows come back as heard before;
* a voice that speaks 1-3% of the time (the minority) needs under a minute of speech in
  45 min, so its phrases barely repeat;
* diar.json gives, per voice, its distinct seconds, its spoken seconds and the ratio (how
  many times over each phrase is heard on average): the limit of the measurement.

References as eval/diar's (the whole turn placed); WAV and AMR-NB copies.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_conversations import RATE, _clip_turn, levelled, load_clip, mixed, overlap_share, pieces
from make_long_conversations import VOICES, run, stretched, write_files


@dataclass(frozen=True)
class VariedSpec:
    name: str
    weights: dict[str, float]  # each voice's share of the turns
    minutes: float
    seed: int
    phrases: dict[str, int]  # the most phrases in one turn, per voice (a minority: short answers)


SPECS = (
    VariedSpec("varied_two_lj_bush", {"lj": 1.0, "bush": 1.0}, 35, 11, {"lj": 5, "bush": 5}),
    VariedSpec("varied_three_lj_bush_austen_minority", {"lj": 1.0, "bush": 1.0, "austen": 0.05}, 40, 12,
               {"lj": 5, "bush": 5, "austen": 2}),
    VariedSpec("varied_three_lj_bush_1272", {"lj": 1.0, "bush": 1.0, "reader1272": 0.5}, 30, 13,
               {"lj": 5, "bush": 5, "reader1272": 3}),
    VariedSpec("varied_three_lj_1272_osr_minority", {"lj": 1.0, "reader1272": 0.6, "osr": 0.06}, 45, 14,
               {"lj": 5, "reader1272": 3, "osr": 2}),
)


class Deck:
    """A voice's phrases dealt in shuffled rounds: each used once before any is used again."""

    def __init__(self, phrases: list[np.ndarray], rng: np.random.Generator) -> None:
        self.phrases, self.rng, self.queue = phrases, rng, []  # type: ignore[var-annotated]
        self.used = np.zeros(len(phrases), dtype=np.int64)

    def deal(self) -> np.ndarray:
        if not self.queue:
            self.queue = list(self.rng.permutation(len(self.phrases)))
        i = int(self.queue.pop())
        self.used[i] += 1
        return self.phrases[i]

    def distinct_s(self) -> float:
        return sum(len(p) for p in self.phrases) / RATE


def turn_audio(deck: Deck, most: int, rng: np.random.Generator) -> np.ndarray:
    """1..most phrases, each at a speed and level of its own, joined with short pauses."""
    parts: list[np.ndarray] = []
    for k in range(int(rng.integers(1, most + 1))):
        if k:
            parts.append(np.zeros(int(rng.uniform(0.12, 0.45) * RATE), dtype=np.float32))
        phrase = stretched(deck.deal(), float(rng.uniform(0.95, 1.05)))
        parts.append(phrase * np.float32(10 ** (rng.uniform(-4.0, 2.0) / 20)))
    return np.concatenate(parts)


def build(spec: VariedSpec, minutes: float) -> tuple[np.ndarray, list[dict], dict[str, Deck]]:
    rng = np.random.default_rng(spec.seed)
    decks = {v: Deck([levelled(p) for clip in VOICES[v] for p in pieces(load_clip(clip), rng, True)], rng)
             for v in spec.weights}
    names = list(spec.weights)
    weights = np.array([spec.weights[v] for v in names])
    cursor, last, placed = rng.uniform(0.5, 1.0), None, []
    while cursor < minutes * 60:
        allowed = np.array([v != last for v in names], dtype=float)
        p = weights * allowed / (weights * allowed).sum()
        last = names[int(rng.choice(len(names), p=p))]
        audio = turn_audio(decks[last], spec.phrases[last], rng)
        start = cursor + rng.uniform(0.2, 0.9)
        placed.append({"start": start, "length": len(audio) / RATE, "speaker": last, "audio": audio})
        cursor = start + len(audio) / RATE
    mix = mixed(placed, cursor)
    return mix, [_clip_turn(t) for t in placed], decks


def write(spec: VariedSpec, out: Path, minutes: float, amr: bool = True) -> dict:
    name = f"{spec.name}_{minutes:g}min"
    mix, turns, decks = build(spec, minutes)
    files, duration = write_files(name, mix, turns, out, amr)
    spoken = {v: sum(t["end"] - t["start"] for t in turns if t["speaker"] == v) for v in spec.weights}
    voices = {v: {"share": round(spoken[v] / duration, 3), "spoken_s": round(spoken[v], 1),
                  "distinct_s": round(decks[v].distinct_s(), 1), "phrases": len(decks[v].phrases),
                  "times_heard_mean": round(float(decks[v].used.mean()), 1)} for v in spec.weights}
    return {"name": name, "files": files, "rttm": f"{name}.rttm", "speakers": len(spec.weights),
            "duration": duration, "overlap_share": overlap_share(turns, duration), "voices": voices, "turns": turns}


def main() -> None:
    run(__doc__.splitlines()[0], SPECS, write, lambda c: str(c["voices"]))


if __name__ == "__main__":
    main()
