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
from pathlib import Path, PurePath

from app.cli.common import (
    FAILED,
    OK,
    fail,
    open_case_writing_to,
    requested_translation,
    transcribe_options,
)
from app.cli.progress import QueueRunner
from app.core.chats import phone_tree
from app.core.chats.app_stores import store_kind
from app.core.chats.discord_html import DAMAGED_TAG_NOTE, HEADER_UNREAD_NOTE
from app.core.chats.html_cut import (
    MARKUP_SENDER_SAID,
    NOT_READ_PAST,
    READ_ON_PAST,
    is_damaged_page_note,
)
from app.core.chats.imessage_cut import CUT_NOTE as IMESSAGE_CUT_NOTE
from app.core.chats.intake import TakenIn, pages_shared_with
from app.core.chats.json_cut import CUT_JSON_MARKERS
from app.core.chats.line import CUT_NOTE as LINE_CUT_NOTE
from app.core.chats.records import LIKELY_CUT, kind_of
from app.core.chats.registry import is_read_in_folder
from app.core.chats.renamed import BY_ORDER_MARK
from app.core.chats.same_names import shared_names
from app.core.chats.whatsapp import CUT_CHAR_NOTE, CUT_NOTE
from app.core.chats.whatsapp_zip import same_name
from app.core.evidence.paths import check_outside_evidence
from app.core.export.timeline import missing_recordings_text, parse_timeline_formats
from app.core.models import catalogue as models
from app.core.names import printable, shortened
from app.core.options import TranslateOptions
from app.core.store import Case
from app.core.usecases.enqueueing import check_model
from app.core.usecases.exporting import check_out_dir
from app.core.usecases.timeline import (
    echoed_in,
    export_formats,
    export_names,
    load_translation,
    pending_jobs,
    queue_media,
    story,
    take_in_exports,
    translate_jobs,
    write_story,
)

DEFAULT_WHISPER = "base"
TRANSLATION_FAMILIES = ("nllb", "m2m100")


def _take_in_all(case: Case, inputs: list[str]) -> tuple[list[TakenIn], int]:
    taken, errors = take_in_exports(case, inputs)
    for exc in errors:
        fail(exc.path, exc.reason)
    for t in taken:
        if t.met_again:  # a zip's chat met again unzipped, or an export met twice: that exhibit, said once
            print(f"{t.shown}: {t.met_again}", file=sys.stderr)
            continue
        unread_pages = [m.note for m in t.export.messages if is_damaged_page_note(m)]
        count = len(t.export.messages) - len(unread_pages)
        print(f"{t.shown}: {t.export.container}, {count} messages, "
              f"{len(t.media)} voice notes or videos; {t.export.accounting()}", file=sys.stderr)
        for note in t.pages_taken_before:
            print(f"{t.shown}: note: {note}", file=sys.stderr)
        for note in unread_pages:  # a page the parser could not read: its messages are not in the timeline
            print(f"{t.shown}: warning: {note}", file=sys.stderr)
        if any(NOT_READ_PAST in m.note for m in t.export.messages):  # read up to a damaged spot only
            print(f"{t.shown}: warning: the page is damaged HTML and was not read past the spot its last message "
                  "read says; what follows is not in this file's chat", file=sys.stderr)
        if any(READ_ON_PAST in m.note for m in t.export.messages):  # a message missed where the parser read on
            print(f"{t.shown}: warning: a page is {READ_ON_PAST}: it opens more messages than were read (the note "
                  "of a message read from it says how many)", file=sys.stderr)
        unread = sum(any(k in m.note for k in (MARKUP_SENDER_SAID, HEADER_UNREAD_NOTE, DAMAGED_TAG_NOTE))
                     for m in t.export.messages)
        if unread:  # a sender (or words) not read where the markup is damaged: perhaps the page's only sign of it
            print(f"{t.shown}: warning: {unread} message(s) with their sender or words not read where the page's "
                  "markup is damaged (each message's note says what was read)", file=sys.stderr)
        undated = [m for m in t.export.messages if m.time_as_written and m.datetime is None]
        if undated:  # a timeline without their moments must not pass unnoticed
            orders = ", ".join(sorted({c.date_order for c in t.export.chats if c.date_order} - {"iso"})) or "unreadable"
            print(f"{t.shown}: warning: {len(undated)} of {count} messages have no date-time "
                  f"(dates {orders}; each message keeps its time as written and says why)", file=sys.stderr)
        cut_marks = (CUT_CHAR_NOTE, LIKELY_CUT, *CUT_JSON_MARKERS)
        if any(m.note in (CUT_NOTE, LINE_CUT_NOTE, IMESSAGE_CUT_NOTE) or any(k in m.note for k in cut_marks)
               for m in t.export.messages):  # its last messages are not in the file
            print(f"{t.shown}: warning: the export ends in the middle of a message (cut short); what the phone "
                  f"wrote after it is not in this file", file=sys.stderr)
        by_order = sum(1 for m in t.export.messages if BY_ORDER_MARK in m.note)
        if by_order:  # linked with nothing in the file's name to confirm it: the reader must know
            print(f"{t.shown}: warning: {by_order} voice note(s) the chat names were linked to a numbered file with "
                  f"no time in its name by order alone (each message's note says which file)", file=sys.stderr)
        shared = shared_names(t.export.messages)
        if shared:  # the export names senders only by name, and shows two under one
            print(f"{t.shown}: warning: two people may be shown under one name ({', '.join(shared)}): the export "
                  f"writes no id to tell their messages apart; each of those messages says so", file=sys.stderr)
        missing = t.export.missing_recordings()  # named, not in the export: which ones, not just how many
        if missing:
            print(f"{t.shown}: warning: {missing_recordings_text(missing)}", file=sys.stderr)
        for path, reason in t.unusable:  # an attachment that is there but cannot be played
            fail(t.shown_file(path), reason)
    _say_phone_media(inputs, taken)
    return taken, FAILED if errors or any(t.unusable for t in taken) else OK


def _say_phone_media(inputs: list[str], taken: list[TakenIn]) -> None:
    """A dump's own WhatsApp media that no chat read names: counted, not passed over in silence."""
    named = {same_name(PurePath(n).name) for t in taken for m in t.export.messages if m.attachment
             for n in (m.attachment.name, m.attachment.path) if n}
    for given in inputs:
        if not Path(given).is_dir():
            continue
        loose = phone_tree.unnamed_media(Path(given), named)
        if loose:
            playable = [p for p in loose if kind_of(p.name) in ("audio", "video")]
            shown = shortened(printable(given))  # a name's newline as `\n`, as every name printed
            print(f"{shown}: {len(playable)} voice note(s) or video(s) and {len(loose) - len(playable)} other file(s) "
                  f"in the phone's WhatsApp media folders that no chat read names: in no timeline (python -m app "
                  f"transcribe {shown} takes them in), e.g. {shortened(printable(str((playable or loose)[0])))}",
                  file=sys.stderr)
        others = phone_tree.other_media(Path(given), named)
        if others:
            shown = shortened(printable(given))
            print(f"{shown}: {len(others)} voice note(s) or video(s) in the folder given that no chat read names: in "
                  f"no timeline (python -m app transcribe {shown} takes them in), e.g. "
                  f"{shortened(printable(str(others[0])))}", file=sys.stderr)
        files = phone_tree.other_files(Path(given), named, is_read_in_folder)
        if files:
            print(f"{shortened(printable(given))}: {len(files)} other file(s) in the folder given are no chat export "
                  f"and no chat's file: in no timeline, e.g. "
                  f"{', '.join(shortened(printable(str(f))) for f in files[:3])}", file=sys.stderr)
        _say_app_stores(given, files)


def _say_app_stores(given: str, files: list[Path]) -> None:
    """The apps' own databases and encrypted backups among a folder's other files, each said as what it is."""
    stores = [(f, kind) for f in files if (kind := store_kind(f))]
    if stores:
        named = ", ".join(f"{shortened(printable(str(f)))} ({kind})" for f, kind in stores[:3])
        print(f"{shortened(printable(given))}: {len(stores)} of them an app's own database or encrypted backup, not a "
              f"chat export: not read, e.g. {named}", file=sys.stderr)


def _run_jobs(case: Case, jobs: set[int], subjects: dict[int, str]) -> int:
    pending = pending_jobs(case, jobs)
    if not pending:
        return OK
    runner = QueueRunner(case, case.folder, lambda job: None,
                         lambda job: [subjects.get(job.parent_job_id or job.id, f"job {job.id}")])
    outcome = runner.run(until=pending)
    return FAILED if outcome.failed or outcome.cancelled or outcome.gave_up else OK


def _transcribe(case: Case, taken: list[TakenIn], options, translate: TranslateOptions | None) -> int:
    """Transcribe the voice notes and videos not transcribed yet (then translate them and those
    already transcribed) through the case's queue."""
    queued = queue_media(case, taken, options)
    if queued.stored:
        print(queued.stored_line(), file=sys.stderr)
    status = _run_jobs(case, set(queued.jobs), queued.jobs)
    if translate is not None:
        children = translate_jobs(case, queued, translate)
        status = max(status, _run_jobs(case, set(children), {**queued.jobs, **children}))
    return status


def _write(case: Case, taken: list[TakenIn], args: argparse.Namespace) -> int:
    """Write each export's timeline; FAILED when a translation asked for could not be made."""
    formats = export_formats(args.format)
    names = export_names(taken)
    translation = (load_translation(args.translate_to, args.translate_model, args.device, args.threads,
                                    args.source) if args.translate_to else None)
    status = OK
    first: dict[int, TakenIn] = {}
    for t in sorted(taken, key=lambda t: bool(t.met_again)):  # an export met again: after its first
        if t.exhibit_id in first and t.met_again:  # said as taken in
            continue
        if t.exhibit_id in first:  # "X.zip" and "X (1).zip", the same bytes: one exhibit, one timeline
            print(f"{t.shown}: the same file as {first[t.exhibit_id].shown} (exhibit {t.exhibit_id}, the same "
                  f"SHA-256): one exhibit, its timeline written once", file=sys.stderr)
            continue
        first[t.exhibit_id] = t
        timeline, known = story(case, t.exhibit_id, translation)
        if not known:
            fail(timeline.source.name, "messages not translated: the language of the chat's text is not "
                                       "known; give it with --from (voice notes are translated all the same)")
            status = FAILED
        for echoed in echoed_in(timeline, pages_shared_with(case, t.exhibit_id)):  # the same chat taken in twice, or from both phones: said, not hidden
            print(f"{t.shown}: warning: {echoed.warning(len(timeline.entries))}", file=sys.stderr)
        for path in write_story(case, t.exhibit_id, timeline, args.out, names[t.exhibit_id], formats):
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
    translate = requested_translation(args)
    check_outside_evidence("--case", args.case, args.inputs)  # the case is never made beside the chats
    # nor taken in before an --out that cannot be used (or lies beside any exhibit of the case) is said so
    case = open_case_writing_to(args, args.out, args.inputs)
    try:
        taken, status = _take_in_all(case, args.inputs)
        if not taken:
            return status
        check_out_dir(args.out, [str(t.original) for t in taken])
        status = max(status, _transcribe(case, taken, options, translate))
        return max(status, _write(case, taken, args))
    finally:
        case.close()
