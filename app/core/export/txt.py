"""Plain text: a provenance header, a rule, then one line per segment.

[00:00:01.200 --> 00:00:04.500] SPEAKER: text  [flag]
    (original) source text          <- translations only
"""

from __future__ import annotations

from app.core.export import changes, record
from app.core.export.base import (
    flags_suffix,
    one_line,
    provenance_lines,
    register,
    shown_source,
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
        header = [*record.heading_lines(transcript), *record_lines(transcript, before=True),
                  *provenance_lines(transcript), *record_lines(transcript, before=False)]
        lines = [*map(one_line, header), RULE, ""]  # a name's newline made a header line of its own (read back)
        marks = changes.changed(transcript)
        for segment in transcript.segments:
            lines.extend(segment_lines(segment, transcript, changes.is_changed(segment, marks)))
        if not transcript.segments:  # nothing under the rule read as a file cut short: said as the DOCX/PDF say it
            lines.append(record.NO_SPEECH_LINE)
        lines.extend(changed_list(transcript))
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
    return [f"{label}: {value}" for label, value in rows]


def segment_lines(segment: Segment, transcript: Transcript, changed: bool = False) -> list[str]:
    """The line ("* " before it where a person changed its text), and its original under a translation's."""
    speaker = f"{segment.speaker}: " if segment.speaker else ""
    text = one_line(shown_text(segment, transcript))
    mark = f"{changes.MARK} " if changed else ""
    lines = [f"{mark}[{time_range(segment)}] {speaker}{text}{flags_suffix(segment)}"]
    if segment.source_text is not None:
        lines.append(ORIGINAL_PREFIX + one_line(shown_source(segment)))
    return lines


def changed_list(transcript: Transcript) -> list[str]:
    """After the text: the legend, then each changed line's time, the machine's words and who changed them."""
    rows = changes.rows(transcript)
    if not rows:
        return []
    lines = ["", RULE, changes.HEADING.upper(), changes.INTRO, ""]
    for time, speaker, machine, by in rows:
        said = f"{speaker}: " if speaker else ""
        lines.append(f"{changes.MARK} [{time}] {said}machine: {one_line(machine)}  (changed by {one_line(by)})")
    return lines


register(TxtExporter())
