"""iMessage conversations as ReagentX's `imessage-exporter -f html` writes them (one `.html` per chat,
copied files in `attachments/<chat id>/`).

    <div class="message">
    <div class="received">
    <p><span class="timestamp">Mar 06, 2024  9:01:00 AM (Read by you after 1 minute)</span>
    <span class="sender">+14155550134</span></p>
    <hr><div class="message_part">
    <span class="bubble">listen to this</span>
    </div>
    <hr><div class="message_part">
    <div class="attachment"><audio controls src="attachments/12/Audio Message.caf" type="audio/x-caf" </audio></div>
    </div>
    <div class="reactions"><hr><p>Reactions:</p><div class="reaction">Loved by Me</div></div>
    <div class="replies"><div class="reply" id="..."><div class="message">...</div></div></div>
    </div>
    </div>

A message's words are its bubbles; each file (an `<img>`, `<audio>`, `<video>`'s first source, a
download link) is a record of its own, the words with the first. A file the exporter could not find
is written `Unable to locate attachment: <name>`; one the database lacks, `Attachment does not exist!`:
both are said missing. A reply, written inside the message it answers, is a message of its own.
Reactions, edits and "deleted" are said in the note. An announcement (`<div class="announcement">`) is
the app's own note. Times are read as imessage.py reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote

from app.core.chats import imessage
from app.core.chats.html_cut import (
    Held,
    read_up_to_damage,
    with_cut_said,
    with_damage_said,
    with_markup_senders_said,
)
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = imessage.CONTAINER
_STAMP_RE = re.compile(imessage._STAMP)
# What each record's markup writes once, as imessage-exporter writes it: its element ("message", an announcement's
# `class ="announcement"`), and a message's one "sent …"/"received" div (a spot breaking one is seen by the other)
_MARKS = (re.compile(r'<div class="message"|<div class ?="announcement"'),
          re.compile(r'<div class="(?:sent [^"]*|received)">|<div class ?="announcement"'))
_ROLES = frozenset({"timestamp", "sender", "bubble", "attachment", "attachment_error", "reaction", "deleted",
                    "reply_context", "sticker", "edited", "announcement", "app"})
_WHOLE = ("sender", "timestamp")  # read only once their element closed: a damaged spot may cut them
_VOID = frozenset({"br", "img", "source", "meta", "link", "input", "hr", "wbr", "audio"})
LOCATE_ERROR = "Unable to locate attachment:"
NO_ATTACHMENT = "Attachment does not exist!"


@dataclass
class _Raw:
    depth: int
    announcement: bool = False
    parts: dict[str, list[str]] = field(default_factory=dict)
    files: list[Attachment] = field(default_factory=list)
    answers: str = ""
    closed: set[str] = field(default_factory=set)  # its sender and time once their element closed (`_WHOLE`)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raws: list[_Raw] = []
        self._stack: list[tuple[str, str | None, _Raw | None]] = []  # (tag, role, message opened here)
        self._slot: list[Attachment | None] = []  # the file of the attachment div being read

    def open_raws(self) -> list[_Raw]:
        return [raw for _, _, raw in self._stack if raw is not None]

    def _role(self) -> str | None:
        return next((role for _, role, _ in reversed(self._stack) if role), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        opened: _Raw | None = None
        if tag == "div" and ("message" in classes or "announcement" in classes):
            open_ = self.open_raws()
            opened = _Raw(len(open_), "announcement" in classes)
            if open_:
                opened.answers = " ".join(open_[-1].parts.get("timestamp", []))
            self.raws.append(opened)
        role = next((c for c in classes if c in _ROLES), None)
        if role in ("attachment", "sticker"):
            self._slot.append(None)
        source = a.get("src") or (a.get("href") if tag == "a" else "")
        if source and self._slot and self._slot[-1] is None and self._role() in ("attachment", "sticker"):
            path = unquote(source)
            name = PurePosixPath(path).name
            kind = "sticker" if self._role() == "sticker" else {"audio": "audio", "video": "video", "source": "video",
                                                                  "img": "image"}.get(tag) or kind_of(name)
            relative = path if not path.startswith(("/", "~")) and "://" not in path else None
            self._slot[-1] = Attachment(name, False, kind if kind != "video" or kind_of(name) != "audio" else "audio",
                                        path, relative)
        if tag not in _VOID:
            self._stack.append((tag, role, opened))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for k in range(len(self._stack) - 1, -1, -1):
            if self._stack[k][0] == tag:
                for j, (_, role, _) in enumerate(self._stack[k:], k):
                    owner = next((raw for _, _, raw in reversed(self._stack[:j + 1]) if raw is not None), None)
                    if role in _WHOLE and owner is not None:  # (a sender outside any message is no one's)
                        owner.closed.add(role)
                    if role in ("attachment", "sticker") and self._slot:
                        found = self._slot.pop()
                        if found is not None and self.open_raws():
                            self.open_raws()[-1].files.append(found)
                del self._stack[k:]
                return

    def handle_data(self, data: str) -> None:
        open_ = self.open_raws()
        if not open_ or not data.strip():
            return
        raw, role = open_[-1], self._role() or ""
        if role == "attachment_error":
            name = data.replace(LOCATE_ERROR, "").strip()
            raw.files.append(Attachment(PurePosixPath(name.replace("\\", "/")).name or None, True, kind_of(name),
                                        data.strip()))
        elif role in ("attachment", "sticker") and self._slot and self._slot[-1] is None and ": " in data:
            path = data.split(": ", 1)[1].strip()  # "Unable to embed x attachments: <path>"
            name = PurePosixPath(path).name
            relative = path if not path.startswith(("/", "~")) else None
            self._slot[-1] = Attachment(name, False, kind_of(name), data.strip(), relative)
        elif data.strip() == NO_ATTACHMENT:
            raw.files.append(Attachment(None, True, "other", NO_ATTACHMENT))
        else:
            raw.parts.setdefault(role, []).append(data)


def looks_like(text: str) -> bool:
    head = text[:200000]
    return '<span class="timestamp">' in head and '<span class="sender">' in head and "message_part" in head \
        or 'class ="announcement"' in head and '<span class="timestamp">' in head


def _whole(raw: _Raw, role: str) -> str | None:
    """A sender or time as read once its element closed, None before (a damaged spot may have cut it)."""
    return " ".join(raw.parts.get(role, [])).strip() if role in raw.closed else None


def _held(reader: _Reader) -> tuple[list[_Raw], Held | None]:
    """The messages and what was read of the last when it is still open at a damaged spot (`read_up_to_damage`):
    its sender and time once their element closed, its words, reactions and files. An announcement has no sender."""
    raw = reader.raws[-1] if reader.raws else None
    if raw is None or all(raw is not opened for opened in reader.open_raws()):
        return reader.raws, None
    sender = "" if raw.announcement else _whole(raw, "sender")
    content = bool(raw.files or any("".join(words).strip() for role, words in raw.parts.items() if role not in _WHOLE))
    piece = " ".join(raw.parts.get("sender", [])).strip() if sender is None else ""
    return reader.raws, Held(sender, _whole(raw, "timestamp"), content, piece)


def _record(raw: _Raw, index: int, cut: bool = False) -> list[Message]:
    stamp_text = _whole(raw, "timestamp") or ""
    found = _STAMP_RE.search(stamp_text)
    stamp = re.sub(r"[\u202f\u00a0]", " ", found["stamp"]) if found else stamp_text
    iso = imessage._iso(found["stamp"]) if found else None
    receipt = stamp_text[found.end():].strip().strip("()") if found else ""
    if raw.announcement:
        words = " ".join(" ".join(raw.parts.get(r, [])) for r in ("announcement", "")).strip()
        return [Message(index, None, stamp, iso, re.sub(r"\s+", " ", words), True, None, "")]
    sender = _whole(raw, "sender") or None
    text = "\n".join(p.strip() for p in raw.parts.get("bubble", []) if p.strip())
    notes = [f"reactions: {', '.join(r.strip() for r in raw.parts['reaction'])}"] if raw.parts.get("reaction") else []
    notes += ["deleted from the conversation"] if raw.parts.get("deleted") else []
    notes += ["a reply to an earlier message"] if raw.parts.get("reply_context") else []
    notes += [f"edited: {' '.join(p.strip() for p in raw.parts['edited'])}"] if raw.parts.get("edited") else []
    notes += [receipt] if receipt else []
    notes += [f"a reply to the message of {raw.answers.strip()}"] if raw.answers.strip() else []
    if iso is None and not (cut and "timestamp" not in raw.closed):  # cut before its time: the damage's note says so
        notes.append("no readable time")
    note = "; ".join(notes)
    return [Message(index + k, sender, stamp, iso, text if k == 0 else "", False, a, note)
            for k, a in enumerate(raw.files or [None])]


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    reader = _Reader()
    damage = read_up_to_damage(reader, text, _held, _MARKS)
    messages: list[Message] = []
    for k, raw in enumerate(reader.raws, 1):
        messages += _record(raw, len(messages), damage is not None and damage.cut and k == len(reader.raws))
    chat = with_cut_said(Chat(PurePosixPath(name).stem, tuple(messages), "month-named"), text)
    return (with_damage_said(with_markup_senders_said(chat, [text]), damage, name),)
