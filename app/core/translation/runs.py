"""Translate a stored transcript (or text exhibit) into a new run of the case.

    run_id = translate_run(case, translator, source_run_id, "en")

The translation is a run of task "text-translate" whose parent is the run it
translates. Each of its segments keeps its source segment's start, end, speaker
and channel and carries the original text in `source_text`, so every line of a
translation can be checked against what was said or written. Segments whose
translation looks too short or too long for their source are flagged
(translation_too_short / translation_too_long), never hidden; flags the source
segment had (low_confidence, chat_media...) are kept. Attachments and WhatsApp
system notes are copied untranslated. Word timings are not carried over: they
belong to the source language.

The run's settings record the source and target languages (as given and as
FLORES-200 codes, plus the model's own tokens), the beam size, where the model
ran, the model's family and licence, and which run (task, model, SHA-256 of its
weights, status of its text) was translated; model and software are recorded as
for every run. The whole translation is computed first, then written in one go
(start_run, append_segments, finish_run), so a stopped translation leaves nothing
half-written.

The source language is the one given, else the parent run's: the detected
language of a transcription, English for Whisper's own speech-to-English
("translate") runs, the target language of an earlier translation.

No Qt here: the CLI and the queue worker (translate_job) both call this.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.chats.text_intake import TEXT_TASK, UNTRANSLATED_FLAGS, is_untranslated
from app.core.editing.as_logged import check_as_logged
from app.core.editing.operations import current_transcript, has_working_copy
from app.core.errors import LanguageError, ModelError, ParleyError
from app.core.evidence.provenance import software_info
from app.core.models import catalogue as models
from app.core.models.integrity import check_model
from app.core.store import Case, revisions
from app.core.store.jobs import JobQueue
from app.core.store.working_copy import same_as_draft
from app.core.translation.engine import (
    TextTranslator,
    detect_family,
    find_model_files,
    language_token,
    load_translator,
    read_vocabulary,
)
from app.core.translation.langcodes import language_name, to_flores
from app.core.translation.model_file import check_vocabulary_size
from app.core.types import Segment, Transcript

TASK = "text-translate"
SPEECH_TO_ENGLISH = "translate"  # Whisper's own task: its text is English
SOURCE_TASKS = ("transcribe", TEXT_TASK)  # what translate_job prefers to translate
GROUP_SEGMENTS = 48  # segments per model call, between progress reports and stop checks

NO_TEXT = "no words in its transcript (no speech was found): nothing to translate"
ProgressFn = Callable[[float, int], None]  # (fraction 0..1, segments done)
StopFn = Callable[[], bool]


class SameLanguageError(ParleyError):
    """The text is already in the target language: nothing to translate."""


class NoTextError(ParleyError):
    """The transcript holds no words (no speech was found) and no language: nothing to translate, which
    is an honest empty result, not a failure (a timeline with a silent voice note exited 1)."""


class NoTranscriptError(ParleyError):
    """The exhibit has no finished transcript (or text run) to translate."""


@dataclass(frozen=True)
class TranslationResult:
    run_id: int | None  # None when stopped: nothing was written
    segments: int
    stopped: bool = False


# --- languages -----------------------------------------------------------------------


def check_language(code: str) -> str:
    """The code, stripped, if it names an NLLB-200 language; LanguageError otherwise."""
    to_flores(code)
    return code.strip()


def text_language(case: Case, run_id: int) -> str | None:
    """The language a run's text is written in."""
    record = case.run(run_id)
    if record.task == SPEECH_TO_ENGLISH:
        return "en"
    return record.language


def same_language(a: str, b: str) -> bool:
    try:
        return to_flores(a) == to_flores(b)
    except LanguageError:
        return False


def resolve_source(case: Case, run_id: int, source: str | None) -> str:
    """The explicit source language, else the run's; ParleyError when neither is known."""
    if source and source.strip().lower() != "auto":
        return check_language(source)
    language = text_language(case, run_id)
    if not language:
        raise ParleyError(
            "the language of the text is not known (it is detected only from speech); give it with --from"
        )
    return check_language(language)


# --- the source text -----------------------------------------------------------------


def _translated(segment: Segment, text: str, flags: tuple[str, ...]) -> Segment:
    merged = tuple(dict.fromkeys((*segment.flags, *flags)))
    return Segment(
        start_ms=segment.start_ms,
        end_ms=segment.end_ms,
        text=text,
        speaker=segment.speaker,
        channel=segment.channel,
        flags=merged,
        source_text=segment.text,
    )


def translate_segments(
    translator: TextTranslator,
    segments: tuple[Segment, ...],
    src: str,
    tgt: str,
    beam_size: int = 4,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> list[Segment] | None:
    """One translated segment per source segment, in order; None if stopped."""
    todo = [i for i, seg in enumerate(segments) if not is_untranslated(seg)]
    out = [_translated(seg, seg.text, ()) for seg in segments]  # untranslated: copied
    done = 0
    for start in range(0, len(todo), GROUP_SEGMENTS):
        if should_stop is not None and should_stop():
            return None
        group = todo[start : start + GROUP_SEGMENTS]
        results = translator.translate_texts(
            [segments[i].text for i in group], src, tgt, beam_size=beam_size
        )
        for i, result in zip(group, results):
            out[i] = _translated(segments[i], result.text, result.flags)
        done += len(group)
        if on_progress is not None:
            on_progress(done / max(1, len(todo)), done)
    if should_stop is not None and should_stop():
        return None
    return out


def source_sha256(segments: Iterable[Segment]) -> str:
    """SHA-256 of what a translation is made from: each source segment's times, speaker,
    channel, text and flags, in order (not its words, which a translation does not carry)."""
    rows = [[s.start_ms, s.end_ms, s.speaker, s.channel, s.text, sorted(s.flags)] for s in segments]
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def made_from(case: Case, translation_run_id: int) -> str | None:
    """The source_sha256 a translation run records (None: made before it was recorded)."""
    return case.transcript(translation_run_id).settings.get("source_run", {}).get("text_sha256")


def is_current(case: Case, translation_run_id: int) -> bool:
    """Whether a translation was made from its source run's text as it stands now."""
    record = case.run(translation_run_id)
    if record.parent_run_id is None:
        return False
    now = source_sha256(current_transcript(case, record.parent_run_id).segments)
    return made_from(case, translation_run_id) == now


def edited_from_draft(case: Case, run_id: int) -> bool:
    """Whether a transcript's current text differs from its machine draft (a sign-off alone is no edit).
    A speech translation is made from the recording: none of the transcript's corrections is in it."""
    return has_working_copy(case, run_id) and not same_as_draft(case, run_id)


def translation_settings(
    translator: TextTranslator, parent: Transcript, src: str, tgt: str, beam_size: int,
    revision: int | None = None,
) -> dict[str, Any]:
    info = translator.info
    return {
        "source_language": src,
        "target_language": tgt,
        "src_flores": to_flores(src),
        "tgt_flores": to_flores(tgt),
        "src_token": translator.language_token(src),
        "tgt_token": translator.language_token(tgt),
        "beam_size": beam_size,
        "device": translator.device,
        "compute_type": translator.compute_type,
        "max_batch_tokens": translator.max_batch_tokens,
        "model_family": info.family,
        "model_licence": info.licence,
        "parent_run_id": parent.run_id,
        "source_run": {
            "task": parent.task,
            "model": parent.model.name,
            "model_sha256": parent.model.sha256,
            "status": parent.status,
            "verified_by": parent.verified_by,
            "revision": revision,  # the proofread copy's newest revision; None: the machine draft
            "text_sha256": source_sha256(parent.segments),
        },
    }


def _warnings(parent: Transcript, segments: list[Segment]) -> tuple[str, ...]:
    warnings = list(parent.warnings)
    flagged = sum(
        1 for s in segments if {"translation_too_short", "translation_too_long"} & set(s.flags)
    )
    if flagged:
        warnings.append(
            f"{flagged} segment(s) flagged: the translation's length looks wrong for its source"
        )
    if not any(s.text.strip() for s in segments):
        warnings.append("the source has no text to translate")
    warnings.append("machine translation: check against the original before relying on it")
    return tuple(dict.fromkeys(warnings))


def translate_run_result(
    case: Case,
    translator: TextTranslator,
    run_id: int,
    target: str,
    source: str | None = None,
    beam_size: int = 4,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> TranslationResult:
    """translate_run, reporting progress and stopping (nothing written) when asked."""
    if beam_size < 1:
        raise ValueError("beam size must be at least 1")
    tgt = check_language(target)
    record = case.run(run_id)
    if record.status != "complete":
        raise ParleyError(f"run {run_id} is not complete ({record.status}); nothing to translate")
    with case.snapshot():  # the text, its digest and revision read at one moment (the window may edit meanwhile)
        parent = current_transcript(case, run_id)
        # was: the changed text translated, and the translation's digest logged as the machine's from then on
        check_as_logged(case, run_id, has_working_copy(case, run_id), parent.segments, "not translated")
        revision = revisions.latest_id(case, run_id)
    if not any(seg.text.strip() for seg in parent.segments) and not (source or record.language):
        raise NoTextError(NO_TEXT)
    src = resolve_source(case, run_id, source)
    if same_language(src, tgt):
        raise SameLanguageError(
            f"the text is already in {language_name(tgt)} ({src}); nothing to translate"
        )
    settings = translation_settings(translator, parent, src, tgt, beam_size, revision)
    if any(UNTRANSLATED_FLAGS & set(s.flags) for s in parent.segments):
        settings["untranslated"] = "attachments and system messages are copied, not translated"
    done = case.completed_run(record.exhibit_id, TASK, settings, translator.info.sha256)
    if done is not None:  # translated already (a kill came before its job was marked done): not again
        return TranslationResult(done, case.segment_count(done))
    segments = translate_segments(
        translator, parent.segments, src, tgt, beam_size, on_progress, should_stop
    )
    if segments is None:
        return TranslationResult(None, 0, stopped=True)
    with case.transaction():  # the whole run or none of it: a kill never leaves half a translation
        new_run = case.start_run(
            record.exhibit_id,
            TASK,
            translator.info,
            settings,
            software_info(),
            parent_run_id=run_id,
            source_language=src,
        )
        case.append_segments(new_run, tuple(segments), {"translated": len(segments)}, tgt, None)
        case.finish_run(new_run, "complete", warnings=_warnings(parent, segments))
    return TranslationResult(new_run, len(segments))


def translate_run(
    case: Case,
    translator: TextTranslator,
    run_id: int,
    target: str,
    source: str | None = None,
    beam_size: int = 4,
) -> int:
    """Translate run `run_id` into `target`; the new "text-translate" run's id."""
    result = translate_run_result(case, translator, run_id, target, source, beam_size)
    assert result.run_id is not None  # nothing can stop it without should_stop
    return result.run_id


# --- the queue worker -------------------------------------------------------------------

def load_translation_model(
    folder: Path,
    device: str = "auto",
    compute_type: str = "auto",
    threads: int = 0,
    max_batch_tokens: int = 0,
) -> TextTranslator:
    """load_translator, with a clear error when the folder holds a Whisper model or one changed
    since it was installed (integrity.check_model)."""
    _refuse_whisper(folder)
    check_model(folder)
    return load_translator(folder, device, compute_type, threads, max_batch_tokens)


def _refuse_whisper(folder: Path) -> None:
    if models.family_of(folder) == "whisper":
        raise ModelError(
            f"{folder.name} is a Whisper (speech) model; translation needs an NLLB-200 or "
            "M2M-100 model"
        )


def check_translation_folder(folder: Path, languages: Iterable[str] = ()) -> str:
    """What loading the model would refuse, found without loading it (ModelError or
    LanguageError, one line): a Whisper folder, a missing file, a vocabulary without
    language tokens or of another model, a model.bin cut short, a language the model lacks.
    Returns the model's family."""
    _refuse_whisper(folder)
    files = find_model_files(folder)
    tokens = read_vocabulary(files.vocabulary)
    check_vocabulary_size(files.weights, tokens, files.vocabulary)
    vocabulary = frozenset(tokens)
    try:
        family = detect_family(vocabulary)
    except ModelError as exc:
        raise ModelError(f"{files.folder}: {exc}") from None
    for code in languages:
        language_token(family, vocabulary, code, files.folder.name)
    return family


def source_run_for(case: Case, job: Any) -> int:
    """Which run a translate job translates: options["run_id"], the parent job's run,
    else the exhibit's latest complete transcription (or text run), else its latest
    Whisper speech-to-English run. NoTranscriptError when there is none."""
    explicit = job.options.get("run_id") or job.options.get("source_run_id")
    if explicit:
        return int(explicit)
    parent_job = getattr(job, "parent_job_id", None)
    if parent_job is not None:
        parent = JobQueue(case.conn).get(parent_job)
        if parent.run_id is not None and case.run(parent.run_id).status == "complete":
            return parent.run_id
    candidates = [case.latest_run(job.exhibit_id, task) for task in SOURCE_TASKS]
    best = max((c for c in candidates if c is not None), default=None)
    if best is None:
        best = case.latest_run(job.exhibit_id, SPEECH_TO_ENGLISH)
    if best is None:
        raise NoTranscriptError("no transcript to translate yet")
    return best


def translate_job(
    case: Case,
    job: Any,
    translator: TextTranslator,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> TranslationResult:
    """Run a queued "translate" job (job.settings: TranslateOptions; job.options may name a
    run_id) with `translator` (the worker's cached one). Returns run_id (None if stopped),
    segments and stopped."""
    options = job.settings
    run_id = source_run_for(case, job)
    if case.run(run_id).exhibit_id != job.exhibit_id:
        raise ParleyError(f"run {run_id} does not belong to exhibit {job.exhibit_id}")
    check_language(options.target)
    return translate_run_result(
        case,
        translator,
        run_id,
        options.target,
        options.source,
        options.beam_size,
        on_progress,
        should_stop,
    )


__all__ = [
    "TASK",
    "NoTextError",
    "NoTranscriptError",
    "SameLanguageError",
    "TranslationResult",
    "check_translation_folder",
    "load_translation_model",
    "source_run_for",
    "translate_job",
    "translate_run",
    "translate_run_result",
]
