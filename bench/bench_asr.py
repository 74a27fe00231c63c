"""Word error rate and speed of our speech pipeline against plain faster-whisper.

    .venv/bin/python bench/bench_asr.py                      # everything, ~19 min of audio
    .venv/bin/python bench/bench_asr.py --limit 3 --languages en,de
    .venv/bin/python bench/bench_asr.py --model tiny.en --languages en --no-peer

For every item of <shared>/eval/speech.json it runs, in the same process:

* OURS: app.core.asr.transcribe_source file by file (block decode -> Silero VAD ->
  chunks of at most 30 s -> the packed decoder over that file's own chunks ->
  hallucination guards): what `transcribe --no-batch` runs; int8, 2 threads,
  language detected (never forced). Batching across files is bench_throughput's.
* PEER: plain faster-whisper, `WhisperModel(dir, device="cpu", compute_type="int8",
  cpu_threads=2).transcribe(file, vad_filter=True, beam_size=5)` file by file with
  its other defaults, language detected.

Both are scored with the same normaliser (app.evaluation.wer: corpus WER per
language after Whisper's normalisers). xRT = audio seconds / wall seconds of
transcription (decoding included, model loading excluded). For the two-speaker
stereo file, whose references are per channel, both systems get that channel.
<shared> is $PARLEY_SHARED, else the `shared` folder beside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    EvalItem,
    command_line,
    eval_items,
    peak_rss_mb,
    peer_model,
    peer_transcribe,
)

from app.core.asr import load_engine, transcribe_source
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.evaluation import wer


def ours(engine, item: EvalItem, options: TranscribeOptions) -> tuple[str, str]:
    source = probe(item.path)
    if item.channel is not None:
        from dataclasses import replace

        options = replace(options, channels="split")
    done = list(transcribe_source(engine, source, options))
    key = "mix" if item.channel is None else f"ch{item.channel}"
    segments = sorted((s for d in done if d.track.key == key for s in d.segments), key=lambda s: s.start_ms)
    return " ".join(s.text for s in segments), (done[-1].language if done else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base", help="a name under models/ or a model folder")
    parser.add_argument("--limit", type=int, default=0, help="at most this many files per language")
    parser.add_argument("--languages", default="", help="comma-separated, e.g. en,de")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="only our pipeline")
    parser.add_argument("--peer-cache", type=Path, help="JSON file: reuse/stash peer results (text, language, seconds)")
    parser.add_argument("--dump", type=Path, help="write per-file hypotheses and WER as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="print a line per file")
    args = parser.parse_args(argv)

    languages = [c.strip() for c in args.languages.split(",") if c.strip()] or None
    items = eval_items(languages, args.limit)
    options = TranscribeOptions(model=args.model, threads=args.threads, device="cpu", compute_type="int8")
    engine = load_engine(options)
    run_peer = not args.no_peer
    peer = None
    cache: dict = {}
    if run_peer:
        if args.peer_cache and args.peer_cache.is_file():
            cache = json.loads(args.peer_cache.read_text())
        model_dir = engine.info.path
        if any(i.key not in cache for i in items):
            peer = peer_model(model_dir, args.threads)

    if items:  # warm up both (first-call allocations and caches), untimed
        ours(engine, items[0], options)
        if peer is not None:
            peer_transcribe(peer, items[0])
    rows: list[dict] = []
    for item in items:
        row = {"key": item.key, "language": item.language, "duration": item.duration, "reference": item.text}
        start = time.perf_counter()
        row["ours"], row["ours_language"] = ours(engine, item, options)
        row["ours_s"] = time.perf_counter() - start
        if run_peer:
            if item.key in cache:
                row["peer"], row["peer_language"], row["peer_s"] = cache[item.key]
            else:
                start = time.perf_counter()
                row["peer"], row["peer_language"] = peer_transcribe(peer, item)
                row["peer_s"] = time.perf_counter() - start
                cache[item.key] = [row["peer"], row["peer_language"], row["peer_s"]]
        row["ours_wer"] = wer([item.text], [row["ours"]], item.language)
        row["peer_wer"] = wer([item.text], [row["peer"]], item.language) if run_peer else None
        rows.append(row)
        if args.verbose:
            peer_part = (f"  peer {row['peer_wer']:6.1%} [{row['peer_language']}] {row['peer_s']:5.1f}s"
                         if run_peer else "")
            print(f"{item.key[:48]:48s} {item.duration:6.1f}s  ours {row['ours_wer']:6.1%} "
                  f"[{row['ours_language']}] {row['ours_s']:5.1f}s{peer_part}", flush=True)
    if args.peer_cache and run_peer:
        args.peer_cache.write_text(json.dumps(cache, ensure_ascii=False, indent=1))
    if args.dump:
        args.dump.write_text(json.dumps(rows, ensure_ascii=False, indent=1))

    by_lang: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_lang[row["language"]].append(row)
    print()
    print(f"model {args.model} ({engine.info.path}), int8, {args.threads} threads; "
          f"peer = faster-whisper transcribe(vad_filter=True, beam_size=5), language auto")
    header = f"{'language':8s} {'files':>5s} {'audio min':>9s} {'WER ours':>9s} {'WER peer':>9s} {'xRT ours':>9s} {'xRT peer':>9s} {'lang miss ours/peer':>20s}"
    print(header)
    print("-" * len(header))
    groups = sorted(by_lang.items(), key=lambda kv: (kv[0] != "en", kv[0])) + [("all", rows)]
    for lang, group in groups:
        audio = sum(r["duration"] for r in group)
        ours_s = sum(r["ours_s"] for r in group)
        if lang == "all":
            # corpus WER over languages: errors summed, weighted by reference words
            ours_wer = _pooled(group, "ours")
            peer_wer = _pooled(group, "peer") if run_peer else None
        else:
            ours_wer = wer([r["reference"] for r in group], [r["ours"] for r in group], lang)
            peer_wer = wer([r["reference"] for r in group], [r["peer"] for r in group], lang) if run_peer else None
        miss_ours = sum(1 for r in group if r["ours_language"] != r["language"])
        line = f"{lang:8s} {len(group):5d} {audio / 60:9.2f} {ours_wer:9.1%} "
        if run_peer:
            peer_s = sum(r["peer_s"] for r in group)
            miss_peer = sum(1 for r in group if r["peer_language"] != r["language"])
            line += f"{peer_wer:9.1%} {audio / ours_s:8.1f}x {audio / peer_s:8.1f}x {miss_ours:>9d}/{miss_peer}"
        else:
            line += f"{'-':>9s} {audio / ours_s:8.1f}x {'-':>9s} {miss_ours:>9d}/-"
        print(line)
    print(f"\npeak RSS {peak_rss_mb():.0f} MB; command: {command_line()}")
    return 0


def _pooled(rows: list[dict], system: str) -> float:
    from app.evaluation import normalise

    words = errors = 0.0
    for row in rows:
        n = len(normalise(row["reference"], row["language"]).split())
        words += n
        errors += row[f"{system}_wer"] * n
    return errors / words if words else 0.0


if __name__ == "__main__":
    sys.exit(main())
