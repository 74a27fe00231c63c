"""Word error rate of the clip packing, in-process, with its encoder work counted (no timings).

    .venv/bin/python bench/bench_packing.py                     # the device's BatchOptions
    .venv/bin/python bench/bench_packing.py --gap 3.0 --json /tmp/gap3.json
    .venv/bin/python bench/bench_packing.py --no-pack

The 112 short clips of bench_throughput.py (eval clips <= 30 s and the shared voice
notes), grouped as the worker groups queued short jobs (the queue shared out in
groups of about 480 s of audio, at most 64 jobs), each group through `asr.transcribe_clips` with the given
BatchOptions, as the transcribe command does. Parley's decoding is deterministic,
so one run is the figure. WER per language and pooled (bench_throughput's scoring);
encoder work as the CPU proxy, in 30 s windows: packed windows encoded, plus the
share of a window of each language check on a piece's own frames, plus full
detection passes. The shared voice notes' outcomes are printed: detected language,
its probability, [inaudible] markers, text.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import by_language, pooled_wer, short_clips
from common import EvalItem

from app.evaluation import wer

GROUP_AUDIO_MS = 480_000  # the worker's BATCH_AUDIO_S (app/worker/process.py)
GROUP_JOBS = 64  # ... and BATCH_MAX_JOBS


class EncoderCount:
    """Counts the encoder work of the batched decoder, in 30 s windows."""

    def __init__(self, engine) -> None:
        from app.core.asr import decoder

        self.windows = self.own_frames = 0.0
        self.full_detections = 0
        cls = decoder.BatchDecoder
        encode, alone, detect = cls.encode, cls.detect_alone, engine.detect_language

        def counted_encode(this, audio):
            self.windows += 1
            return encode(this, audio)

        def counted_alone(this, audio, allowed):
            self.own_frames += min(len(audio), 480_000) / 480_000
            return alone(this, audio, allowed)

        def counted_detect(audio, allowed=()):
            self.full_detections += 1
            return detect(audio, allowed)

        cls.encode, cls.detect_alone, engine.detect_language = counted_encode, counted_alone, counted_detect

    def total(self) -> float:
        return self.windows + self.own_frames + self.full_detections

    def as_dict(self) -> dict:
        return {"windows": self.windows, "own_frames": round(self.own_frames, 2),
                "full_detections": self.full_detections, "total": round(self.total(), 2)}


class DecoderCount:
    """Counts the batched decoder's beam searches: calls of CTranslate2's generate, and the pieces
    they decoded (a batch of 4 is one call, 4 pieces)."""

    def __init__(self) -> None:
        from app.core.asr import decoder

        self.calls = self.pieces = 0
        lock = threading.Lock()
        real = decoder.fw.ctranslate2_whisper
        counter = self

        class Counted:
            def __init__(self, ct2) -> None:
                self._ct2 = ct2

            def generate(self, features, prompts, **kwargs):
                with lock:
                    counter.calls += 1
                    counter.pieces += len(prompts)
                return self._ct2.generate(features, prompts, **kwargs)

            def __getattr__(self, name):
                return getattr(self._ct2, name)

        decoder.fw.ctranslate2_whisper = lambda model: Counted(real(model))

    def as_dict(self) -> dict:
        return {"generate_calls": self.calls, "pieces_decoded": self.pieces}


def worker_groups(sources: list) -> list[list]:
    """The sources cut into the groups the worker claims together (process._next_jobs): the
    queue's audio shared out in groups of about GROUP_AUDIO_MS, at most GROUP_JOBS files."""
    groups, rest = [], list(sources)
    while rest:
        queued = sum(s.duration_ms for s in rest)
        limit = queued / max(1, round(queued / GROUP_AUDIO_MS))
        group, audio = [], 0
        while rest and len(group) < GROUP_JOBS and (not group or audio < limit):
            group.append(rest.pop(0))
            audio += group[-1].duration_ms
        groups.append(group)
    return groups


def _cpu() -> float:
    """CPU seconds of this process so far, every thread's (CTranslate2 decodes on its own threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(args) -> dict:
    from app.core.asr import load_engine, transcribe_clips
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    items: list[EvalItem] = short_clips()
    options = TranscribeOptions(model=args.model, threads=2, device="cpu", compute_type="int8", beam_size=5)
    started = _cpu()
    engine = load_engine(options)
    loaded = _cpu()
    count, decodes = EncoderCount(engine), DecoderCount()
    changes = {"gap_s": args.gap} if args.gap is not None else {}
    batch = replace(engine.batch, pack=not args.no_pack, mixed_languages=args.mixed_languages, **changes)
    sources = [probe(str(i.path)) for i in items]
    results = [r for group in worker_groups(sources) for r in transcribe_clips(engine, group, options, batch)]
    done = _cpu()
    hyps = [" ".join(s.text for s in r.segments if s.text) for r in results]
    refs, langs = [i.text for i in items], [i.language for i in items]
    return {
        "batch": {"gap_s": batch.gap_s, "pack": batch.pack, "mixed_languages": batch.mixed_languages},
        "wer": pooled_wer(refs, hyps, langs), "wer_by_language": by_language(refs, hyps, langs),
        "encoder": count.as_dict(), "decoder": decodes.as_dict(),
        "cpu_s": {"model_load": round(loaded - started, 1), "transcribe": round(done - loaded, 1)},
        "clips": [{"file": i.key, "language": i.language, "detected": r.language,
                   "probability": round(r.language_probability, 3), "text": h,
                   "inaudible": sum(s.inaudible for s in r.segments), "wer": wer([i.text], [h], i.language),
                   "words": [[w.start_ms, w.end_ms, w.text] for s in r.segments for w in s.words]}
                  for i, r, h in zip(items, results, hyps)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base")
    parser.add_argument("--gap", type=float, default=None, help="seconds of silence between packed clips")
    parser.add_argument("--no-pack", action="store_true", help="one clip per window")
    parser.add_argument("--mixed-languages", action="store_true",
                        help="pieces of several languages share beam searches (BatchOptions.mixed_languages)")
    parser.add_argument("--json", type=Path, help="write every clip's result here")
    args = parser.parse_args(argv)
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{out['batch']}: WER {out['wer']:.1%}  "
          + "  ".join(f"{k} {v:.1%}" for k, v in out["wer_by_language"].items()))
    print("encoder work (30 s windows):", out["encoder"])
    print("decoder passes:", out["decoder"])
    print("CPU seconds (this process, all threads):", out["cpu_s"])
    for clip in out["clips"]:
        if clip["file"].split(".")[0].endswith("_voicenote"):
            print(f"  {clip['file']:20s} {clip['detected']} {clip['probability']:.2f} "
                  f"inaudible {clip['inaudible']}  {clip['text'][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
