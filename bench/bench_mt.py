"""Benchmark a CTranslate2 translation model on FLORES-200 devtest, into English.

    python bench/bench_mt.py --model models/nllb-200-distilled-600M --limit 200
    python bench/bench_mt.py --model DIR --langs pol_Latn,ron_Latn --device cpu --beam 4

For each <lang>.devtest in <shared>/eval/flores (except eng_Latn, the reference,
line-aligned) it translates the first --limit lines into English and prints
chrF and BLEU (sacrebleu defaults), sentences per second and how many outputs
got a length flag. <shared> is $PARLEY_SHARED, else the `shared` folder beside
the repository.

With --whisper-model DIR it instead scores Whisper's own speech-to-English
(task "translate") through Parley's speech pipeline (VAD, chunking, hallucination
guards) on the non-English FLEURS clips of <shared>/eval/speech.json (the items
carrying `english_translation`): chrF and BLEU per language and overall, and the
real-time factor (wall seconds per second of audio).

    python bench/bench_mt.py --whisper-model models/base --threads 2
    python bench/bench_mt.py --whisper-model models/base --no-word-timestamps
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.errors import ParleyError
from app.core.translation.engine import TextTranslator, load_translator

REFERENCE = "eng_Latn"


@dataclass(frozen=True)
class LanguageScore:
    language: str
    sentences: int
    chrf: float
    bleu: float
    seconds: float
    flagged: int

    @property
    def per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0


def shared_dir() -> Path:
    env = os.environ.get("PARLEY_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def flores_dir() -> Path:
    return shared_dir() / "eval" / "flores"


def read_lines(path: Path, limit: int) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[:limit] if limit > 0 else lines


def source_files(folder: Path, languages: list[str] | None) -> list[Path]:
    files = sorted(p for p in folder.glob("*.devtest") if p.stem != REFERENCE)
    if languages:
        files = [p for p in files if p.stem in languages]
    return files


def score_language(
    translator: TextTranslator, path: Path, references: list[str], limit: int, beam: int
) -> LanguageScore:
    import sacrebleu

    sources = read_lines(path, limit)
    refs = references[: len(sources)]
    start = time.perf_counter()
    results = translator.translate_sentences(sources, path.stem, REFERENCE, beam_size=beam)
    seconds = time.perf_counter() - start
    hypotheses = [r.text for r in results]
    return LanguageScore(
        language=path.stem,
        sentences=len(sources),
        chrf=sacrebleu.corpus_chrf(hypotheses, [refs]).score,
        bleu=sacrebleu.corpus_bleu(hypotheses, [refs]).score,
        seconds=seconds,
        flagged=sum(1 for r in results if r.flags),
    )


def print_table(model: str, scores: list[LanguageScore]) -> None:
    print(f"model: {model}")
    print(f"{'language':<10} {'n':>5} {'chrF':>6} {'BLEU':>6} {'sent/s':>7} {'flagged':>7}")
    for s in scores:
        print(
            f"{s.language:<10} {s.sentences:>5} {s.chrf:>6.1f} {s.bleu:>6.1f} "
            f"{s.per_second:>7.2f} {s.flagged:>7}"
        )
    if scores:
        mean_chrf = sum(s.chrf for s in scores) / len(scores)
        total_n = sum(s.sentences for s in scores)
        total_s = sum(s.seconds for s in scores)
        print(f"{'mean':<10} {total_n:>5} {mean_chrf:>6.1f} {'':>6} {total_n / total_s:>7.2f}")


# --- Whisper speech -> English ----------------------------------------------------


@dataclass(frozen=True)
class SpeechScore:
    language: str
    clips: int
    chrf: float
    bleu: float
    audio_seconds: float
    seconds: float
    empty: int  # clips for which nothing at all came out

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds > 0 else 0.0


def speech_items(languages: list[str] | None, limit: int) -> list[dict]:
    """FLEURS clips with an English reference translation, `limit` per language (0 = all)."""
    import json

    data = json.loads((shared_dir() / "eval" / "speech.json").read_text(encoding="utf-8"))
    items = [
        item
        for item in data["items"]
        if item.get("english_translation") and item.get("language") != "en"
    ]
    if languages:
        items = [item for item in items if item["language"] in languages]
    kept: list[dict] = []
    for item in items:
        if limit <= 0 or sum(k["language"] == item["language"] for k in kept) < limit:
            kept.append(item)
    return kept


def whisper_translate(engine, path: Path, language: str | None, options) -> str:
    """Whisper's English for one clip, through the product's speech pipeline."""
    from dataclasses import replace

    from app.core.asr import transcribe_source
    from app.core.media.decode import probe

    opts = replace(options, language=language)
    texts = [
        seg.text.strip()
        for done in transcribe_source(engine, probe(path), opts)
        for seg in done.segments
    ]
    return " ".join(t for t in texts if t)


def score_speech(engine, items: list[dict], options, detect: bool) -> list[SpeechScore]:

    folder = shared_dir() / "eval" / "speech"
    by_language: dict[str, list[tuple[str, str, float, float]]] = {}
    for item in items:
        start = time.perf_counter()
        language = None if detect else item["language"]
        hypothesis = whisper_translate(engine, folder / item["file"], language, options)
        seconds = time.perf_counter() - start
        by_language.setdefault(item["language"], []).append(
            (hypothesis, item["english_translation"], float(item["duration"]), seconds)
        )
        print(f"  {item['file']}: {seconds:5.1f}s  {hypothesis[:90]}", file=sys.stderr)
    scores = [_speech_score(lang, rows) for lang, rows in sorted(by_language.items())]
    every = [row for rows in by_language.values() for row in rows]
    if len(by_language) > 1:
        scores.append(_speech_score("all", every))
    return scores


def _speech_score(language: str, rows: list[tuple[str, str, float, float]]) -> SpeechScore:
    import sacrebleu

    hyps = [r[0] for r in rows]
    refs = [r[1] for r in rows]
    return SpeechScore(
        language=language,
        clips=len(rows),
        chrf=sacrebleu.corpus_chrf(hyps, [refs]).score,
        bleu=sacrebleu.corpus_bleu(hyps, [refs]).score,
        audio_seconds=sum(r[2] for r in rows),
        seconds=sum(r[3] for r in rows),
        empty=sum(1 for r in rows if not r[0].strip()),
    )


def print_speech_table(title: str, scores: list[SpeechScore]) -> None:
    print(title)
    print(
        f"{'language':<10} {'clips':>5} {'chrF':>6} {'BLEU':>6} {'audio s':>8} {'RTF':>6} {'empty':>5}"
    )
    for s in scores:
        print(
            f"{s.language:<10} {s.clips:>5} {s.chrf:>6.1f} {s.bleu:>6.1f} "
            f"{s.audio_seconds:>8.1f} {s.rtf:>6.3f} {s.empty:>5}"
        )


def run_whisper(args: argparse.Namespace) -> int:
    from app.core.asr import load_engine
    from app.core.options import TranscribeOptions

    options = TranscribeOptions(
        model=str(args.whisper_model),
        task="translate",
        device=args.device,
        compute_type=args.compute_type,
        threads=args.threads,
        beam_size=args.whisper_beam,
        word_timestamps=not args.no_word_timestamps,
    )
    languages = [code.strip() for code in args.langs.split(",") if code.strip()] or None
    items = speech_items(languages, args.limit)
    if not items:
        print(
            "error: no FLEURS clips with english_translation found (set PARLEY_SHARED)",
            file=sys.stderr,
        )
        return 2
    try:
        engine = load_engine(options)
        scores = score_speech(engine, items, options, args.detect)
    except ParleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    placement = engine.placement
    print_speech_table(
        f"whisper translate: {engine.info.name} ({placement.device}, {placement.compute_type}, "
        f"{placement.threads} threads, beam {args.whisper_beam}, "
        f"word timestamps {'off' if args.no_word_timestamps else 'on'}, "
        f"language {'detected' if args.detect else 'given'})",
        scores,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="chrF / BLEU / speed on FLORES-200 devtest -> English, or of Whisper's "
        "speech -> English on FLEURS clips (--whisper-model)"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--model", type=Path, help="CTranslate2 translation model folder")
    target.add_argument(
        "--whisper-model", type=Path, help="Whisper model folder (or name under models/)"
    )
    parser.add_argument("--whisper-beam", type=int, default=5, help="Whisper beam size")
    parser.add_argument(
        "--no-word-timestamps", action="store_true", help="Whisper: decode without word timestamps"
    )
    parser.add_argument(
        "--detect", action="store_true", help="Whisper: detect the language instead of giving it"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="sentences (text) or clips (speech) per language; 0 = all "
        "(default 100 sentences / all clips)",
    )
    parser.add_argument(
        "--langs",
        default="",
        help="comma-separated FLORES codes, or Whisper codes with --whisper-model (default: all)",
    )
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--compute-type", default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--beam", type=int, default=4)
    args = parser.parse_args(argv)
    if args.whisper_model is not None:
        args.limit = 0 if args.limit is None else args.limit
        return run_whisper(args)
    args.limit = 100 if args.limit is None else args.limit

    folder = flores_dir()
    reference_path = folder / f"{REFERENCE}.devtest"
    if not reference_path.is_file():
        print(f"error: {reference_path} not found (set PARLEY_SHARED)", file=sys.stderr)
        return 2
    languages = [code.strip() for code in args.langs.split(",") if code.strip()] or None
    try:
        translator = load_translator(args.model, args.device, args.compute_type, args.threads)
        references = read_lines(reference_path, args.limit)
        scores = [
            score_language(translator, path, references, args.limit, args.beam)
            for path in source_files(folder, languages)
        ]
    except ParleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_table(f"{args.model} ({translator.device}, {translator.compute_type})", scores)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
