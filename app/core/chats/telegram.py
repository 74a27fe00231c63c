"""Telegram Desktop's JSON export: one chat (`result.json` with `messages`) or a full
export (`chats.list`, and `left_chats.list`), media in folders beside it.

A message is `{"id", "type": "message"|"service", "date": "2020-01-05T10:00:00",
"from", "from_id", "text": str | [str | {"type", "text"}], "photo" | "file",
"media_type", "file_name", ...}`. A file the export did not include is written
as "(File not included. ...)": kept as a missing attachment. Service messages
(group created, members added, calls...) are the app's own notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any

from app.core.chats import dates, json_cut
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.chats.senders import told_apart
from app.core.errors import ChatError

CONTAINER = "telegram-json"
NOT_TELEGRAM = "not a Telegram export (no `messages` or `chats.list`)"
_AUDIO_MEDIA = {"voice_message": "audio", "audio_file": "audio", "video_message": "video",
                "video_file": "video", "animation": "animation", "sticker": "sticker"}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_text(part.get("text", "")) if isinstance(part, dict) else _text(part)
                       for part in value)
    return ""


def _hidden_in_text(value: Any) -> list[str]:
    """What the text's entities hold that its words do not show: a link's address behind other
    words, the account a mention names."""
    parts = value if isinstance(value, list) else []
    notes = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        shown = _text(part.get("text", ""))
        if isinstance(part.get("href"), str) and part["href"] != shown:
            notes.append(f"link {shown!r} goes to {part['href']}")
        if part.get("user_id") is not None:
            notes.append(f"mention {shown!r} is user {part['user_id']}")
    return notes


def _attachment(raw: dict[str, Any]) -> Attachment | None:
    path = raw.get("photo") or raw.get("file") or raw.get("contact_vcard")  # a contact shared: its card
    if not isinstance(path, str) or not path:
        return None
    kind = "image" if raw.get("photo") else _AUDIO_MEDIA.get(str(raw.get("media_type")), "")
    name = raw.get("file_name") if isinstance(raw.get("file_name"), str) else None
    if path.startswith("(") or "not included" in path.lower():
        return Attachment(name, True, kind or kind_of(name), path, None)
    name = name or PurePosixPath(path).name
    return Attachment(name, False, kind or kind_of(path), path, path)


# What Telegram Desktop writes with each action (export_output_json.cpp), in the order said; the
# seconds are a call's length and a timer's period ("set messages ttl: 86400 s"), not counts.
SERVICE_DETAILS = ("title", "new_title", "members", "inviter", "duration_seconds", "duration", "discard_reason",
                   "period", "schedule_date", "emoticon", "score", "amount", "currency", "to", "distance", "boosts",
                   "months", "cost", "stars", "values", "information_text")
_SECONDS = {"duration_seconds", "duration", "period"}
_LABELLED = {"schedule_date": "scheduled for", "inviter": "invited by", "to": "near", "distance": "distance",
             "score": "score", "boosts": "boosts", "months": "months", "stars": "stars", "new_title": "new title"}


def _service_text(raw: dict[str, Any]) -> str:
    """"phone call: 35 s", "create group: Crew, Nina, Oleg", ... (a bare "35" read as a count)."""
    action = str(raw.get("action") or "service").replace("_", " ")
    details = [_detail(k, raw[k]) for k in SERVICE_DETAILS if raw.get(k) not in (None, "", [])]
    text = _text(raw.get("text"))
    return ": ".join(part for part in (action, ", ".join(details), text) if part)


def _detail(key: str, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join("(no name)" if v is None else str(v) for v in value)
    said = f"{value} s" if key in _SECONDS else str(value)
    return f"{_LABELLED[key]} {said}" if key in _LABELLED else said


def _notes(raw: dict[str, Any]) -> list[str]:
    """What the export says about a message besides its text: forwarded, reply, edited, location."""
    notes = []
    if raw.get("forwarded_from"):
        notes.append(f"forwarded from {raw['forwarded_from']}")
    if raw.get("saved_from"):  # a message saved to Saved Messages: the chat it came from
        notes.append(f"saved from {raw['saved_from']}")
    if raw.get("reply_to_message_id") is not None:
        notes.append(f"{REPLY_NOTE}{raw['reply_to_message_id']}")
    if raw.get("edited"):
        notes.append(f"edited {raw['edited']}")
    if raw.get("type") == "service" and raw.get("message_id") is not None:  # a message pinned
        notes.append(f"{PINNED_NOTE}{raw['message_id']}")
    if raw.get("sticker_emoji"):
        notes.append(f"sticker {raw['sticker_emoji']}")
    notes += _hidden_in_text(raw.get("text"))
    reactions = [_reaction(r) for r in raw.get("reactions") or [] if isinstance(r, dict)]
    if reactions:
        notes.append("reactions: " + ", ".join(reactions))
    place = raw.get("location_information")
    if isinstance(place, dict) and "latitude" in place:
        named = ", ".join(str(raw[k]) for k in ("place_name", "address") if raw.get(k))
        notes.append(f"location {place.get('latitude')}, {place.get('longitude')}" + (f" ({named})" if named else ""))
    if raw.get("live_location_period_seconds"):
        notes.append(f"live location for {raw['live_location_period_seconds']} s")
    if raw.get("self_destruct_period_seconds"):
        notes.append(f"self-destructing after {raw['self_destruct_period_seconds']} s")
    if raw.get("via_bot"):
        notes.append(f"sent via {raw['via_bot']}")
    if raw.get("author"):  # a channel's post (or an anonymous admin's) signed: the export's `author`
        notes.append(SIGNED_NOTE.format(author=raw["author"]))
    contact = raw.get("contact_information")
    if isinstance(contact, dict):
        notes.append("contact " + " ".join(str(v) for v in contact.values() if v))
    return notes


def _reaction(raw: dict[str, Any]) -> str:
    """"👍 2 (Anna, Ben)": the emoji (a custom one by its id), how many, who as far as the export says."""
    emoji = raw.get("emoji") or (f"custom emoji {raw['document_id']}" if raw.get("document_id") else "?")
    who = [_reactor(r) for r in raw.get("recent") or [] if isinstance(r, dict)]
    return f"{emoji} {raw.get('count', len(who))}" + (f" ({', '.join(who)})" if who else "")


def _reactor(raw: dict[str, Any]) -> str:
    """Who reacted: the name, or a deleted account as Telegram shows it with its id ("Deleted Account user42")."""
    sender, note = _sender(raw, "from", "")
    return f"{sender} {raw['from_id']}" if note else str(sender)


MAX_OFFSET = timedelta(hours=14)


def _with_offset(iso: str | None, unixtime: Any) -> str | None:
    """The local time the export writes with its UTC offset, taken from the moment it also writes
    (`date_unixtime`, exports since 2021): `2024-01-15T21:00:00+01:00`, as the HTML export says it;
    unchanged when the two do not give a whole quarter-hour offset a clock can have."""
    try:
        local = datetime.fromisoformat(iso) if iso else None
        utc = datetime.fromtimestamp(int(str(unixtime)), timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return iso
    if local is None or local.tzinfo is not None:
        return iso
    offset = local - utc
    if abs(offset) > MAX_OFFSET or offset % timedelta(minutes=15):
        return iso
    return local.replace(tzinfo=timezone(offset)).isoformat()


@dataclass(frozen=True)
class PollAnswer:
    words: str
    votes: int
    chosen: bool  # the answer the exporting account voted for


def poll_note(answers: list[PollAnswer], closed: bool) -> str:
    """A poll's answers with the votes each had, the exporting account's own vote and whether the poll was closed,
    as the export gives them: "poll (closed): Pub (2, this account's vote), Home (0)"."""
    said = [f"{a.words} ({a.votes}, this account's vote)" if a.chosen else f"{a.words} ({a.votes})" for a in answers]
    return ("poll (closed): " if closed else "poll: ") + ", ".join(said)


def _parser_note(index: int, note: str) -> Message:
    """What the export holds where a message or chat should be, said in its place (the rest is still read)."""
    return Message(index, None, "", None, "", True, None, note)


def _message(index: int, raw: Any) -> Message:
    if not isinstance(raw, dict):
        found = json.dumps(raw, ensure_ascii=False)[:200]
        return _parser_note(index, f"an entry of the export that is not a message, kept as found: {found}")
    written = str(raw.get("date") or "")
    iso = _with_offset(dates.iso_from_text(written), raw.get("date_unixtime")) if written else None
    notes = [] if iso or not written else ["date not in ISO 8601"]
    note = "; ".join(notes + _notes(raw))
    if raw.get("type") == "service":
        sender, note = _sender(raw, "actor", note)
        return Message(index, sender, written, iso, _service_text(raw),
                       True, _attachment(raw), note)  # a group's new photo, a profile photo suggested
    sender, note = _sender(raw, "from", note)
    text = _text(raw.get("text")).strip()
    poll = raw.get("poll")
    if isinstance(poll, dict) and not text:  # a poll's question is its text; the answers are said in the note
        text = str(poll.get("question") or "").strip()
        answers = [PollAnswer(str(a.get("text") or ""), a.get("voters") or 0, a.get("chosen") is True)
                   for a in poll.get("answers") or [] if isinstance(a, dict)]
        note = "; ".join(n for n in (note, poll_note(answers, poll.get("closed") is True)) if n)
    attachment = _attachment(raw)
    kind = str(raw.get("type") or "")
    if kind != "message" or not (text or attachment or note):  # never a blank row with nothing said of it
        said = UNKNOWN_TYPE_NOTE.format(kind=kind) if kind != "message" else EMPTY_NOTE
        unread = sorted(k for k in raw if k not in _PLAIN_FIELDS)
        said += f" (fields not read: {', '.join(unread)})" if unread else ""
        note = "; ".join(n for n in (note, said) if n)
    return Message(index, sender, written, iso, text, False, attachment, note)


DELETED_ACCOUNT = "Deleted Account"  # as Telegram shows an account deleted since (its name gone from the export)
DELETED_ACCOUNT_NOTE = ("the export names this sender only by the account id {id} (its name null): an account "
                        "deleted since, which Telegram shows as \"Deleted Account\"")


def _sender(raw: dict, key: str, note: str) -> tuple[str | None, str]:
    """The sender (`from`, or a service message's `actor`) and the note: a name the export writes as null beside
    a person's account id (`user…`) is a deleted account, named as Telegram shows it, its id kept in the note."""
    name, account = raw.get(key), raw.get(f"{key}_id")
    if name is None and key in raw and str(account).startswith("user"):  # a person's account, not a channel's
        said = DELETED_ACCOUNT_NOTE.format(id=account)
        return DELETED_ACCOUNT, "; ".join(n for n in (note, said) if n)
    sender = name or account
    return (str(sender) if sender else None), note


UNKNOWN_TYPE_NOTE = ("an entry of type {kind!r}, a kind this reader does not know: its time and sender kept, "
                     "nothing else read from it")
EMPTY_NOTE = "the export holds no words and no file for this message"
_PLAIN_FIELDS = frozenset({"id", "type", "date", "date_unixtime", "from", "from_id", "text", "text_entities",
                           "edited", "edited_unixtime"})
REPLY_NOTE = "reply to message id "
PINNED_NOTE = "pinned message id "
_REPLY_RE = re.compile(r"(reply to|pinned) message id (-?\d+)")


def replies_placed(messages: list[Message], ids: list[Any]) -> list[Message]:
    """A reply's note names the message it answers by its place in the chat (counted from 1, as a reader
    counts), sender and words ("reply to message 3 (Anna: where are you)"), where the export holds it; else
    by Telegram's id."""
    by_id = {str(i): m for i, m in zip(ids, messages) if i is not None}
    out = []
    for m in messages:
        found = _REPLY_RE.search(m.note)
        target = by_id.get(found.group(2)) if found else None
        if found and target is not None:
            words = " ".join(target.text.split())[:60] or (target.attachment.name if target.attachment else "") or \
                " ".join(target.note.split(";")[0].split())[:60]  # a location, a contact: said in its note
            said = f"{found.group(1)} message {target.index + 1} ({target.sender or 'no sender'}: {words})"
            m = replace(m, note=m.note[:found.start()] + said + m.note[found.end():])
        elif found:
            m = replace(m, note=m.note.replace(found.group(0), found.group(0) + " (not in this export)", 1))
        out.append(m)
    return out


def _chat(raw: Any, position: int) -> Chat:
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        name = str(raw.get("name") or raw.get("id") or "") if isinstance(raw, dict) else ""
        return Chat(name or f"chat {position}", (_parser_note(0, "this chat of the export has no list of messages"),), "")
    name = str(raw.get("name") or SAVED_MESSAGES.get(str(raw.get("type"))) or raw.get("id") or f"chat {position}")
    # two accounts shown under one name (two members called "Anna") are two senders
    messages = told_apart([_message(i, m) for i, m in enumerate(raw["messages"])], [_account(m) for m in raw["messages"]])
    messages = _unsigned(messages, name if str(raw.get("type") or "").endswith("channel") else None)
    ids = [m.get("id") if isinstance(m, dict) else None for m in raw["messages"]]
    return Chat(name, tuple(replies_placed(messages, ids)), "iso")


SIGNED_NOTE = "signed {author} (the post's signature)"
SAVED_MESSAGES = {"saved_messages": "Saved Messages"}  # the account's own notes: the export gives it no name
CHANNEL_POST_NOTE = "a channel's post: the export names no author, so the channel is given as its sender"
NO_SENDER_NOTE = "the export names no sender for this message"


def _unsigned(messages: list[Message], channel: str | None) -> list[Message]:
    """A message the export names no sender for: a channel's post is the channel's (said); elsewhere said."""
    out = []
    for m in messages:
        if m.sender is None and not m.system and (m.text or m.attachment):
            said = CHANNEL_POST_NOTE if channel else NO_SENDER_NOTE
            m = replace(m, sender=channel or None, note="; ".join(n for n in (m.note, said) if n))
        out.append(m)
    return out


def _account(raw: Any) -> str:
    """The account id of a message's sender (`from_id`) or a service message's actor (`actor_id`)."""
    if not isinstance(raw, dict):
        return ""
    return str(raw.get("actor_id" if raw.get("type") == "service" else "from_id") or "")


def chats_of(data: Any) -> tuple[Chat, ...]:
    """The chats of a parsed export; ValueError when its shape is not Telegram's."""
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return (_chat(data, 0),)
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        lists = [data["chats"].get("list")]
        if isinstance(data.get("left_chats"), dict):
            lists.append(data["left_chats"].get("list"))
        raw = [c for group in lists if isinstance(group, list) for c in group]
        return tuple(_chat(c, i) for i, c in enumerate(raw))
    raise ValueError("neither `messages` nor `chats.list` found")


def looks_like(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("messages"), list):
        return "name" in data or "type" in data or "id" in data
    return isinstance(data.get("chats"), dict) and "list" in data["chats"]


TOO_DEEP = "malformed JSON (nested too deeply to be read)"


def load_json(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChatError(path, f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:  # '[[[[...' nested deeper than Python's parser goes
        raise ChatError(path, TOO_DEEP) from None


def _cut_short(text: str, path: str) -> tuple[Chat, ...] | None:
    """A one-chat export cut short inside its message list: its whole messages, then a record saying where it
    ends (`json_cut`); None when the text is not that."""
    account = json_cut.salvage_account(text)
    if account is not None:
        return _account_cut_short(account)
    left = json_cut.salvage_left(text)  # its chats whole, cut among (or before) the chats it left
    if left is not None:
        chats = tuple(_chat(c, i) for i, c in enumerate(left.chats))
        if left.left is None:
            return (*chats[:-1], _ended(chats[-1], left.note))
        return (*chats, *_account_cut_short(left.left, len(chats)))
    found = json_cut.salvage(text)
    if found is None or not looks_like(found.chat):
        return None
    return (_ended(_chat(found.chat, 0), found.note()),)


def _ended(chat: Chat, note: str) -> Chat:
    """The chat with a last record, no sender, saying where the export was cut."""
    return replace(chat, messages=(*chat.messages, Message(len(chat.messages), None, "", None, "", True, None, note)))


def _account_cut_short(account: json_cut.SalvagedAccount, first: int = 0) -> tuple[Chat, ...]:
    chats = [_chat(c, first + i) for i, c in enumerate(account.chats)]
    if account.cut is not None:
        cut = _chat(account.cut.chat, first + len(chats))
        return (*chats, _ended(cut, account.cut.note() + "; no later chat is in it"))
    note = json_cut.AFTER_LAST_NOTE.format(at=account.at, size=account.size)
    return (*chats[:-1], _ended(chats[-1], note))


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    try:
        data = load_json(text, path)
    except ChatError:
        salvaged = _cut_short(text, path)
        if salvaged is None:
            raise
        return salvaged
    if not looks_like(data):
        raise ChatError(path, NOT_TELEGRAM)
    try:
        return chats_of(data)
    except (ValueError, TypeError) as exc:
        raise ChatError(path, f"not a readable Telegram export ({exc})") from None
