"""Score Parley's diarisation and senko's on conversations made by make_conversations.py.

    .venv/bin/python bench/bench_conversations.py /tmp/diarx [--json OUT.json] [--no-reference]

For every file listed in FOLDER/diar.json (WAV, AMR-NB, Opus): speakers found and DER
(bench_diar's scoring: pyannote.metrics, 0.25 s collar, overlap scored) for ours and
senko, one file at a time, then for each file where ours finds the wrong count or is
worse than senko by more than 1 DER point: which true speakers each found label holds
(seconds), and our turns beside the reference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_diar import MODEL, der, ours, read_rttm, timed
from diar_reference import load_reference, reference_turns

from app.core.diarize import diarize
from app.core.media.decode import read_all


def cases(folder: Path) -> list[tuple[Path, Path, int]]:
    data = json.loads((folder / "diar.json").read_text(encoding="utf-8"))
    return [(folder / name, folder / c["rttm"], c["speakers"]) for c in data["conversations"] for name in c["files"]]


def confusion(reference, turns) -> dict[str, dict[str, float]]:
    """Seconds of each found label's turns that fall on each true speaker's speech."""
    table: dict[str, dict[str, float]] = {}
    for start, end, label in turns:
        for span, _, speaker in reference.itertracks(yield_label=True):
            shared = min(end, span.end) - max(start, span.start)
            if shared > 0:
                row = table.setdefault(label, {})
                row[speaker] = round(row.get(speaker, 0.0) + shared, 1)
    return table


def side_by_side(reference, turns) -> list[str]:
    truth = [f"{s.start:7.2f}-{s.end:7.2f} {who}" for s, _, who in reference.itertracks(yield_label=True)]
    found = [f"{a:7.2f}-{b:7.2f} {who}" for a, b, who in turns]
    width = max(len(t) for t in truth)
    return [f"    {t:<{width}} | {f}" for t, f in zip(truth + [""] * len(found), found + [""] * len(truth), strict=False)
            if t or f]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path, help="also write every result (turns included) here")
    parser.add_argument("--no-reference", action="store_true", help="ours only (senko costs ~10 s CPU per audio min)")
    args = parser.parse_args()
    reference_model = None if args.no_reference else load_reference()
    diarize(np.zeros(16000, dtype=np.float32), MODEL)
    results = []
    print("file | true | ours | senko | DER ours | DER senko | ours s/min cpu")
    for path, rttm, count in cases(args.folder):
        audio, _ = read_all(str(path))
        truth = read_rttm(rttm)
        mine = timed(ours, audio)
        ref = timed(lambda a: reference_turns(reference_model, a) if reference_model else [], audio)
        result = {"file": path.name, "true": count, "ours": mine.speakers, "senko": ref.speakers,
                  "der_ours": round(der(truth, mine.turns), 1), "der_senko": round(der(truth, ref.turns), 1),
                  "turns_ours": mine.turns, "turns_senko": ref.turns,
                  "confusion_ours": confusion(truth, mine.turns), "confusion_senko": confusion(truth, ref.turns)}
        results.append(result)
        print(f"{path.name} | {count} | {mine.speakers} | {ref.speakers} | {result['der_ours']:.1f} | "
              f"{result['der_senko']:.1f} | {mine.cpu / (len(audio) / 960000):.2f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    for result in results:
        if result["ours"] != result["true"] or (reference_model and result["der_ours"] > result["der_senko"] + 1):
            print(f"\n{result['file']}: ours {result['ours']}/{result['true']} speakers, DER {result['der_ours']} "
                  f"(senko {result['senko']}, {result['der_senko']})")
            print(f"  ours:  {result['confusion_ours']}\n  senko: {result['confusion_senko']}")
            print("\n".join(side_by_side(read_rttm(args.folder / (Path(result['file']).stem + '.rttm')),
                                         result["turns_ours"])))


if __name__ == "__main__":
    main()
