"""SubRip (.srt) subtitles, written by pysubs2.

SRT has no comment syntax, so an .srt carries no provenance: the provenance of
a subtitle file lives in the JSON/DOCX/PDF exported beside it. The speaker, when
known, is a "Speaker: " prefix on the cue text. For translations the cue shows
the translation only.
"""

from __future__ import annotations

import html
import itertools
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
    """The transcript as "srt" or "vtt" text, each cue's words as the proofreader left them. keep_ssa_tags: "{...}"
    goes out verbatim (pysubs2 would read it as styling and drop it); backslashes are hidden from pysubs2 while it
    writes ("C:\\Users\\Nick\\new" lost its N and n to line breaks; a line holding "{\\p1}" was a drawing, its cue
    not written)."""
    backslash = _unused_character(transcript)
    written = to_subtitles(transcript, format_, backslash).to_string(format_, keep_ssa_tags=True)
    return written.replace(backslash, "\\")


def _unused_character(transcript: Transcript) -> str:
    """A private-use character no cue holds, to stand for a backslash while pysubs2 holds the text ("\\N", "\\n",
    "\\h" and "{\\p1}" are ASS codes to it). U+E000 always was: typed in a line, it was written as a space."""
    held = {char for segment in transcript.segments
            for char in f"{segment.speaker or ''}{changes.MARK}{shown_text(segment, transcript)}"}
    private_use = itertools.chain(range(0xE000, 0xF900), range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))
    return next(char for char in map(chr, private_use) if char not in held)


def to_subtitles(transcript: Transcript, format_: str, backslash: str) -> pysubs2.SSAFile:
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
        lines = [without_arrows(line) for line in text.splitlines() if line.strip()]
        if format_ == "vtt":
            lines = [html.escape(line, quote=False) for line in lines]
        text = r"\N".join(line.replace("\\", backslash) for line in lines)
        subs.append(pysubs2.SSAEvent(start=segment.start_ms, end=segment.end_ms, text=text))
    return subs


register(SrtExporter())
