"""The record of interview's content, shared by the DOCX and PDF layouts.

Everything here is plain text for a reader (a court, a defence lawyer): the header
fields, the provenance in words, the status of the text, each segment's text with
`[inaudible hh:mm:ss]` and uncertain words marked, and the closing statement of how
the record was produced. The layouts only place it on the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from app.core.clock import parse_stamp
from app.core.export import changes
from app.core.export.base import (
    NOT_DETECTED,
    display_text,
    emptied,
    has_source_text,
    inaudible_marker,
    is_translation,
    removed_marker,
    shown_source,
    shown_warning,
    software_text,
    time_code,
    title,
)
from app.core.language_parts import mixed_words, spoken_name
from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.types import FLAG_INAUDIBLE, FLAG_OVERLAP, InterviewDetails, Segment, Transcript, Word

STATUS_VERIFIED = "verified"
STATUS_EDITED = "edited"
DRAFT_MARK = "DRAFT"
DRAFT_HEAD = "DRAFT — NOT VERIFIED"  # the running head's mark on every page of a draft (PDF and DOCX)
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
    mark: str = ""  # changes.MARK where a person changed the line's text


# --- header and provenance ---------------------------------------------------


INTERVIEW_ONLY = ("interviewee", "officers", "present", "place", "date", "start", "end")


def is_interview(transcript: Transcript) -> bool:
    """Someone said it is an interview: a person interviewed, an officer, a place, a date or a time
    given. A voice note (or any recording with none of these) is not one: its record was headed
    "Record of interview" over seven empty interview rows."""
    return names_an_interview(transcript.interview or InterviewDetails())


def names_an_interview(details: InterviewDetails) -> bool:
    return any(getattr(details, name) for name in INTERVIEW_ONLY)


RECORDING_HEADINGS = ("Transcript of a recording", "Translation of a recording")  # over the recording's name
INTERVIEW_HEADINGS = ("Record of interview", "Record of interview — translation")  # over "Transcript of NAME"


def heading(transcript: Transcript) -> str:
    kind = INTERVIEW_HEADINGS if is_interview(transcript) else RECORDING_HEADINGS
    return kind[is_translation(transcript)]


def subtitle(transcript: Transcript) -> str:
    """The line under the heading: "Transcript of NAME", or only NAME under "Transcript of a recording"."""
    return title(transcript) if is_interview(transcript) else transcript.source.name


def pdf_subject(transcript: Transcript) -> str:
    """A PDF's Subject: the source's SHA-256, and its name, verifier and exporter exactly as given (JSON strings),
    which the PDF's text does not give back outside the Latin scripts: `check-export` reads them here
    (set_documents.py)."""
    subject = f"SHA-256 of source: {transcript.source.sha256}; recording: {_quoted(transcript.source.name)}"
    subject += f"; verified by: {_quoted(transcript.verified_by)}" if transcript.verified_by else ""
    return subject + (f"; exported by: {_quoted(transcript.export.exported_by)}" if transcript.export else "")


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def heading_lines(transcript: Transcript) -> tuple[str, str]:
    """The two lines every format opens with, from this one place: "RECORD OF INTERVIEW" over
    "Transcript of NAME", or "TRANSCRIPT OF A RECORDING" over NAME (the TXT opened "Transcript of
    NAME" where the DOCX and PDF of the same record said RECORD OF INTERVIEW)."""
    return heading(transcript).upper(), subtitle(transcript)


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
    """The interview's details; a recording that is no interview has only its case and exhibit."""
    d = transcript.interview or InterviewDetails()
    rows = [("Case reference", d.case_ref), ("Exhibit reference", d.exhibit_ref)]
    if is_interview(transcript):
        rows += [
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
        ("Recording", src.name),
        *([("Found in", transcript.export.found_in), ("Working copy", src.path)]
          if transcript.export and transcript.export.found_in else []),
        ("SHA-256", src.sha256), ("Duration", duration),
        ("Language", language_text(transcript)),
        ("Model", transcript.model.name), ("Model SHA-256", transcript.model.sha256),
        ("Settings", settings_in_words(transcript)), ("Software", software_text(transcript)),
        ("Produced", when_text(transcript.created_at)),
        *([("Run", str(transcript.run_id))] if transcript.run_id is not None else []),
        ("Status", status_text(transcript)),
    ]
    rows.extend(review_rows(transcript))
    if transcript.export is not None:
        rows.append(("Exported", export_text(transcript)))
    rows.extend(("Warning", shown_warning(warning)) for warning in transcript.warnings)
    return rows


def review_rows(transcript: Transcript) -> list[tuple[str, str]]:
    """Who corrected the text, and how many of the words the model was unsure of a person reviewed
    (marked as listened to; nothing when the export does not know: one made from a JSON file)."""
    state = transcript.export.review if transcript.export else None
    if state is None:
        return []
    rows = [("Translated from", state.translated_from)] if state.translated_from else []
    rows += [("Corrected by", "; ".join(state.edited_by))] if state.edited_by else []
    rows += [("Lines changed", changes.summary(transcript))] if state.changed else []
    if not state.uncertain:
        return [*rows, ("Uncertain words", _none_uncertain(transcript, state.below))]
    left = len(state.unchecked)
    checked = state.uncertain - left
    text = f"{state.uncertain} below the model's {state.below:.0%} probability: {checked} reviewed, {left} never reviewed"
    return [*rows, ("Uncertain words", text + (f" ({unchecked_list(state.unchecked)})" if left else ""))]


def _none_uncertain(transcript: Transcript, below: float) -> str:
    """No uncertain word, said as what it is: no word at all, no probability given, or none low."""
    if not any(display_text(seg.text) for seg in transcript.segments):
        return "none (no words were recognised)"
    if not any(seg.words for seg in transcript.segments):  # a translation, a text typed in: nothing scored
        return "not known (the text has no word-by-word probabilities)"
    return f"none (no word below the model's {below:.0%} probability)"


UNCHECKED_LISTED = 10


def unchecked_list(unchecked: tuple[tuple[int, str], ...]) -> str:
    """'"Kowalski" at 00:00:12, "eight" at 00:01:03' (the first ten, then how many more)."""
    named = [f'"{text}" at {time_code(start)}' for start, text in unchecked[:UNCHECKED_LISTED]]
    more = len(unchecked) - UNCHECKED_LISTED
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


NO_SPEECH_LINE = "[no speech found in the recording]"


def language_text(transcript: Transcript) -> str:
    if transcript.task == "translate" and not transcript.source_language:  # said "Polish (...)" over English text
        return f"{heard_language(transcript)}, translated into English"
    return heard_language(transcript)


def heard_language(transcript: Transcript) -> str:
    if transcript.source_language:
        return f"{name_of(transcript.source_language)}, translated into {name_of(transcript.language)}"
    forced = transcript.settings.get("language")
    if forced:
        return f"{name_of(forced)} (set by the user)"
    if ENGLISH_ONLY_NOTE in transcript.warnings:  # it never heard which language: no p=1.00 to claim
        return f"{name_of(transcript.language)} (not detected: the model is English-only)"
    if not transcript.language:  # nothing heard: "unknown (detected automatically, p=0.00)" claimed a detection
        return NOT_DETECTED
    if mixed_words([list(p) for p in transcript.languages]):  # each part decoded in its own: say them all
        return f"{mixed_words([list(p) for p in transcript.languages], name_of)} (detected automatically)"
    text = f"{name_of(transcript.language)} (detected automatically"
    if transcript.language_probability is not None:
        text += f", p={transcript.language_probability:.2f}"
    return text + ")"


def name_of(code: str | None) -> str:
    return spoken_name(code) if code else "unknown"


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
        parts.append(channels_words(transcript))
    if transcript.task != "text-translate":
        parts.append(_detection_words(transcript))
    if "device" in s:
        parts.append(_device_words(s))
    if "batch" in s:
        parts.append(_packing_words(transcript))
    if transcript.source.channels > 1 and any(seg.channel is not None for seg in transcript.segments):
        # channels transcribed separately: their labels are the speakers, the voice model's turns unused
        parts.append("each speaker named by the channel they spoke on (no voice model used)")
    elif str(s.get("diarization", "")).startswith("speaker-"):
        parts.append(f"speakers told apart by the {s['diarization']} voice model")
    elif s.get("diarize") == "off" or "diarization" in s:
        parts.append("speakers not told apart by machine")
    return ", ".join(parts)


def _packing_words(transcript: Transcript) -> str:
    """Whether other files' speech shared this file's encoder windows, as its run recorded it (the
    setting alone said "decoded with other files' speech" of an interview transcribed alone, and of
    every recording too long to be batched)."""
    if not transcript.settings["batch"] or transcript.packed_with == ():
        return "decoded on its own"
    return "decoded with other files' speech"  # recorded so, or not known (read back from a JSON)


def channels_words(transcript: Transcript) -> str:
    """What was done to THIS file's channels (a mono file read "channels split when each holds one
    speaker", the setting, not what happened): one channel; N mixed to one; N transcribed separately
    (its segments name their channel). A stereo file on "auto" with no segment says the rule only."""
    mode, count = transcript.settings.get("channels"), transcript.source.channels
    if count == 1:
        return "one channel (mono): nothing to split"
    if count < 1:
        return "channels not known: decoded as one track"
    if mode == "split":
        return f"each of the {count} channels transcribed separately"
    if any(seg.channel is not None for seg in transcript.segments):  # "auto" splits the first two
        first = "both channels" if count == 2 else "the first two channels"
        return f"{first} transcribed separately (each held one speaker)"
    if mode == "mix" or transcript.segments:
        return f"the {count} channels mixed to one" + (
            " (they did not each hold one speaker)" if mode == "auto" else "")
    return f"{count} channels, split only when each holds one speaker (nothing heard to tell)"


def _detection_words(transcript: Transcript) -> str:
    forced = transcript.settings.get("language")
    if forced:
        return f"language set by the user: {name_of(forced)}"
    if ENGLISH_ONLY_NOTE in transcript.warnings:
        return "language not detected: the model is English-only"
    if not (transcript.source_language or transcript.language):
        return f"language {NOT_DETECTED}"
    text = f"language detected automatically: {name_of(transcript.source_language or transcript.language)}"
    mixed = "" if transcript.source_language else mixed_words([list(p) for p in transcript.languages], name_of)
    if mixed:  # each part decoded in its own language: all of them, with their shares
        text = f"languages detected automatically: {mixed}"
    elif transcript.language_probability is not None:
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
    value = parse_stamp(iso)
    if value is None:
        return iso
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- body --------------------------------------------------------------------


def body_lines(transcript: Transcript) -> list[Line]:
    bilingual = has_source_text(transcript)
    threshold = transcript.export.uncertain_below if transcript.export else None
    lines, marks = [], changes.changed(transcript)
    for seg in transcript.segments:
        text = removed_marker(seg.start_ms) if emptied(seg, transcript) else segment_text(seg, threshold)
        texts = ((shown_source(seg) if seg.source_text is not None else NOT_GIVEN), text) if bilingual else (text,)
        mark = changes.MARK if changes.is_changed(seg, marks) else ""
        lines.append(Line(time_code(seg.start_ms), seg.speaker or "", texts, mark))
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
    state = t.export.review if t.export else None
    names = "; ".join(state.edited_by) if state else ""
    corrected = f"corrected by {names} and " if names else ""
    if t.status == STATUS_VERIFIED and state is not None and state.unchecked:
        left, words = len(state.unchecked), "word" if state.uncertain == 1 else "words"
        return (f"The text was {corrected}{status_text(t)}. Of the {state.uncertain} {words} the model was "
                f"unsure of, {left} {'was' if left == 1 else 'were'} never reviewed (marked as checked against "
                f"the recording): {unchecked_list(state.unchecked)}. Listen to "
                f"{'it' if left == 1 else 'them'} before relying on {'it' if left == 1 else 'them'}.")
    if t.status == STATUS_VERIFIED:
        return f"The text was {corrected}checked against the recording and {status_text(t)}."
    if t.status == STATUS_EDITED:
        return (f"The text was corrected by {names or 'a person'} but has not been verified against the "
                "recording: it is a DRAFT.")
    return "The text has not been checked by a person: it is a machine DRAFT and may contain errors."


def _markings(t: Transcript) -> str:
    """What the record's markings mean: only those it can hold ("" when none)."""
    parts = []
    if any(shows_inaudible(s) and not emptied(s, t) for s in t.segments):
        parts.append("[inaudible hh:mm:ss]: speech was detected there but no words were recognised.")
    if any(emptied(s, t) for s in t.segments):
        parts.append("[words removed in proofreading hh:mm:ss]: a person took out every word the machine heard "
                     "there; the machine draft and the transcript's history keep them.")
    threshold = t.export.uncertain_below if t.export else None
    if threshold is not None:
        parts.append(f"[word?]: a word recognised with a probability below {threshold:.0%}.")
    if any(FLAG_OVERLAP in s.flags for s in t.segments):
        parts.append("[overlapping speech]: another speaker talks at the same time in that line.")
    parts.append(changes.legend(t))
    return " ".join(part for part in parts if part)


def has_unchecked(t: Transcript) -> bool:
    """Signed off with words the model was unsure of that no one marked as checked."""
    return bool(t.export and t.export.review and t.export.review.unchecked)


def signature_lines(t: Transcript) -> list[str]:
    """Where the person who checked the record signs (name and date filled in once verified; "Verified
    by" where words the model was unsure of were never marked as checked)."""
    blank = "_" * 30
    verified = t.status == STATUS_VERIFIED
    label = "Verified by" if verified and has_unchecked(t) else "Checked against the recording by"
    return [
        f"{label}: {t.verified_by if verified and t.verified_by else blank}",
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
