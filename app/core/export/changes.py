"""The lines a proofreader changed, as every format shows them: a mark beside each changed line, a
legend, and a list at the end of what the machine wrote there and who changed it (a court, or a
defence expert, can see which words are the machine's and which a person's without the case).

    [00:00:04 --> ...]  TXT: "* " before the line;  DOCX/PDF: "*" after its time code
    SRT/VTT: "* " before the cue's text;  JSON: "edited", "machine_text", "edited_by" on the segment

Nothing is marked where the export does not know (one made from a JSON file) or nothing was changed.
"""

from __future__ import annotations

from app.core.export.base import time_code
from app.core.types import ChangedLine, Segment, Transcript

MARK = "*"
HEADING = "Lines changed in proofreading"
COLUMNS = ("Time", "Speaker", "The machine's words", "Changed by")
NOTHING_HEARD = "(no words)"
INTRO = (f"Each line marked {MARK} beside its time was changed in proofreading: below, what the machine wrote there "
         "and who changed it. The transcript's history keeps every change.")


def changed(transcript: Transcript) -> dict[int, ChangedLine]:
    """{segment id: its change} for the lines a person changed."""
    state = transcript.export.review if transcript.export else None
    return {line.segment_id: line for line in state.changed} if state else {}


def legend(transcript: Transcript, listed: bool = True) -> str:
    """What the mark means ("" when no line carries it); `listed`: the file lists the machine's words."""
    count = len(changed(transcript))
    if not count:
        return ""
    lines = "1 line" if count == 1 else f"{count} lines"
    where = (f"is listed under \"{HEADING}\"" if listed
             else "is in the JSON, TXT, DOCX and PDF exports")
    return (f"{MARK}: a line changed in proofreading ({lines}); what the machine wrote there, and who changed "
            f"it, {where} (the transcript's history keeps every change).")


def summary(transcript: Transcript) -> str:
    """The record's "Lines changed" row."""
    count = len(changed(transcript))
    return f"{count}, each marked {MARK} beside its time; the machine's words are listed under \"{HEADING}\""


def rows(transcript: Transcript) -> list[tuple[str, str, str, str]]:
    """(time, speaker, the machine's words, who changed them) of each changed line, in reading order."""
    marks = changed(transcript)
    return [(time_code(seg.start_ms), seg.speaker or "", _machine(marks[seg.id]), "; ".join(marks[seg.id].by) or "a person")
            for seg in transcript.segments if seg.id in marks]


def _machine(line: ChangedLine) -> str:
    """The machine's words, after the speaker it gave them where a person gave the line to another."""
    said = ("" if line.machine_speaker is None else f"(said by {line.machine_speaker}) " if line.machine_speaker
            else "(no speaker given by the machine) ")
    return said + (line.machine_text or NOTHING_HEARD)


def is_changed(segment: Segment, marks: dict[int, ChangedLine]) -> bool:
    return segment.id is not None and segment.id in marks
