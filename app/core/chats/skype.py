"""Skype's own export ("Export your data" → Conversations): `messages.json`, every conversation of
the account in one file, its files (with "Files" asked for too) in `media/` beside it.

    {"userId": "8:live:anna", "exportDate": "2024-01-16T08:00",
     "conversations": [{"id": "8:live:bob", "displayName": "Bob",
       "MessageList": [{"id": "1705352700000", "displayName": "Bob", "from": "8:live:bob",
                        "originalarrivaltime": "2024-01-15T21:05:00.123Z", "messagetype": "RichText",
                        "content": "Hello &amp; welcome", "conversationid": "8:live:bob"}]}]}

A message's `content` is HTML-ish (entities, `<b>`, `<a>`, `<quote>`): its words are kept. A file is a
`<URIObject>` in the content (`RichText/Media_AudioMsg` a voice message, `RichText/UriObject` a photo,
`RichText/Media_Video`, `RichText/Media_GenericFile`), named by `<OriginalName v="..."/>` and by its
document id (`0-weu-d1-...` in `uri`): looked for in `media/` as `<document id>.1.<ext>` or by its
name, else said missing. `Event/Call`, `ThreadActivity/...` and the like are the app's notes. Times are
UTC (`Z`). The list is newest first: read oldest first.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from app.core.chats import json_cut, telegram
from app.core.chats.dates import iso_from_text
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.errors import ChatError

CONTAINER = "skype-json"
NOT_SKYPE = "not a Skype export (no `conversations` with a `MessageList`)"
_MEDIA_KINDS = {"Media_AudioMsg": "audio", "Media_Video": "video", "UriObject": "image", "Media_Album": "image",
                "Media_GenericFile": "document", "Media_CallRecording": "video", "Media_Card": "other"}
_URI_RE = re.compile(r"<URIObject\b(?P<attrs>[^>]*)>(?P<body>.*?)</URIObject>", re.DOTALL | re.IGNORECASE)
_ATTR_RE = re.compile(r'(\w+)="([^"]*)"')
_ORIGINAL_RE = re.compile(r'<OriginalName\s+v="(?P<name>[^"]*)"', re.IGNORECASE)
_DOC_RE = re.compile(r"/objects/(?P<doc>[^/\"?]+)")
_TAG_RE = re.compile(r"<[^>]+>")
_QUOTE_RE = re.compile(r"<quote\b[^>]*>(?P<quoted>.*?)</quote>", re.DOTALL | re.IGNORECASE)
_TEXT_TYPES = ("Text", "RichText", "RichText/Html")


def looks_like(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        return False
    return any(isinstance(c, dict) and isinstance(c.get("MessageList"), list) for c in data["conversations"])


def looks_like_text(text: str) -> bool:
    head = text[:65536].lstrip("\ufeff \t\r\n")
    return head.startswith("{") and '"conversations"' in head and '"MessageList"' in head


def _words(content: str) -> str:
    """The words of a message's content: tags dropped, entities decoded."""
    return html.unescape(_TAG_RE.sub("", content.replace("<br>", "\n").replace("<br/>", "\n"))).strip()


def _attachment(kind_name: str, content: str) -> Attachment | None:
    found = _URI_RE.search(content)
    if found is None:
        return None
    attrs = dict(_ATTR_RE.findall(found["attrs"]))
    original = _ORIGINAL_RE.search(found["body"])
    name = html.unescape(original["name"]) if original else ""
    doc = _DOC_RE.search(attrs.get("uri", ""))
    suffix = PurePosixPath(name).suffix or {"audio": ".m4a", "video": ".mp4", "image": ".jpg"}.get(kind_name, "")
    kind = kind_name if kind_name != "document" else kind_of(name)
    if doc is None and not name:
        return Attachment(None, True, kind, found[0][:300], None)
    exported = f"{doc['doc']}.1{suffix}" if doc else name
    return Attachment(name or exported, False, kind, found[0][:300], f"media/{exported}")


_CALL_RE = re.compile(r'<partlist\s+type="(?P<type>[^"]*)"', re.IGNORECASE)
_DURATION_RE = re.compile(r"<duration>(?P<seconds>[\d.]+)</duration>", re.IGNORECASE)


def _call(content: str) -> str:
    """`call ended, 12 s` from a call's part list."""
    kind = _CALL_RE.search(content)
    duration = _DURATION_RE.search(content)
    said = f"call {kind['type']}" if kind else "call"
    return f"{said}, {duration['seconds']} s" if duration else said


def _record(raw: Any, index: int) -> Message:
    if not isinstance(raw, dict):
        return Message(index, None, "", None, "", True, None, f"an entry of the export that is not a message: {raw!r}"[:200])
    written = str(raw.get("originalarrivaltime") or "")
    iso = iso_from_text(written.replace("Z", "+00:00")) if written else None
    kind = str(raw.get("messagetype") or "")
    content = str(raw.get("content") or "")
    sender = str(raw.get("displayName") or raw.get("from") or "") or None
    if sender and raw.get("from") and raw.get("from") != sender:
        sender = f"{sender} ({raw['from']})"
    notes = [] if iso or not written else [f"time written as {written!r}, not read"]
    quote = _QUOTE_RE.search(content)
    if quote:
        notes.append(f"quotes: {_words(quote['quoted'])[:200]}")
        content = content[: quote.start()] + content[quote.end():]
    if isinstance(raw.get("properties"), dict) and raw["properties"].get("edittime"):
        notes.append(f"edited ({raw['properties']['edittime']})")
    media = next((k for key, k in _MEDIA_KINDS.items() if kind.endswith(key)), None)
    attachment = _attachment(media, content) if media else None
    if attachment is not None:
        words = _words(_URI_RE.sub("", content))
        return Message(index, sender, written, iso, words if not words.startswith("To view this") else "", False,
                       attachment, "; ".join(notes))
    system = kind not in _TEXT_TYPES
    text = _call(content) if kind == "Event/Call" else _words(content)
    if system:
        notes.append(f"the app's note ({kind or 'no type'})")
    return Message(index, sender, written, iso, text, system, None, "; ".join(notes))


def _chat(raw: Any, stem: str) -> Chat:
    if not isinstance(raw, dict):
        return Chat(stem, (), "utc")
    entries = [m for m in raw.get("MessageList") or []]
    entries.sort(key=lambda m: str(m.get("originalarrivaltime") or "") if isinstance(m, dict) else "")
    name = str(raw.get("displayName") or raw.get("id") or stem)
    return Chat(name, tuple(_record(m, i) for i, m in enumerate(entries)), "utc")


_CONVERSATIONS = re.compile(r'"conversations"\s*:\s*\[')


def _ended(chat: Chat, note: str) -> Chat:
    return replace(chat, messages=(*chat.messages, Message(len(chat.messages), None, "", None, "", True, None, note)))


def _cut_short(text: str, path: str) -> tuple[Chat, ...] | None:
    """An export cut short inside its conversations: those written whole, the cut one's whole messages, then a
    record saying where it ends (`json_cut`); None when the text is not that."""
    found = json_cut.salvage_account(text, _CONVERSATIONS, "MessageList")
    if found is None:
        return None
    stem = PurePosixPath(path).stem
    chats = [_chat(c, stem) for c in found.chats if isinstance(c, dict) and c.get("MessageList")]
    if found.cut is not None:
        return (*chats, _ended(_chat(found.cut.chat, stem), found.cut.note() + "; no later conversation is in it"))
    note = json_cut.AFTER_LAST_NOTE.format(at=found.at, size=found.size)
    return (*chats[:-1], _ended(chats[-1], note)) if chats else None


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    try:
        data = telegram.load_json(text, path)
    except ChatError:
        cut = _cut_short(text, path)
        if cut is None:
            raise
        return cut
    if not looks_like(data):
        raise ChatError(path, NOT_SKYPE)
    stem = PurePosixPath(path).stem
    chats = tuple(_chat(c, stem) for c in data["conversations"]
                  if isinstance(c, dict) and isinstance(c.get("MessageList"), list) and c["MessageList"])
    if not chats:
        raise ChatError(path, "a Skype export holding no message")
    return chats


_DOC_FILE_RE = re.compile(r"^\d-[a-z]+-[a-z0-9]+-[0-9a-f]{16,}\.1\.\w+$")


def media_match(wanted: str, rels: list[str]) -> list[str]:
    """The file the export's `media/` holds for a document (`<document id>.1.<ext>`) whatever extension
    it was written with (a voice message named `.m4a` may lie there as `.mp4` or `.amr`)."""
    name = PurePosixPath(wanted).name
    if not _DOC_FILE_RE.match(name):
        return []
    stem = name.rsplit(".", 1)[0] + "."
    return [rel for rel in rels if PurePosixPath(rel).name.startswith(stem) and not rel.endswith(".json")]


def is_chat_file(relative: str) -> bool:
    """A file of the export's `media/` folder (its `.json` descriptions aside)."""
    path = PurePosixPath(relative)
    return path.parent.name == "media" and path.suffix.lower() != ".json"
