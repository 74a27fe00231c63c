"""Run a recorded transcription again, from the record alone, and compare.

What is re-run is what the run's record says: the source (its SHA-256 checked), the
model (the SHA-256 of its weights checked), the settings, and, for a short file
decoded together with others, the same files in the same order. The comparison is
of the machine draft (a proofreader's edits are not the machine's output): times,
speakers, channels, text and words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.asr import load_engine, transcribe_clips, transcribe_source_batched
from app.core.asr.runs import recorded_batch
from app.core.asr.silence_store import SilenceStore
from app.core.diarize.pipeline import diarise_segments, diarize_settings
from app.core.errors import ModelError, ParleyError
from app.core.evidence.export_gate import chain_problems, rewritten_log
from app.core.evidence.verify import record_findings
from app.core.hashing import sha256_file
from app.core.media.decode import probe
from app.core.options import TranscribeOptions, from_dict
from app.core.store import Case
from app.core.types import Segment, SourceInfo

SPEECH_TASKS = ("transcribe", "translate")


class ReproduceError(ParleyError):
    """The record cannot be re-run as it stands (source or model missing or different...)."""


@dataclass(frozen=True)
class Difference:
    index: int
    recorded: str | None
    rerun: str | None

    def line(self) -> str:
        return f"segment {self.index + 1}: recorded {self.recorded!r}, re-run {self.rerun!r}"


@dataclass(frozen=True)
class ReproduceReport:
    run_id: int
    differences: tuple[Difference, ...]
    compared: int

    @property
    def identical(self) -> bool:
        return not self.differences


def target_run(target: str, case_dir: Path | None) -> tuple[Path | None, int]:
    """(case folder or None for the default, run id) from a run id or an export manifest."""
    if target.isdecimal():
        return case_dir, int(target)
    path = Path(target)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        run_id = int(manifest["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ReproduceError(f"{target}: neither a run id nor a readable export manifest") from None
    return case_dir or (Path(manifest["case"]) if manifest.get("case") else None), run_id


def reproduce_run(case: Case, run_id: int, models_dir: Path | None = None,
                  manifest: Path | None = None, on_start: Callable[[], None] | None = None) -> ReproduceReport:
    """`manifest`: the export manifest the run was named by (it must be one the case's log lists).
    `on_start`: called once every check has passed, as the decoding starts (a refusal says only why)."""
    if manifest is not None:
        _check_manifest(case, manifest)
    # a broken chain vouches for no record; nor one chained again (the account's head, the manifests written show it)
    forged = chain_problems(case) or record_findings(case, run_id) or rewritten_log(case)
    if forged:
        raise ReproduceError(f"{forged[0].line()}: not re-run (the record re-run would not be the one made; "
                             "`verify` says more)")
    transcript = case.transcript(run_id)
    if transcript.task not in SPEECH_TASKS:
        raise ReproduceError(f"run {run_id} is a {transcript.task} run; only speech runs are re-run for now")
    if case.run(run_id).status != "complete":
        raise ReproduceError(f"run {run_id} did not finish; nothing to compare with")
    options = from_dict(TranscribeOptions, transcript.settings)
    engine = load_engine(options, models_dir)
    engine.silence_store = SilenceStore(None)  # every state encoded afresh: a store changed on disk is found here
    if engine.info.sha256 != transcript.model.sha256:
        raise ModelError(f"model {options.model} here is not the one recorded (SHA-256 {engine.info.sha256[:16]}... "
                         f"against {transcript.model.sha256[:16]}...); import the recorded model first")
    files = transcript.settings.get("model_files_sha256")
    if files and engine.files_sha256 != files:
        raise ModelError(f"model {options.model} here has the recorded weights but not the other files the run "
                         "loaded (tokenizer, configuration or vocabulary); import the recorded model first")
    source = _original(case, transcript.source.sha256)
    batch = case.run(run_id).state.get("batch")
    sizes = recorded_batch(transcript.settings)  # the batching recorded, not this device's
    sources = [source if sha == source.sha256 else _original(case, sha) for sha in batch] if batch else []
    if on_start is not None:
        on_start()
    if batch:
        results = {r.source.sha256: r for r in transcribe_clips(engine, sources, options, sizes)}
        rerun = list(results[source.sha256].segments)
    else:
        rerun = [s for done in transcribe_source_batched(engine, source, options, batch=sizes) for s in done.segments]
    rerun = _speakers(transcript.settings, source, tuple(rerun), options, Path(engine.info.path))
    return _compare(run_id, list(case.segments(run_id)), rerun)


def _check_manifest(case: Case, manifest: Path) -> None:
    """A manifest names the run to re-run: it must be one an export of this case wrote (its SHA-256 logged
    with `export.written`), wherever it is now."""
    digest = sha256_file(manifest)
    written = {e.details.get("sha256") for e in case.audit.entries("run/") if e.action == "export.written"}
    if digest not in written:
        raise ReproduceError(f"{manifest}: not a manifest this case's audit log lists as written (changed since it "
                             "was written, or another case's); not re-run")


_DIARISATION_HASHES = {"diarization_model_sha256": "speaker model",
                       "diarization_model_files_sha256": "speaker model (its files)",
                       "diarization_segmentation_sha256": "segmentation model",
                       "diarization_segmentation_files_sha256": "segmentation model (its files)"}


def _speakers(settings: dict, source: SourceInfo, segments: tuple[Segment, ...], options: TranscribeOptions,
              whisper_dir: Path) -> list[Segment]:
    """The recorded diarisation again, with the recorded speaker and segmentation models (each hash
    the run recorded checked: weights, and since session 11 every file of each folder)."""
    if not settings.get("diarization_model_sha256") or any(s.channel is not None for s in segments):
        return list(segments)  # none recorded, or split by channel (runs before session 25 recorded the model)
    now = diarize_settings(options, source, whisper_dir)
    for key, what in _DIARISATION_HASHES.items():
        recorded, here = settings.get(key), now.get(key)
        if recorded and here != recorded:
            raise ModelError(f"the {what} here is not the one recorded (SHA-256 "
                             f"{(here or 'none')[:16]}... against {recorded[:16]}...); import the recorded model first")
    found = diarise_segments(source, segments, options, whisper_dir)
    return list(found.segments) if found else list(segments)


def _original(case: Case, sha256: str) -> SourceInfo:
    """The exhibit's source at a path that still holds exactly those bytes."""
    exhibit = next((e for e in case.exhibits() if e.source.sha256 == sha256), None)
    if exhibit is None:
        raise ReproduceError(f"no exhibit with SHA-256 {sha256} in this case")
    for path in (exhibit.source.path, *exhibit.paths):
        if Path(path).is_file() and sha256_file(path) == sha256:
            return probe(path, sha256=sha256)
    raise ReproduceError(f"{exhibit.source.path}: the original (SHA-256 {sha256[:16]}...) is not at any "
                         "path the case knows, or its bytes differ")


def _key(segment: Segment) -> tuple:
    words = tuple((w.start_ms, w.end_ms, w.text, round(w.probability, 4)) for w in segment.words)
    return segment.start_ms, segment.end_ms, segment.speaker, segment.channel, segment.text, words


def _compare(run_id: int, recorded: list[Segment], rerun: list[Segment]) -> ReproduceReport:
    recorded = sorted(recorded, key=lambda s: (s.start_ms, s.channel or 0))
    rerun = sorted(rerun, key=lambda s: (s.start_ms, s.channel or 0))
    differences = []
    for i in range(max(len(recorded), len(rerun))):
        a = recorded[i] if i < len(recorded) else None
        b = rerun[i] if i < len(rerun) else None
        if a is None or b is None or _key(a) != _key(b):
            differences.append(Difference(i, _describe(a), _describe(b)))
    return ReproduceReport(run_id, tuple(differences), len(recorded))


def _describe(segment: Segment | None) -> str | None:
    if segment is None:
        return None
    return f"[{segment.start_ms / 1000:.2f}-{segment.end_ms / 1000:.2f}] {segment.text}"


