"""SubRip (.srt) subtitles, written by pysubs2.

SRT has no comment syntax, so an .srt carries no provenance: the provenance of
a subtitle file lives in the JSON/DOCX/PDF exported beside it. The speaker, when
known, is a "Speaker: " prefix on the cue text. For translations the cue shows
the translation only.
"""

from __future__ import annotations

import html
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


BACKSLASH = "\uE000"  # a backslash while pysubs2 holds the text: "\\N", "\\n", "\\h" and "{\\p1}" are ASS codes to it


def subtitle_string(transcript: Transcript, format_: str) -> str:
    """The transcript as "srt" or "vtt" text, each cue's words as the proofreader left them. keep_ssa_tags: "{...}"
    goes out verbatim (pysubs2 would read it as styling and drop it); backslashes are hidden from pysubs2 while it
    writes ("C:\\Users\\Nick\\new" lost its N and n to line breaks; a line holding "{\\p1}" was a drawing, its cue
    not written)."""
    written = to_subtitles(transcript, format_).to_string(format_, keep_ssa_tags=True)
    return written.replace(BACKSLASH, "\\")


def to_subtitles(transcript: Transcript, format_: str) -> pysubs2.SSAFile:
    """One cue per segment; shared by the SRT and WebVTT exporters (pysubs2 imported here: a command
    that only lists formats, or writes JSON, does not load it). A WebVTT cue's "&", "<" and ">" are written as
    its entities (a player takes "<inaudible>" or "<3 you" for a tag and shows nothing of it)."""
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
        lines = [without_arrows(line) for line in text.replace(BACKSLASH, " ").splitlines() if line.strip()]
        if format_ == "vtt":
            lines = [html.escape(line, quote=False) for line in lines]
        text = r"\N".join(line.replace("\\", BACKSLASH) for line in lines)
        subs.append(pysubs2.SSAEvent(start=segment.start_ms, end=segment.end_ms, text=text))
    return subs


register(SrtExporter())
