"""WhatsApp chat exports and plain text documents, for translation.

A WhatsApp `_chat.txt` comes in two shapes:

    Android:  12/03/2024, 21:14 - Anna: text
    iOS:      [12/03/2024, 21:14:05] Anna: text

(dates may use `/`, `.` or `-`, times may carry seconds and AM/PM). A message
continues over the following lines until the next header. A header without
`Name: ` is a system message (sender None, is_system); iOS marks its own notes
with a left-to-right mark after `Name: ` (is_system, sender kept). Attachments ("<Media omitted>",
"image omitted", "<attached: ...>") are kept, marked is_media, and never sent
to the translator; neither are system messages, which are in the phone's UI
language rather than the chat's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from app.core.mt import SentenceTranslation

_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[\s\u202f\u00a0]?[AaPp]\.?\s?[Mm]\.?)?"
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"  # direction marks WhatsApp inserts
_ANDROID_RE = re.compile(rf"^(?P<ts>{_DATE},?\s{_TIME})\s[-\u2013]\s(?P<rest>.*)$")
_IOS_RE = re.compile(rf"^\[(?P<ts>{_DATE},?\s{_TIME})\]\s(?P<rest>.*)$")
_SENDER_RE = re.compile(r"^(?P<sender>[^:\n]{1,80}?):\s(?P<text>.*)$", re.DOTALL)

MEDIA_PATTERNS = (
    re.compile(r"^<media omitted>$", re.IGNORECASE),
    re.compile(
        r"^(image|video|audio|sticker|gif|document|contact card|voice message) omitted$",
        re.IGNORECASE,
    ),
    re.compile(r"^<attached: [^>]+>$", re.IGNORECASE),
    re.compile(r"^\S+\.\w{2,5} \(file attached\)", re.IGNORECASE),
    re.compile(r"\bdocument omitted$", re.IGNORECASE),
)


@dataclass(frozen=True)
class ChatMessage:
    index: int
    timestamp: str  # as written in the export, e.g. "12/03/2024, 21:14"
    sender: str | None  # None for system messages
    text: str
    is_media: bool = False
    is_system: bool = False  # a note written by WhatsApp, not by the sender
    source_text: str | None = None  # for a translation: the original text
    flags: tuple[str, ...] = ()

    @property
    def translatable(self) -> bool:
        return not (self.is_system or self.is_media) and bool(self.text.strip())


class TextsTranslator(Protocol):
    def translate_texts(
        self, texts: Sequence[str], src: str, tgt: str, beam_size: int = 4
    ) -> list[SentenceTranslation]: ...


def _strip_marks(text: str) -> str:
    return text.translate({ord(ch): None for ch in _MARKS})


def is_media(text: str) -> bool:
    body = _strip_marks(text).strip()
    return any(pattern.search(body) for pattern in MEDIA_PATTERNS)


def _header(line: str) -> tuple[str, str] | None:
    """(timestamp, rest) when the line starts a message; rest keeps its direction marks."""
    clean = line.lstrip(_MARKS)
    match = _IOS_RE.match(clean) or _ANDROID_RE.match(clean)
    if match is None:
        return None
    return match.group("ts"), match.group("rest")


def _message(index: int, timestamp: str, rest: str) -> ChatMessage:
    match = _SENDER_RE.match(rest)
    if match is None:
        return ChatMessage(index, timestamp, None, _strip_marks(rest).strip(), is_system=True)
    raw = match.group("text")
    text = _strip_marks(raw)
    sender = _strip_marks(match.group("sender")).strip()
    media = is_media(text)
    # iOS marks its own notes ("Messages and calls are end-to-end encrypted",
    # "This message was deleted") with a left-to-right mark after "Name: ".
    system = raw.startswith("\u200e") and not media
    return ChatMessage(index, timestamp, sender, text, media, is_system=system)


def _continue(message: ChatMessage, line: str) -> ChatMessage:
    text = f"{message.text}\n{_strip_marks(line)}"
    return replace(message, text=text, is_media=message.is_media and not line.strip())


def looks_like_chat(text: str, sample_lines: int = 20) -> bool:
    """True when the first non-blank lines look like a WhatsApp export."""
    lines = [line for line in text.splitlines() if line.strip()][:sample_lines]
    return bool(lines) and sum(_header(line) is not None for line in lines) >= max(
        1, len(lines) // 2
    )


def parse_chat(text: str) -> list[ChatMessage]:
    """Messages of a WhatsApp export, in order; text before the first header is a system note."""
    messages: list[ChatMessage] = []
    for raw in text.splitlines():
        header = _header(raw)
        if header is not None:
            messages.append(_message(len(messages), *header))
        elif messages:
            messages[-1] = _continue(messages[-1], raw)
        elif raw.strip():
            messages.append(ChatMessage(0, "", None, _strip_marks(raw).strip(), is_system=True))
    return [replace(m, text=m.text.rstrip()) for m in messages]


def read_text_file(path: str | Path) -> str:
    """A text file as str: UTF-8 (with or without BOM), else UTF-16 with BOM, else Latin-1."""
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_chat_file(path: str | Path) -> list[ChatMessage]:
    return parse_chat(read_text_file(path))


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text: blocks separated by blank lines, inner line breaks kept."""
    blocks = re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [block.strip() for block in blocks if block.strip()]


def translate_chat(
    messages: Sequence[ChatMessage],
    translator: TextsTranslator,
    src: str,
    tgt: str,
    beam_size: int = 4,
) -> list[ChatMessage]:
    """Translated copies of the messages; media and system messages come back unchanged."""
    todo = [i for i, m in enumerate(messages) if m.translatable]
    translated = translator.translate_texts([messages[i].text for i in todo], src, tgt, beam_size)
    out = list(messages)
    for i, result in zip(todo, translated):
        out[i] = replace(out[i], text=result.text, source_text=out[i].text, flags=result.flags)
    return out
