"""Transcribe one exhibit into the case store, chunk by chunk, resumable.

Each chunk's segments are committed with the run's resume state in a single
transaction, so a crash or a kill loses at most the chunk being decoded, and a
rerun continues from the last stored chunk instead of starting again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.asr import BatchOptions, ClipResult, RunState, WhisperEngine, transcribe_source
from app.core.asr.packing import DEFAULT_BATCH, EARLIER_GAP_S
from app.core.asr.pipeline import plan_tracks
from app.core.diarize.pipeline import (
    CANCEL_WAIT_S,
    Background,
    DiarisationStopped,
    diarise_segments,
    diarize_settings,
    start_background,
)
from app.core.diarize.pipeline import wanted as diarisation_wanted
from app.core.errors import MediaError
from app.core.evidence.provenance import software_info
from app.core.evidence.resume_check import RESUME_CHANGED, resume_differs, set_aside_note
from app.core.evidence.source_check import check_unchanged, file_stamp
from app.core.language_parts import mixed_note
from app.core.memory import hand_back
from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.options import TranscribeOptions, to_dict
from app.core.store import Case, Exhibit
from app.core.store.speakers import save_run_voiceprints, voiceprint_digest
from app.core.types import Segment, SourceInfo

ProgressFn = Callable[[float, int], None]  # (fraction 0..1, segments so far)
FINDING_SPEAKERS = "finding speakers"  # the stage after decoding, when diarisation is wanted


@dataclass(frozen=True)
class RunResult:
    run_id: int
    segments: int
    stopped: bool = False  # cancelled or paused before the end


def settings_for(options: TranscribeOptions, engine: WhisperEngine, source: SourceInfo | None = None) -> dict:
    settings = to_dict(options)
    if source is not None:  # whether speakers are separated, and by which model (its hash)
        settings.update(diarize_settings(options, source, Path(engine.info.path)))
    settings["model_files_sha256"] = engine.files_sha256  # every file loaded, not only the weights
    settings["device"] = engine.placement.device
    settings["compute_type"] = engine.placement.compute_type
    settings["threads"] = engine.placement.threads
    settings["replicas"] = engine.placement.replicas  # batches decoded side by side, threads shared out
    settings.update(batch_settings(engine.batch))
    return settings


def batch_settings(batch: BatchOptions) -> dict[str, int | float]:
    """What of the batching can change a result, for the record: the silence between packed
    pieces (always: it changed in session 12), how a batch is cut into groups (session 17), how sure a packed
    piece's language must be for it to be read again alone (session 33), and a GPU's batch sizes (a CPU's are the defaults
    and are not written). Of the sizes only `group_windows` can change a result: it decides
    where a batch of short files is cut into groups, and so which files share windows."""
    recorded: dict[str, int | float] = {"pack_gap_s": batch.gap_s, "even_groups": batch.even_groups,
                                        "reread_min_language": batch.reread_min_language}
    if (batch.decode_batch, batch.group_windows) != (DEFAULT_BATCH.decode_batch, DEFAULT_BATCH.group_windows):
        recorded.update(decode_batch=batch.decode_batch, group_windows=batch.group_windows)
    return recorded


def recorded_batch(settings: dict) -> BatchOptions:
    """The batch options a run recorded (batch_settings), the defaults where it recorded none
    (and the earlier 1.5 s packing gap, and groups cut as they filled, for runs made before they were recorded)."""
    return replace(DEFAULT_BATCH, decode_batch=int(settings.get("decode_batch", DEFAULT_BATCH.decode_batch)),
                   group_windows=int(settings.get("group_windows", DEFAULT_BATCH.group_windows)),
                   gap_s=float(settings.get("pack_gap_s", EARLIER_GAP_S)),
                   even_groups=bool(settings.get("even_groups", False)),
                   reread_min_language=float(settings.get("reread_min_language", DEFAULT_BATCH.reread_min_language)))


def _as_recorded_before(settings: dict) -> dict | None:
    """The same settings as a build before session 33 recorded them (no `reread_min_language`: the rule then
    was its default, which `recorded_batch` reads back for such a run), or None where they would differ."""
    if settings.get("reread_min_language") != DEFAULT_BATCH.reread_min_language:
        return None
    return {key: value for key, value in settings.items() if key != "reread_min_language"}


def run_for(case: Case, engine: WhisperEngine, exhibit: Exhibit, options: TranscribeOptions) -> int:
    """The run to write into: an interrupted one with identical settings, else a new one."""
    settings = settings_for(options, engine, exhibit.source)
    run_id = case.resumable_run(exhibit.id, options.task, settings, engine.info.sha256)
    if run_id is None and (before := _as_recorded_before(settings)) is not None:  # interrupted under an older build
        run_id = case.resumable_run(exhibit.id, options.task, before, engine.info.sha256)
    replaces = None
    if run_id is not None and resume_differs(case, run_id):  # set forward, the resume skipped speech unseen
        case.set_run_aside(run_id, RESUME_CHANGED)
        replaces, run_id = run_id, None  # the new run says which it replaces (its record, the operator)
    if run_id is None:
        run_id = case.start_run(exhibit.id, options.task, engine.info, settings, software_info(), replaces=replaces)
    return run_id


def transcribe_exhibit(
    case: Case,
    engine: WhisperEngine,
    exhibit: Exhibit,
    options: TranscribeOptions,
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    run_id: int | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> RunResult:
    """Decode the exhibit into `run_id` (or the run its settings resume or start). `on_progress`
    hears each stored chunk; `on_stage` hears what runs once decoding is over (finding speakers)."""
    if run_id is None:
        run_id = run_for(case, engine, exhibit, options)
    record = case.run(run_id)
    state = RunState(
        done_ms=dict(record.state.get("done_ms", {})),
        anchor_ms=dict(record.state.get("anchor_ms", {})),
        language=record.language,
        language_probability=record.language_probability,
        languages=[list(part) for part in record.state.get("languages", ())],
        language_now=tuple(record.state["language_now"]) if record.state.get("language_now") else None,
    )
    count = case.segment_count(run_id)
    truncated = stopped = False
    notes: list[str] = []

    def stop_now() -> bool:
        nonlocal stopped
        stopped = stopped or should_stop()
        return stopped

    # the speakers are searched on the other core while the file's bytes are hashed again (a phone's
    # 2 GB video: seconds with one core idle); a file changed since intake stops the search unused
    speakers = _speaker_search(exhibit.source, options, Path(engine.info.path))
    try:
        _check_source(case, exhibit, run_id)
        for done in transcribe_source(engine, exhibit.source, options, state, stop_now):
            case.append_segments(
                run_id, done.segments, {"done_ms": state.done_ms, "anchor_ms": state.anchor_ms,
                                        **_spoken(state)},
                state.language, state.language_probability, track=done.track.key,
            )
            count += len(done.segments)
            truncated = truncated or done.truncated
            notes.extend(done.notes)
            if on_progress:
                on_progress(done.progress, count)
        if stopped:
            return RunResult(run_id, count, stopped=True)
        checked = file_stamp(exhibit.source.path)  # before the hash: a write during it shows too
        _check_source(case, exhibit, run_id)  # the bytes decoded were the bytes hashed
        try:
            _diarise(case, engine, exhibit, run_id, options, speakers, on_stage, stop_now, checked)
        except DiarisationStopped:  # all words stored, the run left open: a rerun finds the speakers
            return RunResult(run_id, count, stopped=True)
    finally:
        if speakers is not None:  # stopped or failed: stop finding turns (done already otherwise)
            speakers.cancel(CANCEL_WAIT_S)
        hand_back()  # the worker lives on for the next file: what this one freed goes back (memory.py)
    _finish(case, exhibit, run_id, truncated, (*notes, *_model_notes(engine, options), *_mixed(state.languages)),
            count)
    return RunResult(run_id, count)


def _check_source(case: Case, exhibit: Exhibit, run_id: int) -> None:
    """The file still holds the bytes taken in, else MediaError, and the run is set aside: what it stored may
    have been decoded from the other bytes (a file changed mid-decoding, its size and time kept, as on a network
    share), so a retry once the file is right again starts a new run rather than resuming this one (it sealed
    those words as the machine's transcript of the SHA-256 taken in)."""
    try:
        check_unchanged(exhibit.source)
    except MediaError as exc:
        case.set_run_aside(run_id, exc.reason)
        raise


def _speaker_search(source: SourceInfo, options: TranscribeOptions, whisper_dir: Path) -> Background | None:
    """The search for speakers, started beside the decoding when the recording is decoded as one
    track: a stereo phone video whose channels are not one speaker each is mixed down, and was
    searched only after its decoding (the whole search's time added to the run's)."""
    if not diarisation_wanted(options, source):
        return None
    one_track = len(plan_tracks(source, options.channels)) == 1
    return start_background(source, options, whisper_dir, one_track)


def _model_notes(engine: WhisperEngine | None, options: TranscribeOptions | None) -> tuple[str, ...]:
    """What the model itself means for the reader: an English-only model never hears another language."""
    if engine is None or options is None or options.language or engine.multilingual:
        return ()
    return (ENGLISH_ONLY_NOTE,)


def store_clip(case: Case, exhibit: Exhibit, run_id: int, result: ClipResult,
               batch: tuple[str, ...] = (), options: TranscribeOptions | None = None,
               engine: WhisperEngine | None = None, on_stage: Callable[[str], None] | None = None) -> RunResult:
    """Store a batched short file's result (asr.transcribe_clips) as its run, complete.

    `batch`: the SHA-256 of every file decoded in that transcribe_clips call, in order:
    what `reproduce` needs to decode them together again (a packed result can depend on
    the speech it shared encoder windows with)."""
    checked = file_stamp(exhibit.source.path)
    check_unchanged(exhibit.source)  # the bytes decoded were the bytes hashed
    speakers = options is not None and engine is not None and diarisation_wanted(options, exhibit.source)
    if speakers:  # its words stored before its speakers are searched (a kill then keeps them)
        _store_words(case, exhibit, run_id, result, batch)
        _diarise(case, engine, exhibit, run_id, options, on_stage=on_stage, checked=checked)  # type: ignore[arg-type]
        _finish_clip(case, exhibit, run_id, result, options, engine)
    else:  # one commit (one sync of the store and of the head file), not three, for each of a phone's notes
        with case.transaction():
            _store_words(case, exhibit, run_id, result, batch)
            _finish_clip(case, exhibit, run_id, result, options, engine)
    return RunResult(run_id, len(result.segments))


def _store_words(case: Case, exhibit: Exhibit, run_id: int, result: ClipResult, batch: tuple[str, ...]) -> None:
    """A short file's segments, track by track, each marked done with them, and what it was packed with."""
    tracks: dict[str, list[Segment]] = {}
    for segment in result.segments:
        tracks.setdefault("mix" if segment.channel is None else f"ch{segment.channel}", []).append(segment)
    done: dict[str, int] = {}  # each track's segments in their own transaction, marked done with them
    packed = {"packed_with": list(result.packed_with)} if result.packed_with else {}
    packed["batch"] = list(batch or (exhibit.source.sha256,))  # decoded by transcribe_clips, with these
    packed.update(_parts([list(part) for part in result.languages]))
    for key, segments in (tracks or {"mix": []}).items():
        done[key] = exhibit.source.duration_ms
        case.append_segments(run_id, tuple(segments), {"done_ms": dict(done), "anchor_ms": {}, **packed},
                             result.language, result.language_probability, track=key)
    if result.packed_with:  # a batched result depends on the speech it was packed with: say which
        with case.transaction():
            case.audit.record("run.packed", f"run/{run_id}", packed)


def _finish_clip(case: Case, exhibit: Exhibit, run_id: int, result: ClipResult, options: TranscribeOptions | None,
                 engine: WhisperEngine | None) -> None:
    _finish(case, exhibit, run_id, result.truncated,
            (*result.notes, *_model_notes(engine, options), *_mixed([list(part) for part in result.languages])),
            len(result.segments))


def _spoken(state: RunState) -> dict[str, Any]:
    """What a long file's run state keeps of its languages (a resumed run carries them on): its speech
    by language, and the language its last piece was decoded in (the next piece starts in it)."""
    kept: dict[str, Any] = {"languages": state.languages} if state.languages else {}
    if state.language_now:
        kept["language_now"] = list(state.language_now)
    return kept


def _parts(languages: list[list]) -> dict[str, Any]:
    """A short file's record, in its run's state, of the languages its speech was decoded in, where
    it was decoded in more than one (the exports say each segment's language from it; a long file's
    state always holds them: a resumed run carries them on)."""
    return {"languages": languages} if len({part[2] for part in languages}) > 1 else {}


def _mixed(languages: list[list]) -> tuple[str, ...]:
    note = mixed_note(languages)
    return (note,) if note else ()


def _diarise(case: Case, engine: WhisperEngine, exhibit: Exhibit, run_id: int, options: TranscribeOptions,
             speakers: Background | None = None, on_stage: Callable[[str], None] | None = None,
             should_stop: Callable[[], bool] | None = None, checked: tuple[int, int, int] | None = None) -> None:
    """Who spoke when, onto the run's stored segments before the run is sealed (a rerun after
    a kill here diarises again from the same stored words: the same result). `speakers`:
    the turns being found beside the decoding; DiarisationStopped once `should_stop()`.
    `checked`: the file's stamp at the run's last check of its bytes; the search reads on after
    it, so where the stamp has moved since, the file is hashed again before any speaker is stored."""
    if not diarisation_wanted(options, exhibit.source):
        return
    if on_stage:
        on_stage(FINDING_SPEAKERS)
    found = diarise_segments(exhibit.source, case.segments(run_id), options, Path(engine.info.path), speakers,
                             should_stop)
    if found is None:
        return
    if checked is not None and file_stamp(exhibit.source.path) != checked:
        _check_source(case, exhibit, run_id)  # changed: no speakers, the run set aside, as for words
    voiceprints = found.voiceprints()
    case.replace_segments(run_id, found.segments, {
        "speakers": found.result.speakers, "model_sha256": found.result.model_sha256,
        "settings": dict(found.result.settings),
        "voiceprints": {label: voiceprint_digest(v) for label, (v, _ms) in voiceprints.items()},
        "voiceprint_speech_ms": {label: int(ms) for label, (_v, ms) in voiceprints.items()}})
    save_run_voiceprints(case, run_id, found.result.model_sha256, voiceprints)


NO_WORDS_ENGLISH_ONLY = ("speech was detected but no words were recognised: the speech may be in another language, "
                         "which this English-only model cannot transcribe (re-run with a multilingual model, "
                         "--model base, and --language if it is known) or unintelligible")


def _finish(case: Case, exhibit: Exhibit, run_id: int, truncated: bool, notes: tuple[str, ...] = (),
            segments: int = 1) -> None:
    """Complete the run; its warnings say what a reader must know (truncation, damage, the
    stream transcribed, no speech found), so an empty transcript never comes without one."""
    warnings = [*(["the source ended before its stated duration; transcribed what decoded"] if truncated else []),
                *dict.fromkeys(n for n in (*notes, set_aside_note(case, run_id)) if n)]
    if segments == 0:
        warnings.append("no speech found: the transcript is empty")
    elif not any(s.text.strip() for s in case.segments(run_id)) and ENGLISH_ONLY_NOTE in warnings:
        warnings.append(NO_WORDS_ENGLISH_ONLY)  # `--language` with this model is refused: say what can be done
    elif not any(s.text.strip() for s in case.segments(run_id)):
        warnings.append("speech was detected but no words were recognised: the language may be wrong "
                        "(re-run with --language) or the speech unintelligible")
    case.finish_run(run_id, "complete", truncated=truncated, warnings=tuple(warnings))  # marks the exhibit too
