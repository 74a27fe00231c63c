"""Which diarisation rule decides anything: each rule switched off in turn, replayed on cached inputs.

    .venv/bin/python bench/diar_ablate.py --cache bench/out/diar-cache /tmp/diarx /tmp/diarh13 ...

Every file of each folder (FOLDER/diar.json, as bench_conversations.py reads it) must already be in
the cache (bench_conversations.py --cache fills it). For the code as it is and for each rule left out
(`RULES`: a function of the pipeline replaced by one that hands its labels back unchanged, or a test
that answers no), the clustering is replayed on every file; printed per rule: the files whose
speaker count or DER (0.1 point or more) changes, and how many counts go right and wrong. A rule
that changes no file decides nothing on any of them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_conversations import cases
from bench_diar import der, read_rttm
from diar_cache import file_key, finished, from_cache

from app.core.diarize.cluster import MIN_CLUSTER


def _same(labels, *args, **kwargs):
    return labels


def _same_labels(windows, labels):
    return labels


def _no(*args, **kwargs) -> bool:
    return False


# rule -> [(module, attribute, replacement)]: each rule left out where the pipeline looks it up
RULES: dict[str, list[tuple[str, str, object]]] = {
    "merge_same_voice": [("engine", "merge_same_voice", _same)],
    "fold_scraps": [("engine", "fold_scraps", _same)],
    "split_by_regions": [("engine", "split_by_regions", _same)],
    "split_minorities": [("engine", "split_minorities", _same)],
    "split_lone": [("engine", "split_lone", _same)],
    "smooth": [("engine", "smooth", _same_labels)],
    "attach_fragments": [("engine", "attach_fragments", _same_labels)],
    "regions: two_voices": [("region_split", "_two_voices", _no)],
    "regions: pitched_apart": [("region_split", "_pitched_apart", _no)],
    "regions: short_pitched_apart": [("region_split", "_short_pitched_apart", _no)],
    "cluster: better_distinct": [("cluster", "_better_distinct", _no)],
    "cluster: keep small distinct": [("cluster", "_with_distinct_small",
                                      lambda emb, labels, ids, sizes, *_: ids[sizes >= MIN_CLUSTER])],
    "cluster: small heard apart (phone band)": [("cluster", "_heard_apart", _no)],
    "same_voice: pitches_separate": [("same_voice", "pitches_separate", lambda a, b, share=0.9: True)],
    # the pitch witness of merge_same_voice (region_split keeps its own import: untouched)
    "same_voice: pitches_apart": [("same_voice", "pitches_apart", _no)],
    # session 31: no cluster taken for a phrase said again (its pitch weighed as before)
    "same_voice: phrases_said_again": [("same_voice", "phrases_said_again", lambda *a: frozenset())],
}


def score(files: list[tuple[str, object, int, object]]) -> dict[str, tuple[int, float]]:
    out = {}
    for name, collector, _, truth in files:
        result = finished(collector)
        turns = [(t.start_ms / 1000, t.end_ms / 1000, f"S{t.speaker_index}") for t in result.turns]
        out[name] = (result.speakers, round(der(truth, turns), 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--only", nargs="*", help="these rules only (names of RULES)")
    args = parser.parse_args()
    files = []
    for folder in args.folders:
        for path, rttm, count in cases(folder):
            collector = from_cache(args.cache, file_key(path))
            files.append((f"{folder.name}/{path.name}", collector, count, read_rttm(rttm)))
    truth = {name: count for name, _, count, _ in files}
    base = score(files)
    wrong = sorted(n for n, (k, _) in base.items() if k != truth[n])
    print(f"{len(files)} files; as it is: count wrong on {len(wrong)}: {', '.join(wrong)}")
    for rule, patches in RULES.items():
        if args.only and rule not in args.only:
            continue
        with ExitStack() as stack:
            for module, attribute, replacement in patches:
                target = importlib.import_module(f"app.core.diarize.{module}")
                stack.enter_context(mock.patch.object(target, attribute, replacement))
            ablated = score(files)
        changed = [n for n in base if ablated[n] != base[n]]
        fixed = sum(ablated[n][0] == truth[n] != base[n][0] for n in changed)
        broken = sum(base[n][0] == truth[n] != ablated[n][0] for n in changed)
        print(f"\nwithout {rule}: {len(changed)} files change, counts {broken} right -> wrong, {fixed} wrong -> right")
        for n in changed:
            print(f"  {n}: {base[n][0]}/{truth[n]} -> {ablated[n][0]}/{truth[n]}, DER {base[n][1]} -> {ablated[n][1]}")


if __name__ == "__main__":
    main()
