"""Exports of a transcript or translation: one module per format, behind a registry.

    from app.core.export import export_transcript
    paths = export_transcript(transcript, out_dir, ["json", "docx"])

Files are named `<out_dir>/<source stem>.<ext>` (interview_mono.wav ->
interview_mono.json) and are never written into the folder holding the source.
"""

from __future__ import annotations

import os
from pathlib import Path

# Importing the format modules registers them; docx and pdf register when first asked for (base._DEFERRED).
from app.core.export import json_export, srt, txt, vtt  # noqa: F401
from app.core.export.base import (
    Exporter,
    ExportError,
    available_formats,
    get_exporter,
    register,
    safe_write,
)
from app.core.export.json_export import load_transcript_json
from app.core.names import path_inside, safe_basename
from app.core.types import Transcript

__all__ = [
    "ExportError",
    "Exporter",
    "available_formats",
    "export_transcript",
    "get_exporter",
    "load_transcript_json",
    "register",
    "render_transcript",
    "safe_write",
]


def export_transcript(
    transcript: Transcript,
    out_dir: str | os.PathLike[str],
    formats: list[str] | tuple[str, ...],
    basename: str | None = None,
) -> list[Path]:
    """Write `transcript` in each of `formats` into `out_dir`; return the paths written.

    Everything is rendered before anything is written, so a failing format
    leaves no partial set. `basename` overrides the source stem (needed when two
    sources in one export share a stem).
    """
    folder = Path(out_dir)
    rendered = [(path_inside(folder, name), data) for name, data in render_transcript(transcript, folder, formats, basename)]
    folder.mkdir(parents=True, exist_ok=True)
    for path, data in rendered:
        safe_write(path, data)
    return [path for path, _ in rendered]


def render_transcript(
    transcript: Transcript,
    out_dir: str | os.PathLike[str],
    formats: list[str] | tuple[str, ...],
    basename: str | None = None,
) -> list[tuple[str, bytes]]:
    """(file name, content) of every format, rendered in memory; nothing written yet."""
    _refuse_source_folder(transcript, Path(out_dir))
    exporters = [get_exporter(name) for name in dict.fromkeys(formats)]
    if not exporters:
        raise ExportError("no export format given")
    stem = _basename(transcript, basename)
    return [(f"{stem}.{ex.extension}", ex.render(transcript)) for ex in exporters]


def _refuse_source_folder(transcript: Transcript, folder: Path) -> None:
    if not transcript.source.path:
        return
    source_folder = Path(transcript.source.path).parent
    if _same_folder(folder, source_folder):
        raise ExportError(
            f"{folder}: refusing to write exports into the folder holding the source file"
        )


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return a.resolve() == b.resolve()


def _basename(transcript: Transcript, basename: str | None) -> str:
    if basename is None:
        return safe_basename(Path(transcript.source.name).stem) or "transcript"
    if not basename or basename in (".", "..") or any(sep in basename for sep in "/\\"):
        raise ExportError(f"{basename!r}: not usable as an export file name")
    return safe_basename(basename)
