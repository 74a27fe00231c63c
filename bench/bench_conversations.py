"""Score Parley's diarisation and senko's on conversations made by make_conversations.py.

    .venv/bin/python bench/bench_conversations.py /tmp/diarx [--json OUT.json] [--no-reference]
    .venv/bin/python bench/bench_conversations.py /tmp/diarx --cache bench/out/diar-cache --json new.json \
        --compare old.json      # replayed: only the clustering runs again; what changed against old.json

For every file listed in FOLDER/diar.json (WAV, AMR-NB, Opus): speakers found and DER
(bench_diar's scoring: pyannote.metrics, 0.25 s collar, overlap scored) for ours and
senko, one file at a time, then for each file where ours finds the wrong count or is
worse than senko by more than 1 DER point: which true speakers each found label holds
(seconds), and our turns beside the reference; last, per copy (WAV / AMR / Opus): counts
wrong and mean DER, ours and senko's. With --cache, each file's diarisation inputs (regions,
voiceprints, pitches: diar_cache.py) and senko's turns are kept there, and a later run replays
only the clustering on them (its CPU column then reads "-").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_diar import MODEL, der, read_rttm
from diar_cache import cached_reference, collected, file_key, finished
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


def ours(audio: np.ndarray, cache: Path | None, key: str) -> tuple[list[tuple[float, float, str]], float | None]:
    """Our turns, and the CPU seconds they took (None when replayed from the cache)."""
    cpu = time.process_time()
    collector, replayed = collected(audio, MODEL, cache, key)
    result = finished(collector)
    turns = [(t.start_ms / 1000, t.end_ms / 1000, f"S{t.speaker_index}") for t in result.turns]
    return turns, None if replayed else time.process_time() - cpu


def summary(results: list[dict]) -> list[str]:
    """Per copy (by suffix): files, counts wrong and mean DER, ours and senko's."""
    lines = []
    for suffix in sorted({Path(r["file"]).suffix for r in results}):
        rows = [r for r in results if Path(r["file"]).suffix == suffix]
        line = (f"{suffix[1:]:>4}: {len(rows)} files, count wrong ours {sum(r['ours'] != r['true'] for r in rows)}, "
                f"mean DER ours {np.mean([r['der_ours'] for r in rows]):.2f}")
        scored = [r for r in rows if r.get("turns_senko")]
        if scored:
            line += (f"; senko on {len(scored)}: count wrong {sum(r['senko'] != r['true'] for r in scored)}, "
                     f"mean DER {np.mean([r['der_senko'] for r in scored]):.2f} (ours on those "
                     f"{np.mean([r['der_ours'] for r in scored]):.2f}), files where ours is worse by > 1 point: "
                     f"{sum(r['der_ours'] > r['der_senko'] + 1 for r in scored)}")
        lines.append(line)
    return lines


def changes(results: list[dict], before: list[dict]) -> list[str]:
    """Files whose count or DER (by 0.1 point or more) differs from an earlier run's."""
    old = {r["file"]: r for r in before}
    lines = []
    for r in results:
        o = old.get(r["file"])
        if o and (o["ours"] != r["ours"] or abs(o["der_ours"] - r["der_ours"]) >= 0.1):
            lines.append(f"  {r['file']}: {o['ours']}/{r['true']} -> {r['ours']}/{r['true']}, "
                         f"DER {o['der_ours']} -> {r['der_ours']}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path, help="also write every result (turns included) here")
    parser.add_argument("--no-reference", action="store_true", help="ours only (senko costs ~10 s CPU per audio min)")
    parser.add_argument("--cache", type=Path, help="keep (and reuse) each file's diarisation inputs and senko's "
                                                   "turns in this folder (bench/out/... : never in the repository)")
    parser.add_argument("--compare", type=Path, help="an earlier --json: list the files whose count or DER changed")
    parser.add_argument("--quiet", action="store_true", help="no per-file detail of the wrong files")
    args = parser.parse_args()
    reference_model = None if args.no_reference else load_reference()
    diarize(np.zeros(16000, dtype=np.float32), MODEL)
    results = []
    print("file | true | ours | senko | DER ours | DER senko | ours s/min cpu")
    for path, rttm, count in cases(args.folder):
        audio, _ = read_all(str(path))
        truth = read_rttm(rttm)
        key = file_key(path)
        mine, cpu = ours(audio, args.cache, key)
        ref = (cached_reference(args.cache, key, lambda a=audio: reference_turns(reference_model, a))
               if reference_model else [])
        result = {"file": path.name, "rttm": str(rttm), "true": count, "ours": len({t[2] for t in mine}),
                  "senko": len({t[2] for t in ref}), "der_ours": round(der(truth, mine), 1),
                  "der_senko": round(der(truth, ref), 1), "turns_ours": mine, "turns_senko": ref,
                  "confusion_ours": confusion(truth, mine), "confusion_senko": confusion(truth, ref)}
        results.append(result)
        speed = "-" if cpu is None else f"{cpu / (len(audio) / 960000):.2f}"
        print(f"{path.name} | {count} | {result['ours']} | {result['senko'] if ref else '-'} | "
              f"{result['der_ours']:.1f} | {result['der_senko'] if ref else '-'} | {speed}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    for result in results if not args.quiet else []:
        if result["ours"] != result["true"] or (result["turns_senko"] and result["der_ours"] > result["der_senko"] + 1):
            print(f"\n{result['file']}: ours {result['ours']}/{result['true']} speakers, DER {result['der_ours']} "
                  f"(senko {result['senko']}, {result['der_senko']})")
            print(f"  ours:  {result['confusion_ours']}\n  senko: {result['confusion_senko']}")
            print("\n".join(side_by_side(read_rttm(Path(result["rttm"])), result["turns_ours"])))
    print("\n" + "\n".join(summary(results)))
    if args.compare:
        changed = changes(results, json.loads(args.compare.read_text(encoding="utf-8")))
        print(f"changed against {args.compare.name}: {len(changed)} files", *changed, sep="\n")


if __name__ == "__main__":
    main()
