"""The models the runs say they used, against the models installed now: notes, never findings.

A run records the model it loaded: its name, folder, the SHA-256 of its weights and
(since session 10) the digest of every file it loaded (`model_files_sha256`). The
record stands whatever happens to the model later, so a model changed, replaced or
removed since is not a fault in the case; but it is said, because `reproduce` needs
the model the run used. One note per model, naming its runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from app.core.diarize.model_dirs import (
    SEGMENTATION_MODEL,
    SPEAKER_MODEL,
    segmentation_model_dir,
    speaker_model_dir,
)
from app.core.errors import ModelError, StoreError
from app.core.evidence.finding import Finding
from app.core.models import catalogue as models
from app.core.models.integrity import files_digest, folder_hashes
from app.core.store import Case

# the diarisation models a run records: its settings' key for the digest of every file, the model, where it is found
DIARISATION_MODELS = (
    ("diarization_model_files_sha256", SPEAKER_MODEL, speaker_model_dir),
    ("diarization_segmentation_files_sha256", SEGMENTATION_MODEL, segmentation_model_dir),
)

Used = tuple[str, str, str, str]  # name, recorded folder, weights SHA-256, digest of every file ("" if not recorded)


def model_notes(case: Case, run_ids: Iterable[int]) -> Iterator[Finding]:
    """For each model the runs used: a note when the model installed now differs, or is not found."""
    used: dict[Used, list[int]] = {}
    run_ids = sorted(run_ids)
    for run_id in run_ids:
        try:
            transcript = case.transcript(run_id)
        except StoreError:
            continue
        model = transcript.model
        if model.path and model.sha256:
            key = (model.name, model.path, model.sha256, str(transcript.settings.get("model_files_sha256", "")))
            used.setdefault(key, []).append(run_id)
    for key, runs in used.items():
        note = _compare(key, _installed(key[0], Path(key[1])))
        if note:
            name, _, sha, _ = key
            ids = ", ".join(map(str, runs))
            yield Finding(f"model {name}", f"run(s) {ids} used it (weights SHA-256 {sha[:16]}...); {note}; the runs' "
                                           "record stands, but `reproduce` needs the model they used")
    yield from _diarisation_notes(case, run_ids)


def _diarisation_notes(case: Case, run_ids: list[int]) -> Iterator[Finding]:
    """The speaker and segmentation models the runs' diarisation used, against those found now."""
    used: dict[tuple[str, str, str], list[int]] = {}
    for run_id in run_ids:
        try:
            transcript = case.transcript(run_id)
        except StoreError:
            continue
        for key, label, _ in DIARISATION_MODELS:
            digest = transcript.settings.get(key)
            if isinstance(digest, str) and digest:
                used.setdefault((label, transcript.model.path, digest), []).append(run_id)
    locate = {label: find for _, label, find in DIARISATION_MODELS}
    for (label, whisper_path, digest), runs in used.items():
        folder = locate[label](Path(whisper_path))
        try:
            now = files_digest(folder_hashes(folder)) if folder is not None else None
        except ModelError:
            now = None
        if now == digest:
            continue
        where = f"the model at {folder} now holds other files" if folder else "it is not installed now"
        yield Finding(f"model {label}", f"run(s) {', '.join(map(str, runs))} found their speakers with it (files "
                                        f"digest {digest[:16]}...); {where}; the runs' record stands, but "
                                        "`reproduce` needs the model they used")


def _installed(name: str, recorded: Path) -> Path | None:
    if recorded.is_dir():
        return recorded
    try:
        return models.resolve(name) if name and not name.startswith(".") else None
    except ModelError:
        return None


def _compare(used: Used, folder: Path | None) -> str:
    _, recorded, sha, digest = used
    if folder is None:
        return f"it is no longer at {recorded} nor installed here under that name"
    try:
        hashes = folder_hashes(folder)
    except ModelError as exc:
        return str(exc)
    if hashes.get("model.bin") != sha:
        now = hashes.get("model.bin")
        return (f"the model at {folder} now has other weights (SHA-256 {now[:16]}...)" if now
                else f"the model at {folder} has no model.bin now")
    if digest and files_digest(hashes) != digest:
        return f"the model at {folder} has the same weights but other files (tokenizer, configuration or vocabulary)"
    return ""
