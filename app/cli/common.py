"""What every command shares: exit codes, one-line failures, option groups, formats.

Imported to build the parser for every command (app/cli/commands.py): the store, the exporters and
the options are imported by the functions that use them, not here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import ParleyError, StoreError
from app.core.names import printable, shortened

if TYPE_CHECKING:
    from app.core.options import TranscribeOptions, TranslateOptions
    from app.core.store import Case

OK, FAILED, USAGE = 0, 1, 2
FORMATS_DEFAULT = "json,txt,srt,vtt"


def fail(subject: str, reason: str) -> None:
    print(f"{shortened(printable(subject))}: {printable(reason)}", file=sys.stderr, flush=True)


def requested_translation(args: argparse.Namespace) -> TranslateOptions | None:
    """The translation `--translate-to` asks for beside the transcription (None without it); an
    empty code is refused before anything is queued."""
    from app.core.usecases.enqueueing import translate_options

    if args.translate_to is not None and not args.translate_to.strip():
        raise ValueError("--translate-to is empty: give a language code (e.g. en)")
    if not args.translate_to:
        return None
    return translate_options(args.translate_to, args.translate_model, args.device, args.threads)


def parse_formats(text: str) -> list[str]:
    from app.core.export import available_formats

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in available_formats()]
    if unknown or not formats:
        raise ParleyError(f"unknown format {', '.join(unknown) or '(none)'}; "
                          f"choose from {', '.join(available_formats())}")
    return formats


def add_case_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--case", type=Path, default=None,
                   help="case folder holding the store (default: $PARLEY_CASE, else a per-user default case)")


def case_dir(args: argparse.Namespace) -> Path:
    from app.core.store import default_case_dir

    return Path(args.case or default_case_dir()).expanduser().resolve()


def open_case(args: argparse.Namespace) -> Case:
    from app.core.store import Case

    return Case.open(args.case)


def open_case_writing_to(args: argparse.Namespace, out: Path, inputs: list[str]) -> Case:
    """The case, once `out` is found outside the folders of the inputs and of every exhibit the case
    already holds (`transcribe phone_a/x.opus --out phone_b/out` wrote beside another exhibit), and
    made; a new case's store is made only after that."""
    from app.core.evidence.paths import evidence_paths
    from app.core.store.db import STORE_NAME
    from app.core.usecases.exporting import check_out_dir

    if not (case_dir(args) / STORE_NAME).is_file():
        check_out_dir(out, inputs)
        return open_case(args)
    case = open_case(args)
    try:
        check_out_dir(out, [*inputs, *evidence_paths(case)])
    except BaseException:
        case.close()
        raise
    return case


def open_existing_case(args: argparse.Namespace, as_found: bool = False) -> Case:
    """For the commands that only read a case: a folder without a store is an error, never a new case.
    `as_found` (verify): opened so that opening it changes nothing, its damage said by verify."""
    from app.core.store import Case
    from app.core.store.db import STORE_NAME

    folder = case_dir(args)
    if not (folder / STORE_NAME).is_file():
        raise StoreError(f"{folder}: no case here (no {STORE_NAME}); check --case")
    if (folder / STORE_NAME).stat().st_size == 0:  # opened, it would be made a new empty case over the old
        named = _head_named(folder)
        raise StoreError(f"{folder}: {STORE_NAME} is empty (0 bytes){named}: the case's store was "
                         f"emptied, or never written; nothing was changed{'' if named else _made_anew()}")
    named = Path(args.case or folder).expanduser().absolute()  # a symlink there: the account's memory of it too
    return Case.open_as_found(named) if as_found else Case.open(named)


def _made_anew() -> str:
    """No head file beside an empty store: nothing was ever logged there (a first command killed while it
    made the case, within its first milliseconds), so the next command that takes files in makes it."""
    return " (a first command stopped while it made the case leaves this: transcribe or `queue add` makes it anew)"


def _head_named(folder: Path) -> str:
    from app.core.evidence.head import read_head_file

    head = read_head_file(folder)
    return "" if head is None else f", yet the head file beside it names audit entry {head.entry_id} (the case's log is gone)"


def add_transcribe_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="base", help="model name under models/ or a model folder (default base)")
    p.add_argument("--language", default="auto", help="auto, or a language code to force (e.g. de)")
    p.add_argument("--languages", default="", help="allow-list for detection, e.g. en,pl,ro")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to decode (default auto: a CUDA GPU when there is one, else the processor)")
    p.add_argument("--compute-type", default="auto", help="auto, int8, float16, float32, ...")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    p.add_argument("--channels", default="auto", choices=("auto", "mix", "split"),
                   help="stereo: auto-detect one speaker per channel, always mix, or always split")
    p.add_argument("--task", default="transcribe", choices=("transcribe", "translate"),
                   help="translate = Whisper's own speech-to-English")
    p.add_argument("--beam-size", type=int, default=5, help="beam search width, 1 to 20 (default 5)")
    p.add_argument("--no-vad", action="store_true", help="decode all audio, not only speech")
    p.add_argument("--diarize", default="auto", choices=("auto", "on", "off"),
                   help="who spoke when on one microphone (auto: on for recordings longer than a voice note)")
    p.add_argument("--speakers", type=int, default=None, help="the number of speakers, when known")
    p.add_argument("--min-speakers", type=int, default=None, help="at least this many speakers (with --max-speakers)")
    p.add_argument("--max-speakers", type=int, default=None, help="at most this many speakers")
    p.add_argument("--no-batch", action="store_true",
                   help="decode each file on its own: slower on many short files, but a file's result "
                        "then depends on that file alone (see README, reproducibility)")


def transcribe_options(args: argparse.Namespace) -> TranscribeOptions:
    from app.core.options import TranscribeOptions, allow_list, named_languages

    language = args.language.strip().lower() or "auto"  # "EN" is "en": one job, not two
    language = None if language == "auto" else language
    language, languages = named_languages(language, allow_list(args.languages))
    return TranscribeOptions(
        model=args.model, task=args.task, language=language, languages=languages,
        device=args.device, compute_type=args.compute_type, threads=args.threads,
        channels=args.channels, beam_size=args.beam_size, vad=not args.no_vad, batch=not args.no_batch,
        diarize=args.diarize, speakers=args.speakers, min_speakers=args.min_speakers,
        max_speakers=args.max_speakers,
    )
