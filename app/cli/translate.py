"""`python -m app translate`: text translation of media, transcripts, texts and chats.

    python -m app translate INPUT... --to en [--from CODE|auto] [--model NAME|DIR] --out DIR

Each INPUT is a media file (transcribed with Whisper first, or its stored
transcript reused), a transcript JSON written by this program, a plain .txt
document, or a WhatsApp chat export (`_chat.txt`). Every input becomes an
exhibit of the case (--case), its text a run, the translation a run whose
parent is that one; the outputs are `DIR/<name>.<format>` as for transcribe.

A failing input is one line on stderr, `<input>: <reason>`, and the exit status
is 1; the other inputs are still done. An unknown language code or an unusable
model stops the command before any work with one line and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from app.cli.common import FAILED, OK, add_case_option, fail, open_case, parse_formats
from app.cli.progress import Progress
from app.core.asr import load_engine
from app.core.errors import LanguageError, MediaError, ParleyError
from app.core.evidence_paths import check_outside_evidence
from app.core.intake import find_media
from app.core.langcodes import FLORES_NAMES, NLLB_CODES, WHISPER_TO_FLORES, to_flores, to_m2m
from app.core.media import probe
from app.core.models import translation_model
from app.core.mt import detect_family, find_model_files, read_vocabulary
from app.core.options import TranscribeOptions
from app.core.text_intake import classify, import_text, import_transcript_json
from app.core.transcription import transcribe_exhibit
from app.core.translation import (
    SameLanguageError,
    check_language,
    load_translation_model,
    same_language,
    translate_run,
)
from app.core.usecases.exporting import check_out_dir, export_run, output_basenames

TEXT_FORMATS_DEFAULT = "json,txt"


@dataclass(frozen=True)
class Input:
    path: str
    kind: str  # "media" | "text" | "json"
    error: str | None = None


def _inputs(paths: list[str]) -> list[Input]:
    """Inputs by kind; folders are walked (media by content, .txt and .json by name)."""

    found: list[Input] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            found.append(Input(raw, classify(raw)))
            continue
        for f in find_media([raw]):
            kind = classify(f.path)
            if kind != "media":
                found.append(Input(f.path, kind))
            elif f.source is not None:
                found.append(Input(f.path, "media"))
            elif f.error:
                found.append(Input(f.path, "media", error=f.error))
            else:
                print(f"skipped {f.path}: {f.skipped}", file=sys.stderr)
    return found


def _whisper_language(code: str) -> str:
    """A --from code as Whisper knows it (pl, de...), for forcing the speech language."""

    short = code.strip().lower()
    if short in WHISPER_TO_FLORES:
        return short
    flores = to_flores(code)
    for whisper, value in WHISPER_TO_FLORES.items():
        if value == flores:
            return whisper
    raise LanguageError(f"language '{code}' cannot be forced for speech (Whisper does not know it)")


class _Whisper:
    """The Whisper engine, loaded on first use (only media inputs need it)."""

    def __init__(self, args: argparse.Namespace, source: str | None) -> None:

        self.options = TranscribeOptions(
            model=args.whisper_model,
            language=_whisper_language(source) if source else None,
            device=args.device,
            compute_type=args.compute_type,
            threads=args.threads,
        )
        self.engine = None

    def transcript_run(self, case, path: str, progress, index: int) -> int:
        """The media's transcript: the latest complete one the case holds (a person's
        corrections included) when its language agrees with --from, else a new one."""

        exhibit, _ = case.add_exhibit(probe(path), found_at=path)
        stored = case.latest_run(exhibit.id, "transcribe")
        forced = self.options.language
        if stored is not None:
            language = case.run(stored).language
            if forced is None or (language and same_language(language, forced)):
                print(f"{path}: translating the stored transcript (run {stored})", file=sys.stderr)
                return stored
        if self.engine is None:
            self.engine = load_engine(self.options)
        name = exhibit.source.name
        result = transcribe_exhibit(
            case,
            self.engine,
            exhibit,
            self.options,
            on_progress=lambda fraction, _n: progress.update(index, name, fraction * 0.8),
        )
        return result.run_id


def _text_run(case, item: Input, source: str | None) -> int:

    if item.kind == "json":
        return import_transcript_json(case, item.path)[1]
    return import_text(case, item.path, language=source)[1]


def cmd_translate(args: argparse.Namespace) -> int:

    if args.list_languages:
        return list_languages(args.model)
    if not args.inputs or not args.to or args.out is None:
        print(
            "translate: INPUT..., --to and --out are required (or --list-languages)",
            file=sys.stderr,
        )
        return 2
    if args.beam_size < 1:
        raise ValueError("beam size must be at least 1")
    target = check_language(args.to)
    source = None if args.source in (None, "", "auto") else check_language(args.source)
    media_formats = parse_formats(args.format or "json,txt,srt,vtt")
    text_formats = parse_formats(args.format or TEXT_FORMATS_DEFAULT)
    inputs = _inputs(args.inputs)
    status = OK
    for item in inputs:
        if item.error:
            fail(item.path, item.error)
            status = FAILED
    usable = [i for i in inputs if not i.error]
    if not usable:
        fail("translate", "nothing to translate: no usable input found in " + ", ".join(args.inputs))
        return FAILED
    check_outside_evidence("--case", args.case, [*args.inputs, *(i.path for i in usable)])
    check_out_dir(args.out, [*args.inputs, *(i.path for i in usable)])
    whisper = _Whisper(args, source) if any(i.kind == "media" for i in usable) else None

    translator = load_translation_model(
        translation_model(args.model), args.device, args.compute_type, args.threads
    )
    translator.language_token(target)  # this model knows the languages asked for
    if source:
        translator.language_token(source)
    names = output_basenames([i.path for i in usable])
    case = open_case(args)
    progress = Progress(len(usable))
    for index, item in enumerate(usable):
        name = Path(item.path).name
        try:
            progress.update(index, name, 0.0)
            if item.kind == "media":
                assert whisper is not None
                run_id = whisper.transcript_run(case, item.path, progress, index)
            else:
                run_id = _text_run(case, item, source)
            progress.update(index, name, 0.85)
            new_run = translate_run(case, translator, run_id, target, source, args.beam_size)
            progress.update(index, name, 1.0, force=True)
            timed = case.exhibit(case.run(new_run).exhibit_id).source.duration_ms > 0
            formats = media_formats if timed else text_formats
            for written in export_run(case, new_run, args.out, formats, names[item.path]):
                print(written)
        except SameLanguageError as exc:
            print(f"skipped {item.path}: {exc}", file=sys.stderr)
        except MediaError as exc:
            fail(item.path, exc.reason)
            status = FAILED
        except ParleyError as exc:
            fail(item.path, str(exc))
            status = FAILED
        except (OSError, UnicodeError) as exc:
            fail(item.path, exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
            status = FAILED
    progress.done()
    return status


def list_languages(model: str | None) -> int:
    """Print `code  FLORES-200 code  name` for each language (of the model, if given)."""

    short = {flores: code for code, flores in WHISPER_TO_FLORES.items() if flores}
    vocabulary: frozenset[str] | None = None
    family = "nllb"
    if model:

        files = find_model_files(translation_model(model))
        tokens = read_vocabulary(files.vocabulary)
        family, vocabulary = detect_family(tokens), frozenset(tokens)
    for flores in NLLB_CODES:
        if vocabulary is not None and _model_token(flores, family) not in vocabulary:
            continue
        print(f"{short.get(flores, '-'):<4} {flores:<9} {FLORES_NAMES[flores]}")
    return OK


def _model_token(flores: str, family: str) -> str | None:
    if family == "nllb":
        return flores
    try:
        return to_m2m(flores)
    except LanguageError:
        return None  # not one of the M2M-100 languages


def register(sub: argparse._SubParsersAction) -> None:

    p = sub.add_parser(
        "translate",
        help="translate media, transcript JSON, .txt or WhatsApp chat exports",
        description="Translate each INPUT (media: transcribed with Whisper first; a transcript "
        "JSON written by this program; a .txt; a WhatsApp _chat.txt) with an NLLB-200 or "
        "M2M-100 model and write DIR/<name>.<format>.",
    )
    p.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="media, transcript .json, .txt or chat"
    )
    p.add_argument(
        "--to", metavar="CODE", help="target language: en, pl, deu_Latn... (see --list-languages)"
    )
    p.add_argument(
        "--from",
        dest="source",
        metavar="CODE",
        default="auto",
        help="source language; auto (default) = the transcript's detected language. "
        "Needed for .txt and chat files",
    )
    p.add_argument(
        "--model",
        metavar="NAME|DIR",
        default=None,
        help="translation model: a name under models/ or a folder "
        "(default: the first NLLB-200, else M2M-100, model installed)",
    )
    p.add_argument(
        "--whisper-model", metavar="NAME|DIR", default="base", help="Whisper model for media inputs"
    )
    p.add_argument("--out", metavar="DIR", type=Path, default=None, help="folder for the outputs")
    p.add_argument(
        "--format",
        default=None,
        help="comma list of json,txt,srt,vtt,docx,pdf (default json,txt,srt,vtt for "
        f"media and their transcripts, {TEXT_FORMATS_DEFAULT} for texts and chats)",
    )
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--compute-type", default="auto", help="auto, int8, float16, float32, ...")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    p.add_argument("--beam-size", type=int, default=4, help="translation beam size")
    p.add_argument(
        "--list-languages",
        action="store_true",
        help="list the language codes (of --model, if given) and exit",
    )
    add_case_option(p)
    p.set_defaults(handler=cmd_translate)
