"""Files a zipped chat names that the zip lacks, lying beside the zip under that very name: a chat exported
"without media" (or its media taken out), its voice notes copied from the phone next to it.

    with_files_beside(loaded) -> Loaded
    unshared(loaded_list) -> list[Loaded]     a file beside zips of two phones that each name it: linked to none

Each such file is linked to its message one-to-one (a name the chat writes twice is left missing), read where it
lies (never copied), and the message's note says where it was found. The zip's own members always come first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from app.core.chats.parsing import Loaded
from app.core.chats.records import Message
from app.core.hashing import sha256_file

BESIDE = "../"  # the key of a file beside the zip: its name, relative to the zip
BESIDE_NOTE = "not in the zip: the file of this name beside it ({path})"
SHARED_NOTE = ("not in the zip; the file of this name beside it ({path}) is named by {count} zips' chats here, by "
               "messages of another sender or minute (each phone numbers its files from 1): whose it is is not "
               "known, so it is linked to none")


def with_files_beside(loaded: Loaded) -> Loaded:
    """`loaded` (a zip's chats), each attachment the zip lacks found beside the zip under its exact name."""
    named = Counter(m.attachment.name for m in loaded.export.messages
                    if m.attachment is not None and m.attachment.missing and m.attachment.name)
    found = {name: path for name in named if named[name] == 1 and (path := _beside(loaded.original, name))}
    if not found:
        return loaded
    chats = tuple(replace(c, messages=tuple(_linked(m, found) for m in c.messages)) for c in loaded.export.chats)
    files = {**loaded.files, **{BESIDE + name: path for name, path in found.items()}}
    return replace(loaded, export=replace(loaded.export, chats=chats), files=files)


def _beside(zipped: Path, name: str) -> Path | None:
    """The file of that name in the zip's own folder (no folder in the name, no link)."""
    if "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        return None
    path = zipped.parent / name
    try:
        return path if path.is_file() and not path.is_symlink() else None
    except OSError:  # a name no disk can hold (over 255 bytes): no such file beside it
        return None


def _linked(m: Message, found: dict[str, Path]) -> Message:
    a = m.attachment
    if a is None or not a.missing or a.name not in found:
        return m
    said = BESIDE_NOTE.format(path=found[a.name])
    return replace(m, attachment=replace(a, missing=False, path=BESIDE + a.name),
                   note="; ".join(n for n in (m.note, said) if n))


def unshared(loaded: list[Loaded]) -> list[Loaded]:
    """The zips met in one run (a folder, or several inputs), a file beside them that distinct exports name by
    messages of another sender or minute (two phones' `PTT-…-WA0001.opus`) linked to none, each message saying
    why; the rest as they are. One export met twice (a copy of the zip, a zip given twice) or one phone's chat
    exported twice (the same sender and minute) is one claim: its link is kept."""
    claims: dict[object, list[tuple[Loaded, tuple[str | None, str]]]] = {}
    for lo in loaded:
        for m in lo.export.messages:
            if m.attachment is not None and m.attachment.path in lo.files and m.attachment.path.startswith(BESIDE):
                claims.setdefault(same_file(lo.files[m.attachment.path]), []).append((lo, _sent(m)))
    shared = {file: len({_export_sha256(lo) for lo, _ in named})
              for file, named in claims.items() if len({sent for _, sent in named}) > 1}
    return [_unlinked(lo, shared) if any(same_file(lo.files[k]) in shared for k in _beside_keys(lo)) else lo
            for lo in loaded]


def _beside_keys(loaded: Loaded) -> list[str]:
    return [key for key in loaded.files if key.startswith(BESIDE)]


def _sent(m: Message) -> tuple[str | None, str]:
    """Who sent the message naming the file, and its minute: one phone's exports of a chat agree on both."""
    return m.sender, m.datetime[:16] if m.datetime else m.time_as_written


def same_file(path: Path) -> object:
    """One key for one file on disk, however its folder was spelled (`evidence/`, its absolute path, a link)."""
    try:
        status = path.stat()
    except OSError:
        return str(path)
    return status.st_dev, status.st_ino


def _export_sha256(loaded: Loaded) -> str:
    """The export as its bytes (a byte-identical copy of the zip is the same export)."""
    try:
        return sha256_file(loaded.original)
    except OSError:
        return str(loaded.original)


def _unlinked(loaded: Loaded, shared: dict[object, int]) -> Loaded:
    gone = {key: loaded.files[key] for key in _beside_keys(loaded) if same_file(loaded.files[key]) in shared}

    def undone(m: Message) -> Message:
        a = m.attachment
        if a is None or a.path not in gone:
            return m
        path = gone[a.path]
        said = SHARED_NOTE.format(path=path, count=shared[same_file(path)])
        return replace(m, attachment=replace(a, missing=True, path=None),
                       note=m.note.replace(BESIDE_NOTE.format(path=path), said))

    chats = tuple(replace(c, messages=tuple(undone(m) for m in c.messages)) for c in loaded.export.chats)
    files = {k: v for k, v in loaded.files.items() if k not in gone}
    return replace(loaded, export=replace(loaded.export, chats=chats), files=files)
