"""Plain text: a provenance header, a rule, then one line per segment.

[00:00:01.200 --> 00:00:04.500] SPEAKER: text  [flag]
    (original) source text          <- translations only
"""

from __future__ import annotations

from app.core.export.base import (
    display_text,
    flags_suffix,
    provenance_lines,
    register,
    shown_text,
    time_range,
    title,
)
from app.core.types import Segment, Transcript

RULE = "=" * 72
ORIGINAL_PREFIX = "    (original) "


class TxtExporter:
    name = "txt"
    extension = "txt"
    binary = False

    def render(self, transcript: Transcript) -> bytes:
        lines = [title(transcript), *provenance_lines(transcript), RULE, ""]
        for segment in transcript.segments:
            lines.extend(segment_lines(segment))
        return ("\n".join(lines) + "\n").encode("utf-8")


def segment_lines(segment: Segment) -> list[str]:
    speaker = f"{segment.speaker}: " if segment.speaker else ""
    text = _one_line(shown_text(segment))
    lines = [f"[{time_range(segment)}] {speaker}{text}{flags_suffix(segment)}"]
    if segment.source_text is not None:
        lines.append(ORIGINAL_PREFIX + _one_line(display_text(segment.source_text)))
    return lines


def _one_line(text: str) -> str:
    """Keep one segment per line: embedded line breaks become spaces."""
    return " ".join(text.split("\n"))


register(TxtExporter())
