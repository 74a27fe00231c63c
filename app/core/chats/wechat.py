"""WeChat as WeChatMsg / MemoTrace (LC044) exports a conversation to text (`聊天记录/<name>/<name>.txt`,
app/util/exporter/exporter_txt.py): a header line, the message's lines, a blank line.

    2024-01-15 21:05:00 Anna
    你好

    2024-01-15 21:06:00 Bob
    [语音]

    2024-01-15 21:07:00 Anna撤回了一条消息

The header is the time (`%Y-%m-%d %H:%M:%S`, the phone's local time) and the display name; a system
message is the time and its words on one line, nothing under it. The text export holds no file: a
voice message (`[语音]`), photo (`[图片]`), video (`[视频]`), sticker (`[表情包]`) or file (`[文件]`) is
its placeholder, kept as an attachment the export does not hold. A reply's `引用:name:words` line is
said in the note, not taken for its words.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from app.core.chats.dates import iso_from_text
from app.core.chats.records import Attachment, Chat, Message

CONTAINER = "wechat-text"
_HEADER_RE = re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<rest>\S.*)$")
MEDIA = {"[语音]": "audio", "[图片]": "image", "[视频]": "video", "[表情包]": "sticker", "[文件]": "document",
         "[音乐分享]": "other"}
_QUOTE_PREFIX = "引用:"
MIN_HEADERS = 3


def _blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """(time, the rest of the header line, the lines under it); a blank line ends a block, and a line
    after it that is no header goes on with the block above (a message with a blank line in it)."""
    blocks: list[tuple[str, str, list[str]]] = []
    current: list[str] | None = None
    for line in text.lstrip("\ufeff").replace("\r\n", "\n").split("\n"):
        header = _HEADER_RE.match(line) if current is None else None
        if not line.strip():
            current = None
        elif header:
            blocks.append((header["time"], header["rest"], []))
            current = blocks[-1][2]
        elif current is not None:
            current.append(line)
        elif blocks:
            current = blocks[-1][2]
            current.extend(["", line])
    return blocks


def looks_like(text: str) -> bool:
    """At least a few header lines each with lines under it, and nothing WhatsApp-like after the time."""
    blocks = _blocks(text[:65536])
    with_body = [b for b in blocks if b[2]]
    return len(with_body) >= MIN_HEADERS and sum(1 for b in blocks if ": " in b[1][:40]) < len(blocks) / 2


def _message(index: int, time: str, rest: str, lines: list[str]) -> Message:
    iso = iso_from_text(time.replace(" ", "T"))
    if not lines:  # the app's own words on the header line
        return Message(index, None, time, iso, rest.strip(), True, None, "")
    notes = [f"reply, quoting {line.removeprefix(_QUOTE_PREFIX)}" for line in lines if line.startswith(_QUOTE_PREFIX)]
    words = "\n".join(line for line in lines if not line.startswith(_QUOTE_PREFIX)).strip()
    sender = rest.strip()
    kind = MEDIA.get(words)
    if kind is not None:
        return Message(index, sender, time, iso, "", False, Attachment(None, True, kind, words, None), "; ".join(notes))
    return Message(index, sender, time, iso, words, False, None, "; ".join(notes))


def parse(text: str, name: str = "") -> Chat:
    messages = tuple(_message(i, *block) for i, block in enumerate(_blocks(text)))
    return Chat(PurePosixPath(name).stem, messages, "iso")
