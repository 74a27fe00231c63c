"""The record of interview's content, shared by the DOCX and PDF layouts.

Everything here is plain text for a reader (a court, a defence lawyer): the header
fields, the provenance in words, the status of the text, each segment's text with
`[inaudible hh:mm:ss]` and uncertain words marked, and the closing statement of how
the record was produced. The layouts only place it on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from app.core.errors import ParleyError
from app.core.export.base import (
    display_text,
    has_source_text,
    inaudible_marker,
    is_translation,
    software_text,
    time_code,
)
from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.translation.langcodes import language_name
from app.core.types import FLAG_INAUDIBLE, FLAG_OVERLAP, InterviewDetails, Segment, Transcript, Word

STATUS_VERIFIED = "verified"
STATUS_EDITED = "edited"
DRAFT_MARK = "DRAFT"
NOT_GIVEN = "—"
_TRAILING_PUNCTUATION = re.compile(r"^(.*?)([.,;:!?…\"')\]]*)$", re.DOTALL)
FLAG_WORDS = {
    "low_confidence": "low confidence",
    "truncated_source": "the recording ends here",
    "repetition_removed": "repeated words removed",
    "translation_too_short": "translation may be incomplete",
    "translation_too_long": "translation may repeat text",
    "not_translated": "no words to translate: copied as written",
    "overlap": "overlapping speech",
}


@dataclass(frozen=True)
class Line:
    """One segment of the body: time code, speaker and the text column(s)."""

    time: str
    speaker: str
    texts: tuple[str, ...]  # (text,) or (original, translation)


# --- header and provenance ---------------------------------------------------


def heading(transcript: Transcript) -> str:
    return "Record of interview — translation" if is_translation(transcript) else "Record of interview"


def running_head(transcript: Transcript) -> str:
    """The line at the top of every page: what this is, case, exhibit, recording."""
    details = transcript.interview or InterviewDetails()
    parts = [heading(transcript)]
    if details.case_ref:
        parts.append(f"case {details.case_ref}")
    if details.exhibit_ref:
        parts.append(f"exhibit {details.exhibit_ref}")
    parts.append(transcript.source.name)
    return " — ".join(parts)


def interview_rows(transcript: Transcript) -> list[tuple[str, str]]:
    d = transcript.interview or InterviewDetails()
    rows = [
        ("Case reference", d.case_ref), ("Exhibit reference", d.exhibit_ref),
        ("Person interviewed", d.interviewee), ("Interviewing officer(s)", "; ".join(d.officers)),
        ("Others present", "; ".join(d.present)), ("Place", d.place), ("Date", d.date),
        ("Start time", d.start), ("End time", d.end),
    ]
    return [(label, value or NOT_GIVEN) for label, value in rows]


def source_rows(transcript: Transcript) -> list[tuple[str, str]]:
    src = transcript.source
    duration = f"{time_code(src.duration_ms)} ({src.bytes:,} bytes)"
    if src.truncated:
        duration += " as stated; TRUNCATED: the file is cut short or damaged; what could be read is transcribed, see the warnings"
    rows = [
        ("Recording", src.name), ("SHA-256", src.sha256), ("Duration", duration),
        ("Language", language_text(transcript)),
        ("Model", transcript.model.name), ("Model SHA-256", transcript.model.sha256),
        ("Settings", settings_in_words(transcript)), ("Software", software_text(transcript)),
        ("Produced", when_text(transcript.created_at)), ("Status", status_text(transcript)),
    ]
    if transcript.export is not None:
        rows.append(("Exported", export_text(transcript)))
    rows.extend(("Warning", warning) for warning in transcript.warnings)
    return rows


NOT_DETECTED = "not detected (no speech was recognised)"
NO_SPEECH_LINE = "[no speech found in the recording]"


def language_text(transcript: Transcript) -> str:
    if transcript.source_language:
        return f"{name_of(transcript.source_language)}, translated into {name_of(transcript.language)}"
    forced = transcript.settings.get("language")
    if forced:
        return f"{name_of(forced)} (set by the user)"
    if ENGLISH_ONLY_NOTE in transcript.warnings:  # it never heard which language: no p=1.00 to claim
        return f"{name_of(transcript.language)} (not detected: the model is English-only)"
    if not transcript.language:  # nothing heard: "unknown (detected automatically, p=0.00)" claimed a detection
        return NOT_DETECTED
    text = f"{name_of(transcript.language)} (detected automatically"
    if transcript.language_probability is not None:
        text += f", p={transcript.language_probability:.2f}"
    return text + ")"


def name_of(code: str | None) -> str:
    if not code:
        return "unknown"
    try:
        return language_name(code)
    except ParleyError:
        return code


def settings_in_words(transcript: Transcript) -> str:
    """"beam search 5, voice activity detection on, language detected automatically: English (p=0.98)"."""
    s = transcript.settings
    parts = []
    if "beam_size" in s:
        parts.append(f"beam search {s['beam_size']}")
    if "vad" in s:
        parts.append(f"voice activity detection {_on_off(s['vad'])}")
    if "word_timestamps" in s:
        parts.append(f"word timings {_on_off(s['word_timestamps'])}")
    if s.get("channels") in ("mix", "split", "auto"):
        parts.append(_CHANNELS[s["channels"]])
    if transcript.task != "text-translate":
        parts.append(_detection_words(transcript))
    if "device" in s:
        parts.append(_device_words(s))
    if "batch" in s:
        parts.append("decoded with other files' speech" if s["batch"] else "decoded on its own")
    if str(s.get("diarization", "")).startswith("speaker-"):
        parts.append(f"speakers told apart by the {s['diarization']} voice model")
    elif s.get("diarize") == "off" or "diarization" in s:
        parts.append("speakers not told apart by machine")
    return ", ".join(parts)


_CHANNELS = {"mix": "channels mixed to one", "split": "each channel transcribed separately",
             "auto": "channels split when each holds one speaker"}


def _detection_words(transcript: Transcript) -> str:
    forced = transcript.settings.get("language")
    if forced:
        return f"language set by the user: {name_of(forced)}"
    if ENGLISH_ONLY_NOTE in transcript.warnings:
        return "language not detected: the model is English-only"
    if not (transcript.source_language or transcript.language):
        return f"language {NOT_DETECTED}"
    text = f"language detected automatically: {name_of(transcript.source_language or transcript.language)}"
    if transcript.language_probability is not None:
        text += f" (p={transcript.language_probability:.2f})"
    allowed = transcript.settings.get("languages") or ()
    if allowed:
        text += " among " + ", ".join(name_of(code) for code in allowed)
    return text


def _device_words(s: dict[str, Any]) -> str:
    text = "on " + ("the graphics card" if s["device"] == "cuda" else "the processor")
    if s.get("compute_type"):
        text += f" ({s['compute_type']} arithmetic"
        text += f", {s['threads']} threads)" if s.get("threads") else ")"
    return text


def _on_off(value: Any) -> str:
    return "on" if value else "off"


# --- status ------------------------------------------------------------------


def is_draft(transcript: Transcript) -> bool:
    return transcript.status != STATUS_VERIFIED


def status_text(transcript: Transcript) -> str:
    """"machine draft", "edited, not verified" or "verified by NAME on DATE"."""
    if transcript.status == STATUS_VERIFIED:
        text = f"verified by {transcript.verified_by or 'an unnamed user'}"
        return text + (f" on {when_text(transcript.verified_at)}" if transcript.verified_at else "")
    if transcript.status == STATUS_EDITED:
        return "edited, not verified"
    return "machine draft"


def export_text(transcript: Transcript) -> str:
    context = transcript.export
    if context is None:
        return ""
    text = f"{when_text(context.exported_at)} by {context.exported_by or 'an unnamed user'}"
    return f"{text} with {context.software}" if context.software else text


def when_text(iso: str | None) -> str:
    """ISO 8601 as "2025-11-23 17:52 UTC" (the text itself when it does not parse)."""
    if not iso:
        return "unknown"
    try:
        value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- body --------------------------------------------------------------------


def body_lines(transcript: Transcript) -> list[Line]:
    bilingual = has_source_text(transcript)
    threshold = transcript.export.uncertain_below if transcript.export else None
    lines = []
    for seg in transcript.segments:
        text = segment_text(seg, threshold)
        texts = (display_text(seg.source_text) or NOT_GIVEN, text) if bilingual else (text,)
        lines.append(Line(time_code(seg.start_ms), seg.speaker or "", texts))
    if not lines:  # an empty table under "Text" read as a page lost; said as the markers are
        lines.append(Line("", "", (NO_SPEECH_LINE,) * (2 if bilingual else 1)))
    return lines


def segment_text(segment: Segment, uncertain_below: float | None = None) -> str:
    """The text, `[inaudible hh:mm:ss]` when no words were recognised, flags in words."""
    text = display_text(segment.text)
    if not text:  # shows_inaudible
        text = inaudible_marker(segment.start_ms)
    elif uncertain_below is not None:
        text = mark_uncertain(text, segment.words, uncertain_below)
    notes = "".join(f" [{FLAG_WORDS.get(flag, flag.replace('_', ' '))}]" for flag in segment.flags
                    if flag != FLAG_INAUDIBLE)
    return text + notes


def shows_inaudible(segment: Segment) -> bool:
    """The record prints `[inaudible hh:mm:ss]` for this segment (segment_text)."""
    return not display_text(segment.text)


def mark_uncertain(text: str, words: tuple[Word, ...], below: float) -> str:
    """Each word recognised with probability < `below` as `[word?]` (text kept if words differ).

    Words keep their own spacing: Whisper splits "9 o'clock" into " 9", " o", "'clock".
    """
    if not words or " ".join("".join(w.text for w in words).split()) != " ".join(text.split()):
        return text
    pieces = []
    for w in words:
        core = w.text.strip()
        leading = w.text[: len(w.text) - len(w.text.lstrip())]
        pieces.append(leading + (_mark(w) if core and w.probability < below else core))
    return " ".join("".join(pieces).split())


def _mark(word: Word) -> str:
    core, punctuation = _TRAILING_PUNCTUATION.match(word.text.strip()).groups()  # type: ignore[union-attr]
    return f"[{core or punctuation}?]" + (punctuation if core else "")


# --- closing statement -------------------------------------------------------


def closing_statement(transcript: Transcript) -> list[str]:
    """How the record was produced and checked, one paragraph per item."""
    paragraphs = [p for p in (_production(transcript), _checking(transcript), _markings(transcript)) if p]
    if is_translation(transcript):
        paragraphs.append(translation_statement(transcript))
    if transcript.export is not None:
        paragraphs.append(f"Exported on {export_text(transcript)}.")
    return paragraphs


def _production(t: Transcript) -> str:
    src, model = t.source, t.model
    how = {
        "translate": "machine transcription and translation into English of the recording",
        "text-translate": "machine translation of the transcript of the recording",
    }.get(t.task, "machine transcription of the recording")
    kind = "translation" if t.task == "text-translate" else "speech recognition"
    return (f"This record was produced by {how} {src.name} (SHA-256 {src.sha256}) with the {kind} "
            f"model {model.name} (SHA-256 {model.sha256}), using {software_text(t)}. "
            f"Settings: {settings_in_words(t)}.")


def _checking(t: Transcript) -> str:
    if t.status == STATUS_VERIFIED:
        return f"The text was checked against the recording and {status_text(t)}."
    if t.status == STATUS_EDITED:
        return ("The text was corrected by a person but has not been verified against the "
                "recording: it is a DRAFT.")
    return "The text has not been checked by a person: it is a machine DRAFT and may contain errors."


def _markings(t: Transcript) -> str:
    """What the record's markings mean: only those it can hold ("" when none)."""
    parts = []
    if any(shows_inaudible(s) for s in t.segments):
        parts.append("[inaudible hh:mm:ss]: speech was detected there but no words were recognised.")
    threshold = t.export.uncertain_below if t.export else None
    if threshold is not None:
        parts.append(f"[word?]: a word recognised with a probability below {threshold:.0%}.")
    if any(FLAG_OVERLAP in s.flags for s in t.segments):
        parts.append("[overlapping speech]: another speaker talks at the same time in that line.")
    return " ".join(parts)


def signature_lines(t: Transcript) -> list[str]:
    """Where the person who checked the record signs (name and date filled in once verified)."""
    blank = "_" * 30
    verified = t.status == STATUS_VERIFIED
    return [
        f"Checked against the recording by: {t.verified_by if verified and t.verified_by else blank}",
        f"Date: {when_text(t.verified_at) if verified and t.verified_at else blank}",
        f"Signature: {blank}",
    ]


def translation_statement(t: Transcript) -> str:
    source = t.source_language or (t.language if t.task == "translate" else None)
    target = "en" if t.task == "translate" else t.language
    return (f"Machine translation: the text from {name_of(source)} into {name_of(target)} "
            f"was produced by a machine, not by a qualified translator; "
            "it shows what was said, and must be checked by a qualified interpreter before "
            "it is relied on.")
