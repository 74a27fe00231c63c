"""Where a long recording's CPU goes: the packed decoder in-process, each stage charged its CPU (issue #15).

Every model call (CTranslate2 encode / generate / align / detect_language), the log-mel features and
Silero VAD run one at a time under one lock, each charged the process's CPU (getrusage) over its call
(CTranslate2 works on its own threads: a thread's clock would miss it); "other" is the total less the
stages. A call is labelled by what asked for it (main beam search, fallback, continuation, language
checks...). Also counted: windows encoded, pieces, how full the windows are. Diarisation (--diarize) is
run after the words, on its own, its CPU charged whole. The serialising doubles the wall time; the CPU
is what counts (a shared machine moves wall time, much less CPU time).

    PYTHONPATH=$PWD GLIBC_TUNABLES=... .venv/bin/python bench/long_stages.py /tmp/parley_long_10min.wav \
        [--seconds 300] [--diarize] [--beam 5] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: F401 - puts the tree on sys.path
from stage_cpu import (
    as_json,
    charge_decoder,
    charge_engine,
    charged,
    cpu,
    kernel,
    labelled,
    redo_labelled,
    stages,
    table,
)

from app.core.asr import batched as B
from app.core.asr import language_check as L
from app.core.asr import speech as S

counts = {"windows": 0, "pieces": 0, "piece_s": 0.0, "alone": 0, "speech_s": 0.0}


def count(windows) -> None:
    counts["windows"] += len(windows)
    counts["pieces"] += sum(len(w) for w in windows)
    counts["alone"] += sum(len(w) == 1 for w in windows)
    counts["piece_s"] += sum(len(p.audio) for w in windows for p in w) / 16000
    counts["speech_s"] += sum(b - a for w in windows for p in w for a, b in p.chunk.regions) / 1000


def instrument() -> None:
    charge_decoder()
    S.speech_timestamps = charged("vad", S.speech_timestamps)
    L.mixed_pieces = labelled("mixed_pieces", L.mixed_pieces)
    L.switches = labelled("switches", L.switches)
    B.decode_pieces = redo_labelled(B.decode_pieces, count)


def cut_copy(path: Path, seconds: float) -> Path:
    """The first `seconds` of a WAV, written beside it (reused)."""
    import wave

    out = path.with_name(f"{path.stem}_{seconds:g}s.wav")
    if out.is_file():
        return out
    with wave.open(str(path)) as src, wave.open(str(out), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(int(seconds * src.getframerate())))
    return out


def reference_for(path: Path, seconds: float | None) -> str | None:
    ref = path.with_suffix(".ref.txt")
    return None if seconds or not ref.is_file() else ref.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--seconds", type=float, help="only the first SECONDS (no WER then)")
    parser.add_argument("--model", default="base")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--diarize", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--text", type=Path, help="write the transcript's words here")
    args = parser.parse_args()
    instrument()
    from app.core.asr import load_engine, transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions
    from app.evaluation import wer

    path = cut_copy(args.file, args.seconds) if args.seconds else args.file
    options = TranscribeOptions(model=args.model, threads=2, device="cpu", compute_type="int8", beam_size=args.beam)
    start = cpu()
    engine = load_engine(options)
    charge_engine(engine)
    load = cpu() - start
    source = probe(path)
    begin, wall, in_kernel = cpu(), time.perf_counter(), kernel()
    segments = [s for done in transcribe_source(engine, source, options) for s in done.segments]
    words_cpu, words_wall, words_kernel = cpu() - begin, time.perf_counter() - wall, kernel() - in_kernel
    text = " ".join(s.text for s in segments)
    out = {"file": str(path), "audio_s": source.duration_ms / 1000, "cpu_load": round(load, 2),
           "cpu_words": round(words_cpu, 2), "kernel_words": round(words_kernel, 2), "wall_words": round(words_wall, 1), **counts,
           "stages": as_json()}
    reference = reference_for(args.file, args.seconds)
    if reference is not None:
        out["wer"] = wer([reference], [text], "en")
    if args.diarize:
        from app.core.diarize.model_dirs import speaker_model_dir
        from app.core.diarize.pipeline import find_turns

        whisper_dir = Path(engine.info.path)
        begin = cpu()
        result = find_turns(source, options, whisper_dir, speaker_model_dir(whisper_dir))
        out["cpu_diarize"], out["speakers"] = round(cpu() - begin, 2), result.speakers
    if args.text:
        args.text.write_text(text, encoding="utf-8")
    staged = sum(v[0] for v in stages.values())
    print(f"{path.name}: audio {out['audio_s']:.0f} s, words CPU {words_cpu:.1f} s (kernel {words_kernel:.1f} s; "
          f"{words_wall:.0f} s wall), "
          f"load {load:.1f} s, other {words_cpu - staged:.1f} s, WER {out.get('wer', float('nan')):.2%}"
          + (f", diarisation CPU {out['cpu_diarize']:.1f} s" if args.diarize else ""))
    print(f"windows {counts['windows']}, pieces {counts['pieces']} ({counts['alone']} alone), piece audio "
          f"{counts['piece_s']:.0f} s = {counts['piece_s'] / max(1, 30 * counts['windows']):.0%} of the windows, "
          f"VAD speech {counts['speech_s']:.0f} s")
    print("\n".join(table(words_cpu)))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
