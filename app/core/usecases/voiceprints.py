"""Each unnamed speaker's voiceprint as the transcript stands now, computed where none is kept.

A run diarised before voiceprints were kept has none; a speaker the proofreader merged, split
or gave other segments no longer has the voice the diarisation measured. Such a speaker's
voiceprint is computed from the recording over its current segments, and kept with the run:

    plan = plan_voiceprints(case, run_id)              # reads the store; None: nothing to compute
    voices, model_sha = compute_voiceprints(plan)      # reads media, runs CAM++: no store
    save_voiceprints(case, plan, voices, model_sha)    # kept with the run, audited

The middle step touches no store, so a window runs it on a thread; `fill_voiceprints` does all
three. A voiceprint is kept under what it was made from (the SHA-256 of the speaker's time
spans) and the model's SHA-256: a renamed speaker, or an edit undone, finds it again. Only
speakers still carrying a machine label ("Speaker N") are measured: a name a person gave is
theirs, and is never offered another.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.diarize.engine import DiarizeError, load_embedder
from app.core.diarize.model_dirs import MODEL_FILE, speaker_model_dir
from app.core.diarize.span_prints import span_voiceprints, span_windows
from app.core.editing import operations as editing
from app.core.hashing import sha256_file
from app.core.media.decode import AudioReader
from app.core.models.integrity import file_sha256
from app.core.store import Case
from app.core.store.audit import current_user
from app.core.store.speakers import (
    has_profiles,
    profiles,
    run_voiceprints,
    save_segment_voiceprints,
    segment_voiceprints,
)

MACHINE_LABEL = re.compile(r"Speaker \d+")  # as diarisation and "split off as a new speaker" name them


@dataclass(frozen=True)
class SpeakerSpans:
    """A speaker's speech in a transcript: its segments' spans, touching ones joined."""

    label: str
    spans_ms: tuple[tuple[int, int], ...]

    @property
    def basis(self) -> str:
        """What a voiceprint of this speaker is made from, as a SHA-256 (the key it is kept by)."""
        return hashlib.sha256(json.dumps([list(s) for s in self.spans_ms]).encode()).hexdigest()

    @property
    def speech_ms(self) -> int:
        return sum(b - a for a, b in self.spans_ms)


@dataclass(frozen=True)
class RunVoices:
    model_sha256: str
    voices: dict[str, np.ndarray]  # unnamed speaker -> its voiceprint as the transcript stands
    missing: tuple[SpeakerSpans, ...]  # unnamed speakers with speech enough but no voiceprint kept


@dataclass(frozen=True)
class VoiceprintPlan:
    """What computing voiceprints reads: the exhibit's file and each speaker's spans."""

    run_id: int
    exhibit_id: int
    sha256: str
    path: str
    duration_ms: int
    model_sha256: str
    speakers: tuple[SpeakerSpans, ...]
    reason: str


def speaker_spans(spans: Iterable[tuple[str, int, int]]) -> dict[str, SpeakerSpans]:
    """Each machine-labelled speaker's spans, in time order, from (speaker, start_ms, end_ms)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for speaker, start, end in spans:
        if speaker and MACHINE_LABEL.fullmatch(speaker) and end > start:
            found.setdefault(speaker, []).append((start, end))
    return {label: SpeakerSpans(label, _joined(spans)) for label, spans in found.items()}


def _joined(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)


def installed_model_sha(model_dir: Path | None = None) -> str | None:
    """The SHA-256 of the installed speaker model's weights (hashed once per file state, its ctime and inode too:
    weights replaced with their size and mtime put back were taken, in an open window, for the model before), else
    None."""
    folder = model_dir or speaker_model_dir()
    weights = Path(folder) / MODEL_FILE if folder else None
    if weights is None or not weights.is_file():
        return None
    return file_sha256(weights.resolve())


def voices_now(case: Case, run_id: int, model_sha256: str | None = None) -> RunVoices:
    """The voiceprint of each unnamed speaker of the current transcript, where one is kept for
    its present spans: the diarisation's own while the speaker's segments are as it left them,
    else one computed later. Made by `model_sha256` (default: the diarisation's model)."""
    machine_sha, machine = run_voiceprints(case, run_id)
    model = model_sha256 or machine_sha
    kept: dict[str, np.ndarray] = {}
    if machine and model == machine_sha:
        drafted = speaker_spans(editing.speaker_spans(case, run_id, machine=True))
        kept.update({drafted[label].basis: v for label, v in machine.items() if label in drafted})
    if model:
        kept.update(segment_voiceprints(case, run_id, model))
    current = speaker_spans(editing.speaker_spans(case, run_id))
    voices = {label: kept[s.basis] for label, s in current.items() if s.basis in kept}
    missing = tuple(s for label, s in sorted(current.items()) if label not in voices and span_windows(s.spans_ms))
    return RunVoices(model, voices, missing)


def plan_voiceprints(case: Case, run_id: int, model_dir: Path | None = None) -> VoiceprintPlan | None:
    """What to compute so every unnamed speaker has a voiceprint; None when nothing is needed
    (none missing, no profile it could be compared with, not a recording, no speaker model)."""
    if not has_profiles(case):  # before hashing the model: the window asks on every run it shows
        return None
    model_sha = installed_model_sha(model_dir)
    if model_sha is None:
        return None
    named = set(editing.speakers(case, run_id))
    if not set(profiles(case, model_sha)) - named:
        return None
    now = voices_now(case, run_id, model_sha)
    exhibit = case.exhibit(case.run(run_id).exhibit_id)
    if not now.missing or exhibit.source.kind != "media":
        return None
    path = next((p for p in exhibit.paths if Path(p).is_file()), exhibit.source.path)
    reason = "speakers edited since the voiceprints were kept" if run_voiceprints(case, run_id)[1] or \
        segment_voiceprints(case, run_id, model_sha) else "no voiceprints kept with the run"
    return VoiceprintPlan(run_id, exhibit.id, exhibit.source.sha256, str(path), exhibit.source.duration_ms,
                          model_sha, now.missing, reason)


def compute_voiceprints(plan: VoiceprintPlan, model_dir: Path | None = None
                        ) -> tuple[dict[str, tuple[np.ndarray, int]], str]:
    """({speaker: (voiceprint, windows)}, the model's SHA-256). Reads media; no store."""
    folder = model_dir or speaker_model_dir()
    if folder is None:
        raise DiarizeError("the speaker model is not installed: no voiceprint can be computed")
    if sha256_file(plan.path) != plan.sha256:
        raise DiarizeError(f"{plan.path}: the file's content changed since it was taken in; "
                           "no voiceprint computed")
    embedder = load_embedder(Path(folder))
    blocks = AudioReader(plan.path, expected_ms=plan.duration_ms).blocks()
    voices = span_voiceprints(blocks, {s.label: s.spans_ms for s in plan.speakers}, embedder)
    return voices, embedder.sha256


def save_voiceprints(case: Case, plan: VoiceprintPlan, voices: dict[str, tuple[np.ndarray, int]],
                     model_sha256: str, actor: str | None = None) -> None:
    """Keep the computed voiceprints with the run, with what they were made from (audited)."""
    rows = [(s.label, s.basis, voices[s.label][0], s.speech_ms, voices[s.label][1])
            for s in plan.speakers if s.label in voices]
    history = editing.history(case, plan.run_id)
    details = {"reason": plan.reason, "exhibit": plan.exhibit_id, "sha256": plan.sha256,
               "revision": history[-1].id if history else None}
    save_segment_voiceprints(case, plan.run_id, model_sha256, rows, details, actor or current_user())


def fill_voiceprints(case: Case, run_id: int, model_dir: Path | None = None,
                     actor: str | None = None) -> VoiceprintPlan | None:
    """Plan, compute and save in one go (the CLI); what was computed, or None."""
    plan = plan_voiceprints(case, run_id, model_dir)
    if plan is not None:
        voices, model_sha = compute_voiceprints(plan, model_dir)
        save_voiceprints(case, plan, voices, model_sha, actor)
    return plan
