"""A phone's chats as one story: take exports in, queue their media, build and write timelines.

The steps of `python -m app timeline`, for the CLI and the window alike:

    taken, errors = take_in_exports(case, inputs)      # each export's chats and media, hashed
    queued = queue_media(case, taken, options)          # voice notes and videos not transcribed yet, top
    ... work the queue (the caller's runner) ...
    children = translate_jobs(case, queued, translate)  # the transcripts made and those already stored
    ... work the queue again ...
    for t in taken:
        timeline, known = story(case, t.exhibit_id, translation)
        write_story(case, t.exhibit_id, timeline, out, names[t.exhibit_id], formats)

Running the queue and telling the user belong to the caller. The window takes exports in with
`take_in_and_queue` (the same two first steps) and writes one export's timeline again with
`export_timeline` (the same `story` and `write_story`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.chats.intake import TakenIn, take_in_all
from app.core.chats.scripts import can_be_written_in
from app.core.chats.timeline import Timeline, build_timeline, untranslated_messages
from app.core.chats.translate import translate_messages
from app.core.errors import ChatError, ParleyError
from app.core.evidence.export_gate import timeline_refusals
from app.core.export.timeline import parse_timeline_formats, write_timeline
from app.core.hashing import sha256_file
from app.core.media.intake import Found
from app.core.models import catalogue as models
from app.core.names import printable, safe_basename
from app.core.options import TranscribeOptions, TranslateOptions, to_dict
from app.core.store import Case, chat_shift
from app.core.store.chats import attachment_exhibits
from app.core.store.jobs import JobQueue
from app.core.store.spelling import as_listed
from app.core.store.views import latest_speech_runs
from app.core.translation.engine import load_translator
from app.core.translation.runs import check_language, same_language, text_language
from app.core.types import ModelInfo
from app.core.usecases.enqueueing import enqueue
from app.core.usecases.exhibit_status import UNCERTAIN, language_uncertain, run_status
from app.core.usecases.exporting import check_out_dir
from app.core.usecases.translating import queue_translation


@dataclass(frozen=True)
class TimelineTranslation:
    """How a timeline's messages are translated: the loaded model, into what, from what."""

    translator: Any
    model: ModelInfo
    target: str
    source: str | None = None  # the chat text's language; None: that of most of its voice notes


def load_translation(target: str, model_name: str | None, device: str = "auto", threads: int = 0,
                     source: str | None = None) -> TimelineTranslation:
    translator = load_translator(models.translation_model(model_name), device=device, threads=threads)
    source = None if source in (None, "", "auto") else source
    return TimelineTranslation(translator, translator.info, target, source)


def export_formats(spec: str) -> list[str]:
    """The formats asked for, JSON always first."""
    return list(dict.fromkeys(["json", *parse_timeline_formats(spec)]))


def take_in_exports(case: Case, inputs: list[str]) -> tuple[list[TakenIn], list[ChatError]]:
    """Every input taken into the case; an input that is not a chat export is an error, not a stop."""
    errors: list[ChatError] = []
    return take_in_all(case, inputs, errors), errors


GENERIC_STEM = re.compile(r"^(?:_?chat|messages?(?:_?\d+)?|result|index|data|conversation|export)$", re.IGNORECASE)


def _told_name(t: TakenIn) -> str:
    """The chat's own name (its title, or its participants) where the file's says nothing
    (`chat.md`, `messages.html`, `message_1.json`, `result.json`); else the file's stem."""
    stem = t.original.stem
    titles = [c.name.strip() for c in t.export.chats if c.name.strip()]
    if GENERIC_STEM.match(stem) and len(titles) == 1 and not GENERIC_STEM.match(titles[0]):
        return titles[0]
    return stem


def export_names(taken: list[TakenIn]) -> dict[int, str]:
    """<name> per export: the input's stem, or, where one input holds several, the chat's own name
    (`chat.md` of signal-export is its contact's or group's); safe on any disk, and unique as a
    disk that ignores case compares names (`-2`, `-3` added)."""
    names = {}
    for t in taken:
        if t.met_again and t.exhibit_id in names:  # a zip's chat met unzipped, an export met twice: named once
            continue
        given = Path(t.given)
        several = sum(1 for o in taken if o.given == t.given and not o.met_again) > 1
        names[t.exhibit_id] = safe_basename(_told_name(t) if several else
                                            (t.original.stem if not given.is_dir() else given.name))
    used: set[str] = set()
    out = {}
    for exhibit_id, name in names.items():
        candidate, n = name, 1
        while unicodedata.normalize("NFC", candidate).casefold() in used:
            n += 1
            candidate = f"{name}-{n}"
        used.add(unicodedata.normalize("NFC", candidate).casefold())
        out[exhibit_id] = candidate
    return out


def export_media(taken: list[TakenIn]) -> list[Found]:
    """Every voice note and video taken in from the exports, as files to transcribe."""
    return [Found(m.path, m.source) for t in taken for m in t.media]


@dataclass(frozen=True)
class QueuedMedia:
    """What `queue_media` did: the transcribe jobs queued ({job id: path}) at `priority`, and the
    voice notes and videos already transcribed ({exhibit id: the run used as it stands})."""

    jobs: dict[int, str]
    priority: int
    stored: dict[int, int]
    paths: dict[int, str]  # exhibit id: path, of every recording met

    def stored_line(self, again: str = "`python -m app transcribe FILE ...` transcribes one again") -> str:
        """One line for the recordings whose stored transcripts are used; "" when none."""
        return already_transcribed(len(self.stored), again)


def already_transcribed(count: int, again: str) -> str:
    """'N voice note(s) or video(s) already transcribed: ...; `again` says how one is transcribed again'."""
    if not count:
        return ""
    return (f"{count} voice note(s) or video(s) already transcribed: their transcripts are used as they stand (a "
            f"person's corrections kept); {again}")


def queue_media(case: Case, taken: list[TakenIn], options: TranscribeOptions) -> QueuedMedia:
    """Queue, at the top, every voice note and video with no finished transcript. One that has one is
    used as it stands, a proofreader's corrections included (the timeline's own options made a new run
    of each, ~17 s of decoding nobody asked for, and showed its machine text over the corrections)."""
    media = [m for t in taken for m in t.media]
    paths = {m.exhibit_id: m.path for m in media}
    stored = {e: run for e in paths if (run := case.latest_run(e, "transcribe")) is not None}
    transcribed = {m.path for m in media if m.exhibit_id in stored}
    usable = [found for found in export_media(taken) if found.path not in transcribed]
    if not usable:
        return QueuedMedia({}, 0, stored, paths)
    queue = JobQueue(case.conn)
    priority = queue.top_priority() + 1
    jobs = {q.job_id: q.path for q in enqueue(case, queue, usable, options, priority)}
    return QueuedMedia(jobs, priority, stored, paths)


def pending_jobs(case: Case, jobs: set[int]) -> set[int]:
    """The jobs not done yet."""
    queue = JobQueue(case.conn)
    return {j for j in jobs if queue.get(j).state != "done"}


def translate_jobs(case: Case, queued: QueuedMedia, translate: TranslateOptions) -> dict[int, str]:
    """A translate job ({job id: path}) per transcript not already in the target language: those the
    queued jobs made, and those already stored (translated as they stand, as `translate` does)."""
    queue = JobQueue(case.conn)
    runs = dict(queued.stored)
    for job_id in sorted(queued.jobs):
        job = queue.get(job_id)
        if job.state == "done" and job.run_id is not None:
            runs.setdefault(job.exhibit_id, job.run_id)
    priority = queued.priority or queue.top_priority() + 1
    children = {}
    for exhibit_id, run_id in sorted(runs.items()):
        language = text_language(case, run_id)
        if language and same_language(language, translate.target):
            continue
        job_id = queue_translation(case, queue, exhibit_id, run_id, to_dict(translate), priority)
        children[job_id] = queued.paths[exhibit_id]
    return children


def chat_language(timeline: Timeline) -> str | None:
    """The language most voice notes of the chat are in (the chat's own text has no detector);
    None when the text is written in another script (typed in Cyrillic, spoken in Spanish)."""
    counts = Counter(e.attachment.language for e in timeline.entries
                     if e.attachment is not None and e.attachment.language)
    language = counts.most_common(1)[0][0] if counts else None
    texts = [e.text for e in timeline.entries if not e.system]
    return language if language and can_be_written_in(language, texts) else None


def _message_translations(case: Case, exhibit_id: int, translation: TimelineTranslation,
                          timeline: Timeline) -> tuple[dict[int, str], str | None]:
    """(translation per message row id, the language translated from); None when not known."""
    language = translation.source or chat_language(timeline)
    if not language:
        return {}, None
    if same_language(language, translation.target):
        return {}, language
    stored = untranslated_messages(case, exhibit_id)
    results = translate_messages([s.message for s in stored], translation.translator,
                                 check_language(language), translation.target)
    return {s.id: r.text for s, r in zip(stored, results) if r is not None}, language


def story(case: Case, exhibit_id: int, translation: TimelineTranslation | None = None) -> tuple[Timeline, bool]:
    """The export's timeline, its messages translated when asked.

    The flag is False when a translation was asked for but the language of the chat's text is
    not known (not given, and no voice note to tell it): the messages are then left untranslated.
    """
    doubts = language_doubts(case, exhibit_id)
    timeline = build_timeline(case, exhibit_id, doubts=doubts)
    if translation is None:
        return timeline, True
    translations, language = _message_translations(case, exhibit_id, translation, timeline)
    timeline = build_timeline(case, exhibit_id, translations, translation.model, translation.target,
                              {"messages_translated_from": language}, doubts)
    return timeline, language is not None


def language_doubts(case: Case, exhibit_id: int) -> dict[int, str]:
    """Why each voice note's language is in doubt, in the words `exhibits` and the window's list use, keyed
    by its latest speech run (a timeline shows it beside that run's text only): its timeline showed only
    "[inaudible 00:00:00]" where `exhibits` said it was read as Welsh 39%. One query for the runs."""
    runs = latest_speech_runs(case)
    doubts: dict[int, str] = {}
    for note in attachment_exhibits(case, exhibit_id):
        run = runs.get(note)
        if language_uncertain(run):  # the rest (verified, chats, unfinished) as run_status words them
            status, detail, _ = run_status(case, case.exhibit(note), run)
            if status == UNCERTAIN:
                doubts[run.id] = f"{status}: {detail}"  # type: ignore[union-attr]
    return doubts


@dataclass(frozen=True)
class Echoed:
    """Another export of the case holding this timeline's messages too, and the senders paired by name
    (that export's name, this one's: "Ali" there is "Alice" here) where the two phones save people otherwise."""

    exhibit_id: int
    export: str
    messages: int
    renamed: tuple[tuple[str, str], ...] = ()
    shift_minutes: int = 0  # that export's times this much later than this one's (its phone's clock or zone)
    shares_pages: bool = False  # a page of one chat: read with its first page here or there, taken in alone in the other
    other_bytes: int = 0  # messages it holds with a file of other bytes (swapped or changed?): not 'also in'

    def warning(self, total: int) -> str:
        """'N of M messages are also in exhibit X (name), ...': the same chat exported twice or from both phones;
        then how many messages there hold a file of other bytes than here."""
        other = (f"; {self.other_bytes} message(s) there hold a file of other bytes than here (swapped or changed "
                 "in one of the two exports?): each one's note names both files' SHA-256") if self.other_bytes else ""
        return self._echoed(total) + other

    def _echoed(self, total: int) -> str:
        said = (f"{self.messages} of {total} messages are also in exhibit {self.exhibit_id} ({self.export}), "
                "each marked 'also in'")
        if self.shift_minutes:
            said += (f", its times {chat_shift.said(self.shift_minutes)} than here (the two phones' clocks or time "
                     "zones differ)")
        if self.shares_pages:
            return f"{said} (a page of this chat read in both: taken in alone as one exhibit, read with its chat's " \
                   "first page in the other; each exhibit keeps its own chat, the audit log says which reads which)"
        if not self.renamed:
            return f"{said} (the same chat exported twice?)"
        pairs = ", ".join(f"{printable(there)} there is {printable(here)} here" for there, here in self.renamed)
        return f"{said} (exported from both phones? {pairs})"


def echoed_in(timeline: Timeline, pages_shared: frozenset[int] = frozenset()) -> list[Echoed]:
    """Per other export of the case holding the same messages (the chat exported twice, or from both
    phones; or an exhibit of `pages_shared`, which shares a page with this one): how many of this timeline's
    messages it holds, and the senders it names otherwise."""
    counts: Counter[tuple[int, str]] = Counter()
    renamed: dict[tuple[int, str], set[tuple[str, str]]] = {}
    shifts: dict[tuple[int, str], int] = {}
    other_bytes: Counter[tuple[int, str]] = Counter()
    for e in timeline.entries:
        for key in {(o.exhibit_id, o.export) for o in e.also_in}:
            counts[key] += 1
        other_bytes.update({(o.exhibit_id, o.export) for o in e.other_bytes})
        shifts.update({(o.exhibit_id, o.export): o.shift_minutes for o in e.also_in if o.shift_minutes})
        for o in e.also_in:
            if o.sender and e.sender and o.sender != e.sender:
                renamed.setdefault((o.exhibit_id, o.export), set()).add((o.sender, e.sender))
    return [Echoed(exhibit_id, name, n, tuple(sorted(renamed.get((exhibit_id, name), ()))),
                   shifts.get((exhibit_id, name), 0), exhibit_id in pages_shared, other_bytes[(exhibit_id, name)])
            for (exhibit_id, name), n in sorted(counts.items())]


def write_story(case: Case, exhibit_id: int, timeline: Timeline, out: Path, name: str,
                formats: list[str]) -> list[Path]:
    """Write the timeline in every format; each file is in the audit log with its SHA-256, and the
    set is logged (`export.staged`) before any is written, so that a kill part-way is named as such. Refused
    (ParleyError) when the messages or the log are not as the log vouches (`export_gate`)."""
    forged = timeline_refusals(case, exhibit_id, [run.run_id for run in timeline.runs])
    if forged:  # was: the changed messages written out as the chat's, the timeline logged as written
        raise ParleyError(f"{forged[0].line()} (edited outside Parley): timeline not written; `verify` says more")
    def staged(planned: list[tuple[Path, str]]) -> None:
        with case.transaction():
            case.audit.record("export.staged", f"exhibit/{exhibit_id}",
                              {"files": [{"file": str(path), "sha256": sha} for path, sha in planned]})

    paths = write_timeline(timeline, out, name, formats, before_write=staged)
    for path in paths:
        with case.transaction():
            case.audit.record("export.timeline_written", f"exhibit/{exhibit_id}",
                              {"file": str(path), "sha256": sha256_file(path)})
    return paths


@dataclass(frozen=True)
class TakenAndQueued:
    """What `take_in_and_queue` did: the exports taken in, the inputs refused, the jobs queued."""

    exhibit_ids: tuple[int, ...]
    errors: tuple[ChatError, ...]
    jobs: tuple[int, ...]
    stored: int = 0  # the recordings already transcribed, whose transcripts are used as they stand


def take_in_and_queue(case: Case, inputs: list[str], options: TranscribeOptions | None) -> TakenAndQueued:
    """Take chat exports in and queue their voice notes and videos (none when `options` is None)."""
    taken, errors = take_in_exports(case, inputs)
    queued = queue_media(case, taken, options) if options is not None else None
    return TakenAndQueued(tuple(dict.fromkeys(t.exhibit_id for t in taken)), tuple(errors),
                          tuple(sorted(queued.jobs)) if queued else (), len(queued.stored) if queued else 0)


def export_name(case: Case, exhibit_id: int) -> str:
    """<name> of an export taken in earlier: its file name without the extension."""
    return Path(case.exhibit(exhibit_id).source.name).stem or f"chat-{exhibit_id}"


def export_timeline(case: Case, exhibit_id: int, out: Path, formats: list[str],
                    translation: TimelineTranslation | None = None) -> list[Path]:
    """Write one export's timeline as it stands now (refused inside the evidence's folder)."""
    exhibit = case.exhibit(exhibit_id)
    check_out_dir(out, [exhibit.source.path, *exhibit.paths])
    timeline, _ = story(case, exhibit_id, translation)
    return write_story(case, exhibit_id, timeline, as_listed(out.expanduser().resolve()), export_name(case, exhibit_id),
                       list(dict.fromkeys(["json", *formats])))
