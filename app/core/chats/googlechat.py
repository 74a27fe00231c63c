"""Google Chat as Google Takeout writes it: one folder per conversation (`Google Chat/Groups/DM
k6oxHQAAAAE/`, `Space AAAAFyOfy4w/`) holding `messages.json`, `group_info.json` (the space's name
and its members) and the files sent, beside them, named `File-...`.

    {"messages": [{"creator": {"name": "Anna Smith", "email": "anna@example.com", "user_type": "Human"},
                   "created_date": "Monday, January 15, 2024 at 9:05:00 PM UTC",
                   "text": "...", "topic_id": "...", "message_id": "...",
                   "attached_files": [{"original_name": "voice.m4a", "export_name": "File-voice.m4a"}]}]}

The time is written in words, in UTC (`at 9:05:00\u202fPM UTC`, the narrow no-break space newer
exports put before AM/PM): read, said as UTC; one written otherwise keeps its words and no date-time,
said. A file named `File-123?account_id=3.jpg` in the JSON is `File-123_account_id=3.jpg` on disk.
A deleted message and an edit are said; a conversation is named by its space's name, else by its
members (a direct message has no name of its own).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from app.core.chats import json_cut, telegram
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.errors import ChatError

CONTAINER = "google-chat-json"
NOT_GOOGLE_CHAT = "not a Google Chat export (no `messages` with `creator` and `created_date`)"
INFO_FILE = "group_info.json"
_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"), start=1)}
_DATE_RE = re.compile(r"^(?:[^\W\d_]+,\s+)?(?P<month>[^\W\d_]+)\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})\s+at\s+"
                      r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?[\s\u202f\u00a0]*"
                      r"(?P<half>[AaPp][Mm])?\s*(?:UTC|GMT)$")


def looks_like(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return False
    first = next((m for m in data["messages"] if isinstance(m, dict)), None)
    return first is not None and "creator" in first and "created_date" in first


def looks_like_text(text: str) -> bool:
    head = text[:65536].lstrip("\ufeff \t\r\n")
    return head.startswith("{") and '"creator"' in head and '"created_date"' in head


def read_date(text: str) -> str | None:
    """`Monday, January 15, 2024 at 9:05:00 PM UTC` as ISO 8601 in UTC; None when written otherwise."""
    match = _DATE_RE.match(text.strip())
    month = _MONTHS.get(match["month"].lower()) if match else None
    if match is None or month is None:
        return None
    hour = int(match["hour"])
    half = (match["half"] or "").lower()
    if half and not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if half == "pm" else 0) if half else hour
    try:
        return datetime(int(match["year"]), month, int(match["day"]), hour, int(match["minute"]),
                        int(match["second"] or 0), tzinfo=timezone.utc).isoformat()
    except ValueError:
        return None


def disk_name(export_name: str) -> str:
    """The name Takeout gives the file on disk (`?` is not allowed in a file name there)."""
    return export_name.replace("?", "_")


def _attachments(raw: dict[str, Any]) -> list[Attachment]:
    out = []
    for item in raw.get("attached_files") or []:
        if not isinstance(item, dict):
            continue
        exported = item.get("export_name") if isinstance(item.get("export_name"), str) else ""
        original = item.get("original_name") if isinstance(item.get("original_name"), str) else ""
        if not exported:  # named, but the export holds no file for it
            out.append(Attachment(original or None, True, kind_of(original), original, None))
            continue
        path = disk_name(exported)
        out.append(Attachment(original or path, False, kind_of(original or path), exported, path))
    return out


def _notes(raw: dict[str, Any], iso: str | None, written: str) -> list[str]:
    notes = [] if iso else [f"time written as {written!r}, not read" if written else "no time"]
    if raw.get("updated_date"):
        notes.append(f"edited {raw['updated_date']}")
    if str(raw.get("message_state", "")).upper() == "DELETED":
        notes.append("deleted")
    quoted = raw.get("quoted_message_metadata")
    if isinstance(quoted, dict) and quoted.get("text"):
        notes.append(f"quotes: {str(quoted['text'])[:200]}")
    creator = raw.get("creator") if isinstance(raw.get("creator"), dict) else {}
    if creator.get("user_type") not in (None, "Human"):
        notes.append(f"sender is a {creator['user_type']}")
    return notes


def _sender(raw: dict[str, Any]) -> str | None:
    creator = raw.get("creator") if isinstance(raw.get("creator"), dict) else {}
    name = creator.get("name") if isinstance(creator.get("name"), str) and creator.get("name") else None
    email = creator.get("email") if isinstance(creator.get("email"), str) and creator.get("email") else None
    return f"{name} <{email}>" if name and email else name or email


def _records(raw: Any, index: int) -> list[Message]:
    if not isinstance(raw, dict):
        return [Message(index, None, "", None, "", True, None, f"an entry of the export that is not a message: {raw!r}"[:200])]
    written = str(raw.get("created_date") or "")
    iso = read_date(written)
    text = str(raw.get("text") or "").strip()
    deleted = str(raw.get("message_state", "")).upper() == "DELETED"
    note = "; ".join(_notes(raw, iso, written))
    attachments: list[Attachment | None] = list(_attachments(raw)) or [None]
    return [Message(index + i, _sender(raw), written, iso, text if i == 0 else "", deleted, a, note)
            for i, a in enumerate(attachments)]


def _name(info: Any, fallback: str) -> str:
    if not isinstance(info, dict):
        return fallback
    if isinstance(info.get("name"), str) and info["name"]:
        return info["name"]
    members = [m.get("name") for m in info.get("members") or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
    return " and ".join(members) if members else fallback


def parse(text: str, path: str = "", info: Any = None) -> tuple[Chat, ...]:
    data, cut = json_cut.load_or_salvage(text, path, telegram.load_json, looks_like)
    if not looks_like(data):
        raise ChatError(path, NOT_GOOGLE_CHAT)
    messages: list[Message] = []
    for raw in data["messages"]:
        messages += _records(raw, len(messages))
    if cut:  # the file cut short inside its message list: where it ends said
        messages.append(Message(len(messages), None, "", None, "", True, None, cut))
    stem = PurePosixPath(path).stem
    return (Chat(_name(info, stem), tuple(messages), "utc"),)


def info_beside(path: Path) -> tuple[Any, tuple[Path, ...]]:
    """The conversation's group_info.json (parsed) and its path, when it lies beside the messages."""
    info = path.with_name(INFO_FILE)
    try:
        if info.is_file() and info.stat().st_size <= 16 * 1024 * 1024:
            return telegram.load_json(info.read_bytes().decode("utf-8", "replace"), str(info)), (info,)
    except (OSError, ChatError):
        pass
    return None, ()


def is_space_file(path: Path) -> bool:
    """A conversation's group_info.json beside its messages.json (read with it); elsewhere it is no chat's file."""
    return path.name.lower() == INFO_FILE and path.with_name("messages.json").is_file()


def is_chat_file(relative: str) -> bool:
    """A file Takeout wrote for a message of the conversation (beside messages.json, `File-...`)."""
    return "/" not in relative and relative.startswith("File-")
