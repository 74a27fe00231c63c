"""Facebook Messenger's and Instagram's JSON export ("Download your information"): one folder per
chat (`messages/inbox/anna_10158123/`, below `your_facebook_activity/` or
`your_instagram_activity/` in newer exports) holding `message_1.json`, `message_2.json`, ... and the
chat's files in `audio/`, `photos/`, `videos/`, `gifs/`, `files/`.

    {"participants": [{"name": "Anna M\u00c3\u00bcller"}], "title": "...", "thread_path": "inbox/anna_10158123",
     "messages": [{"sender_name": "...", "timestamp_ms": 1709287953000, "content": "...",
                   "audio_files": [{"uri": "messages/inbox/anna_10158123/audio/audioclip1.mp4"}], ...}]}

Every string is written as UTF-8 bytes read as Latin-1 ("M\u00c3\u00bcller" for "Müller"): each is
decoded back. Messages are listed newest first, split over the files (message_1.json the newest):
they are read in time order. A time is milliseconds since 1970 in UTC, said as such (`+00:00`).
An audio clip is a voice note whatever its file's extension (Messenger writes `.mp4`). A message
with several files gives one record per file, the text with the first. Reactions, a link shared, a
message taken back and a call are said in the note.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from app.core.chats import json_cut, same_names, telegram
from app.core.chats.meta_notes import app_words_note, is_app_note, settle_bare_you
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.errors import ChatError

CONTAINER = "messenger-json"
INSTAGRAM = "instagram-json"
MEDIA_FOLDERS = frozenset({"audio", "photos", "videos", "gifs", "files", "stickers_used",
                           "media"})  # media/<uuid>.jpeg: an end-to-end encrypted chat's files
PAGE_RE = re.compile(r"^message_(\d+)\.json$")
_KINDS = (("audio_files", "audio"), ("videos", "video"), ("photos", "image"), ("gifs", "animation"), ("files", ""))
SYSTEM_TYPES = frozenset({"Call", "Subscribe", "Unsubscribe", "Placeholder"})
NOT_META = "not a Messenger or Instagram chat (no `participants` and `messages` stamped in ms)"


def fixed(value: Any) -> Any:
    """A string as it was meant (UTF-8 bytes stored as Latin-1 characters, decoded); lists and
    objects throughout; a string that is no such thing is kept as it is."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, list):
        return [fixed(v) for v in value]
    if isinstance(value, dict):
        return {k: fixed(v) for k, v in value.items()}
    return value


def looks_like(data: Any) -> bool:
    """A chat of Messenger's or Instagram's export: participants, and messages stamped in ms."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return False
    if not isinstance(data.get("participants"), list):
        return False
    first = next((m for m in data["messages"] if isinstance(m, dict)), None)
    return first is None or "timestamp_ms" in first or is_e2ee(data)


def is_e2ee(data: Any) -> bool:
    """Messenger's end-to-end encrypted chats' download (since 2024): `threadName`, and camelCase
    messages (`senderName`, `timestamp` in ms, `text`, `media[{uri}]`, `isUnsent`)."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return False
    first = next((m for m in data["messages"] if isinstance(m, dict)), None)
    return ("threadName" in data and first is None) or (
        first is not None and "senderName" in first and "timestamp" in first and "timestamp_ms" not in first)


_E2EE_KINDS = {"audio": "audio_files", "video": "videos", "image": "photos", "animation": "gifs"}


def _classic_message(raw: Any) -> Any:
    """An end-to-end encrypted chat's message in the shape of the older download's."""
    if not isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {"sender_name": raw.get("senderName"), "timestamp_ms": raw.get("timestamp"),
                           "content": raw.get("text") or "", "reactions": raw.get("reactions") or [],
                           "is_unsent": bool(raw.get("isUnsent"))}
    if raw.get("type") == "placeholder":  # the app's words where a message cannot be shown
        out["type"] = "Placeholder"
    for item in raw.get("media") or []:
        uri = item.get("uri") if isinstance(item, dict) else None
        if isinstance(uri, str) and uri:
            uri = uri.removeprefix("./")
            out.setdefault(_E2EE_KINDS.get(kind_of(uri), "files"), []).append({"uri": uri})
    return out


def classic(data: dict[str, Any]) -> dict[str, Any]:
    """An end-to-end encrypted chat's download read as the older one is (its title its `threadName`)."""
    return {"title": data.get("threadName") or "", "participants": data.get("participants"),
            "messages": [_classic_message(m) for m in data["messages"]]}


def is_instagram(data: dict[str, Any], path: str = "") -> bool:
    uris = " ".join(a.get("uri", "") for m in data.get("messages", [])[:200] if isinstance(m, dict)
                    for key, _ in _KINDS for a in (m.get(key) or []) if isinstance(a, dict))
    return "instagram" in f"{path} {uris}".lower()


def _iso(ms: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _attachments(raw: dict[str, Any]) -> list[Attachment]:
    out = []
    for key, kind in _KINDS:
        for item in raw.get(key) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and uri:
                out.append(Attachment(PurePosixPath(uri).name, False, kind or kind_of(uri), uri, uri))
    sticker = raw.get("sticker")
    if isinstance(sticker, dict) and isinstance(sticker.get("uri"), str):
        out.append(Attachment(PurePosixPath(sticker["uri"]).name, False, "sticker", sticker["uri"], sticker["uri"]))
    return out


def _notes(raw: dict[str, Any]) -> list[str]:
    notes = []
    share = raw.get("share")
    if isinstance(share, dict) and (share.get("link") or share.get("share_text")):
        owner = f" (posted by {share['original_content_owner']})" if share.get("original_content_owner") else ""
        words = f": {' '.join(str(share['share_text']).split())}" if share.get("share_text") else ""
        notes.append(f"link shared: {share.get('link') or 'no address'}{owner}{words}")  # a post's caption too
    if raw.get("is_unsent"):
        notes.append("taken back by the sender (unsent)")
    if raw.get("call_duration") is not None:
        notes.append(f"call: {raw['call_duration']} s")
    reactions = [f"{r.get('reaction', '')} {r.get('actor', '')}".strip() for r in raw.get("reactions") or []
                 if isinstance(r, dict)]
    if reactions:
        notes.append("reactions: " + ", ".join(reactions))
    return notes


def _records(raw: Any, index: int) -> list[Message]:
    if not isinstance(raw, dict):
        return [Message(index, None, "", None, "", True, None, f"an entry of the export that is not a message: {raw!r}"[:200])]
    written = str(raw.get("timestamp_ms", ""))
    iso = _iso(raw.get("timestamp_ms"))
    sender = raw.get("sender_name") if isinstance(raw.get("sender_name"), str) else None
    text = str(raw.get("content") or "").strip()
    system = raw.get("type") in SYSTEM_TYPES or raw.get("call_duration") is not None
    said = "" if system else app_words_note(text, sender)  # "Anna sent an attachment.": the app's words, not hers
    note = "; ".join(([] if iso else ["no readable time"]) + _notes(raw) + ([said] if said else []))
    system = system or is_app_note(said)
    attachments: list[Attachment | None] = list(_attachments(raw)) or [None]
    return [Message(index + i, sender, written, iso, text if i == 0 else "", system, a, note)
            for i, a in enumerate(attachments)]


def _stamp(raw: Any) -> int:
    try:
        return int(raw.get("timestamp_ms")) if isinstance(raw, dict) else 0
    except (TypeError, ValueError):
        return 0


def parse_pages(pages: list[Any], name: str = "") -> Chat:
    """One chat from its files' parsed JSON (message_1.json, message_2.json, ...), in time order."""
    listed = [m for page in pages for m in page.get("messages", [])]
    oldest_first = list(reversed(listed))  # listed newest first: the same moment keeps its order
    in_order = sorted(oldest_first, key=_stamp)
    messages: list[Message] = []
    for raw in in_order:
        messages += _records(raw, len(messages))
    # a file cut short lost its oldest messages (Meta lists the newest first): said first, before what is read
    cuts = [Message(0, None, "", None, "", True, None, str(p[CUT_KEY])) for p in pages if p.get(CUT_KEY)]
    if cuts:
        messages = [replace(m, index=i) for i, m in enumerate([*cuts, *messages])]
    title = next((p.get("title") for p in pages if isinstance(p.get("title"), str) and p.get("title")), "") or name
    messages = same_names.told_apart_by_participants(settle_bare_you(messages), _participants(pages))
    return Chat(title, tuple(messages), "utc")


def _participants(pages: list[Any]) -> list[str]:
    """The names of the chat's participants list (its first page's that has one)."""
    listed = next((p["participants"] for p in pages if isinstance(p.get("participants"), list) and p["participants"]), [])
    names = [p.get("name") if isinstance(p, dict) else p for p in listed]  # the encrypted chats' download: names
    return [n for n in names if isinstance(n, str)]


def is_chat_file(relative: str) -> bool:
    """A file of a chat's own folders (audio/, photos/, ...), not the pages themselves."""
    return PurePosixPath(relative).parent.name in MEDIA_FOLDERS


def looks_like_text(text: str) -> bool:
    """Cheaply, before parsing: a JSON text with the keys of Messenger's and Instagram's chats."""
    head = text[:65536]
    return head.lstrip("\ufeff \t\r\n").startswith("{") and '"participants"' in head and (
        '"timestamp_ms"' in head or '"messages": []' in head or ('"senderName"' in head and '"timestamp"' in head))


def load(text: str, path: str) -> dict[str, Any]:
    """One file of a chat, parsed and its strings decoded; ChatError when it is none."""
    try:
        data = telegram.load_json(text, path)
    except ChatError:  # a file cut short inside its message list: its whole messages, the cut said (`json_cut`)
        found = json_cut.salvage(text)
        if found is None or not looks_like(found.chat):
            raise
        data = {**found.chat, CUT_KEY: found.note(json_cut.NEWEST_FIRST_NOTE)}
    if not looks_like(data):
        raise ChatError(path, NOT_META)
    return fixed(classic(data) if is_e2ee(data) else data)


CUT_KEY = "parley cut short"  # on a page read from a file cut short: what its record says


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    return (parse_pages([load(text, path)], PurePosixPath(path).parent.name or PurePosixPath(path).stem),)


def container_of(pages: list[dict[str, Any]], path: str = "") -> str:
    return INSTAGRAM if any(is_instagram(p, path) for p in pages) else CONTAINER
