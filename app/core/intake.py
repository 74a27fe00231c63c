"""Find media in what the user points at: files, or folders walked recursively.

Inside a folder, files are recognised by their content (magic bytes), not by
their extension alone; anything else is skipped and listed. Files named
explicitly are always tried, so a bad one gets a clear reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import MediaError
from app.core.media import probe
from app.core.types import SourceInfo

SNIFF_BYTES = 64
MEDIA_EXTENSIONS = {
    ".opus", ".ogg", ".oga", ".m4a", ".mp4", ".m4v", ".mov", ".amr", ".awb", ".3gp", ".3g2",
    ".caf", ".mp3", ".wav", ".aac", ".flac", ".wma", ".wmv", ".webm", ".mkv", ".aif", ".aiff", ".avi",
}


@dataclass(frozen=True)
class Found:
    path: str
    source: SourceInfo | None = None
    error: str | None = None  # why it cannot be used (a failure)
    skipped: str | None = None  # why a file in a folder was passed over (not media)


def looks_like_media(head: bytes) -> bool:
    """True for the containers and raw streams phones and recorders produce."""
    if head[:4] in (b"RIFF", b"OggS", b"fLaC", b"caff", b"FORM", b"ID3\x03", b"ID3\x04", b"ID3\x02"):
        return True
    if head[:6] == b"#!AMR\n" or head[:9] == b"#!AMR-WB\n" or head[:5] == b"#!AMR":
        return True
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return True
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM
        return True
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):  # ASF (wma/wmv)
        return True
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:  # MPEG audio / ADTS
        return True
    return head[:4] == b".snd"


def _sniff(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return looks_like_media(handle.read(SNIFF_BYTES))
    except OSError:
        return False


def _walk(folder: Path, errors: list[Found]) -> Iterator[Path]:
    def on_error(exc: OSError) -> None:
        errors.append(Found(str(exc.filename or folder), error=exc.strerror or "cannot read folder"))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def _probe(path: Path) -> Found:
    try:
        return Found(str(path), source=probe(path))
    except MediaError as exc:
        return Found(str(path), error=exc.reason)


def find_media(inputs: Iterable[str]) -> Iterator[Found]:
    """Yield one Found per file: usable media, a failure with its reason, or a skip."""
    for raw in inputs:
        path = Path(raw)
        if not path.is_dir():
            yield _probe(path)
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            yield Found(str(path), error="permission denied (cannot read folder)")
            continue
        errors: list[Found] = []
        for file in _walk(path, errors):
            if file.is_symlink() or not file.is_file():
                continue
            claims_media = file.suffix.lower() in MEDIA_EXTENSIONS
            if not claims_media and not _sniff(file):
                yield Found(str(file), skipped="not a media file")
                continue
            found = _probe(file)
            if found.source is None and not claims_media:
                found = Found(str(file), skipped=found.error)
            yield found
        yield from errors
