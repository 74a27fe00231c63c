"""Signal Desktop's messages as sigtop writes them in JSON (`sigtop export-messages -f json`): one
`<conversation>.json` per chat, an array of the messages exactly as Signal Desktop stores them.

    [
    {"timestamp":1612090980000,"attachments":[{"contentType":"audio/aac","size":20480,"flags":1,
     "path":"3f/3f0c...","width":0}],"conversationId":"5c1e...","id":"9a0b...","type":"incoming",
     "source":"+31612345678","sourceDevice":1,"sent_at":1612090980000,"received_at":1612090982000,
     "body":"luister"},
    {"type":"outgoing","sent_at":1612091040000,"conversationId":"5c1e...","body":"ok", ...},
    {"type":"group-v2-change","sent_at":1612091100000, ...}
    ]

A message of any type but incoming/outgoing is the app's own note. Times are milliseconds since 1970
in UTC, said as such. Each attachment is a record of its own, the words with the first. A file with
no name (a voice message) is looked for as `sigtop export-attachments` names it,
`attachment-<time sent, the exporting computer's local time>.<ext>` in `attachments/<conversation>/`
beside `messages/`: the computer's time zone is not written, so the name is matched whatever the
zone (signal_text.sigtop_match). Reactions and quotes are said in the note.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from app.core.chats import json_cut
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.chats.signal_text import SIGTOP_EXTENSIONS
from app.core.chats.telegram import load_json
from app.core.errors import ChatError

CONTAINER = "signal"
THIS_SIDE = "You"
_KEYS = ('"sent_at"', '"conversationId"', '"type"')


def looks_like_text(text: str) -> bool:
    head = text[:8192].lstrip("\ufeff \t\r\n")
    return head.startswith("[") and all(key in head for key in _KEYS)


def looks_like(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(
        isinstance(m, dict) and "sent_at" in m and "type" in m for m in data[:20])


def _when(ms: Any) -> tuple[str, str | None, datetime | None]:
    try:
        moment = datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return str(ms or ""), None, None
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC", moment.isoformat(), moment


def _attachment(item: dict[str, Any], moment: datetime | None) -> Attachment:
    mime = str(item.get("contentType") or "")
    major = mime.split("/")[0]
    name = item.get("fileName") or None
    kind = major if major in ("audio", "video", "image") else kind_of(name)
    placeholder = f"{name or 'no filename'} ({mime or 'no type'}, {item.get('size', '?')} bytes)"
    if item.get("pending"):
        return Attachment(name, True, kind, f"{placeholder}; never downloaded")
    if name is None and moment is not None:  # as export-attachments names it (zone matched when looked for)
        name = f"attachment-{moment:%Y-%m-%d-%H-%M-%S}{SIGTOP_EXTENSIONS.get(mime.lower(), '')}"
    if name is None:
        return Attachment(None, True, kind, placeholder)
    return Attachment(PurePosixPath(str(name).replace("\\", "/")).name, False, kind, placeholder)


def _note(item: dict[str, Any]) -> str:
    notes = []
    reactions = [f"{r.get('emoji', '?')} from {r.get('fromId') or r.get('from') or '?'}"
                 for r in item.get("reactions") or [] if isinstance(r, dict)]
    if reactions:
        notes.append(f"reactions: {', '.join(reactions)}")
    quote = item.get("quote")
    if isinstance(quote, dict):
        notes.append(f"a reply to {quote.get('author') or quote.get('authorAci') or '?'}: {quote.get('text') or ''}".strip())
    if item.get("editHistory"):
        notes.append("edited")
    if item.get("isErased") or item.get("deletedForEveryone"):
        notes.append("deleted for everyone")
    return "; ".join(notes)


def _messages(start: int, item: dict[str, Any]) -> list[Message]:
    kind = str(item.get("type") or "unknown")
    written, iso, moment = _when(item.get("sent_at") or item.get("timestamp"))
    system = kind not in ("incoming", "outgoing")
    sender = None if system else THIS_SIDE if kind == "outgoing" else str(
        item.get("source") or item.get("sourceServiceId") or item.get("sourceUuid") or "(unknown sender)")
    text = str(item.get("body") or "")
    if system and not text:
        text = f"[{kind} message]"
    files = [_attachment(a, moment) for a in item.get("attachments") or [] if isinstance(a, dict)] or [None]
    note = _note(item)
    return [Message(start + k, sender, written, iso, text if k == 0 else "", system, a, note)
            for k, a in enumerate(files)]


def parse(text: str, name: str) -> tuple[Chat, ...]:
    try:
        data, cut = load_json(text, name), ""
    except ChatError:  # a file cut short: the messages written whole before the cut, then where it ends
        found = json_cut.salvage_array(text)
        if found is None or not looks_like(found.items):
            raise
        data, cut = found.items, found.note()
    if not looks_like(data):
        raise ChatError(name, "not a sigtop JSON export (no list of Signal messages)")
    messages: list[Message] = []
    for item in data:
        if isinstance(item, dict):
            messages += _messages(len(messages), item)
    if cut:
        messages.append(Message(len(messages), None, "", None, "", True, None, cut))
    return (Chat(PurePosixPath(name).stem, tuple(messages), "utc"),)
