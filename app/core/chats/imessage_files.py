"""The files of an imessage-exporter folder that no message names: every chat's `.txt` or `.html`
shares one `attachments/<chat id>/` tree, so such a file is kept, as a note, by the folder's first
iMessage chat, and only when no other chat of the folder names it (never dropped, never twice).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from app.core.chats import imessage
from app.core.chats.parsing import decode, parse_text, sniff_text
from app.core.chats.records import Chat
from app.core.errors import ChatError

FOLDERS = ("attachments/", "orphaned/")
MAX_CHAT_BYTES = 64 * 1024 * 1024


def _text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_CHAT_BYTES:
            return None
        return decode(path.read_bytes())
    except OSError:
        return None


def _chats_of_folder(folder: Path) -> list[tuple[Path, str]]:
    """The iMessage chat files of the folder (name order) with their text."""
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".txt", ".html") or not path.is_file() or path.is_symlink():
            continue
        text = _text(path)
        if text is not None and sniff_text(text[:200000], path.name) == imessage.CONTAINER:
            out.append((path, text))
    return out


def _named(path: Path, text: str) -> set[str]:
    try:
        chats = parse_text(text, path.name)
    except ChatError:
        return set()
    return {m.attachment.name.lower() for c in chats for m in c.messages if m.attachment and m.attachment.name}


def unreferenced(path: Path, chats: tuple[Chat, ...], files: dict[str, str | Path]) -> list[tuple[str, str]]:
    """(path, name) of each copied file no chat of the folder names, for the folder's first chat."""
    used = {m.attachment.path for c in chats for m in c.messages if m.attachment and m.attachment.path}
    extra = [rel for rel in files if rel.startswith(FOLDERS) and rel not in used]
    if not extra:
        return []
    try:
        siblings = _chats_of_folder(path.parent)
    except OSError:
        siblings = []
    if siblings and siblings[0][0] != path:
        return []  # the folder's first chat keeps them
    elsewhere = set().union(*(_named(p, t) for p, t in siblings[1:])) if siblings else set()
    return [(rel, PurePosixPath(rel).name) for rel in extra if PurePosixPath(rel).name.lower() not in elsewhere]
