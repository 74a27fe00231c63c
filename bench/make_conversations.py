"""Make new test conversations for diarisation from the shared speech clips.

    .venv/bin/python bench/make_conversations.py /tmp/diarx         # writes OUT/diar.json, WAV/AMR/Opus, RTTM
    .venv/bin/python bench/bench_conversations.py /tmp/diarx        # scores them (ours vs senko)
    .venv/bin/python bench/make_conversations.py /tmp/diarh --set holdout  # 14 more: other voices, seeds
    .venv/bin/python bench/make_conversations.py /tmp/diarh2 --set holdout2  # 14 more: other pairings, seeds
    .venv/bin/python bench/make_conversations.py /tmp/diarh5 --set holdout5 --edges clip  # session 16's
    .venv/bin/python bench/make_conversations.py /tmp/diarh9 --set holdout9 --edges clip  # session 20's: eval/diar's people
    .venv/bin/python bench/make_conversations.py /tmp/diarh10 --set holdout10 --edges clip  # session 21's: new pairings
    .venv/bin/python bench/make_conversations.py /tmp/diarh11 --set holdout11 --edges clip  # session 22's: new pairings
    .venv/bin/python bench/make_conversations.py /tmp/diarh12 --set holdout12 --edges clip  # session 23's: new pairings
    .venv/bin/python bench/make_conversations.py /tmp/diarh13 --set holdout13 --edges clip  # session 24's: new pairings
    .venv/bin/python bench/make_conversations.py /tmp/diarh14 --set holdout14 --edges clip  # session 25's: one pitch
    .venv/bin/python bench/make_conversations.py /tmp/diarh15 --set holdout15 --edges clip  # session 26's
    .venv/bin/python bench/make_conversations.py /tmp/diarh16 --set holdout16 --edges clip  # session 27's: one pitch, one voice
    .venv/bin/python bench/make_conversations.py /tmp/diarh17 --set holdout17 --edges clip  # session 28's: one pitch, one voice
    .venv/bin/python bench/make_conversations.py /tmp/diarh18 --set holdout18 --edges clip  # session 29's: one pitch, JFK, 8 kHz
    .venv/bin/python bench/make_conversations.py /tmp/diarh19 --set holdout19 --edges clip  # session 30's: one pitch, short turns
    .venv/bin/python bench/make_conversations.py /tmp/diarh20 --set holdout20 --edges clip  # session 31's: pairs, trios
    .venv/bin/python bench/make_conversations.py /tmp/h21 --set holdout21 --edges clip  # session 32's: fresh, never tuned on
    .venv/bin/python bench/make_conversations.py /tmp/h22 --set holdout22 --edges clip  # session 33's: fresh, never tuned on
    (--edges clip: reference turns span the whole piece placed, as eval/diar's RTTMs do)

Built as <shared>/eval/diar was (SOURCES.md): utterances of distinct real speakers placed
one after another with pauses of 0.2-0.9 s, some overlapping the previous turn by
0.3-0.8 s, each levelled to the same peak; but from voices the tuned-on conversations do
not use (FLEURS readers of five languages, LibriSpeech readers 2412, 1995, 61 and 260,
JFK, the CMU Sphinx "cards" speaker). A speaker is one clip, or clips known to be one
person: two FLEURS clips of one language may be the same reader, so a conversation never
holds two of them; voices that are one person (conversation_sets.PERSON: the leopard clip is
reader 1272) are one speaker in the references. A clip is cut at its pauses into turns (1-12 s),
so each speaker speaks several times; a "short" speaker gives 1-3 s answers. Seeded: the same files every run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_dir
from conversation_sets import SETS, VOICES, Spec, person

from app.core.media.decode import read_all

RATE = 16000
FRAME = 160  # 10 ms energy frames
PEAK = 0.5  # every utterance levelled to this peak


def load_clip(name: str) -> np.ndarray:
    """A clip's audio: 'file:left|right' picks a channel, 'file@30-62' a stretch (seconds)."""
    name, _, stretch = name.partition("@")
    file, _, channel = name.partition(":")
    path = str(shared_dir() / "eval" / "speech" / file)
    audio = read_all(path)[0] if not channel else read_all(path, mono=False)[0][0 if channel == "left" else 1]
    if stretch:
        start, end = (float(x) for x in stretch.split("-"))
        audio = audio[int(start * RATE) : int(end * RATE)]
    return audio


def speech_mask(audio: np.ndarray) -> np.ndarray:
    """10 ms frames louder than the clip's noise floor by a margin, gaps < 120 ms filled."""
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME)
    db = 10 * np.log10(np.maximum((frames**2).mean(axis=1), 1e-10))
    floor, loud = np.percentile(db, 10), np.percentile(db, 95)
    mask = db > floor + max(6.0, 0.35 * (loud - floor))
    return _fill(mask, 12)


def _fill(mask: np.ndarray, gap: int) -> np.ndarray:
    mask = mask.copy()
    on = np.flatnonzero(mask)
    for a, b in itertools.pairwise(on):
        if 1 < b - a <= gap:
            mask[a:b] = True
    return mask


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) frame indices of each speech run."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 8]


def pieces(audio: np.ndarray, rng: np.random.Generator, short: bool) -> list[np.ndarray]:
    """The clip cut at pauses (>= 0.15 s) into utterances of 1-12 s (1-3 s when short)."""
    spans = runs(speech_mask(audio))
    if not spans:
        return []
    cuts = [spans[0]]
    for a, b in spans[1:]:
        target = rng.uniform(1.0, 2.5) if short else rng.uniform(1.5, 5.0)
        start, end = cuts[-1]
        pause, length = (a - end) / 100, (b - start) / 100
        if pause < 0.15 or length <= target:
            cuts[-1] = (start, b)
        else:
            cuts.append((a, b))
    out = []
    for a, b in cuts:
        piece = audio[max(0, a * FRAME - 480) : b * FRAME + 480]
        out.extend(_split_long(piece))
    return [p for p in out if len(p) >= 0.8 * RATE] or out


def _split_long(piece: np.ndarray, longest: float = 12.0) -> list[np.ndarray]:
    """A piece over 12 s cut at its longest inner pause (however short)."""
    if len(piece) <= longest * RATE:
        return [piece]
    spans = runs(speech_mask(piece))
    gaps = [((b2 - a1), a1, b2) for (_, a1), (b2, _) in itertools.pairwise(spans)]
    middle = [g for g in gaps if 0.25 < g[1] * FRAME / len(piece) < 0.75]
    if not middle:
        return [piece]
    _, end, start = max(middle)
    cut = (end + start) // 2 * FRAME
    return _split_long(piece[:cut], longest) + _split_long(piece[cut:], longest)


def levelled(piece: np.ndarray) -> np.ndarray:
    return (piece * (PEAK / max(float(np.abs(piece).max()), 1e-6))).astype(np.float32)


def order(queues: dict[str, list[np.ndarray]], rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """Turns drawn from the voices' queues, never the same voice twice running while another has some."""
    turns: list[tuple[str, np.ndarray]] = []
    last = None
    while any(queues.values()):
        names = [n for n, q in queues.items() if q and n != last] or [n for n, q in queues.items() if q]
        weights = np.array([len(queues[n]) for n in names], dtype=float)
        last = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        turns.append((last, queues[last].pop(0)))
    return turns


def build(spec: Spec, edges: str = "speech") -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng(spec.seed)
    queues = {}
    for name in spec.voices:
        clips = [load_clip(c) for c in VOICES[name].clips]
        queues[name] = [levelled(p) for clip in clips for p in pieces(clip, rng, name == spec.short)]
    cursor, placed = rng.uniform(0.5, 1.0), []
    for index, (name, piece) in enumerate(order(queues, rng)):
        length = len(piece) / RATE
        start = cursor + rng.uniform(0.2, 0.9)
        if index and rng.random() < spec.overlap and name != placed[-1]["speaker"]:  # no one talks over themself
            back = min(rng.uniform(0.3, 0.8), 0.5 * length, 0.5 * placed[-1]["length"])
            start = cursor - back
        placed.append({"start": start, "length": length, "speaker": name, "audio": piece})
        cursor = max(cursor, start + length)
    mix = mixed(placed, cursor)
    return mix, [_reference_turn(t) if edges == "speech" else _clip_turn(t) for t in placed]


def mixed(placed: list[dict], cursor: float) -> np.ndarray:
    """The placed turns (each with its `start` in seconds and `audio`) summed into one recording that
    ends 1 s after `cursor`, its peak held at 0.95."""
    mix = np.zeros(int((cursor + 1.0) * RATE), dtype=np.float32)
    for turn in placed:
        at = round(turn["start"] * RATE)
        mix[at : at + len(turn["audio"])] += turn["audio"]
    mix *= min(1.0, 0.95 / float(np.abs(mix).max()))
    return mix


def write_recording(name: str, mix: np.ndarray, turns: list[dict], out: Path) -> Path:
    """`name`.wav and its reference turns as `name`.rttm in `out`; the WAV's path."""
    wav = out / f"{name}.wav"
    soundfile.write(wav, mix, RATE, subtype="PCM_16")
    lines = [f"SPEAKER {name} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['speaker']} <NA> <NA>"
             for t in turns]
    (out / f"{name}.rttm").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return wav


def _clip_turn(turn: dict) -> dict:
    """The turn as the whole piece placed, its 30 ms margins included: eval/diar's own RTTMs
    give each turn its clip's full extent, silent lead-in and tail included."""
    return {"start": round(turn["start"], 3), "end": round(turn["start"] + turn["length"], 3),
            "speaker": person(turn["speaker"])}


def _reference_turn(turn: dict) -> dict:
    """The turn as its speech spans: the piece trimmed to its first and last speech frame."""
    spans = runs(speech_mask(turn["audio"]))
    first, last = (spans[0][0], spans[-1][1]) if spans else (0, len(turn["audio"]) // FRAME)
    start = turn["start"] + first * FRAME / RATE
    return {"start": round(start, 3), "end": round(turn["start"] + last * FRAME / RATE, 3),
            "speaker": person(turn["speaker"])}


def overlap_share(turns: list[dict], duration: float) -> float:
    grid = np.zeros(int(duration * 100) + 1, dtype=np.int8)
    for t in turns:
        grid[int(t["start"] * 100) : int(t["end"] * 100)] += 1
    speech = int((grid > 0).sum())
    return round(float((grid > 1).sum()) / speech, 3) if speech else 0.0


def encode(wav: Path) -> list[str]:
    """AMR-NB 8 kHz (12.2 kbit/s, a phone call) and Opus 16 kbit/s (a voice note) copies."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    copies = {".amr": ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"],
              ".opus": ["-ac", "1", "-c:a", "libopus", "-b:a", "16k"]}
    for suffix, args in copies.items():
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), *args,
                        str(wav.with_suffix(suffix))], check=True)
    return [wav.name, *(wav.with_suffix(s).name for s in copies)]


def write(spec: Spec, out: Path, edges: str = "speech") -> dict:
    mix, turns = build(spec, edges)
    wav = write_recording(spec.name, mix, turns, out)
    duration = round(len(mix) / RATE, 2)
    people = len({person(v) for v in spec.voices})  # the leopard clip is reader 1272: one person
    return {"name": spec.name, "files": encode(wav), "rttm": f"{spec.name}.rttm", "speakers": people,
            "duration": duration, "overlap_share": overlap_share(turns, duration), "short": spec.short,
            "voices": {v: VOICES[v].note for v in spec.voices}, "turns": turns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (outside the repository and shared/)")
    parser.add_argument("--set", choices=tuple(SETS), default="tuning",
                        help="holdout, holdout2, holdout5-14: other voices or combinations and seeds, to check a change")
    parser.add_argument("--edges", choices=("speech", "clip"), default="speech",
                        help="reference turn edges: first to last speech frame (as before), or the "
                             "whole piece placed (eval/diar's convention)")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    conversations = []
    for spec in SETS[args.set]:
        conversations.append(write(spec, out, args.edges))
        c = conversations[-1]
        counts = {p: sum(t["speaker"] == p for t in c["turns"]) for p in dict.fromkeys(map(person, spec.voices))}
        print(f"{spec.name}: {c['duration']:.1f} s, {len(c['turns'])} turns {counts}, overlap {c['overlap_share']}")
    (out / "diar.json").write_text(json.dumps({"conversations": conversations}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
