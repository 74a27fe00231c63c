"""Benchmark a CTranslate2 translation model on FLORES-200 devtest, into English.

    python bench/bench_mt.py --model models/nllb-200-distilled-600M --limit 200
    python bench/bench_mt.py --model DIR --langs pol_Latn,ron_Latn --device cpu --beam 4

For each <lang>.devtest in <shared>/eval/flores (except eng_Latn, the reference,
line-aligned) it translates the first --limit lines into English and prints
chrF and BLEU (sacrebleu defaults), sentences per second and how many outputs
got a length flag. <shared> is $PARLEY_SHARED, else the `shared` folder beside
the repository.

Speech-to-English scoring (--whisper-model) is not part of this script.
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
from app.core.mt import TextTranslator, load_translator

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="chrF / BLEU / speed on FLORES-200 devtest -> English"
    )
    parser.add_argument(
        "--model", required=True, type=Path, help="CTranslate2 translation model folder"
    )
    parser.add_argument("--limit", type=int, default=100, help="sentences per language (0 = all)")
    parser.add_argument(
        "--langs", default="", help="comma-separated FLORES codes (default: all files)"
    )
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--compute-type", default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--beam", type=int, default=4)
    args = parser.parse_args(argv)

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
