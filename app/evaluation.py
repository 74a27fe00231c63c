"""Word error rate and friends, for the tests and the benchmarks (needs the dev extras).

Text is normalised the way Whisper's authors score it (their English normaliser
spells numbers as digits, so "eight" and "8" agree; a basic normaliser for other
languages), and the same normalisation is applied to every system compared.
"""

from __future__ import annotations

from collections.abc import Sequence


def normalise(text: str, language: str) -> str:
    # dev extras only (tests and benchmarks): imported when used, so the app runs without them
    from whisper_normalizer.basic import BasicTextNormalizer
    from whisper_normalizer.english import EnglishTextNormalizer

    normaliser = EnglishTextNormalizer() if language == "en" else BasicTextNormalizer()
    return " ".join(normaliser(text).split())


def wer(references: Sequence[str], hypotheses: Sequence[str], language: str) -> float:
    """Corpus WER (errors over reference words) after normalisation."""
    import jiwer  # a dev extra, like whisper_normalizer above

    refs = [normalise(r, language) for r in references]
    hyps = [normalise(h, language) for h in hypotheses]
    pairs = [(r, h) for r, h in zip(refs, hyps) if r.strip()]
    if not pairs:
        return 0.0
    return jiwer.wer([r for r, _ in pairs], [h for _, h in pairs])
