"""Plain text: a provenance header, a rule, then one line per segment.

[00:00:01.200 --> 00:00:04.500] SPEAKER: text  [flag]
    (original) source text          <- translations only
"""

from __future__ import annotations

from app.core.export import record
from app.core.export.base import (
    display_text,
    flags_suffix,
    provenance_lines,
    register,
    shown_text,
    time_range,
)
from app.core.types import Segment, Transcript

RULE = "=" * 72
ORIGINAL_PREFIX = "    (original) "


class TxtExporter:
    name = "txt"
    extension = "txt"
    binary = False

    def render(self, transcript: Transcript) -> bytes:
        lines = [*record.heading_lines(transcript), *record_lines(transcript, before=True), *provenance_lines(transcript),
                 *record_lines(transcript, before=False), RULE, ""]
        for segment in transcript.segments:
            lines.extend(segment_lines(segment, transcript))
        if not transcript.segments:  # nothing under the rule read as a file cut short: said as the DOCX/PDF say it
            lines.append(record.NO_SPEECH_LINE)
        return ("\n".join(lines) + "\n").encode("utf-8")


def record_lines(transcript: Transcript, before: bool) -> list[str]:
    """What the DOCX and PDF records say beside the provenance: the case, exhibit and interview
    details given (before it), who corrected the text, its uncertain words left unchecked and who
    exported it (after). The TXT named no case, exhibit, interviewee or proofreader."""
    if before:
        rows = [(label, value) for label, value in record.interview_rows(transcript) if value != record.NOT_GIVEN]
    else:
        rows = record.review_rows(transcript)
        if transcript.export is not None:
            rows.append(("Exported", record.export_text(transcript)))
    return [f"{label}: {_one_line(value)}" for label, value in rows]


def segment_lines(segment: Segment, transcript: Transcript) -> list[str]:
    speaker = f"{segment.speaker}: " if segment.speaker else ""
    text = _one_line(shown_text(segment, transcript))
    lines = [f"[{time_range(segment)}] {speaker}{text}{flags_suffix(segment)}"]
    if segment.source_text is not None:
        lines.append(ORIGINAL_PREFIX + _one_line(display_text(segment.source_text)))
    return lines


def _one_line(text: str) -> str:
    """Keep one segment per line: embedded line breaks become spaces."""
    return " ".join(text.split("\n"))


register(TxtExporter())
