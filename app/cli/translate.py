"""`python -m app translate`: text translation of media, transcripts, texts and chats.

    python -m app translate INPUT... --to en [--from CODE|auto] [--model NAME|DIR] --out DIR

Each INPUT is a media file (transcribed with Whisper first, or its stored
transcript reused), a transcript JSON written by this program, a plain .txt
document, or a WhatsApp chat export (`_chat.txt`). Every input becomes an
exhibit of the case (--case), its text a run, the translation a run whose
parent is that one; the outputs are `DIR/<name>.<format>` as for transcribe.

The work goes through the case's queue and the worker process, as for
transcribe (app/core/usecases/translating.py queues it): a recording's transcribe
job, then a translate job that waits for it; a killed run resumes when run again,
and a second run exports what the first translated.

A failing input is one line on stderr, `<input>: <reason>`, and the exit status
is 1; the other inputs are still done. An unknown language code or an unusable
model stops the command before any work with one line and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from app.cli.commands import TEXT_FORMATS_DEFAULT
from app.cli.common import FAILED, OK, case_dir, fail, open_case_writing_to, parse_formats
from app.cli.export import write_exports
from app.cli.progress import QueueRunner, RunOutcome
from app.core.chats.text_intake import NOT_READ_AS_CHAT, classify, is_other_chat_export
from app.core.editing.proofread import set_aside
from app.core.errors import LanguageError, MediaError, ModelError, ParleyError
from app.core.evidence.paths import check_outside_evidence
from app.core.media.intake import find_media
from app.core.models.catalogue import translation_model
from app.core.names import printable, shortened
from app.core.store import Case
from app.core.store.jobs import Job, JobQueue
from app.core.translation.engine import detect_family, find_model_files, read_vocabulary
from app.core.translation.langcodes import FLORES_NAMES, NLLB_CODES, WHISPER_TO_FLORES, to_m2m
from app.core.usecases.exporting import output_basenames
from app.core.usecases.translating import (
    QueuedTranslation,
    TranslationRequest,
    enqueue_media,
    enqueue_text,
    is_timed,
    translation_request,
    why_nothing_translated,
    with_speech,
)

MEDIA_FORMATS_DEFAULT = "json,txt,srt,vtt"


@dataclass(frozen=True)
class Input:
    path: str
    kind: str  # "media" | "text" | "json"
    error: str | None = None


def _shown(path: str) -> str:
    """A name as every command prints it: a newline or a right-to-left override as an escape, cut in its
    middle when very long (a newline in a file's name split the line into two that read as two files)."""
    return shortened(printable(path))


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
                why = NOT_READ_AS_CHAT if is_other_chat_export(f.path) else f.skipped
                print(f"skipped {_shown(f.path)}: {why}", file=sys.stderr)
    return found


def _queue_one(case: Case, queue: JobQueue, item: Input, request: TranslationRequest,
               priority: int) -> QueuedTranslation | None:
    """The input's jobs, or None (one line said) when it cannot be taken in."""
    try:
        if item.kind == "media":
            queued = enqueue_media(case, queue, item.path, request, priority)
        else:
            queued = enqueue_text(case, queue, item.path, item.kind, request, priority)
    except MediaError as exc:
        fail(item.path, exc.reason)
    except ParleyError as exc:
        fail(item.path, str(exc))
    except (OSError, UnicodeError) as exc:
        fail(item.path, exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
    else:
        if queued.skipped:
            print(f"skipped {_shown(item.path)}: {queued.skipped}", file=sys.stderr)
        elif queued.stored_run is not None and item.kind == "media":
            aside = set_aside(case, queued.exhibit_id, queued.stored_run)
            newer = f", {aside.draft_note()}" if aside else ""
            print(f"{_shown(item.path)}: translating the stored transcript (run {queued.stored_run}){newer}",
                  file=sys.stderr)
        return queued
    return None


class _Translations:
    """The jobs this command asked for, and what to print and write when each ends."""

    def __init__(self, case: Case, out: Path, formats: tuple[list[str], list[str]], names: dict[str, str]) -> None:
        self.case, self.out, self.names = case, out, names
        self.media_formats, self.text_formats = formats  # timed text (a recording's), documents and chats
        self.queue = JobQueue(case.conn)
        self.paths: dict[int, list[str]] = {}  # translate job -> inputs
        self.parents: dict[int, list[str]] = {}  # transcribe job -> inputs
        self.exported: set[int] = set()

    def add(self, queued: QueuedTranslation) -> None:
        if queued.job_id is not None:
            self.paths.setdefault(queued.job_id, []).append(queued.path)
        if queued.transcribe_job is not None:
            self.parents.setdefault(queued.transcribe_job, []).append(queued.path)

    def subjects(self, job: Job) -> list[str]:
        return self.paths.get(job.id) or self.parents.get(job.id, [])

    def pending(self) -> set[int]:
        jobs = set(self.paths) | set(self.parents)
        return {j for j in jobs if self.queue.get(j).state != "done"}

    def export(self, job: Job) -> None:
        if job.id not in self.paths or job.id in self.exported:
            return
        self.exported.add(job.id)
        for path in self.paths[job.id]:
            if job.run_id is None:
                print(f"skipped {_shown(path)}: {why_nothing_translated(self.case, job)}", file=sys.stderr)
                continue
            formats = self.media_formats if is_timed(self.case, job.run_id) else self.text_formats
            write_exports(self.case, job.run_id, self.out, formats, self.names[path])  # its set-aside line too

    def report(self, outcome: RunOutcome) -> int:
        """Export what is done (by this runner or another on the case); one line per input not translated."""
        said = set(outcome.failed) | set(outcome.cancelled)
        status = FAILED if outcome.gave_up else OK
        for job_id in sorted(self.paths):
            job = self.queue.get(job_id)
            if job.state == "done":
                self.export(job)
                continue
            status = FAILED
            if job_id in said or job.parent_job_id in said:
                continue  # its failure (or its transcription's) is already on stderr
            why = "the case's queue is paused (python -m app queue resume --all)" if self.queue.is_paused() \
                else f"job {job_id} is {job.state}" + (f": {job.error}" if job.error else "")
            for path in self.paths[job_id]:
                fail(path, f"not translated: {why}")
        return status


def cmd_translate(args: argparse.Namespace) -> int:
    if args.list_languages:
        return list_languages(args.model)
    if not args.inputs or not args.to or args.out is None:
        print(
            "translate: INPUT..., --to and --out are required (or --list-languages)",
            file=sys.stderr,
        )
        return 2
    formats = (parse_formats(args.format or MEDIA_FORMATS_DEFAULT), parse_formats(args.format or TEXT_FORMATS_DEFAULT))
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
    check_outside_evidence("--out", args.out, [*args.inputs, *(i.path for i in usable)])  # before the model's
    source = None if args.source in (None, "", "auto") else args.source
    try:
        request = translation_request(args.to, source, args.model, device=args.device,  # checks the model folder
                                      compute_type=args.compute_type, threads=args.threads,
                                      beam_size=args.beam_size)
    except ModelError as exc:
        raise ModelError(f"{exc}{_whisper_route(args, usable)}") from None
    if any(i.kind == "media" for i in usable):
        request = with_speech(request, args.whisper_model)
    case = open_case_writing_to(args, args.out, [*args.inputs, *(i.path for i in usable)])  # and every exhibit's
    try:
        work = _Translations(case, args.out, formats, output_basenames([i.path for i in usable]))
        return max(status, _translate(case, case_dir(args), work, usable, request))
    finally:
        case.close()


def _whisper_route(args: argparse.Namespace, usable: list[Input]) -> str:
    """Where no translation model is installed, the route that needs none: Whisper puts speech into
    English itself (a user asking for English from a voice note was only told to import a model)."""
    if args.model is not None or args.to.strip() not in ("en", "eng_Latn") or not any(i.kind == "media" for i in usable):
        return ""
    return ("; recordings need none to be put into English: "
            "`python -m app transcribe RECORDING... --task translate --out DIR` (Whisper's own translation)")


def _translate(case: Case, folder: Path, work: _Translations, usable: list[Input],
               request: TranslationRequest) -> int:
    """Queue every input's jobs, work them in the worker, export each translation as it is done."""
    status = OK
    priority = work.queue.top_priority() + 1
    for item in usable:
        queued = _queue_one(case, work.queue, item, request, priority)
        if queued is None:
            status = FAILED
        else:
            work.add(queued)
    pending = work.pending()
    outcome = RunOutcome()
    if pending:
        runner = QueueRunner(case, folder, work.export, work.subjects, announce=False)
        outcome = runner.run(until=pending)
    return max(status, work.report(outcome))


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
