"""A chat as one timeline: time, sender, text or the voice note's transcript, translation.

    build_timeline(case, exhibit_id, translations=None) -> Timeline

Built from what the case holds: the stored messages, each attachment's own
exhibit (SHA-256) and its latest transcript (a person's edited copy when
there is one; a newer machine draft over a person's corrections says so) and
translation. A missing attachment is shown as missing; one
not transcribed (yet) has no transcript. Message translations, when asked
for, are passed in (they are made by the caller with a named model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.chats.records import Attachment, joined_containers, voice_note_named
from app.core.chats.same_names import senders_said
from app.core.clock import utc_now
from app.core.editing.operations import (
    STATUS_DRAFT,
    STATUS_EDITED,
    STATUS_VERIFIED,
    current_transcript,
)
from app.core.editing.proofread import set_aside
from app.core.evidence.provenance import software_info
from app.core.export.base import language_text, shown_text
from app.core.media import moovless
from app.core.store import Case
from app.core.store.chats import (
    Echo,
    OtherBytes,
    StoredMessage,
    chat_messages,
    matches,
    stored_chats,
    translation_runs,
)
from app.core.translation.runs import TASK as TRANSLATION_TASK
from app.core.translation.runs import is_current
from app.core.types import ModelInfo, SourceInfo


@dataclass(frozen=True)
class TimelineAttachment:
    name: str | None
    kind: str
    missing: bool
    placeholder: str
    sha256: str | None = None
    exhibit_id: int | None = None
    transcript: str | None = None
    language: str | None = None
    translation: str | None = None
    model: str | None = None  # the speech model that made the transcript
    error: str | None = None  # why the file could not be taken in
    run_id: int | None = None  # the transcription run shown (its settings in Timeline.runs)
    translation_run_id: int | None = None
    review: str = ""  # the transcript shown: "" the machine's draft, "proofread", "verified by NAME", or a draft
    # newer than a person's corrections: "a machine draft, newer than the corrections (run N) by NAME, set aside"
    cut_short: bool = False  # the recording is truncated or damaged: its transcript holds only what could be read
    doubt: str = ""  # "language uncertain: speech heard (7 s) but no words recognised; …", as `exhibits` says it

    @property
    def review_written(self) -> str | None:
        """The review state as the timeline's files write it: a transcript no one has checked is a "machine draft";
        None where there is no transcript to review."""
        return self.review or (STATUS_DRAFT if self.transcript is not None else None)


@dataclass(frozen=True)
class TimelineEntry:
    chat: str
    index: int
    sender: str | None
    time: str
    datetime: str | None
    text: str
    system: bool
    note: str
    translation: str | None
    attachment: TimelineAttachment | None
    message_id: int | None = None  # the stored message's row id (what a search hit on it names)
    also_in: tuple[Echo, ...] = ()  # the same message in other exports of the case (exported twice)
    other_bytes: tuple[OtherBytes, ...] = ()  # the same message there with a file of other bytes (its note says it)


@dataclass(frozen=True)
class Timeline:
    container: str
    source: SourceInfo
    chats: tuple[tuple[str, str], ...]  # (name, date order)
    entries: tuple[TimelineEntry, ...]
    created_at: str
    models: tuple[ModelInfo, ...] = ()  # speech and translation models the timeline shows output of
    target_language: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    runs: tuple[RunRecord, ...] = ()  # what made each transcript and translation the timeline shows
    found_in: dict[str, Any] = field(default_factory=dict)  # an export found inside a zip: that zip and member
    chat_containers: tuple[str, ...] = ()  # each chat's own (a zip's WhatsApp chat and the SMS backup in it)

    @property
    def containers(self) -> tuple[str, ...]:
        """Each chat's container: its own, else the timeline's (a timeline made without them)."""
        return self.chat_containers or tuple(self.container for _ in self.chats)

    def senders(self) -> str:
        """What the senders are (`senders_said`), per chat where the chats' containers say differently."""
        said = [(name, senders_said(c)) for (name, _), c in zip(self.chats, self.containers, strict=False)]
        if len({s for _, s in said}) <= 1:
            return said[0][1] if said else senders_said(self.container)
        return "; ".join(f"{name}: {s}" for name, s in said if s)


@dataclass(frozen=True)
class RunRecord:
    """One transcription or translation run a timeline shows: the model, the language and every setting."""

    run_id: int
    task: str
    model: ModelInfo
    language: str | None
    source_language: str | None
    status: str
    settings: dict[str, Any]
    software: str
    created_at: str
    language_said: str = ""  # how the language is known: detected, set, never detected (export.base.language_text)


def _run_text(case: Case, run_id: int | None, runs: dict[int, RunRecord]) -> tuple[str | None, str | None,
                                                                                    ModelInfo | None, str]:
    """The run's current text (speech heard without words as `[inaudible hh:mm:ss]`, words a proofreader
    removed as `[words removed in proofreading hh:mm:ss]`, as the record of interview shows them, not as
    no speech), its language, model and review state."""
    if run_id is None:
        return None, None, None, ""
    transcript = current_transcript(case, run_id)
    shown = (shown_text(s, transcript) for s in transcript.segments)
    text = " ".join(t for t in shown if t)
    sw = transcript.software
    runs.setdefault(run_id, RunRecord(run_id, transcript.task, transcript.model, transcript.language,
                                      transcript.source_language, transcript.status, dict(transcript.settings),
                                      f"{sw.name} {sw.version}".strip(), transcript.created_at,
                                      language_text(transcript, probability=False)))
    return text, transcript.language, transcript.model, _review(transcript.status, transcript.verified_by)


def _review(status: str, verified_by: str | None) -> str:
    if status == STATUS_VERIFIED:
        return f"verified by {verified_by}" if verified_by else "verified"
    return "proofread" if status == STATUS_EDITED else ""


def shown_translation(case: Case, transcript_run: int | None, target: str | None) -> int | None:
    """The newest translation of a transcript run (into `target`, when one is named) made from
    its text as it stands now; else the newest (made before a correction, or before the text
    a translation was made from was recorded)."""
    if transcript_run is None:
        return None
    runs = [run_id for run_id in translation_runs(case, transcript_run, TRANSLATION_TASK)
            if target is None or case.transcript(run_id).settings.get("target_language") == target]
    return next((run_id for run_id in runs if is_current(case, run_id)), runs[0] if runs else None)


def _probed_kind(named: str, source: SourceInfo) -> str:
    """A recording's kind as its file holds it, not as its name suggests: WhatsApp's voice note
    `PTT-….3gp` is sound only, and was called a "Video" in the timeline (JSON, DOCX, PDF, window). A name's
    "video" stands unless the file's own index was read and lists no picture: a phone video without its
    index (moov) has its sound read from its frames and its pictures never looked for, and was a "Voice note"."""
    if named not in ("audio", "video"):
        return named
    if source.has_video:
        return "video"
    unindexed = source.container == moovless.CONTAINER and not moovless.read_by_its_index(source.path)
    return "video" if named == "video" and unindexed else "audio"


def _named_kind(a: Attachment) -> str:
    """The kind its name gives: a case taken in before `PTT-….3gp` was named a voice note stored "video"."""
    return "audio" if a.kind == "video" and voice_note_named(a.name) else a.kind


def _attachment(case: Case, stored: StoredMessage, models: dict[str, ModelInfo],
                target: str | None, runs: dict[int, RunRecord], doubts: Mapping[int, str]) -> TimelineAttachment | None:
    a = stored.message.attachment
    if a is None:
        return None
    if stored.attachment_exhibit_id is None:
        return TimelineAttachment(a.name, _named_kind(a), a.missing, a.placeholder, stored.attachment_sha256,
                                  error=stored.attachment_error)
    exhibit = case.exhibit(stored.attachment_exhibit_id)
    transcript_run = case.latest_run(exhibit.id, "transcribe")
    text, language, model, review = _run_text(case, transcript_run, runs)
    aside = set_aside(case, exhibit.id, transcript_run) if text is not None else None
    if aside is not None:  # a newer transcription asked for, not signed off: said beside its text, not shown as if
        # none were made (nor, once edited, as "proofread")
        review = aside.draft_note()
    translation_run = shown_translation(case, transcript_run, target)
    translation, _, mt_model, _ = _run_text(case, translation_run, runs)
    for m in (model, mt_model):
        if m is not None:
            models.setdefault(m.sha256 or m.name, m)
    return TimelineAttachment(a.name, _probed_kind(_named_kind(a), exhibit.source), a.missing, a.placeholder,
                              exhibit.source.sha256, exhibit.id, text, language, translation, model.name if model else None,
                              stored.attachment_error, transcript_run if text is not None else None,
                              translation_run if translation is not None else None, review,
                              exhibit.source.truncated, doubts.get(transcript_run or 0, ""))


OTHER_BYTES_NOTE = ("the same message is in exhibit {exhibit} ({export}), message {number}, with a file of other "
                    "bytes: here exhibit {file} (SHA-256 {sha256}), there exhibit {their_file} (SHA-256 "
                    "{their_sha256}); not the same file (swapped or changed in one of the two exports?)")


def other_bytes_note(other: OtherBytes) -> str:
    return OTHER_BYTES_NOTE.format(exhibit=other.exhibit_id, export=other.export, number=other.number,
                                   file=other.file_exhibit_id, sha256=other.sha256 or "not recorded",
                                   their_file=other.their_file_exhibit_id,
                                   their_sha256=other.their_sha256 or "not recorded")


def build_timeline(case: Case, exhibit_id: int, translations: Mapping[int, str] | None = None,
                   translation_model: ModelInfo | None = None, target: str | None = None,
                   settings: dict[str, Any] | None = None, doubts: Mapping[int, str] | None = None) -> Timeline:
    """The timeline of every chat an export exhibit holds; `translations` keyed by message row id; `doubts`:
    why a voice note's language is in doubt, keyed by the id of the run shown (usecases.timeline.story)."""
    translations = translations or {}
    export = case.exhibit(exhibit_id).source
    chats = [c for c in stored_chats(case, exhibit_id)]
    latest = {c.position: c for c in reversed(chats)}  # newest parser version per position
    models: dict[str, ModelInfo] = {}
    runs: dict[int, RunRecord] = {}
    if translation_model is not None:
        models[translation_model.sha256 or translation_model.name] = translation_model
    entries = []
    same = matches(case, exhibit_id)
    for chat in sorted(latest.values(), key=lambda c: c.position):
        for stored in chat_messages(case, chat.id):
            m = stored.message
            other = tuple(same.other_bytes.get(stored.id, ()))
            entries.append(TimelineEntry(
                chat.name, m.index, m.sender, m.time_as_written, m.datetime, m.text, m.system,
                "; ".join(n for n in (m.note, *map(other_bytes_note, other)) if n),
                translations.get(stored.id), _attachment(case, stored, models, target, runs, doubts or {}), stored.id,
                tuple(same.echoes.get(stored.id, ())), other))
    ordered = sorted(latest.values(), key=lambda c: c.position)
    containers = tuple(c.container for c in ordered)
    container = joined_containers(containers) if chats else export.container
    return Timeline(container, export, tuple((c.name, c.date_order) for c in ordered), tuple(entries), utc_now(),
                    tuple(models.values()), target, dict(settings or {}), tuple(runs[k] for k in sorted(runs)),
                    _found_in(case, exhibit_id), containers)


def _found_in(case: Case, exhibit_id: int) -> dict[str, Any]:
    """Where an export extracted from a zip inside a zip came from (the audit log's record of it)."""
    subject = f"exhibit/{exhibit_id}"
    found = [e.details for e in case.audit.entries(subject)
             if e.subject == subject and e.action == "chat.export_found_in_zip"]
    return dict(found[0]) if found else {}


def untranslated_messages(case: Case, exhibit_id: int) -> list[StoredMessage]:
    """The stored messages of an export, newest parser version, in order."""
    chats = stored_chats(case, exhibit_id)
    latest = {c.position: c for c in reversed(chats)}
    return [s for c in sorted(latest.values(), key=lambda c: c.position) for s in chat_messages(case, c.id)]


LOCAL_TIMES = ("local time of the phone or computer that made the export, as it writes it: the export gives no "
               "time zone and none is assumed (not converted to UTC; a time in a daylight-saving change's "
               "repeated or skipped hour is kept as written)")
OFFSET_TIMES = "with the UTC offset the export gives"
MIXED_TIMES = "some with the UTC offset the export gives, the others local time as written (no time zone given)"


def _has_offset(iso: str) -> bool:
    try:
        return datetime.fromisoformat(iso).tzinfo is not None
    except ValueError:
        return False


def chat_times(timeline: Timeline) -> dict[str, str]:
    """Per chat, what its messages' date-times are: local time as written, or with their UTC offset."""
    offsets: dict[str, set[bool]] = {}
    for e in timeline.entries:
        if e.datetime:
            offsets.setdefault(e.chat, set()).add(_has_offset(e.datetime))
    return {name: "no date-time read" if not offsets.get(name) else
            MIXED_TIMES if len(offsets[name]) == 2 else OFFSET_TIMES if True in offsets[name] else LOCAL_TIMES
            for name, _ in timeline.chats}


def timeline_dict(timeline: Timeline) -> dict[str, Any]:
    """The timeline as JSON: `container`, `messages` in chat order, and its provenance."""
    src = timeline.source
    sw = software_info()
    times = chat_times(timeline)  # once: a full export holds hundreds of chats and their messages
    return {
        "container": timeline.container,
        "source": {"path": src.path, "name": src.name, "sha256": src.sha256, "bytes": src.bytes,
                   **({"found_in": timeline.found_in} if timeline.found_in else {})},
        "chats": [{"name": name, "date_order": order, "times": times[name],
                   **({"senders": said} if (said := senders_said(container)) else {})}
                  for (name, order), container in zip(timeline.chats, timeline.containers, strict=True)],
        "messages": [_entry_dict(e) for e in timeline.entries],
        "provenance": {
            "created_at": timeline.created_at,
            "software": {"name": sw.name, "version": sw.version, "components": dict(sw.components)},
            "models": [{"name": m.name, "sha256": m.sha256, "family": m.family} for m in timeline.models],
            "target_language": timeline.target_language,
            "settings": timeline.settings,
            "runs": [_run_dict(r) for r in timeline.runs],
        },
    }


def _run_dict(r: RunRecord) -> dict[str, Any]:
    return {"run_id": r.run_id, "task": r.task, "model": {"name": r.model.name, "sha256": r.model.sha256,
                                                           "family": r.model.family, "path": r.model.path},
            "language": r.language, "source_language": r.source_language, "status": r.status,
            "settings": r.settings, "software": r.software, "created_at": r.created_at}


def _entry_dict(e: TimelineEntry) -> dict[str, Any]:
    a = e.attachment
    attachment = None if a is None else {
        "name": a.name, "kind": a.kind, "sha256": a.sha256, "missing": a.missing,
        "transcript": a.transcript, "language": a.language, "translation": a.translation,
        "placeholder": a.placeholder, "exhibit_id": a.exhibit_id, "model": a.model, "error": a.error,
        "run_id": a.run_id, "translation_run_id": a.translation_run_id,
        "review": a.review_written,  # null: no transcript to review
        "truncated": a.cut_short, "language_uncertain": a.doubt or False,
    }
    return {"chat": e.chat, "index": e.index, "sender": e.sender, "time": e.time, "datetime": e.datetime,
            "text": e.text, "system": e.system, "note": e.note, "translation": e.translation,
            "attachment": attachment,
            "also_in": [{"exhibit_id": o.exhibit_id, "export": o.export, "index": o.index,
                         **({"shift_minutes": o.shift_minutes} if o.shift_minutes else {})} for o in e.also_in]}
