"""`python -m app timeline INPUT... --out DIR`: a chat export as one timeline.

Each INPUT (a WhatsApp .txt or .zip, a Telegram result.json, a Signal .md, or
an export folder holding one) is taken into the case; its voice notes and
videos become exhibits of their own, are transcribed through the case's queue
(the same worker as `transcribe`) and, with --translate-to, translated; then
DIR/<name>.timeline.json (and .docx, .pdf) is written with every message in
chat order and each voice note's transcript in its place.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from app.cli.common import (
    FAILED,
    OK,
    add_case_option,
    add_transcribe_options,
    fail,
    open_case,
    transcribe_options,
)
from app.cli.progress import QueueRunner
from app.core import models
from app.core.chats.intake import TakenIn, take_in
from app.core.chats.timeline import build_timeline, untranslated_messages
from app.core.chats.translate import translate_messages
from app.core.errors import ChatError
from app.core.export.timeline import parse_timeline_formats, write_timeline
from app.core.hashing import sha256_file
from app.core.intake import Found
from app.core.mt import load_translator
from app.core.options import TranslateOptions, to_dict
from app.core.store import Case
from app.core.store.jobs import JobKind, JobQueue
from app.core.translation import check_language, same_language, text_language
from app.core.types import ModelInfo
from app.core.usecases.enqueueing import check_model, enqueue, translate_options
from app.core.usecases.exporting import check_out_dir

DEFAULT_WHISPER = "base"
TRANSLATION_FAMILIES = ("nllb", "m2m100")

def _basenames(taken: list[TakenIn]) -> dict[int, str]:
    """<name> per export: the input's stem, or the chat file's where one input holds several."""
    names = {}
    for t in taken:
        given = Path(t.given)
        several = sum(1 for o in taken if o.given == t.given) > 1
        names[t.exhibit_id] = t.original.stem if several or not given.is_dir() else given.name
    counts = Counter(names.values())
    return {k: (v if counts[v] == 1 else f"{v}-{k}") for k, v in names.items()}


def _take_in_all(case: Case, inputs: list[str]) -> tuple[list[TakenIn], int]:
    taken, status = [], OK
    for given in inputs:
        try:
            found = take_in(case, given)
        except ChatError as exc:
            fail(exc.path, exc.reason)
            status = FAILED
            continue
        for t in found:
            media = len(t.media)
            messages = len(t.export.messages)
            print(f"{t.original}: {t.export.container}, {messages} messages, {media} voice notes or videos",
                  file=sys.stderr)
        taken.extend(found)
    return taken, status


def _run_jobs(case: Case, jobs: set[int], subjects: dict[int, str]) -> int:
    queue = JobQueue(case.conn)
    pending = {j for j in jobs if queue.get(j).state != "done"}
    if not pending:
        return OK
    runner = QueueRunner(case, case.folder, lambda job: None,
                         lambda job: [subjects.get(job.parent_job_id or job.id, f"job {job.id}")])
    outcome = runner.run(until=pending)
    return FAILED if outcome.failed or outcome.cancelled or outcome.gave_up else OK


def _translate_jobs(case: Case, transcribe_jobs: set[int], translate: TranslateOptions, priority: int) -> set[int]:
    """A translate job per finished transcript not already in the target language."""
    queue = JobQueue(case.conn)
    children = set()
    for job_id in sorted(transcribe_jobs):
        job = queue.get(job_id)
        if job.state != "done" or job.run_id is None:
            continue
        language = text_language(case, job.run_id)
        if language and same_language(language, translate.target):
            continue
        children.add(queue.add_or_get(job.exhibit_id, JobKind.TRANSLATE, to_dict(translate), priority, job.id)[0])
    return children


def _transcribe(case: Case, taken: list[TakenIn], options, translate: TranslateOptions | None) -> int:
    """Transcribe every voice note and video (then translate them) through the case's queue."""
    usable = [Found(m.path, m.source) for t in taken for m in t.media]
    if not usable:
        return OK
    queue = JobQueue(case.conn)
    priority = queue.top_priority() + 1
    queued = enqueue(case, queue, usable, options, priority)
    subjects = {q.job_id: q.path for q in queued}
    status = _run_jobs(case, set(subjects), subjects)
    if translate is not None:
        status = max(status, _run_jobs(case, _translate_jobs(case, set(subjects), translate, priority),
                                       subjects))
    return status


def _chat_language(timeline) -> str | None:
    """The language most voice notes of the chat are in (the chat's own text has no detector)."""
    counts = Counter(e.attachment.language for e in timeline.entries
                     if e.attachment is not None and e.attachment.language)
    return counts.most_common(1)[0][0] if counts else None


def _translate_messages(case: Case, exhibit_id: int, translator, source: str | None, target: str,
                        timeline) -> tuple[dict[int, str], str | None]:
    """(translation per message row id, the language translated from); None when not known."""
    language = source or _chat_language(timeline)
    if not language:
        fail(timeline.source.name, "messages not translated: the language of the chat's text is not "
                                   "known; give it with --from (voice notes are translated all the same)")
        return {}, None
    if same_language(language, target):
        return {}, language
    stored = untranslated_messages(case, exhibit_id)
    results = translate_messages([s.message for s in stored], translator, check_language(language), target)
    return {s.id: r.text for s, r in zip(stored, results) if r is not None}, language


def _load_translator(args: argparse.Namespace) -> tuple[object, ModelInfo]:
    translator = load_translator(models.translation_model(args.translate_model), device=args.device,
                                 threads=args.threads)
    return translator, translator.info


def _write(case: Case, taken: list[TakenIn], args: argparse.Namespace) -> int:
    """Write each export's timeline; FAILED when a translation asked for could not be made."""
    formats = list(dict.fromkeys(["json", *parse_timeline_formats(args.format)]))  # JSON: always
    names = _basenames(taken)
    translator, model = _load_translator(args) if args.translate_to else (None, None)
    source = None if args.source in (None, "", "auto") else args.source
    status = OK
    for t in taken:
        timeline = build_timeline(case, t.exhibit_id)
        if translator is not None:
            translations, language = _translate_messages(case, t.exhibit_id, translator, source,
                                                         args.translate_to, timeline)
            status = status if language else FAILED
            timeline = build_timeline(case, t.exhibit_id, translations, model, args.translate_to,
                                      {"messages_translated_from": language})
        for path in write_timeline(timeline, args.out, names[t.exhibit_id], formats):
            with case.transaction():
                case.audit.record("export.timeline_written", f"exhibit/{t.exhibit_id}",
                                  {"file": str(path), "sha256": sha256_file(path)})
            print(path)
    return status


def _split_models(args: argparse.Namespace) -> argparse.Namespace:
    """`--translate-to LANG --model NLLB`: a translation model given as --model translates,
    and the voice notes are transcribed with the default Whisper model."""

    if not args.translate_to or args.translate_model or args.model == DEFAULT_WHISPER:
        return args
    if models.family_of(models.resolve(args.model)) not in TRANSLATION_FAMILIES:
        return args
    return argparse.Namespace(**{**vars(args), "translate_model": args.model, "model": DEFAULT_WHISPER})


def cmd_timeline(args: argparse.Namespace) -> int:
    parse_timeline_formats(args.format)
    args = _split_models(args)
    options = transcribe_options(args)
    check_model(options)
    translate = None
    if args.translate_to:
        translate = translate_options(args.translate_to, args.translate_model, args.device, args.threads)
    case = open_case(args)
    try:
        taken, status = _take_in_all(case, args.inputs)
        if not taken:
            return status
        check_out_dir(args.out, [str(t.original) for t in taken])
        status = max(status, _transcribe(case, taken, options, translate))
        return max(status, _write(case, taken, args))
    finally:
        case.close()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timeline", help="a chat export (WhatsApp, Telegram, Signal) as one timeline, "
                                        "voice notes transcribed in their place")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="chat file, export folder or WhatsApp .zip")
    p.add_argument("--out", type=Path, required=True, help="folder for DIR/<name>.timeline.<format>")
    p.add_argument("--format", default="json",
                   help="comma list of json, docx, pdf (default json; the JSON is always written)")
    p.add_argument("--translate-to", default=None, metavar="LANG",
                   help="also translate the messages and voice notes into this language")
    p.add_argument("--translate-model", default=None, metavar="NAME|DIR",
                   help="NLLB-200 or M2M-100 model (default: the first one installed; an NLLB-200 or "
                        "M2M-100 model given as --model with --translate-to is taken as this one)")
    p.add_argument("--from", dest="source", default="auto", metavar="LANG",
                   help="language of the chat's text (default: that of most of its voice notes)")
    add_transcribe_options(p)
    add_case_option(p)
    p.set_defaults(handler=cmd_timeline)
