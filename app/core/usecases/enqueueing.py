"""Queue work in a case: one exhibit per SHA-256, one job per exhibit and settings.

The CLI's `transcribe` and `queue add`, the timeline and the window queue through
here; each caller decides how to tell the user what happened (the records say it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from app.core.chats.intake import SILENT_NOTE
from app.core.chats.timeline import untranslated_messages
from app.core.errors import LanguageError, ModelError
from app.core.media.intake import Found, intake_entry, same_file_key
from app.core.models import catalogue as models
from app.core.options import TranscribeOptions, TranslateOptions, to_dict
from app.core.store import Case, Exhibit
from app.core.store.chats import attachment_exhibits
from app.core.store.chunked import in_chunks
from app.core.store.intake_log import IntakeEntry, log_intake
from app.core.store.jobs import JobQueue
from app.core.translation.langcodes import WHISPER_TO_FLORES, code_hint
from app.core.translation.runs import check_language


@dataclass(frozen=True)
class Queued:
    path: str  # as the user gave it (or as found in a folder)
    exhibit_id: int
    job_id: int
    new_job: bool
    same_as: str | None = None  # an earlier input of this call with the same content


def met_at(case: Case, found: Found, key: tuple[int, int, int, str] | None) -> str:
    """Where the file was met: the path the case already holds for this very file where it was met before under
    another (a bind mount of the evidence: one file, two paths, the one recorded later "missing" once unmounted).
    `key`: the file's `same_file_key`, looked at before (outside the case's write lock)."""
    if key is None or found.source is None:
        return found.path
    known = case.paths_of_sha256(found.source.sha256)
    if found.path in known:
        return found.path
    return next((path for path in known if same_file_key(path) == key), found.path)


def check_model(options: TranscribeOptions) -> None:
    """A missing model, or a language code Whisper does not know, is one clear line before
    anything is queued (ModelError, LanguageError), not a failed job per file."""
    folder = models.resolve(options.model)
    family = models.family_of(folder)
    if family not in ("whisper", "unknown"):
        raise ModelError(f"{folder.name} is a {family} translation model; transcription needs a Whisper "
                         "model (see `python -m app models list`)")
    models.check_whisper_folder(folder)  # a folder that is not a model: one line now, not a failed job per file
    english_only = models.family_of(folder) == "whisper" and models.whisper_english_only(folder)
    for code in (options.language, *options.languages):
        if code is None:
            continue
        if code.strip().lower() not in WHISPER_TO_FLORES:
            raise LanguageError(f"unknown language code '{code}' ({code_hint(code)})")
        if english_only and code.strip().lower() != "en":
            raise LanguageError(f"model {folder.name} is English-only; it cannot transcribe '{code}' "
                                "(choose a multilingual model, e.g. --model base)")
    if english_only and options.task == "translate":
        raise LanguageError(f"model {folder.name} is English-only; it cannot translate speech "
                            "(choose a multilingual model, e.g. --model base)")


@dataclass
class Intake:
    """Files met by the window's intake, one by one as they are found, taken into the case when it ends
    (`settle`: copies of one content named as `transcribe` names them), and every file met, usable, failed
    or skipped, recorded with its hash and why, as `transcribe` and `queue add` record theirs: a dropped
    folder is accounted for in the case, not only on screen."""

    case: Case
    met: list[tuple[Found, IntakeEntry | None]] = field(default_factory=list)
    exhibit_of: dict[str, int] = field(default_factory=dict)
    added: list[int] = field(default_factory=list)  # new exhibits, in the order found

    def take(self, found: Found, entry: IntakeEntry | None = None) -> None:
        """`entry`: the record of a file passed over or failed (`passed_over`), made where it was
        read: it hashes the whole file, which a window's GUI thread must never wait for."""
        self.met.append((found, entry))

    def settle(self, most: int | None = None) -> bool:
        """The usable files met as exhibits, copies of one content named after the one modified earliest, as
        `transcribe` and `queue add` name them (the window named a phone's exhibit after Download/forwarded.opus,
        the CLI after WhatsApp's PTT-…opus). Each file once, however often this is called; `most`: at most so
        many now (the window settles a drop step by step, repainting between). Whether every one is settled."""
        waiting = [f for f, _ in self.met if f.source is not None and f.path not in self.exhibit_of]
        for found, exhibit_id, is_new in add_in_order(self.case, waiting, most):
            self.exhibit_of[found.path] = exhibit_id
            if is_new:
                self.added.append(exhibit_id)
        return most is None or len(waiting) <= most

    def to_transcribe(self, queue: JobQueue) -> list[int]:
        """The exhibits met to queue when the window transcribes what it takes in, in the order found: the new
        ones, and those an intake killed part-way took in but never queued (no transcribe job, no run): dropping
        the folder again queued only the files not taken in before, and the rest were never transcribed."""
        self.settle()
        met, new = list(dict.fromkeys(self.exhibit_of.values())), set(self.added)
        left = {i for i in queue.never_asked([i for i in met if i not in new], "transcribe")
                if self.case.latest_run(i, "transcribe") is None}
        return [i for i in met if i in left or i in new]

    def finish(self) -> None:
        self.settle()
        log_intake(self.case, [entry or intake_entry(found, self.exhibit_of.get(found.path))
                               for found, entry in self.met])


def passed_over(found: Found) -> IntakeEntry | None:
    """The intake record of a file that is not taken in (hashed: call it off a GUI thread), else None."""
    return intake_entry(found) if found.source is None else None


def enqueue(case: Case, queue: JobQueue, usable: list[Found], options: TranscribeOptions,
            priority: int = 0) -> list[Queued]:
    """Each usable file as an exhibit with a transcribe job; duplicates are linked, not queued twice.

    In transactions of a few hundred files (`in_chunks`), not three synced commits per file (most of a phone's
    intake time, the worker's model loaded and waiting), nor one for a whole phone (every other writer waiting
    on it). Cut short, the chunks before are kept and a rerun queues the rest (exhibits and jobs are reused)."""
    if queue.conn is not case.conn:  # its writes would wait on the case's open transaction: a deadlock
        raise ValueError("enqueue: the queue must be on the case's own connection (JobQueue(case.conn))")
    settings = to_dict(options)
    ordered, first_met, keys = _naming(usable)
    first_of: dict[int, str] = {}  # each job's first path in this call

    def queue_one(found: Found) -> Queued:
        exhibit, _ = _add_named(case, found, met_at(case, found, keys[found.path]), first_met)
        job_id, new_job = queue.add_or_get(exhibit.id, "transcribe", settings, priority)
        earlier = first_of.get(job_id)
        first_of.setdefault(job_id, found.path)
        return Queued(found.path, exhibit.id, job_id, new_job, earlier)

    return in_chunks(case, ordered, queue_one)


def originals_first(usable: list[Found]) -> list[Found]:
    """Copies of one content met together, the one modified earliest first (then as met): the exhibit is named
    after it and the later copies are its duplicates. A phone's Download/forwarded.opus, walked before
    WhatsApp/Media/…/PTT-…opus, named the exhibit and the WhatsApp original was listed as its duplicate.
    A link is never the original: its own time is read (lstat), not its target's."""
    copies: dict[str, list[Found]] = {}
    for found in usable:
        copies.setdefault(found.source.sha256, []).append(found)  # type: ignore[union-attr]
    earliest = {sha: sorted(group, key=_modified) for sha, group in copies.items() if len(group) > 1}
    return [earliest[f.source.sha256].pop(0) if f.source.sha256 in earliest else f  # type: ignore[union-attr]
            for f in usable]


ADD_CHUNK = 100  # exhibits added in one transaction (the window repaints between two)


def add_in_order(case: Case, usable: list[Found], most: int | None = None) -> Iterator[tuple[Found, int, bool]]:
    """Each usable file's exhibit (originals_first; the first `most` of them), ADD_CHUNK to a transaction,
    not one each (13.6 ms a file: a phone's 2,000 notes froze the window ~27 s); yields (file, its exhibit,
    whether new) for each once its transaction is committed."""
    ordered, first_met, keys = _naming(usable, most)
    for start in range(0, len(ordered), ADD_CHUNK):
        with case.transaction():
            part = [(found, *_add_named(case, found, met_at(case, found, keys[found.path]), first_met))
                    for found in ordered[start:start + ADD_CHUNK]]
        yield from ((found, exhibit.id, is_new) for found, exhibit, is_new in part)


def _naming(usable: list[Found], most: int | None = None) -> tuple[list[Found], dict[str, Found],
                                                                    dict[str, tuple[int, int, int, str] | None]]:
    """The first `most` files in the order they are added (originals_first), the copy of each content met first,
    and each added file's `same_file_key`, looked at here: before the case's write lock, not inside it."""
    ordered = originals_first(usable)[:most]
    return ordered, _first_met(usable), {found.path: same_file_key(found.path) for found in ordered}


def _first_met(usable: list[Found]) -> dict[str, Found]:
    first: dict[str, Found] = {}
    for found in usable:
        first.setdefault(found.source.sha256, found)  # type: ignore[union-attr]
    return first


def _add_named(case: Case, found: Found, found_at: str, first_met: dict[str, Found]) -> tuple[Exhibit, bool]:
    """The file's exhibit, with an audit line wherever a copy met later named it: which path named the
    exhibit, and why (modified earliest), and which copy was met first. Call inside a transaction."""
    exhibit, is_new = case.add_exhibit(found.source, found_at=found_at)  # type: ignore[arg-type]
    first = first_met[found.source.sha256]  # type: ignore[union-attr]
    if is_new and first is not found:
        case.audit.record("exhibit.named_after_earliest", f"exhibit/{exhibit.id}", {
            "named_after": found.path, "why": f"modified earliest (mtime {_iso(_modified(found))})",
            "met_first": first.path, "met_first_modified": _iso(_modified(first))})
    return exhibit, is_new


UNKNOWN_TIME = 1 << 63  # a file whose time cannot be looked at: after every copy whose time can


def _modified(found: Found) -> int:
    try:
        return os.lstat(found.path).st_mtime_ns
    except (OSError, ValueError):
        return UNKNOWN_TIME


def _iso(ns: int) -> str:
    if ns == UNKNOWN_TIME:
        return "unknown"
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ToTranscribe:
    """What "Transcribe" on chosen exhibits comes to: the recordings to queue, and one line per
    chosen exhibit that is not one (a chat export: which of its files are queued, or why none)."""

    exhibit_ids: tuple[int, ...]
    notes: tuple[str, ...]


def recordings_to_transcribe(case: Case, exhibit_ids: list[int]) -> ToTranscribe:
    """The recordings among the exhibits; for a chat export, its voice notes and videos not
    transcribed yet; a text (or an export without media) is never queued, and said why."""
    ids: list[int] = []
    notes: list[str] = []
    for exhibit_id in exhibit_ids:
        source = case.exhibit(exhibit_id).source
        if source.kind == "media":
            ids.append(exhibit_id)
        elif source.kind == "chat":
            media = attachment_exhibits(case, exhibit_id)
            todo = [m for m in media if case.latest_run(m, "transcribe") is None]
            ids += todo
            notes.append(_chat_note(case, exhibit_id, source.name, len(media), len(todo)))
        else:
            notes.append(f"{source.name}: a text, not a recording: nothing to transcribe")
    return ToTranscribe(tuple(dict.fromkeys(ids)), tuple(notes))


def _chat_note(case: Case, exhibit_id: int, name: str, media: int, todo: int) -> str:
    if not media:
        return f"{name}: {no_recording_to_transcribe(case, exhibit_id)}: nothing to transcribe"
    if not todo:
        return f"{name}: a chat export whose {media} voice note(s) or video(s) are all transcribed already"
    return f"{name}: queued the {todo} of its {media} voice note(s) or video(s) not transcribed yet"


def no_recording_to_transcribe(case: Case, exhibit_id: int) -> str:
    """A chat export none of whose voice notes and videos can be transcribed, as the window's "Transcribe" and
    `transcribe` both say it: "a chat export without voice notes or videos" only when it names none; else "holding
    none of the 2 … it names", and, when some are in the export but cannot be used, how many of each ("that can be
    transcribed (1 not in the export, 1 unreadable)": it was "without voice notes or videos" over the line naming
    the unreadable one)."""
    recordings = [s for s in untranslated_messages(case, exhibit_id)
                  if s.message.attachment is not None and s.message.attachment.recording]
    if not recordings:
        return "a chat export without voice notes or videos"
    said = f"a chat export holding none of the {len(recordings)} voice note(s) or video(s) it names"
    missing = sum(1 for s in recordings if s.message.attachment is not None and s.message.attachment.missing)
    unused = [s.attachment_error for s in recordings if s.attachment_exhibit_id is None and s.attachment_error]
    silent = unused.count(SILENT_NOTE)
    counts = [(missing, "not in the export"), (len(unused) - silent, "unreadable"), (silent, "without sound")]
    if missing == len(recordings):
        return said
    return f"{said} that can be transcribed ({', '.join(f'{n} {what}' for n, what in counts if n)})"


def translate_options(target: str, model: str | None, device: str = "auto",
                      threads: int = 0) -> TranslateOptions:
    """Options of a translate job, checked before anything is queued (language, model)."""
    check_language(target)
    folder = models.translation_model(model)
    return TranslateOptions(model=model or folder.name, target=target, device=device, threads=threads)


def enqueue_translations(queue: JobQueue, queued: list[Queued], options: TranslateOptions,
                         priority: int = 0) -> list[tuple[int, int]]:
    """One translate job per transcribe job, run once its parent is done: (parent, new child) pairs."""
    added = []
    for job_id in dict.fromkeys(q.job_id for q in queued):
        parent = queue.get(job_id)
        child, new = queue.add_or_get(parent.exhibit_id, "translate", to_dict(options), priority, job_id)
        if new:
            added.append((job_id, child))
    return added
