"""Zips inside a zip: a phone dump's zip holding the WhatsApp or Telegram exports zipped on the
phone (`Dump.zip` → `WhatsApp/WhatsApp Chat with Anna.zip`).

    nested_zips(archive, files) -> the members that are zips themselves
    load_nested(outer, info, extract_root, load) -> list[Loaded]

Each inner zip is extracted (checked first like any member, read-only) below the case's own folder,
`extract_root/<outer zip's SHA-256>/<member>`, and read as an export of its own: its own exhibit,
with the outer zip and the member it came from recorded (`Loaded.found_in`). Without a case folder
it is read from a temporary copy, and named by the outer zip and member. Zips are opened to
`MAX_NESTING` levels; deeper ones are said, not opened.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from app.core.chats import whatsapp_zip
from app.core.chats.parsing import Loaded
from app.core.errors import ChatError
from app.core.hashing import sha256_file

MAX_NESTING = 3  # a zip in a zip in a zip


def nested_zips(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The members that are zips (by name and by their first bytes), Mac leftovers aside."""
    found = []
    for info in files:
        if not info.filename.lower().endswith(".zip") or whatsapp_zip.is_junk(info) or info.file_size < 22:
            continue
        with archive.open(info) as handle:
            if handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):
                found.append(info)
    return found


Load = Callable[[Path, Path | None, int], list[Loaded]]


def load_nested(outer: Path, info: zipfile.ZipInfo, archive: zipfile.ZipFile, extract_root: Path | None,
                load: Load, depth: int) -> list[Loaded]:
    """The exports of one inner zip, each saying the outer zip and member it was found in."""
    member = whatsapp_zip.stored_name(info)
    if depth >= MAX_NESTING:
        raise ChatError(f"{outer}: {member}", f"a zip nested more than {MAX_NESTING} deep; not opened")
    if extract_root is not None:
        inner = whatsapp_zip.extract(archive, info, extract_root / sha256_file(outer), member)
        found: list[Loaded] = []
        try:
            found = _load(load, inner, extract_root, depth, f"{outer}: {member}")
        finally:
            if not found:  # no chat in it (an app's backup, a damaged zip): no copy left in the case folder
                inner.unlink(missing_ok=True)
        return [_found_in(loaded, outer, member, keep=True) for loaded in found]
    with tempfile.TemporaryDirectory(prefix="parley-zip-") as tmp:
        inner = whatsapp_zip.extract(archive, info, Path(tmp), member)
        return [_found_in(loaded, outer, member, keep=False) for loaded in _load(load, inner, None, depth,
                                                                                  f"{outer}: {member}")]


def _load(load: Load, inner: Path, extract_root: Path | None, depth: int, shown: str) -> list[Loaded]:
    """The inner zip's exports; what cannot be read is said with the outer zip and member, not the copy."""
    try:
        return load(inner, extract_root, depth + 1)
    except ChatError as exc:
        raise ChatError(exc.path.replace(str(inner), shown, 1), exc.reason) from None


def _found_in(loaded: Loaded, outer: Path, member: str, keep: bool) -> Loaded:
    """The loaded export with where it was found; read from a temporary copy, named by the outer zip."""
    found_in = (str(outer), member, *loaded.found_in[1:]) if loaded.found_in else (str(outer), member)
    if keep:
        return replace(loaded, found_in=found_in)
    source = f"{member}: {loaded.export.source}" if loaded.export.source else member
    return replace(loaded, export=replace(loaded.export, source=source), original=outer, files={},
                   found_in=found_in)


def member_label(found_in: tuple[str, ...]) -> str:
    """'Dump.zip → WhatsApp Chat with Anna.zip' for a report line."""
    return " → ".join([Path(found_in[0]).name, *(PurePosixPath(m).name for m in found_in[1:])])
