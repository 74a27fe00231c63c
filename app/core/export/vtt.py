"""WebVTT (.vtt) subtitles, written by pysubs2, with the provenance in a NOTE block.

pysubs2 does not write NOTE blocks, so the NOTE is inserted right after the
"WEBVTT" header line. A NOTE may not contain "-->" or a blank line; provenance
lines are adjusted for that.
"""

from __future__ import annotations

from app.core.export import changes, record
from app.core.export.base import one_line, provenance_lines, register, without_arrows
from app.core.export.srt import subtitle_string
from app.core.types import Transcript

HEADER = "WEBVTT\n\n"


class VttExporter:
    name = "vtt"
    extension = "vtt"
    binary = False

    def render(self, transcript: Transcript) -> bytes:
        body = subtitle_string(transcript, "vtt")
        if not body.startswith(HEADER):
            raise RuntimeError("pysubs2 WebVTT output does not start with the WEBVTT header")
        text = HEADER + note_block(transcript) + body[len(HEADER) :]
        return text.encode("utf-8")


def note_block(transcript: Transcript) -> str:
    """The provenance, the recording's name and who exported it (as the TXT gives them: a VTT handed over alone
    said neither, so `check-export` could not hold its manifest to them), and the legend of lines changed."""
    named = [f"Recording: {transcript.source.name}"]
    exported = [f"Exported: {record.export_text(transcript)}"] if transcript.export is not None else []
    lines = [note_text(line) for line in [*provenance_lines(transcript), *named, *exported,
                                          changes.legend(transcript, listed=False)]]
    return "NOTE\n" + "\n".join(line for line in lines if line) + "\n\n"


def note_text(text: str) -> str:
    """`text` as a NOTE line holds it (`check-export` compares a manifest's value so): its line breaks joined with
    spaces (a NOTE holds no blank line) and no "-->" ("a--->b" became "a-->b" when replaced once)."""
    text = one_line(text)  # a WebVTT line ends at CR, LF or CRLF: a CR in a name ended the NOTE's line
    return without_arrows(text).strip()


register(VttExporter())
