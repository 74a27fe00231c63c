"""Diarisation in the transcription pipeline: when to run it, and speakers onto a run's segments.

Who spoke when is found on its own thread while the words are decoded (Background: the
recording read again in blocks, so memory stays flat; the cores' idle time between
decoding steps does most of it), and once the words are all decoded each word goes to
the speaker whose turn covers it; segments split where the speaker changes, labels
"Speaker 1..N" in order of first appearance. Deterministic (each model run is on one
thread, so the numbers do not depend on the thread count), so a resumed or reproduced
run gets the same speakers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.core.asr.pipeline import plan_tracks
from app.core.asr.sentence_ends import mend_sentences
from app.core.diarize.assign import assign_with_labels
from app.core.diarize.model_dirs import (
    MODEL_FILE,
    SEGMENTATION_FILE,
    SPEAKER_MODEL,
    segmentation_model_dir,
    speaker_model_dir,
)
from app.core.diarize.records import DiarResult
from app.core.diarize.stream import DiarisationStopped, diarize_blocks
from app.core.errors import ModelError
from app.core.media.decode import AudioReader
from app.core.models.integrity import check_model, file_sha256
from app.core.options import TranscribeOptions
from app.core.types import Segment, SourceInfo

VOICE_NOTE_MS = 30_000  # auto: a recording up to this long, sound only, is a voice note: one voice
NICENESS = 10  # of the thread finding turns beside the decoder
CANCEL_WAIT_S = 1.0  # a stopped search ends within one model call; its clustering is not waited for longer
POLL_S = 0.1  # how often a wait for the turns reads the stop flag

__all__ = ["Background", "DiarisationStopped", "Diarised", "diarise_segments", "find_turns", "start_background"]


@dataclass(frozen=True)
class Diarised:
    segments: tuple[Segment, ...]
    result: DiarResult
    labels: tuple[tuple[int, str], ...] = ()  # (speaker index, label) of each speaker that got words

    def voiceprints(self) -> dict[str, tuple[np.ndarray, int]]:
        """{label: (unit voiceprint, ms of its turns)} for each labelled speaker."""
        out = {}
        for index, label in self.labels:
            if index < len(self.result.embeddings):
                speech = sum(t.duration_ms for t in self.result.turns if t.speaker_index == index)
                out[label] = (self.result.embeddings[index], speech)
        return out


def wanted(options: TranscribeOptions, source: SourceInfo) -> bool:
    if options.diarize == "off" or options.task != "transcribe" or named_by_channel(options, source):
        return False
    if options.diarize == "on":
        return True
    return source.has_video or source.duration_ms > VOICE_NOTE_MS


def named_by_channel(options: TranscribeOptions, source: SourceInfo) -> bool:
    """A stereo recording split into its channels (one speaker each, or `--channels split`): each
    channel names its speaker, and no voice model is used."""
    return source.channels >= 2 and len(plan_tracks(source, options.channels)) > 1


def diarize_settings(options: TranscribeOptions, source: SourceInfo, whisper_dir: Path) -> dict[str, Any]:
    """What a run records of its diarisation (with the model's hash), or {} when it has none."""
    if options.diarize != "off" and options.task == "transcribe" and named_by_channel(options, source):
        return {"diarization": "not used: each channel names its speaker"}
    if not wanted(options, source):
        return {}
    folder = speaker_model_dir(whisper_dir)
    if folder is None:
        if options.diarize == "on":
            raise ModelError(f"the speaker model ({SPEAKER_MODEL}) is not installed; "
                             "install it with python -m app models install-dev or import its bundle")
        return {"diarization": "skipped: speaker model not installed"}
    # each folder checked against its manifest (a changed byte refuses the run in one line, before
    # anything is decoded), and the digest of every file it holds recorded beside its weights' hash
    settings = {"diarization": SPEAKER_MODEL, "diarization_model_files_sha256": check_model(folder),
                "diarization_model_sha256": file_sha256(folder / MODEL_FILE)}
    segmentation = segmentation_model_dir(whisper_dir)
    if segmentation is not None:  # overlapped speech and speaker changes (else neither)
        settings["diarization_segmentation_files_sha256"] = check_model(segmentation)
        settings["diarization_segmentation_sha256"] = file_sha256(segmentation / SEGMENTATION_FILE)
    return settings


def diarise_segments(source: SourceInfo, segments: tuple[Segment, ...], options: TranscribeOptions,
                     whisper_dir: Path, found: Background | None = None,
                     should_stop: Callable[[], bool] | None = None) -> Diarised | None:
    """Speakers for a finished run's segments; None when the run has none to find (split
    stereo channels already name their speakers; no speaker model; nothing said).
    `found`: the turns being found beside the decoding, else they are found now. Raises
    DiarisationStopped once `should_stop()` is true (the run stays open, to be resumed)."""
    folder = speaker_model_dir(whisper_dir)
    if folder is None or not segments or any(s.channel is not None for s in segments):
        return None
    if found is not None:
        result = found.result(should_stop)
    else:
        result = find_turns(source, options, whisper_dir, folder, stop=should_stop)
    if result.speakers == 0:
        return None
    labelled, labels = assign_with_labels(segments, result.turns)
    return Diarised(mend_sentences(labelled), result, tuple(sorted(labels.items())))


def find_turns(source: SourceInfo, options: TranscribeOptions, whisper_dir: Path, folder: Path,
               threads: int = 2, stop: threading.Event | Callable[[], bool] | None = None) -> DiarResult:
    """The recording's speech turns; once `stop` is set (or returns true) it stops reading and
    raises DiarisationStopped within one model call, reading no further block."""
    stopped = stop.is_set if isinstance(stop, threading.Event) else stop
    if stopped is not None and stopped():  # stopped before it began: the file is not opened
        raise DiarisationStopped("the search for speakers was stopped")
    blocks = AudioReader(source.path, expected_ms=source.duration_ms).blocks()
    return diarize_blocks(blocks, folder, options.speakers, options.min_speakers, options.max_speakers,
                          threads, segmentation_model_dir(whisper_dir), should_stop=stopped)


class Background:
    """find_turns on its own thread at a lower priority, started while the words are decoded;
    result() waits for it and raises what it raised.

    Its models run two batches at once, each on a pool thread ("speaker-run") made by that
    thread for each call while it waits (onnx_model.run_all), so both take its priority: while the decoder has the
    cores they work in the time it leaves idle, and what is left when decoding ends runs
    on both cores (before, ONNX Runtime's two threads a run: 39 of the hour's 54 CPU s
    after decoding on one thread)."""

    THREADS = 2

    def __init__(self, source: SourceInfo, options: TranscribeOptions, whisper_dir: Path, folder: Path) -> None:
        self._stop = threading.Event()
        self._result: DiarResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(source, options, whisper_dir, folder),
                                        name="diarisation", daemon=True)
        self._thread.start()

    def _run(self, *args) -> None:
        _yield_to_decoding()
        try:
            self._result = find_turns(*args, threads=self.THREADS, stop=self._stop)
        except Exception as error:  # noqa: BLE001 - handed to the thread that asks for the result
            self._error = error

    def result(self, should_stop: Callable[[], bool] | None = None) -> DiarResult:
        """The turns, once found; raises DiarisationStopped as soon as `should_stop()` is true
        (read before waiting and every POLL_S while waiting: a Ctrl-C here used to wait for
        the whole search, seconds on a long recording, until the worker was killed)."""
        while should_stop is not None:
            if should_stop():
                self._stop.set()  # the caller's cancel() waits for the thread, if it must
                raise DiarisationStopped("stopped while finding speakers")
            self._thread.join(POLL_S)
            if not self._thread.is_alive():
                break
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def cancel(self, timeout: float | None = None) -> None:
        """Stop the search (the run was stopped); returns once the thread ends, or after
        `timeout` s (a daemon thread in its clustering: its result is never used)."""
        self._stop.set()
        self._thread.join(timeout)


def _yield_to_decoding() -> None:
    """Lower this thread's priority (Linux: a thread's own nice value), so the decoder
    keeps the cores and the turns are found in the time it leaves idle."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the same result, a little slower
        pass


def start_background(source: SourceInfo, options: TranscribeOptions, whisper_dir: Path,
                     one_track: bool | None = None) -> Background | None:
    """Turns found beside the decoding of a one-track recording that wants them, else None
    (a stereo file split into channels names its speakers by channel). `one_track`: whether the
    recording is decoded as one track (asr.plan_tracks); if not given, only a mono file or
    `--channels mix` is taken as one."""
    folder = speaker_model_dir(whisper_dir)
    if one_track is None:
        one_track = source.channels <= 1 or options.channels == "mix"
    if folder is None or not wanted(options, source) or not one_track:
        return None
    return Background(source, options, whisper_dir, folder)
