"""Options for each kind of work, frozen and JSON round-trippable.

They are copied into a job when it is queued and written verbatim into every
output's provenance, so a third party can rerun the same settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")

CHANNEL_MODES = ("auto", "mix", "split")
DEVICES = ("auto", "cpu", "cuda")
TASKS = ("transcribe", "translate")
DIARIZE_MODES = ("auto", "on", "off")  # auto: on for recordings longer than a voice note
MAX_THREADS = 256  # more is a typo (999), not a machine
MAX_BEAM = 20  # Whisper's own is 5, NLLB's 4: a beam of 1000 only exhausts memory


def check_threads_and_beam(threads: int, beam_size: int) -> None:
    if not 0 <= threads <= MAX_THREADS:
        raise ValueError(f"threads must be 0 (all cores) to {MAX_THREADS}, not {threads}")
    if not 1 <= beam_size <= MAX_BEAM:
        raise ValueError(f"beam size must be 1 to {MAX_BEAM}, not {beam_size}")


def allow_list(text: str) -> tuple[str, ...]:
    """The languages allowed as the user types them (`--languages`, Settings): codes split by commas, lower case."""
    return tuple(c.strip().lower() for c in text.split(",") if c.strip())


def named_languages(language: str | None, languages: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """The language and allow-list as the user gives them (CLI, Settings): one language named is that
    language set, not detected (`--languages es` is `--language es`: one job, and its Whisper score gave
    no words). Only at input: stored settings (reproduce, queued jobs) keep the meaning they were run with."""
    if language is None and len(languages) == 1:
        return languages[0], ()
    return language, languages


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = "base"  # a name under models/ or a model folder
    task: str = "transcribe"  # "translate" = Whisper's speech-to-English
    language: str | None = None  # forced language; None = detect
    languages: tuple[str, ...] = ()  # allow-list for detection
    device: str = "auto"
    compute_type: str = "auto"  # auto = device.plan's: float16 on CUDA (int8_float16 on 6.x cards), int8 on CPU
    threads: int = 0  # 0 = all cores
    channels: str = "auto"  # auto | mix | split
    beam_size: int = 5
    vad: bool = True
    word_timestamps: bool = True
    seed: int = 0  # seeds the reference path's sampling (faster-whisper transcribe); Parley's own decoder never samples
    batch: bool = True  # pack short files with others' speech (False: each file decoded on its own)
    diarize: str = "auto"  # who spoke when: auto | on | off
    speakers: int | None = None  # the number of speakers, when known
    min_speakers: int | None = None
    max_speakers: int | None = None

    def __post_init__(self) -> None:
        if self.channels not in CHANNEL_MODES:
            raise ValueError(f"channels must be one of {', '.join(CHANNEL_MODES)}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}")
        check_threads_and_beam(self.threads, self.beam_size)
        if self.diarize not in DIARIZE_MODES:
            raise ValueError(f"diarize must be one of {', '.join(DIARIZE_MODES)}")
        counts = [c for c in (self.speakers, self.min_speakers, self.max_speakers) if c is not None]
        if any(c < 1 or c > 10 for c in counts):
            raise ValueError("speaker counts must be between 1 and 10")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise ValueError("--min-speakers is above --max-speakers")
        if self.speakers is not None and (self.min_speakers is not None or self.max_speakers is not None):
            raise ValueError("--speakers fixes the number of speakers: give it, or --min-speakers/--max-speakers, "
                             "not both")


@dataclass(frozen=True)
class TranslateOptions:
    model: str = "nllb"  # a name under models/ or a model folder
    target: str = "en"  # Whisper-style or FLORES-200 code
    source: str | None = None  # None = from the transcript / detect
    device: str = "auto"
    compute_type: str = "auto"
    threads: int = 0
    beam_size: int = 4
    max_batch_tokens: int = 0  # 0 = the device's (device.plan: 2048 on a CPU, more on a GPU)

    def __post_init__(self) -> None:
        check_threads_and_beam(self.threads, self.beam_size)


@dataclass(frozen=True)
class ExportOptions:
    """An export job: write a finished run (the parent job's, else the latest of `task`)."""

    out: str = ""
    formats: tuple[str, ...] = ("json",)
    basename: str | None = None
    task: str | None = None

    def __post_init__(self) -> None:
        if not self.out:
            raise ValueError("an export job needs an output folder")


def to_json(options: Any) -> str:
    return json.dumps(asdict(options), sort_keys=True)


def to_dict(options: Any) -> dict[str, Any]:
    return json.loads(to_json(options))


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build options from stored JSON, ignoring keys this version does not know."""
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue
        if isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    return cls(**kwargs)


def from_json(cls: type[T], text: str) -> T:
    return from_dict(cls, json.loads(text))
