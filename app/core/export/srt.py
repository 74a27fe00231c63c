"""SubRip (.srt) subtitles, written by pysubs2.

SRT has no comment syntax, so an .srt carries no provenance: the provenance of
a subtitle file lives in the JSON/DOCX/PDF exported beside it. The speaker, when
known, is a "Speaker: " prefix on the cue text. For translations the cue shows
the translation only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.export import changes
from app.core.export.base import register, shown_text, without_arrows
from app.core.types import Transcript

if TYPE_CHECKING:
    import pysubs2


class SrtExporter:
    name = "srt"
    extension = "srt"
    binary = False

    def render(self, transcript: Transcript) -> bytes:
        return subtitle_string(transcript, "srt").encode("utf-8")


def subtitle_string(transcript: Transcript, format_: str) -> str:
    """The transcript as "srt" or "vtt" text. keep_ssa_tags: text goes out verbatim
    (otherwise pysubs2 would read "{...}" in speech as styling and drop it)."""
    return to_subtitles(transcript).to_string(format_, keep_ssa_tags=True)


def to_subtitles(transcript: Transcript) -> pysubs2.SSAFile:
    """One cue per segment; shared by the SRT and WebVTT exporters (pysubs2 imported here: a command
    that only lists formats, or writes JSON, does not load it)."""
    import pysubs2

    subs = pysubs2.SSAFile()
    marks = changes.changed(transcript)
    for segment in transcript.segments:
        text = shown_text(segment, transcript)
        if segment.speaker:
            text = f"{segment.speaker}: {text}"
        if changes.is_changed(segment, marks):  # changed in proofreading (the JSON and the record say how)
            text = f"{changes.MARK} {text}"
        # pysubs2 holds ASS text, where "\N" is the line break: every break a reader's editor shows (CR, NEL,
        # U+2028...) is one, no line is empty (a blank line ends a cue) and none holds "-->" (a timing line):
        # an edited line "I did not\r\r00:00:30,000 --> 00:00:31,000\rI did it" was a cue of its own.
        lines = [without_arrows(line) for line in text.splitlines() if line.strip()]
        subs.append(pysubs2.SSAEvent(start=segment.start_ms, end=segment.end_ms, text=r"\N".join(lines)))
    return subs


register(SrtExporter())
