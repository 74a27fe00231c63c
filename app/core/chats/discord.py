"""Discord channels and direct messages as DiscordChatExporter writes them in JSON (one file per
channel; with "download assets" on, the files in a folder beside it, `<file>.json_Files/`).

    {"guild": {"id": "0", "name": "Direct Messages"},
     "channel": {"id": "...", "type": "DirectTextChat", "category": "Private", "name": "anna"},
     "messages": [{"id": "...", "type": "Default", "timestamp": "2024-01-15T21:05:00.123+01:00",
                   "timestampEdited": null, "content": "...", "author": {"name": "anna", "nickname": "Anna"},
                   "attachments": [{"url": "dm.json_Files\\voice-message-1A2B3.ogg",
                                    "fileName": "voice-message.ogg", "fileSizeBytes": 12345}],
                   "reactions": [...], "reference": {"messageId": "..."}}]}

An attachment's `url` is the downloaded file's path from the JSON's folder (Windows writes it with
backslashes; outside the export folder an absolute path), or Discord's own web address when the
assets were not downloaded: then the file is not in the export, said missing. A voice message is
`voice-message.ogg`: transcribed in its place. Times carry the exporting computer's offset, kept.
A call, a member added, a pin... (DiscordChatExporter's system notifications) is the app's note. A
forwarded message's words and files are in `forwardedMessage`: read as the message's, said forwarded.
A message with several files gives one record per file, the text with the first. An edit, a reply,
a pin, reactions and stickers are said in the note. A file in the export's `_Files` folder that the
JSON names nowhere (not a message's, not an avatar) is kept as a note, never dropped.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from app.core.chats import dates, json_cut, telegram
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.chats.senders import told_apart
from app.core.errors import ChatError

CONTAINER = "discord-json"
NOT_DISCORD = "not a DiscordChatExporter export (no `guild`, `channel` and `messages`)"
# The app's own notes (DiscordChatExporter's system notifications); any other type (Default, Reply,
# a bot's command reply...) is the sender's.
SYSTEM_TYPES = frozenset({"RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange", "ChannelIconChange",
                          "ChannelPinnedMessage", "GuildMemberJoin", "ThreadCreated"})
_TYPE_WORDS = {"RecipientAdd": "member added", "RecipientRemove": "member removed", "Call": "call",
               "ChannelNameChange": "channel name changed", "ChannelIconChange": "channel icon changed",
               "ChannelPinnedMessage": "message pinned", "GuildMemberJoin": "joined the server",
               "ThreadCreated": "thread created"}


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("guild"), dict) and \
        isinstance(data.get("channel"), dict) and isinstance(data.get("messages"), list)


def looks_like_text(text: str) -> bool:
    """Cheaply, before parsing: a JSON text opening with DiscordChatExporter's keys."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    return head.startswith("{") and '"guild"' in head and '"channel"' in head


def _sender(author: Any) -> str | None:
    if not isinstance(author, dict):
        return None
    name = author.get("name") if isinstance(author.get("name"), str) else None
    tag = str(author.get("discriminator") or "")
    if name and tag.strip("0"):  # an account of before 2023: its name is its name and tag ("anna#1234")
        name = f"{name}#{tag}"
    nickname = author.get("nickname") if isinstance(author.get("nickname"), str) else None
    if nickname and name and nickname != name:
        return f"{nickname} ({name})"  # the name shown, and the account's own (stable) name
    return nickname or name


def local_path(url: str) -> str | None:
    """The file's path as the export names it (forward slashes), or None for a web address."""
    if not url or urlsplit(url).scheme in ("http", "https"):
        return None
    if "\\" in url or PureWindowsPath(url).drive:
        parts = PureWindowsPath(url).parts
        path = "/".join(p for p in parts if not PureWindowsPath(p).drive and p not in ("\\", "/"))
    else:
        path = url
    return path if "%" not in path else unquote(path)


def _attachment(raw: Any) -> Attachment | None:
    if not isinstance(raw, dict):
        return None
    url = raw.get("url") if isinstance(raw.get("url"), str) else ""
    name = raw.get("fileName") if isinstance(raw.get("fileName"), str) and raw.get("fileName") else None
    path = local_path(url)
    if path is None:  # not downloaded: the web address is all the export holds
        name = name or PurePosixPath(urlsplit(url).path).name or None
        return Attachment(name, True, kind_of(name), url, None)
    if PurePosixPath(path).is_absolute() or PureWindowsPath(url).drive:
        path = PurePosixPath(path).name  # outside the export folder: looked for by its name
    return Attachment(name or PurePosixPath(path).name, False, kind_of(name or path), url, path)


def attachment(url: str) -> Attachment:
    """A file as a text export names it: its path (or web address) alone."""
    return _attachment({"url": url}) or Attachment(None, True, "other", url, None)


def _notes(raw: dict[str, Any]) -> list[str]:
    notes = []
    if raw.get("timestampEdited"):
        notes.append(f"edited {raw['timestampEdited']}")
    reference = raw.get("reference")
    forwarded = raw.get("forwardedMessage")
    if isinstance(forwarded, dict):
        notes.append(f"forwarded (first sent {forwarded.get('timestamp') or 'at a time not given'})")
    elif isinstance(reference, dict) and reference.get("messageId"):
        notes.append(f"a reply to message {reference['messageId']}")
    if raw.get("isPinned"):
        notes.append("pinned")
    if raw.get("callEndedTimestamp"):
        notes.append(f"call ended {raw['callEndedTimestamp']}")
    stickers = [str(s.get("name")) for s in raw.get("stickers") or [] if isinstance(s, dict) and s.get("name")]
    if stickers:
        notes.append("sticker: " + ", ".join(stickers))
    reactions = [f"{(r.get('emoji') or {}).get('name', '')} x{r.get('count', 1)}" for r in raw.get("reactions") or []
                 if isinstance(r, dict) and isinstance(r.get("emoji"), dict)]
    if reactions:
        notes.append("reactions: " + ", ".join(reactions))
    return notes


def _records(raw: Any, index: int) -> list[Message]:
    if not isinstance(raw, dict):
        return [Message(index, None, "", None, "", True, None, f"an entry of the export that is not a message: {raw!r}"[:200])]
    written = str(raw.get("timestamp") or "")
    iso = dates.iso_from_text(written) if written else None
    kind = str(raw.get("type") or "Default")
    system = kind in SYSTEM_TYPES
    forwarded = raw.get("forwardedMessage") if isinstance(raw.get("forwardedMessage"), dict) else {}
    text = "\n".join(t for t in (str(raw.get("content") or "").strip(), str(forwarded.get("content") or "").strip()) if t)
    if system and not text:
        text = _TYPE_WORDS.get(kind, kind)
    note = "; ".join(([] if iso else ["no readable time"]) + _notes(raw))
    files = [*(raw.get("attachments") or []), *(forwarded.get("attachments") or [])]  # a forward's are its own
    attachments: list[Attachment | None] = [a for a in map(_attachment, files) if a] or [None]
    return [Message(index + i, _sender(raw.get("author")), written, iso, text if i == 0 else "", system, a, note)
            for i, a in enumerate(attachments)]


def _name(data: dict[str, Any], fallback: str) -> str:
    channel = data["channel"].get("name") if isinstance(data["channel"].get("name"), str) else ""
    guild = data["guild"].get("name") if isinstance(data["guild"].get("name"), str) else ""
    if not channel:
        return fallback
    if str(data["guild"].get("id")) == "0" or guild == "Direct Messages":
        return channel
    return f"{guild} #{channel}" if guild else f"#{channel}"


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    data, cut = json_cut.load_or_salvage(text, path, telegram.load_json, looks_like)
    if not looks_like(data):
        raise ChatError(path, NOT_DISCORD)
    messages: list[Message] = []
    accounts: list[str] = []
    for raw in data["messages"]:
        records = _records(raw, len(messages))
        messages += records
        accounts += [_account(raw)] * len(records)
    messages = told_apart(messages, accounts)  # two "Deleted User"s, two members shown under one name
    if cut:  # the file cut short inside its message list: where it ends said
        messages.append(Message(len(messages), None, "", None, "", True, None, cut))
    return (Chat(_name(data, PurePosixPath(path).stem), tuple(messages), "iso"),)


def _account(raw: Any) -> str:
    author = raw.get("author") if isinstance(raw, dict) else None
    return str(author.get("id") or "") if isinstance(author, dict) else ""


def is_asset(relative: str, chat_file: str = "", beside: frozenset[str] = frozenset()) -> bool:
    """A file in the folder DiscordChatExporter downloads a channel's files into (`dm.json_Files/`),
    not in another channel's of the same folder (`other.json_Files/` beside `other.json`)."""
    parts = PurePosixPath(relative).parts
    if len(parts) < 2 or not parts[0].lower().endswith("_files"):
        return False
    owner = parts[0][: -len("_Files")]
    return owner == chat_file or owner not in beside


def named_anywhere(text: str, relative: str) -> bool:
    """The JSON names this file somewhere (a message's, an avatar, a server icon, an emoji)."""
    name = PurePosixPath(relative).name
    return any(form in text for form in (name, json.dumps(name)[1:-1], quote(name)))
