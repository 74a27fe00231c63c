"""Records that cross module (and process) boundaries.

All times are integer milliseconds. Records are frozen dataclasses so that a
snapshot handed to an exporter or a worker cannot change under it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.core.names import printable

# Segment flags (kept as plain strings so they survive JSON and SQLite unchanged).
FLAG_TRUNCATED_SOURCE = "truncated_source"  # the source file ended early
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAG_LENGTH_SHORT = "translation_too_short"  # translation looks like it dropped text
FLAG_LENGTH_LONG = "translation_too_long"  # translation looks like it repeated text
FLAG_NOT_TRANSLATED = "not_translated"  # no words (emoji, punctuation, [notes]): copied as written
FLAG_INAUDIBLE = "inaudible"  # speech was detected here but no words were recognised (text empty)
FLAG_OVERLAP = "overlap"  # some of the segment's speech overlaps another speaker's (diarisation)
TEXT_FLAGS = (FLAG_LOW_CONFIDENCE, FLAG_INAUDIBLE)  # flags about the machine's text: a person's text clears them


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None
    channel: int | None = None  # source channel when a stereo file was split
    words: tuple[Word, ...] = ()
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    flags: tuple[str, ...] = ()
    source_text: str | None = None  # for a translation: the text it was translated from
    id: int | None = None  # store row id, when it came from the store

    @property
    def inaudible(self) -> bool:
        """Speech was detected here but no words were recognised (and nobody has typed any yet)."""
        return FLAG_INAUDIBLE in self.flags and not self.text.strip()

    def with_offset(self, offset_ms: int) -> Segment:
        return replace(
            self,
            start_ms=self.start_ms + offset_ms,
            end_ms=self.end_ms + offset_ms,
            words=tuple(
                replace(w, start_ms=w.start_ms + offset_ms, end_ms=w.end_ms + offset_ms)
                for w in self.words
            ),
        )


@dataclass(frozen=True)
class SourceInfo:
    """What intake learned about an original file. The file itself is never changed."""

    path: str
    sha256: str
    bytes: int
    duration_ms: int
    container: str = ""
    audio_codec: str = ""
    sample_rate: int = 0
    channels: int = 0
    has_video: bool = False
    truncated: bool = False  # cut short or damaged: duration_ms is its stated length, not what decoded
    kind: str = "media"  # "media" | "text" | "chat"
    audio_streams: tuple[Any, ...] = field(default=(), compare=False)  # audio_streams.AudioStream, each

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def shown_name(self) -> str:
        """The name to show a person: a newline or a right-to-left override in it written as an
        escape (\\n, \\u202e), so it can neither split a line nor show another name."""
        return printable(self.name)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    sha256: str  # of the weights file (model.bin)
    family: str = "whisper"  # "whisper" | "nllb" | "m2m100"
    licence: str = ""


@dataclass(frozen=True)
class SoftwareInfo:
    name: str
    version: str
    components: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InterviewDetails:
    """The header of a record of interview, kept in the case per exhibit."""

    case_ref: str = ""
    exhibit_ref: str = ""
    interviewee: str = ""
    officers: tuple[str, ...] = ()
    present: tuple[str, ...] = ()  # others present (solicitor, interpreter, appropriate adult...)
    place: str = ""
    date: str = ""
    start: str = ""  # time the interview started, as the officer gives it
    end: str = ""

    def is_empty(self) -> bool:
        return self == InterviewDetails()


@dataclass(frozen=True)
class ChangedLine:
    """A line of the current transcript whose text a person changed from the machine draft's."""

    segment_id: int
    machine_text: str  # what the machine wrote over this line's time ("" where it wrote nothing)
    by: tuple[str, ...] = ()  # who changed its text (or speaker), in the order they did
    machine_speaker: str | None = None  # the speaker the machine gave it, where a person gave it to another
    # ("": the machine gave it none); None where the line carries the machine's speaker (or, for a line
    # joined from several speakers' lines, where machine_text names each part's)


@dataclass(frozen=True)
class ReviewState:
    """What people did to the text before it was exported: who corrected it, and which of the words
    the model was unsure of no one marked as listened to again (start_ms, text)."""

    edited_by: tuple[str, ...] = ()
    uncertain: int = 0
    unchecked: tuple[tuple[int, str], ...] = ()
    below: float = 0.5  # the probability a word is uncertain under (the window's review mode)
    changed: tuple[ChangedLine, ...] = ()  # the lines changed in proofreading, in reading order
    translated_from: str = ""  # a translation of a corrected transcript: "the transcript as proofread by ..."


UNCERTAIN_RANGE = "the uncertain-word threshold is a probability above 0 and at most 1"


@dataclass(frozen=True)
class ExportContext:
    """Who asked for an export, when, and how: set by the export use case, read by DOCX/PDF."""

    exported_by: str = ""
    exported_at: str = ""  # ISO 8601 UTC
    uncertain_below: float | None = None  # mark words recognised with a lower probability
    software: str = ""  # what laid the export out ("Parley 0.1.0, code SHA-256 ...": the hash of Parley's own code): may be newer than the run's
    review: ReviewState | None = None  # None: not known (an export made from a JSON, not a case)
    found_in: str = ""  # the exhibit as the user knows it ("<zip> → <member>") where the file read is the case's copy

    def __post_init__(self) -> None:
        if self.uncertain_below is not None and not 0.0 < self.uncertain_below <= 1.0:
            raise ValueError(UNCERTAIN_RANGE)


@dataclass(frozen=True)
class Transcript:
    """A transcript (or translation) snapshot with everything needed to reproduce it."""

    source: SourceInfo
    language: str | None
    model: ModelInfo
    settings: dict[str, Any]
    software: SoftwareInfo
    segments: tuple[Segment, ...]
    task: str = "transcribe"  # "transcribe" | "translate" (speech) | "text-translate"
    language_probability: float | None = None
    source_language: str | None = None  # for translations
    created_at: str = ""  # ISO 8601 UTC
    warnings: tuple[str, ...] = ()
    run_id: int | None = None
    status: str = "machine draft"  # "machine draft" | "edited" | "verified"
    verified_by: str | None = None
    verified_at: str | None = None  # ISO 8601 UTC, when verified_by signed it off
    interview: InterviewDetails | None = None
    export: ExportContext | None = None
    languages: tuple[tuple, ...] = ()  # (start ms, end ms, language, confidence, speech ms): a recording decoded in several
    # the SHA-256 of the other files whose speech shared its encoder windows (a batch of short files), as the
    # run recorded it; None where not known (a transcript read back from its JSON)
    packed_with: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
