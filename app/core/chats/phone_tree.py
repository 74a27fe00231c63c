"""A phone's own WhatsApp media folders elsewhere in the folder given: a chat deep in a phone dump (a
forensic extraction's `sdcard/Download/WhatsApp Chat with Anna.txt`, or the chat sent as a document,
`.../WhatsApp/Media/WhatsApp Documents/`) whose voice notes lie in the phone's
`Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Voice Notes/202440/`, a sibling tree of the chat.

Only below the folder the user gave (never above it), only `WhatsApp*/Media` folders, and only files named
the way WhatsApp names its media; the caller takes only a file a message names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path, PurePath

from app.core.chats.placeholders import is_whatsapp_media_name
from app.core.chats.records import kind_of
from app.core.chats.whatsapp_zip import same_name

MAX_DUMP_DEPTH = 16  # as deep as a folder is searched for chats
MEDIA_DEPTH = 3  # Media/WhatsApp Voice Notes/202440/PTT-...opus, Media/WhatsApp Audio/Private/...
MAX_FOLDERS = 50_000


def _is_media_tree(folder: Path) -> bool:
    return folder.name == "Media" and folder.parent.name.startswith("WhatsApp")


def _dump_folders(root: Path) -> Iterator[tuple[Path, list[str]]]:
    """Each folder below `root` (to the depth chats are searched, links not followed) with its files' names,
    a phone's `WhatsApp/Media` folder given but not entered."""
    for seen, (here, dirs, names) in enumerate(os.walk(root), start=1):
        folder = Path(here)
        enter = not _is_media_tree(folder) and len(folder.relative_to(root).parts) < MAX_DUMP_DEPTH
        dirs[:] = sorted(d for d in dirs if not (folder / d).is_symlink()) if enter else []
        yield folder, names
        if seen >= MAX_FOLDERS:
            return


def media_trees(root: Path) -> list[Path]:
    """The `WhatsApp/Media` (and `WhatsApp Business/Media`) folders at any depth below `root`."""
    return [folder for folder, _ in _dump_folders(root) if _is_media_tree(folder)]


def media_by_name(root: Path) -> dict[str, list[Path]]:
    """WhatsApp-named files of the phone's media folders below `root`, by their name as compared."""
    out: dict[str, list[Path]] = {}
    for tree in media_trees(root):
        for here, dirs, names in os.walk(tree):
            folder = Path(here)
            depth = len(folder.relative_to(tree).parts)
            dirs[:] = sorted(d for d in dirs if not (folder / d).is_symlink()) if depth < MEDIA_DEPTH else []
            for name in names:
                full = folder / name
                if is_whatsapp_media_name(name) and not full.is_symlink():
                    out.setdefault(same_name(name), []).append(full)
    return out


def named_below(root: Path) -> dict[str, list[Path]]:
    """WhatsApp-named files anywhere below `root` (a dump's folders as an extraction tool laid them out:
    `chats/` beside `media/audio/`), by their name as compared; the caller takes only a file a message names."""
    out: dict[str, list[Path]] = {}
    for seen, (here, dirs, names) in enumerate(os.walk(root), start=1):
        folder = Path(here)
        depth = len(folder.relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not (folder / d).is_symlink()) if depth < MAX_DUMP_DEPTH else []
        for name in names:
            full = folder / name
            if is_whatsapp_media_name(name) and not full.is_symlink():
                out.setdefault(same_name(name), []).append(full)
        if seen >= MAX_FOLDERS:
            break
    return out


def in_media_tree(path: PurePath) -> bool:
    """A path inside a phone's `WhatsApp*/Media` folder (a zipped dump's member)."""
    parts = path.parts
    return any(a.startswith("WhatsApp") and b == "Media" for a, b in pairwise(parts))


def nearest(hits: list, beside: PurePath):
    """The one path of `hits` nearest the chat's folder (most folders in common); None when two are as near."""
    def common(p: PurePath) -> int:
        n = 0
        for a, b in zip(p.parts, beside.parts):
            if a != b:
                break
            n += 1
        return n

    ranked = sorted(hits, key=common, reverse=True)
    if len(ranked) == 1 or (ranked and common(ranked[0]) > common(ranked[1])):
        return ranked[0]
    return None


def unnamed_media(root: Path, named: set[str]) -> list[Path]:
    """The files of the phone's WhatsApp media folders below `root` whose names no chat read names
    (`named`: names as compared, `same_name`): the phone's other chats' files, not in any timeline."""
    return sorted(p for key, paths in media_by_name(root).items() if key not in named for p in paths)


def other_media(root: Path, named: set[str]) -> list[Path]:
    """The voice notes and videos below `root`, outside the phone's WhatsApp media folders, whose names no chat
    read names (`named`, as compared): a recording beside a zipped chat that lacks it, under another name, or
    a dump's other recordings. Not in any timeline, so counted, never passed over in silence."""
    return [folder / n for folder, names in _dump_folders(root) if not _is_media_tree(folder) for n in sorted(names)
            if kind_of(n) in ("audio", "video") and same_name(n) not in named and not (folder / n).is_symlink()]


def other_files(root: Path, named: set[str], is_export: Callable[[Path], bool]) -> list[Path]:
    """The files below `root` that are neither a chat export (`is_export`, a zip either: a damaged one is said
    refused), nor a chat's file (`named`, as compared), nor a voice note or video (`other_media` counts those),
    nor in the phone's WhatsApp media folders (`unnamed_media` counts those): a photo, notes, a phone's own
    files. In no timeline, so counted, never passed over in silence."""
    return [folder / n for folder, names in _dump_folders(root) if not _is_media_tree(folder) for n in sorted(names)
            if kind_of(n) not in ("audio", "video") and same_name(n) not in named and not n.lower().endswith(".zip")
            and not (folder / n).is_symlink() and not is_export(folder / n)]
