"""Speakers known across a case: enrol a named voice from marked segments; offer matches.

    plan = plan_enrolment(case, run_id, segment_ids)          # reads the store (calling thread)
    voice, model_sha = compute_voiceprint(plan)               # reads media, runs CAM++: no store
    save_profile(case, plan, "John Smith", voice, model_sha)  # stored and audited
    for s in suggestions(case, run_id): ...                   # "Speaker 2 sounds like John Smith (0.82)"
    confirm(case, run_id, s)                                  # = rename the speaker (a revision)

The middle step touches no store, so a window can run it on another thread; the CLI
calls `enrol_segments`, which does all three. `suggestions` only reads: a speaker with no
voiceprint kept for its present segments (a run diarised before voiceprints were kept, or
speakers merged or split since) gets one from app.core.usecases.voiceprints first. A match is only ever offered with its
score: nothing is renamed until the user confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.diarize.embedder import SAMPLE_RATE
from app.core.diarize.engine import DiarizeError, load_embedder
from app.core.diarize.model_dirs import SPEAKER_MODEL, speaker_model_dir
from app.core.diarize.profiles import MATCH_THRESHOLD, enrol, suggest
from app.core.editing import operations as editing
from app.core.errors import ModelError, ParleyError
from app.core.media.decode import AudioReader
from app.core.store import Case
from app.core.store.audit import person_or_account
from app.core.store.speakers import (
    add_profile,
    check_name_free,
    confirmation_of,
    dismiss_suggestion,
    dismissed,
    profiles,
    record_confirmation,
    run_voiceprints,
)
from app.core.usecases.voiceprints import installed_model_sha, voices_now


@dataclass(frozen=True)
class EnrolPlan:
    """What an enrolment reads: the exhibit's file and the marked segments' time spans."""

    run_id: int
    exhibit_id: int
    sha256: str
    path: str
    duration_ms: int
    segment_ids: tuple[int, ...]
    spans_ms: tuple[tuple[int, int], ...]
    speakers: tuple[str, ...]  # the speakers the marked segments carry now

    @property
    def speech_s(self) -> float:
        return sum(b - a for a, b in self.spans_ms) / 1000


@dataclass(frozen=True)
class Suggestion:
    speaker: str  # the label in the transcript ("Speaker 2")
    profile: str  # the profile's name ("John Smith")
    score: float  # cosine similarity of the two voiceprints

    def text(self) -> str:
        return f"{self.speaker} sounds like {self.profile} ({self.score:.2f})"


def latest_transcript(case: Case, exhibit_key: str) -> int:
    """The newest finished transcription of an exhibit (id, name, path or SHA-256)."""
    exhibit = case.find_exhibit(exhibit_key)
    run_id = case.latest_run(exhibit.id, "transcribe")
    if run_id is None:
        raise ParleyError(f"exhibit {exhibit.id} ({exhibit.source.name}) has no finished transcript")
    return run_id


def segment_ids_at(case: Case, run_id: int, numbers: Iterable[int]) -> list[int]:
    """Segment numbers as shown (1 = the first segment in reading order) to segment ids."""
    ids = editing.segment_ids(case, run_id)
    out = []
    for n in numbers:
        if not 1 <= n <= len(ids):
            raise ParleyError(f"no segment {n}: the transcript has {len(ids)} segment(s)")
        out.append(ids[n - 1])
    return out


def plan_enrolment(case: Case, run_id: int, segment_ids: Sequence[int]) -> EnrolPlan:
    if not segment_ids:
        raise ParleyError("mark the segments of one person to enrol a voice")
    segments = [editing.get_segment(case, run_id, i) for i in dict.fromkeys(segment_ids)]
    exhibit = case.exhibit(case.run(run_id).exhibit_id)
    if exhibit.source.kind != "media":
        raise ParleyError(f"exhibit {exhibit.id} is not a recording: no voice to enrol")
    path = next((p for p in exhibit.paths if Path(p).is_file()), exhibit.source.path)
    spans = tuple(sorted((s.start_ms, s.end_ms) for s in segments if s.end_ms > s.start_ms))
    return EnrolPlan(run_id, exhibit.id, exhibit.source.sha256, str(path), exhibit.source.duration_ms,
                     tuple(s.id for s in segments if s.id is not None), spans,
                     tuple(sorted({s.speaker for s in segments if s.speaker})))


def span_audio(path: str, spans_ms: Sequence[tuple[int, int]], expected_ms: int = 0) -> np.ndarray:
    """The recording decoded from its start up to the last span's end (16 kHz mono): only as
    much as the spans need, in blocks."""
    last = max(end for _, end in spans_ms) * SAMPLE_RATE // 1000
    parts, total = [], 0
    for block in AudioReader(path, expected_ms=expected_ms).blocks():
        parts.append(block)
        total += len(block)
        if total >= last:
            break
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def speaker_model(model_dir: Path | None = None) -> Path:
    folder = model_dir or speaker_model_dir()
    if folder is None:
        raise ModelError(f"the speaker model ({SPEAKER_MODEL}) is not installed; "
                         "install it with python -m app models install-dev or import its bundle")
    return Path(folder)


def compute_voiceprint(plan: EnrolPlan, model_dir: Path | None = None) -> tuple[np.ndarray, str]:
    """(the profile's voiceprint, the speaker model's SHA-256). Reads media; no store."""
    if not plan.spans_ms:
        raise DiarizeError("the marked segments hold no time to enrol")
    folder = speaker_model(model_dir)
    audio = span_audio(plan.path, plan.spans_ms, plan.duration_ms)
    return enrol(audio, plan.spans_ms, folder), load_embedder(folder).sha256


def save_profile(case: Case, plan: EnrolPlan, name: str, voiceprint: np.ndarray, model_sha256: str,
                 actor: str | None = None) -> int:
    return add_profile(case, name, voiceprint, model_sha256, _source(plan), actor=person_or_account(actor))


def _source(plan: EnrolPlan) -> dict[str, object]:
    """What a profile records it was made from."""
    return {"exhibit": plan.exhibit_id, "sha256": plan.sha256, "run": plan.run_id,
            "segments": list(plan.segment_ids), "spans_ms": [list(s) for s in plan.spans_ms],
            "speech_s": round(plan.speech_s, 2), "speakers": list(plan.speakers)}


def enrol_segments(case: Case, run_id: int, segment_ids: Sequence[int], name: str,
                   model_dir: Path | None = None, actor: str | None = None) -> tuple[int, EnrolPlan]:
    """Enrol `name` from the marked segments of a run; (profile id, what it was made from)."""
    if not name.strip():
        raise ParleyError("a voice profile needs a name")
    plan = plan_enrolment(case, run_id, segment_ids)
    model_sha = installed_model_sha(model_dir)
    if model_sha is not None:  # a repeat of a finished enrolment is known before any audio is read
        check_name_free(case, name, model_sha, _source(plan))
    voice, model_sha = compute_voiceprint(plan, model_dir)
    return save_profile(case, plan, name, voice, model_sha, actor), plan


def suggestions(case: Case, run_id: int, threshold: float = MATCH_THRESHOLD) -> list[Suggestion]:
    """For each speaker still named as the machine names them ("Speaker 2") and with a voiceprint
    kept for its present segments, the best profile of the case scoring at or above `threshold`
    (each profile offered once; names already in the transcript and dismissed offers left out).
    Reads the store only: voiceprints.fill_voiceprints (or its three steps) computes missing ones."""
    model_sha = installed_model_sha() or run_voiceprints(case, run_id)[0]
    current = set(editing.speakers(case, run_id))
    known = {name: v for name, v in profiles(case, model_sha).items() if name not in current}
    voices = voices_now(case, run_id, model_sha).voices if known else {}
    if not known or not voices:
        return []
    labels = sorted(voices, key=_label_order)
    refused = dismissed(case, run_id)
    out = []
    for offer in suggest(known, [voices[label] for label in labels], threshold):
        if (labels[offer.speaker_index], offer.profile) not in refused:
            out.append(Suggestion(labels[offer.speaker_index], offer.profile, round(offer.score, 4)))
    return out


def confirm(case: Case, run_id: int, suggestion: Suggestion, actor: str | None = None) -> editing.Change:
    """The user says it is that person: the speaker is renamed (an undoable revision) and the
    confirmation, with its score, is in the audit log."""
    actor = person_or_account(actor)
    with case.transaction():  # one: a kill between kept the rename, its confirmation never logged
        change = editing.rename_speaker(case, run_id, suggestion.speaker, suggestion.profile, actor=actor)
        record_confirmation(case, run_id, suggestion.speaker, suggestion.profile, suggestion.score, actor)
    return change


def confirmed_already(case: Case, run_id: int, speaker: str) -> tuple[str, float] | None:
    """(profile, score) when this speaker's confirmation is logged and the transcript still names that
    person, not the speaker: a confirm repeated (its command killed before it could say so) is done."""
    done = confirmation_of(case, run_id, speaker)
    current = set(editing.speakers(case, run_id))
    return done if done is not None and done[0] in current and speaker not in current else None


def dismiss(case: Case, run_id: int, suggestion: Suggestion, actor: str | None = None) -> None:
    dismiss_suggestion(case, run_id, suggestion.speaker, suggestion.profile, suggestion.score,
                       person_or_account(actor))


def _label_order(label: str) -> tuple[int, str]:
    tail = label.rsplit(" ", 1)[-1]
    return (int(tail) if tail.isdecimal() else 10**6, label)
