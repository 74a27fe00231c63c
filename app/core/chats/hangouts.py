"""Google Hangouts from Google Takeout (`Takeout/Hangouts/Hangouts.json`): every conversation of the account.

    {"conversations": [{"conversation": {"conversation_id": {"id": "Ugx..."}, "conversation": {
         "type": "GROUP", "name": "Depot crew",
         "participant_data": [{"id": {"gaia_id": "111"}, "fallback_name": "Anna Smith"}]}},
       "events": [{"sender_id": {"gaia_id": "111"}, "timestamp": "1420070400000000",
                   "event_type": "REGULAR_CHAT_MESSAGE",
                   "chat_message": {"message_content": {"segment": [{"type": "TEXT", "text": "hi"}],
                                                        "attachment": [{"embed_item": {"plus_photo": {...}}}]}}}]}]}

Takeouts before 2018 wrote `conversation_state` (each with its `conversation` and `event` list): read too.
A time is microseconds since 1970 in UTC (`+00:00`). The sender is the name the conversation lists for the
account (two accounts of one name told apart by their ids), else the id. A photo or video is a web address:
found beside the JSON by the name it ends with, else a missing attachment with its address; a picture or
recording beside the JSON that no message names is kept as a note. Calls, renames and members joining or leaving
are the app's notes; an event of another kind is kept as the app's note naming its kind.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from app.core.chats import json_cut, telegram
from app.core.chats.records import Attachment, Chat, Message
from app.core.errors import ChatError

CONTAINER = "hangouts-json"
NOT_HANGOUTS = "not a Hangouts export (no `conversations` with `events`)"


def looks_like_text(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff \t\r\n")
    return head.startswith("{") and ('"conversations"' in head or '"conversation_state"' in head) \
        and ('"participant_data"' in text[:262144] or '"event_type"' in text[:262144])


def _iso(micro: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(micro) / 1_000_000, tz=timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _conversations(data: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    """(conversation, events) for each conversation of the export, old layout or new."""
    if isinstance(data, dict) and isinstance(data.get("conversations"), list):
        out = []
        for c in data["conversations"]:
            if isinstance(c, dict):
                head = c.get("conversation") if isinstance(c.get("conversation"), dict) else {}
                inner = head.get("conversation") if isinstance(head.get("conversation"), dict) else head
                out.append((inner, c.get("events") if isinstance(c.get("events"), list) else []))
        return out
    if isinstance(data, dict) and isinstance(data.get("conversation_state"), list):
        out = []
        for c in data["conversation_state"]:
            state = c.get("conversation_state") if isinstance(c, dict) else None
            if isinstance(state, dict):
                inner = state.get("conversation") if isinstance(state.get("conversation"), dict) else {}
                out.append((inner, state.get("event") if isinstance(state.get("event"), list) else []))
        return out
    raise ValueError("neither `conversations` nor `conversation_state` found")


def _people(conversation: dict[str, Any]) -> dict[str, str]:
    """Account id -> the name shown; a name two accounts bear is written with the id."""
    named: dict[str, str] = {}
    for p in conversation.get("participant_data") or []:
        if isinstance(p, dict) and isinstance(p.get("id"), dict) and p["id"].get("gaia_id"):
            named[str(p["id"]["gaia_id"])] = str(p.get("fallback_name") or "")
    counts: dict[str, int] = {}
    for name in named.values():
        counts[name] = counts.get(name, 0) + 1
    return {gaia: (f"{name} ({gaia})" if counts[name] > 1 else name) if name else gaia for gaia, name in named.items()}


def _text(content: dict[str, Any]) -> tuple[str, list[str]]:
    words, notes = [], []
    for seg in content.get("segment") or []:
        if not isinstance(seg, dict):
            continue
        text = str(seg.get("text") or "")
        words.append("\n" if seg.get("type") == "LINE_BREAK" else text)
        target = (seg.get("link_data") or {}).get("link_target") if isinstance(seg.get("link_data"), dict) else None
        if target and target != text:
            notes.append(f"link {text!r} goes to {target}")
    return "".join(words).strip(), notes


def _attachments(content: dict[str, Any]) -> list[Attachment]:
    out = []
    for item in content.get("attachment") or []:
        embed = item.get("embed_item") if isinstance(item, dict) else None
        if not isinstance(embed, dict):
            continue
        photo = embed.get("plus_photo") if isinstance(embed.get("plus_photo"), dict) else {}
        address = str(photo.get("original_content_url") or photo.get("url") or "")
        kind = {"VIDEO": "video", "ANIMATED_PHOTO": "animation"}.get(str(photo.get("media_type")), "image")
        name = PurePosixPath(urlsplit(address).path).name or None  # looked for beside by this name, else missing
        out.append(Attachment(name, name is None, kind, address or "/".join(embed.get("type") or []), None))
    return out


def _event_note(event: dict[str, Any], people: dict[str, str]) -> str:
    kind = str(event.get("event_type") or "")
    if isinstance(event.get("hangout_event"), dict):
        call = event["hangout_event"]
        length = f", {call['hangout_duration_secs']} s" if call.get("hangout_duration_secs") else ""
        return f"call {str(call.get('event_type') or '').lower().replace('_', ' ')}{length}".strip()
    if isinstance(event.get("conversation_rename"), dict):
        return f"conversation renamed to {event['conversation_rename'].get('new_name')!r}"
    change = event.get("membership_change")
    if isinstance(change, dict):
        who = [people.get(str(p.get("gaia_id")), str(p.get("gaia_id"))) for p in change.get("participant_id") or []
               if isinstance(p, dict)]
        return f"{', '.join(who) or 'a member'} {'left' if change.get('type') == 'LEAVE' else 'joined'}"
    return f"the app's note ({kind.lower() or 'an event of no kind'})"


def _records(event: Any, index: int, people: dict[str, str]) -> list[Message]:
    if not isinstance(event, dict):
        return [Message(index, None, "", None, "", True, None, f"an entry that is not an event: {event!r}"[:200])]
    gaia = str((event.get("sender_id") or {}).get("gaia_id") or "") if isinstance(event.get("sender_id"), dict) else ""
    sender = people.get(gaia, gaia) or None
    written = str(event.get("timestamp") or "")
    iso = _iso(written)
    notes = [] if iso else [f"time written as {written!r}, not read"]
    message = event.get("chat_message") if isinstance(event.get("chat_message"), dict) else None
    if message is None:
        return [Message(index, sender, iso or written, iso, _event_note(event, people), True, None, "; ".join(notes))]
    content = message.get("message_content") if isinstance(message.get("message_content"), dict) else {}
    text, said = _text(content)
    note = "; ".join(notes + said)
    files = _attachments(content) or [None]
    return [Message(index + i, sender, iso or written, iso, text if i == 0 else "", False, f, note)
            for i, f in enumerate(files)]


def _chat(conversation: dict[str, Any], events: list[Any], position: int) -> Chat:
    people = _people(conversation)
    ordered = sorted(events, key=lambda e: int(e.get("timestamp") or 0) if isinstance(e, dict)
                     and str(e.get("timestamp") or "").isdigit() else 0)
    messages: list[Message] = []
    for event in ordered:
        messages += _records(event, len(messages), people)
    name = str(conversation.get("name") or "") or " & ".join(sorted(v for v in people.values() if v)) \
        or str((conversation.get("id") or {}).get("id") or f"conversation {position}")
    return Chat(name, tuple(messages), "utc")


def _cut_short(text: str) -> tuple[Chat, ...] | None:
    """A Hangouts.json cut short inside its list of conversations: those written whole, the cut one's whole
    events, and a record saying where the file ends (`json_cut`); None when the text is not that."""
    account = json_cut.salvage_account(text, json_cut.CONVERSATIONS_LIST, "events")
    if account is None:
        return None
    whole = [c for c in account.chats + ([account.cut.chat] if account.cut else []) if isinstance(c, dict)]
    chats = [_chat(c, events, i) for i, (c, events) in enumerate(_conversations({"conversations": whole}))]
    if not chats:
        return None
    note = (account.cut.note() + "; no later conversation is in it") if account.cut else \
        json_cut.AFTER_LAST_NOTE.format(at=account.at, size=account.size)
    last = chats[-1]
    said = Message(len(last.messages), None, "", None, "", True, None, note)
    return (*chats[:-1], replace(last, messages=(*last.messages, said)))


def parse(text: str, path: str = "") -> tuple[Chat, ...]:
    try:
        data = telegram.load_json(text, path)
    except ChatError:
        salvaged = _cut_short(text)
        if salvaged is None:
            raise
        return salvaged
    try:
        found = _conversations(data)
    except ValueError:
        raise ChatError(path, NOT_HANGOUTS) from None
    return tuple(_chat(c, events, i) for i, (c, events) in enumerate(found))
