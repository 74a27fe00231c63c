"""Files a zipped chat names that the zip lacks, lying beside the zip under that very name: a chat exported
"without media" (or its media taken out), its voice notes copied from the phone next to it.

    with_files_beside(loaded) -> Loaded
    unshared(loaded_list) -> list[Loaded]     a file beside several zips that each name it: linked to none

Each such file is linked to its message one-to-one (a name the chat writes twice is left missing), read where it
lies (never copied), and the message's note says where it was found. The zip's own members always come first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from app.core.chats.parsing import Loaded
from app.core.chats.records import Message

BESIDE = "../"  # the key of a file beside the zip: its name, relative to the zip
BESIDE_NOTE = "not in the zip: the file of this name beside it ({path})"
SHARED_NOTE = ("not in the zip; the file of this name beside it ({path}) is named by {count} zips' chats here (each "
               "phone numbers its files from 1): whose it is is not known, so it is linked to none")


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
    """The zips of one folder, a file beside them that more than one links (two phones' `PTT-…-WA0001.opus`)
    linked to none of them, each message saying why; the rest as they are."""
    claims = Counter(path for lo in loaded for key, path in lo.files.items() if key.startswith(BESIDE))
    shared = {path: count for path, count in claims.items() if count > 1}
    return [_unlinked(lo, shared) if any(lo.files.get(k) in shared for k in lo.files if k.startswith(BESIDE)) else lo
            for lo in loaded]


def _unlinked(loaded: Loaded, shared: dict[Path, int]) -> Loaded:
    gone = {key: loaded.files[key] for key in loaded.files if key.startswith(BESIDE) and loaded.files[key] in shared}

    def undone(m: Message) -> Message:
        a = m.attachment
        if a is None or a.path not in gone:
            return m
        path = gone[a.path]
        note = m.note.replace(BESIDE_NOTE.format(path=path), SHARED_NOTE.format(path=path, count=shared[path]))
        return replace(m, attachment=replace(a, missing=True, path=None), note=note)

    chats = tuple(replace(c, messages=tuple(undone(m) for m in c.messages)) for c in loaded.export.chats)
    files = {k: v for k, v in loaded.files.items() if k not in gone}
    return replace(loaded, export=replace(loaded.export, chats=chats), files=files)
