"""A Slack workspace export (Workspace settings → Import/Export data → Export): one folder per
channel (`general/`, and for direct messages one per conversation), one JSON file per day in it
(`2024-01-15.json`, an array of messages), `users.json` and `channels.json` at its root.

    [{"type": "message", "user": "U01ANNA", "text": "Hello <@U02BOB>", "ts": "1705352700.000200",
      "user_profile": {"real_name": "Anna Smith", "display_name": "anna"},
      "files": [{"id": "F01", "name": "audio_message.m4a", "title": "Audio clip", "mimetype": "audio/mp4",
                 "subtype": "slack_audio", "url_private": "https://files.slack.com/..."}]}]

A channel's days are read as one chat, in time order (`ts`, seconds since 1970, UTC). A sender is
named by `user_profile`, else by `users.json`, else by the id; a mention `<@U02BOB>` by the name.
Slack's export holds the files' addresses, not the files: one found beside the channel (a tool such as
slackdump downloads them, `attachments/F01-audio_message.m4a` or by its name) is read and a voice clip
transcribed in place, else the file is said missing with its address. `channel_join`, `bot_message` and
other subtypes but `thread_broadcast`/`file_share` are the app's notes; edits and threads are said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from app.core.chats import json_cut, telegram
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.errors import ChatError

CONTAINER = "slack-json"
NOT_SLACK = "not a Slack export day (no array of messages with `ts`)"
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_MENTION_RE = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK_RE = re.compile(r"<(?P<url>https?://[^|>]+)(?:\|(?P<label>[^>]*))?>")
_OWN_SUBTYPES = ("", "thread_broadcast", "file_share", "me_message")
MAX_USERS_BYTES = 32 * 1024 * 1024
WORKSPACE_FILES = frozenset({"users.json", "channels.json", "groups.json", "dms.json", "mpims.json",
                             "integration_logs.json", "canvases.json", "huddle_transcripts.json"})


def looks_like(data: Any) -> bool:
    if not isinstance(data, list) or not data:
        return False
    first = next((m for m in data if isinstance(m, dict)), None)
    return first is not None and "ts" in first and first.get("type") == "message"


def looks_like_text(text: str) -> bool:
    head = text[:65536].lstrip("\ufeff \t\r\n")
    return head.startswith("[") and '"ts"' in head and re.search(r'"type"\s*:\s*"message"', head) is not None


def day_pages(path: Path) -> list[Path]:
    """A channel's day files in order (`2024-01-15.json`, `2024-01-16.json`, ...)."""
    if not DAY_RE.match(path.name):
        return [path]
    return sorted(p for p in path.parent.glob("*.json") if DAY_RE.match(p.name) and p.is_file())


def is_later_day(path: Path) -> bool:
    """A later day of a channel: read with its first day, not as a chat of its own."""
    if not DAY_RE.match(path.name):
        return False
    pages = day_pages(path)
    if len(pages) < 2 or pages[0] == path:
        return False
    return _opens_as_a_day(pages[0])  # the channel's first day must read as Slack's: other dated files are their own


def _opens_as_a_day(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return looks_like_text(handle.read(65536).decode("utf-8", "replace"))
    except OSError:
        return False


def is_workspace_file(path: Path) -> bool:
    """A workspace's own file (`users.json`, `channels.json`, ...) beside a channel folder whose first day reads as
    Slack's: read with the channels. The same name elsewhere (an app's `users.json` on a phone) is no chat's file."""
    if path.name.lower() not in WORKSPACE_FILES:
        return False
    try:
        channels = [d for d in path.parent.iterdir() if d.is_dir() and not d.is_symlink()]
    except OSError:
        return False
    return any(days and _opens_as_a_day(days[0]) for days in (
        sorted(p for p in channel.glob("*.json") if DAY_RE.match(p.name)) for channel in channels))


def users_beside(path: Path) -> dict[str, str]:
    """user id -> the name shown, from the export's `users.json` (one folder up from the channel)."""
    users = path.parent.parent / "users.json"
    try:
        if not users.is_file() or users.stat().st_size > MAX_USERS_BYTES:
            return {}
        return users_of(telegram.load_json(users.read_bytes().decode("utf-8", "replace"), str(users)))
    except (OSError, ChatError):
        return {}


def users_of(data: Any) -> dict[str, str]:
    out = {}
    for user in data if isinstance(data, list) else []:
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
            name = user.get("real_name") or profile.get("real_name") or user.get("name") or ""
            out[user["id"]] = str(name) or user["id"]
    return out


def _when(ts: Any) -> tuple[str, str | None]:
    try:
        seconds = float(str(ts))
        return str(ts), datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return str(ts or ""), None


def _sender(raw: dict[str, Any], users: dict[str, str]) -> str | None:
    profile = raw.get("user_profile") if isinstance(raw.get("user_profile"), dict) else {}
    user = str(raw.get("user") or raw.get("bot_id") or "")
    name = profile.get("real_name") or profile.get("display_name") or users.get(user) or raw.get("username") or ""
    if name and user:
        return f"{name} ({user})"
    return str(name or user) or None


def _text(raw: dict[str, Any], users: dict[str, str]) -> str:
    text = str(raw.get("text") or "")
    text = _MENTION_RE.sub(lambda m: "@" + users.get(m["id"], m["id"]), text)
    text = _LINK_RE.sub(lambda m: m["label"] or m["url"], text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _attachment(item: Any) -> Attachment:
    if not isinstance(item, dict):
        return Attachment(None, True, "other", str(item)[:200], None)
    name = str(item.get("name") or item.get("title") or "") or None
    mime = str(item.get("mimetype") or "")
    kind = "audio" if item.get("subtype") == "slack_audio" or mime.startswith("audio/") else \
        "video" if mime.startswith("video/") else kind_of(name)
    address = str(item.get("url_private_download") or item.get("url_private") or "")
    if name is None or item.get("mode") in ("tombstone", "hidden_by_limit"):
        return Attachment(name, True, kind, address or str(item.get("mode") or ""), None)
    return Attachment(name, False, kind, address, f"attachments/{item.get('id')}-{name}" if item.get("id") else name)


def _notes(raw: dict[str, Any], iso: str | None, subtype: str) -> list[str]:
    notes = [] if iso else [f"time written as {raw.get('ts')!r}, not read"]
    if isinstance(raw.get("edited"), dict):
        notes.append(f"edited ({_when(raw['edited'].get('ts'))[1] or raw['edited'].get('ts')})")
    if raw.get("thread_ts") and raw.get("thread_ts") != raw.get("ts"):
        notes.append(f"reply in the thread of {_when(raw['thread_ts'])[1] or raw['thread_ts']}")
    reactions = [f"{r.get('name')} {r.get('count', '')}".strip() for r in raw.get("reactions") or [] if isinstance(r, dict)]
    if reactions:
        notes.append("reactions: " + ", ".join(reactions))
    if subtype not in _OWN_SUBTYPES:
        notes.append(f"the app's note ({subtype})")
    return notes


def _records(raw: Any, index: int, users: dict[str, str]) -> list[Message]:
    if not isinstance(raw, dict):
        return [Message(index, None, "", None, "", True, None, f"an entry of the export that is not a message: {raw!r}"[:200])]
    written, iso = _when(raw.get("ts"))
    subtype = str(raw.get("subtype") or "")
    system = subtype not in _OWN_SUBTYPES
    note = "; ".join(_notes(raw, iso, subtype))
    files = [_attachment(f) for f in raw.get("files") or []] or [None]
    text = _text(raw, users)
    return [Message(index + i, _sender(raw, users), iso or written, iso, text if i == 0 else "", system, a, note)
            for i, a in enumerate(files)]


def parse_days(texts: list[str], name: str, users: dict[str, str] | None = None, path: str = "") -> Chat:
    """One channel from its day files' texts, in time order."""
    raws: list[Any] = []
    for text in texts:
        data, cut = _day(text, path)
        if not looks_like(data) and not (cut and not data):
            raise ChatError(path, NOT_SLACK)
        raws += data
        if cut:  # placed after the day's last whole message (its `ts`)
            raws.append(_Cut(max((_when(r.get("ts"))[1] or "" for r in data if isinstance(r, dict)), default=""), cut))
    raws.sort(key=_order)
    messages: list[Message] = []
    for raw in raws:
        if isinstance(raw, _Cut):
            messages.append(Message(len(messages), None, "", None, "", True, None, raw.note))
            continue
        messages += _records(raw, len(messages), users or {})
    return Chat(name, tuple(messages), "utc")


@dataclass(frozen=True)
class _Cut:
    """Where a day's file cut short ends."""

    iso: str  # the time of the day's last whole message ("" when none is whole)
    note: str


def _order(raw: Any) -> str:
    if isinstance(raw, _Cut):
        return raw.iso
    return _when(raw.get("ts"))[1] or "" if isinstance(raw, dict) else ""


def _day(text: str, path: str) -> tuple[Any, str]:
    """A day's messages, and for a file cut short (`json_cut`) its whole messages and a note saying where it ends."""
    try:
        return telegram.load_json(text, path), ""
    except ChatError:
        found = json_cut.salvage_array(text, allow_empty=True)
        if found is None or found.items and not looks_like(found.items):
            raise
        return found.items, found.note().replace("the export ends here", "this day's file ends here")


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    folder = PurePosixPath(path).parent.name
    return (parse_days([text], folder or PurePosixPath(path).stem, {}, path),)
