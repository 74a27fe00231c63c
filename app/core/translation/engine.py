"""Text translation with NLLB-200 or M2M-100 in CTranslate2 format.

A model folder holds model.bin, config.json, shared_vocabulary.(json|txt) and a
sentencepiece model. The family is read from the vocabulary: FLORES-200 tokens
(`eng_Latn`) mean NLLB-200 (distilled-600M, 1.3B and 3.3B differ only in size),
`__en__` tokens mean M2M-100.

Tokenisation is what the current transformers tokenizers do for both families:

    source  = [src_lang] + sentencepiece pieces + ["</s>"]
    decoder = "</s>" (config.json decoder_start_token) then the forced target
              language token, given here as target_prefix=[[tgt_lang]]

(NllbTokenizer's legacy mode put the language token after `</s>`; that is wrong
for the released checkpoints and is not done here.) The language token is
stripped from the output before sentencepiece decoding.

Outputs whose length looks wrong for their input are returned, not hidden,
with FLAG_LENGTH_SHORT / FLAG_LENGTH_LONG (length_checks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import LanguageError, ModelError
from app.core.hashing import sha256_file
from app.core.models import device as devices
from app.core.translation.langcodes import (
    FLORES_NAMES,
    language_name,
    to_flores,
    to_m2m,
    uses_spaces,
)
from app.core.translation.length_checks import length_flags
from app.core.translation.sentences import has_words, join_sentences, split_long, split_sentences
from app.core.types import FLAG_NOT_TRANSLATED as NO_WORDS
from app.core.types import ModelInfo, Segment

if TYPE_CHECKING:  # loaded with a model (below), never by a process that only queues work
    import ctranslate2
    import sentencepiece as spm

EOS = "</s>"
SPECIAL_TOKENS = frozenset({"<s>", "<pad>", "</s>", "<mask>"})
SPM_NAMES = ("sentencepiece.bpe.model", "spm.128k.model", "sentencepiece.model", "spm.model")
VOCAB_NAMES = ("shared_vocabulary.json", "shared_vocabulary.txt")
LICENCES = {"nllb": "CC-BY-NC-4.0", "m2m100": "MIT"}

MAX_SENTENCE_TOKENS = 256  # longer sentences are cut (NLLB was trained on <= 512 tokens)
DECODE_RATIO = 2  # max_decoding_length = DECODE_RATIO * longest input + DECODE_EXTRA
DECODE_EXTRA = 10
MAX_INPUT = 1024  # NLLB-200 and M2M-100 have 1024 positions
MAX_DECODE = 1000


@dataclass(frozen=True)
class SentenceTranslation:
    source: str
    text: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    weights: Path
    config: Path
    vocabulary: Path
    sentencepiece: Path


# --- model folder -------------------------------------------------------------------


def _first_existing(folder: Path, names: Iterable[str]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def find_model_files(model_dir: str | Path) -> ModelFiles:
    """The files of a CTranslate2 translation model folder; ModelError naming what is missing."""
    folder = Path(model_dir)
    if not folder.is_dir():
        raise ModelError(f"translation model folder {folder} does not exist")
    found = {
        "model.bin": _first_existing(folder, ["model.bin"]),
        "config.json": _first_existing(folder, ["config.json"]),
        "shared_vocabulary.json": _first_existing(folder, VOCAB_NAMES),
        "sentencepiece model": _first_existing(folder, SPM_NAMES)
        or next(iter(sorted(folder.glob("*.model"))), None),
    }
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise ModelError(
            f"translation model folder {folder} is incomplete: missing {', '.join(missing)}"
        )
    paths = list(found.values())
    return ModelFiles(folder, *paths)  # type: ignore[arg-type]


def read_vocabulary(path: Path) -> list[str]:
    """A CTranslate2 vocabulary: a JSON list, or one token per line."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            tokens = json.loads(text)
            if not isinstance(tokens, list):
                raise ValueError("not a list")
            return [str(t) for t in tokens]
        return text.splitlines()
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable vocabulary ({_one_line(exc)})") from None


def detect_family(vocabulary: Iterable[str]) -> str:
    """'nllb' when the vocabulary holds FLORES-200 tokens, 'm2m100' for `__xx__` tokens."""
    tokens = set(vocabulary)
    if "eng_Latn" in tokens or any(code in tokens for code in FLORES_NAMES):
        return "nllb"
    if "__en__" in tokens or any(t.startswith("__") and t.endswith("__") for t in tokens):
        return "m2m100"
    raise ModelError(
        "vocabulary has neither NLLB-200 (eng_Latn) nor M2M-100 (__en__) language tokens"
    )


def language_token(family: str, vocabulary: frozenset[str], code: str, model: str) -> str:
    """A model's token for a language; LanguageError if unknown or not in its vocabulary."""
    token = to_flores(code) if family == "nllb" else to_m2m(code)
    if token not in vocabulary:
        raise LanguageError(
            f"language '{code}' ({language_name(code)}) is not in the vocabulary of model {model}"
        )
    return token


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- tokenisation ------------------------------------------------------------------


def encode_source(sp: spm.SentencePieceProcessor, sentence: str, src_token: str) -> list[str]:
    """[src_lang] + pieces + [</s>]: the source NLLB-200 and M2M-100 were trained on."""
    return [src_token, *sp.encode(sentence, out_type=str), EOS]


def decode_target(
    sp: spm.SentencePieceProcessor, tokens: Sequence[str], drop: frozenset[str]
) -> str:
    """Pieces back to text, without the target language token or other special tokens."""
    pieces = [t for t in tokens if t not in drop and not t.startswith("madeupword")]
    return sp.decode(pieces).strip() if pieces else ""


# --- batching ----------------------------------------------------------------------


def plan_batches(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Indices grouped into batches of at most max_tokens (padded), shortest first."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[index]  # ascending order: the newcomer is the longest
        if current and longest * (len(current) + 1) > max_tokens:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def decode_cap(source_tokens: int) -> int:
    """Most tokens to generate for an input of this many tokens."""
    return min(DECODE_RATIO * source_tokens + DECODE_EXTRA, MAX_DECODE)


@dataclass(frozen=True)
class _Piece:
    """One unit sent to the model: a sentence, or part of an over-long one."""

    owner: int  # index of the sentence it belongs to
    text: str


# --- engine ------------------------------------------------------------------------


@dataclass
class TextTranslator:
    translator: ctranslate2.Translator
    sp: spm.SentencePieceProcessor
    files: ModelFiles
    family: str
    vocabulary: frozenset[str]
    device: str
    compute_type: str
    max_batch_tokens: int = 2048
    _info: ModelInfo | None = field(default=None, repr=False)
    _drop: frozenset[str] | None = field(default=None, repr=False)

    @property
    def info(self) -> ModelInfo:
        if self._info is None:
            self._info = ModelInfo(
                name=self.files.folder.name,
                path=str(self.files.folder),
                sha256=sha256_file(self.files.weights),
                family=self.family,
                licence=LICENCES[self.family],
            )
        return self._info

    def language_token(self, code: str) -> str:
        """The model's token for a language; LanguageError if unknown or not in the vocabulary."""
        return language_token(self.family, self.vocabulary, code, self.files.folder.name)

    def _drop_tokens(self) -> frozenset[str]:
        """Tokens never shown in a translation: specials and every language token."""
        if self._drop is None:
            langs = {t for t in self.vocabulary if t in FLORES_NAMES or _is_m2m_token(t)}
            self._drop = SPECIAL_TOKENS | langs
        return self._drop

    def _pieces(self, sentences: Sequence[str]) -> list[_Piece]:
        pieces: list[_Piece] = []
        for owner, sentence in enumerate(sentences):
            text = sentence.strip()
            if not has_words(text):
                continue  # blank, or emoji / punctuation / [notes] only: kept as written
            n_tokens = len(self.sp.encode(text))
            if n_tokens <= MAX_SENTENCE_TOKENS:
                pieces.append(_Piece(owner, text))
                continue
            max_chars = max(20, len(text) * MAX_SENTENCE_TOKENS // n_tokens)
            pieces.extend(_Piece(owner, part) for part in split_long(text, max_chars))
        return pieces

    def _translate_batch(
        self, sources: list[list[str]], tgt_token: str, beam_size: int
    ) -> list[list[str]]:
        longest = max(len(s) for s in sources)
        results = self.translator.translate_batch(
            sources,
            target_prefix=[[tgt_token]] * len(sources),
            beam_size=beam_size,
            max_batch_size=self.max_batch_tokens,
            batch_type="tokens",
            max_decoding_length=decode_cap(longest),
            max_input_length=MAX_INPUT,
        )
        return [r.hypotheses[0] for r in results]

    def _translate_tokens(
        self, sources: list[list[str]], tgt_token: str, beam_size: int
    ) -> list[list[str]]:
        outputs: list[list[str]] = [[] for _ in sources]
        for batch in plan_batches([len(s) for s in sources], self.max_batch_tokens):
            hyps = self._translate_batch([sources[i] for i in batch], tgt_token, beam_size)
            for index, hyp in zip(batch, hyps):
                # The batch's cap is its longest input's; hold each to its own.
                outputs[index] = hyp[: 1 + decode_cap(len(sources[index]))]
        return outputs

    def translate_sentences(
        self, sentences: Sequence[str], src: str, tgt: str, beam_size: int = 4
    ) -> list[SentenceTranslation]:
        """Translate each sentence; one result per input, in order. Blank inputs give ''."""
        src_token, tgt_token = self.language_token(src), self.language_token(tgt)
        if beam_size < 1:
            raise ValueError("beam size must be at least 1")
        pieces = self._pieces(sentences)
        sources = [encode_source(self.sp, p.text, src_token) for p in pieces]
        outputs = self._translate_tokens(sources, tgt_token, beam_size) if sources else []
        drop = self._drop_tokens()
        parts: list[list[str]] = [[] for _ in sentences]
        for piece, tokens in zip(pieces, outputs):
            parts[piece.owner].append(decode_target(self.sp, tokens, drop))
        spaced = uses_spaces(tgt)
        results = []
        for sentence, translated in zip(sentences, parts):
            text = join_sentences(translated, spaced=spaced) if has_words(sentence) else sentence.strip()
            flags = length_flags(sentence, text) if has_words(sentence) else ()
            results.append(SentenceTranslation(sentence, text, flags))
        return results

    def translate_texts(
        self, texts: Sequence[str], src: str, tgt: str, beam_size: int = 4
    ) -> list[SentenceTranslation]:
        """Translate whole texts (segments, messages, paragraphs) sentence by sentence.

        All sentences of all texts go to the model together, in token-sized batches;
        line breaks inside a text are kept. Blank texts give '' without a model call.
        """
        layouts = [_layout(text) for text in texts]
        flat = [s for layout in layouts for line in layout for s in line]
        translated = iter(self.translate_sentences(flat, src, tgt, beam_size=beam_size))
        spaced = uses_spaces(tgt)
        results: list[SentenceTranslation] = []
        for text, layout in zip(texts, layouts):
            lines = [[next(translated) for _ in line] for line in layout]
            joined = "\n".join(join_sentences([p.text for p in line], spaced) for line in lines)
            flags = _merge_flags(p.flags for line in lines for p in line)
            flags += (NO_WORDS,) if text.strip() and not has_words(text) else ()
            results.append(SentenceTranslation(text, joined, flags))
        return results

    def translate_segments(
        self, segments: Sequence[Segment], src: str, tgt: str, beam_size: int = 4
    ) -> list[Segment]:
        """Translated copies of the segments, keeping each one's times, speaker and channel."""
        translated = self.translate_texts([seg.text for seg in segments], src, tgt, beam_size)
        return [_translated_segment(seg, t) for seg, t in zip(segments, translated)]


def _layout(text: str) -> list[list[str]]:
    """A text as lines of sentences; inner blank lines are kept as empty lines."""
    return [split_sentences(line) for line in text.strip().splitlines()]


def _merge_flags(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    merged: list[str] = []
    for group in groups:
        merged.extend(f for f in group if f not in merged)
    return tuple(merged)


def _is_m2m_token(token: str) -> bool:
    return len(token) > 4 and token.startswith("__") and token.endswith("__")


def _translated_segment(seg: Segment, translation: SentenceTranslation) -> Segment:
    return Segment(
        start_ms=seg.start_ms,
        end_ms=seg.end_ms,
        text=translation.text,
        speaker=seg.speaker,
        channel=seg.channel,
        words=(),
        flags=translation.flags,
        source_text=seg.text,
    )


# --- loading -----------------------------------------------------------------------


def _load_sentencepiece(path: Path) -> spm.SentencePieceProcessor:
    import sentencepiece as spm

    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        raise ModelError(f"{path}: not a sentencepiece model ({_one_line(exc)})") from None


def _load_ctranslate2(files: ModelFiles, placement: devices.Placement):
    """The translator and the placement it loaded with (the next compute type if one is refused)."""
    import ctranslate2

    try:
        return devices.load_with_fallback(placement, lambda p: ctranslate2.Translator(
            str(files.folder), device=p.device, compute_type=p.compute_type, inter_threads=1, intra_threads=p.threads))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(
            f"{files.folder}: CTranslate2 cannot load this model ({_one_line(exc)})"
        ) from None


def load_translator(
    model_dir: str | Path,
    device: str = "auto",
    compute_type: str = "auto",
    threads: int = 0,
    max_batch_tokens: int = 0,
) -> TextTranslator:
    """Load an NLLB-200 or M2M-100 CTranslate2 folder; ModelError with one line if it cannot.
    `max_batch_tokens` 0: the device's (device.plan: 2048 on a CPU, more on a GPU)."""
    files = find_model_files(model_dir)
    vocabulary = read_vocabulary(files.vocabulary)
    try:
        family = detect_family(vocabulary)
    except ModelError as exc:
        raise ModelError(f"{files.folder}: {exc}") from None
    sp = _load_sentencepiece(files.sentencepiece)
    translator, placement = _load_ctranslate2(files, devices.choose(device, compute_type, threads))
    return TextTranslator(
        translator=translator,
        sp=sp,
        files=files,
        family=family,
        vocabulary=frozenset(vocabulary),
        device=placement.device,
        compute_type=placement.compute_type,
        max_batch_tokens=max_batch_tokens or placement.mt_batch_tokens,
    )
