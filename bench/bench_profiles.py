"""Voice-profile threshold: same person across conversations against different people.

    .venv/bin/python bench/bench_profiles.py [--marked 3]

For every conversation of <shared>/eval/diar (its WAV copy), each true speaker is enrolled
as a profile from its first `--marked` reference turns (as a user would mark segments:
app.core.diarize.profiles.enrol). Every other conversation (WAV, AMR-NB and Opus copies) is
diarised; each diarised speaker's voiceprint (the run's stored centroid) is named by the
reference speaker it covers most. Each profile is scored against the diarised speakers of
the *other* conversations only: a same-person pair is the same source speaker, a
different-person pair is not. Printed: the score ranges, and for each threshold how many
same-person pairs it would miss and how many different-person pairs it would offer.
Note: the conversations are cut from the same source clips, so a profile and a voiceprint
of the same person may share utterances (printed separately where the reference text shows it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.core.diarize import diarize
from app.core.diarize.profiles import enrol, match
from app.core.media.decode import read_all
from app.core.models.catalogue import default_models_dir


def shared() -> Path:
    import os

    return Path(os.environ.get("PARLEY_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def named_voiceprints(result, turns) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    named: dict[str, np.ndarray] = {}
    for index, voice in enumerate(result.embeddings):
        cover: dict[str, float] = {}
        for turn in (t for t in result.turns if t.speaker_index == index):
            for t in turns:
                shared_s = min(t["end"], turn.end_ms / 1000) - max(t["start"], turn.start_ms / 1000)
                cover[t["speaker"]] = cover.get(t["speaker"], 0.0) + max(0.0, shared_s)
        named.setdefault(max(cover, key=cover.get), voice)  # type: ignore[arg-type]
    return named


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--marked", type=int, default=3, help="reference turns marked per speaker")
    args = parser.parse_args()
    diar = shared() / "eval" / "diar"
    model = default_models_dir() / "speaker-campplus"
    conversations = json.loads((diar / "diar.json").read_text())["conversations"]
    profiles: dict[tuple[str, str], np.ndarray] = {}
    texts: dict[tuple[str, str], set[str]] = {}
    voices: list[tuple[str, str, str, np.ndarray]] = []  # conversation, file, speaker, voiceprint
    for conv in conversations:
        audio, _ = read_all(str(diar / conv["files"][0]))
        for who in sorted({t["speaker"] for t in conv["turns"]}):
            turns = [t for t in conv["turns"] if t["speaker"] == who][: args.marked]
            spans = [(int(t["start"] * 1000), int(t["end"] * 1000)) for t in turns]
            profiles[(conv["name"], who)] = enrol(audio, spans, model)
            texts[(conv["name"], who)] = {t["text"] for t in turns if t["text"]}
        for name in conv["files"]:
            audio, _ = read_all(str(diar / name))
            for who, voice in named_voiceprints(diarize(audio, model), conv["turns"]).items():
                voices.append((conv["name"], name, who, voice))
    same, other, shared_text = [], [], []
    conv_texts = {c["name"]: {(t["speaker"], t["text"]) for t in c["turns"] if t["text"]} for c in conversations}
    for (pconv, pwho), profile in profiles.items():
        for vconv, vfile, vwho, voice in voices:
            if vconv == pconv:
                continue
            score = match(profile, voice)
            (same if pwho == vwho else other).append((score, f"{pconv}:{pwho} ~ {vfile}:{vwho}"))
            if pwho == vwho and any((vwho, t) in conv_texts[vconv] for t in texts[(pconv, pwho)]):
                shared_text.append(score)
    same.sort()
    other.sort()
    print(f"profiles: {len(profiles)} (first {args.marked} turns each); diarised voices: {len(voices)}")
    print(f"same person, other conversation: {len(same)} pairs, min {same[0][0]:.3f}, "
          f"median {np.median([s for s, _ in same]):.3f}, max {same[-1][0]:.3f}")
    print(f"  of which the profile shares an utterance with the conversation: {len(shared_text)}")
    print(f"different people: {len(other)} pairs, min {other[0][0]:.3f}, "
          f"median {np.median([s for s, _ in other]):.3f}, max {other[-1][0]:.3f}")
    print("lowest same-person pairs:", "; ".join(f"{s:.3f} {w}" for s, w in same[:3]))
    print("highest different-people pairs:", "; ".join(f"{s:.3f} {w}" for s, w in other[-3:]))
    print("threshold | same missed | different offered")
    for threshold in (0.55, 0.60, 0.65, 0.70, 0.75, 0.80):
        missed = sum(s < threshold for s, _ in same)
        offered = sum(s >= threshold for s, _ in other)
        print(f"{threshold:.2f} | {missed}/{len(same)} | {offered}/{len(other)}")


if __name__ == "__main__":
    main()
