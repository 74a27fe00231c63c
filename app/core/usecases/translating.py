"""Queue translations (`python -m app translate`): the worker does the model work.

A recording gets a transcribe job and a translate job that waits for it, unless the
case already holds a finished transcript of it in the language asked for (a person's
corrections included), which is then translated. A transcript JSON, a .txt or a chat
export is taken in as a text run at once (no model needed) and gets a translate job
on that run. Equal jobs are reused, so a killed run resumes when run again and a
second run exports the translations the first one made, as long as the text they were
made from is unchanged: a transcript corrected since gets a new translation (the old one
is kept). A translate job names the text's SHA-256 (source_sha256) among its options.

The translation model is checked here, before anything is queued, without loading it
(check_translation_folder): a missing or broken folder is one line at once. What only
loading can tell (weights CTranslate2 refuses) fails the job in the worker, with its
one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.chats.text_intake import import_text, import_transcript_json
from app.core.editing.operations import current_transcript
from app.core.errors import LanguageError, ParleyError
from app.core.media.decode import probe
from app.core.models import catalogue as models
from app.core.options import TranscribeOptions, TranslateOptions, check_threads_and_beam, to_dict
from app.core.store import Case
from app.core.store.jobs import Job, JobKind, JobQueue
from app.core.store.spelling import where_met
from app.core.translation.langcodes import WHISPER_TO_FLORES, language_name, to_flores
from app.core.translation.runs import (
    NO_TEXT,
    check_language,
    check_translation_folder,
    is_current,
    resolve_source,
    same_language,
    source_run_for,
    source_sha256,
)
from app.core.usecases.enqueueing import check_model


@dataclass(frozen=True)
class TranslationRequest:
    """What the user asked for, checked: the translate jobs' options and, for
    recordings not transcribed yet, the transcribe jobs' (None when no input is media)."""

    options: TranslateOptions
    speech: TranscribeOptions | None


@dataclass(frozen=True)
class QueuedTranslation:
    path: str  # as the user gave it (or as found in a folder)
    exhibit_id: int
    job_id: int | None  # the translate job; None when there is nothing to translate (skipped)
    transcribe_job: int | None = None  # the transcription it waits for
    stored_run: int | None = None  # the stored transcript (or text run) it translates
    skipped: str | None = None  # why nothing was queued


def whisper_language(code: str) -> str:
    """A --from code as Whisper knows it (pl, de...), for forcing the speech language."""
    short = code.strip().lower()
    if short in WHISPER_TO_FLORES:
        return short
    flores = to_flores(code)
    for whisper, value in WHISPER_TO_FLORES.items():
        if value == flores:
            return whisper
    raise LanguageError(f"language '{code}' cannot be forced for speech (Whisper does not know it)")


def translation_request(target: str, source: str | None, model: str | None, *, device: str = "auto",
                        compute_type: str = "auto", threads: int = 0, beam_size: int = 4) -> TranslationRequest:
    """Languages and the translation model checked (one line each, nothing queued yet)."""
    check_threads_and_beam(threads, beam_size)  # before the model is looked for
    tgt = check_language(target)
    src = check_language(source) if source else None
    folder = models.translation_model(model)
    check_translation_folder(folder, [tgt] + ([src] if src else []))
    given_folder = model is not None and Path(model).expanduser().is_dir()
    options = TranslateOptions(model=str(folder) if given_folder else (model or folder.name), target=tgt,
                               source=src, device=device, compute_type=compute_type, threads=threads,
                               beam_size=beam_size)
    return TranslationRequest(options, None)


def with_speech(request: TranslationRequest, whisper_model: str) -> TranslationRequest:
    """The request with the transcribe jobs' options, for recordings (--from forces the language)."""
    options = request.options
    speech = TranscribeOptions(model=whisper_model,
                               language=whisper_language(options.source) if options.source else None,
                               device=options.device, compute_type=options.compute_type,
                               threads=options.threads)
    return replace(request, speech=speech)


def stored_transcript(case: Case, exhibit_id: int, language: str | None) -> int | None:
    """The exhibit's latest finished transcription, when its language agrees with `language`."""
    stored = case.latest_run(exhibit_id, "transcribe")
    if stored is None or language is None:
        return stored
    found = case.run(stored).language
    return stored if found and same_language(found, language) else None


def enqueue_media(case: Case, queue: JobQueue, path: str, request: TranslationRequest,
                  priority: int = 0) -> QueuedTranslation:
    """A recording: translate its stored transcript, else transcribe it first (a job the
    translate job waits for; an equal transcribe job already queued or done is reused)."""
    assert request.speech is not None, "with_speech() gives the transcribe options"
    exhibit, _ = case.add_exhibit(probe(where_met(path)))  # as the disk spells it, as intake
    speech = to_dict(request.speech)
    parent = queue.find(exhibit.id, JobKind.TRANSCRIBE, speech)
    stored = stored_transcript(case, exhibit.id, request.speech.language)
    if stored is not None and (parent is None or parent.run_id != stored):
        return _translate_run(case, queue, path, exhibit.id, stored, request.options, priority)
    if parent is None:
        check_model(request.speech)
        parent_id = queue.add_or_get(exhibit.id, JobKind.TRANSCRIBE, speech, priority)[0]
    else:
        parent_id = parent.id
    job_id = translate_after(case, queue, parent_id, to_dict(request.options), priority)
    done = parent.run_id if parent is not None and parent.state == "done" else None  # transcribed before: said
    return QueuedTranslation(path, exhibit.id, job_id, transcribe_job=parent_id, stored_run=done)


def queue_translation(case: Case, queue: JobQueue, exhibit_id: int, run_id: int, options: dict[str, Any],
                      priority: int = 0) -> int:
    """A translate job on a run's text as it stands now. Asked again for the same text, the same
    job (and the translation it made) is reused; once the text is corrected, a new job makes a
    new translation, and the old one is kept."""
    text = source_sha256(current_transcript(case, run_id).segments)
    settings = {**options, "run_id": run_id, "text_sha256": text}
    return queue.add_or_get(exhibit_id, JobKind.TRANSLATE, settings, priority)[0]


def translate_after(case: Case, queue: JobQueue, transcribe_job_id: int, options: dict[str, Any],
                    priority: int = 0) -> int:
    """A translate job that waits for a transcribe job; reused while the translation it made is of
    the transcript as it stands, else a new one on the corrected text (queue_translation)."""
    parent = queue.get(transcribe_job_id)
    done = queue.find(parent.exhibit_id, JobKind.TRANSLATE, options, parent.id)
    made = done.run_id if done is not None and done.state == "done" else None
    source_run = case.run(made).parent_run_id if made is not None else None
    if made is not None and source_run is not None and not is_current(case, made):
        return queue_translation(case, queue, parent.exhibit_id, source_run, options, priority)
    return queue.add_or_get(parent.exhibit_id, JobKind.TRANSLATE, options, priority, parent.id)[0]


def enqueue_text(case: Case, queue: JobQueue, path: str, kind: str, request: TranslationRequest,
                 priority: int = 0) -> QueuedTranslation:
    """A transcript JSON ("json"), a .txt or a chat ("text"): taken in, then a translate job."""
    if kind == "json":
        exhibit, run_id = import_transcript_json(case, path)
    else:
        exhibit, run_id = import_text(case, path, language=request.options.source)
    return _translate_run(case, queue, path, exhibit.id, run_id, request.options, priority)


def _translate_run(case: Case, queue: JobQueue, path: str, exhibit_id: int, run_id: int,
                   options: TranslateOptions, priority: int) -> QueuedTranslation:
    source = resolve_source(case, run_id, options.source)  # ParleyError when not known
    if same_language(source, options.target):
        return QueuedTranslation(path, exhibit_id, None, stored_run=run_id,
                                 skipped=already_in(source, options.target))
    job_id = queue_translation(case, queue, exhibit_id, run_id, to_dict(options), priority)
    return QueuedTranslation(path, exhibit_id, job_id, stored_run=run_id)


def already_in(source: str, target: str) -> str:
    return f"the text is already in {language_name(target)} ({source}); nothing to translate"


def why_nothing_translated(case: Case, job: Job) -> str:
    """Why a translate job finished without a run: its text was in the target language, or it had none."""
    target = job.settings.target
    if not any(s.text.strip() for s in current_transcript(case, source_run_for(case, job)).segments):
        return NO_TEXT
    try:
        source = resolve_source(case, source_run_for(case, job), job.settings.source)
    except ParleyError:
        source = target
    return already_in(source, target)


def is_timed(case: Case, run_id: int) -> bool:
    """True when the run's text has times (a recording's), not a document's or a chat's."""
    return case.exhibit(case.run(run_id).exhibit_id).source.duration_ms > 0
