"""WeChat as WeChatMsg / MemoTrace (LC044) exports a conversation to HTML (`聊天记录/<name>/<name>.html`,
app/util/exporter/exporter_html.py): the page's script holds one JavaScript object per message, and
the files are copied beside it (`voice/`, `image/`, `video/`, `file/`).

    { type:1, text: 'Hello',is_send:0,avatar_path:'...',timestamp:1705352700,is_chatroom:0,displayname:'Anna'},
    { type:34, text:'./voice/2024-01-15_21-06-00.mp3',is_send:0,avatar_path:'...',voice_to_text:'...',
      timestamp:1705352760,is_chatroom:0,displayname:'Anna'},
    { type:0, text: 'Anna撤回了一条消息',is_send:0,avatar_path:'',timestamp:...,displayname:''},

`type` is WeChat's: 1 text, 3 photo, 34 voice message, 43 video, 47 sticker, 49 shared item (a file,
a reply, a link, a transfer...), 50 a call, 0 the app's note. The timestamp is seconds since 1970 (UTC).
A voice message copied beside the page is transcribed in its place; WeChat's own speech-to-text
(`voice_to_text`), when the export kept it, is said in the note. Strings are escaped for JavaScript
(`\\'`, `\\n`) and HTML (`&amp;`): both undone.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from itertools import pairwise
from pathlib import PurePosixPath

from app.core.chats.html_cut import with_cut_said
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "wechat-html"
_OBJECT_START = re.compile(r"\{\s?type:\s?(?P<type>\d+),")
_PAIR_RE = re.compile(r"(?P<key>\w+)\s?:\s?(?:'(?P<text>(?:[^'\\]|\\.)*)'|(?P<number>-?\d+))")
_JS_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
KINDS = {3: "image", 34: "audio", 43: "video", 47: "sticker"}
MIN_OBJECTS = 1


def looks_like(text: str) -> bool:
    head = text[:400000]
    return "<html" in head.lower() and len(_OBJECT_START.findall(head)) >= MIN_OBJECTS and \
        "is_send:" in head and "displayname:" in head and "timestamp:" in head


def _unescape(value: str) -> str:
    value = re.sub(r"\\(.)", lambda m: _JS_ESCAPES.get(m[1], m[1]), value)
    return html.unescape(value)


def _objects(text: str) -> list[dict[str, str | int]]:
    starts = [m.start() for m in _OBJECT_START.finditer(text)] + [len(text)]
    out = []
    for begin, end in pairwise(starts):
        fields: dict[str, str | int] = {}
        for pair in _PAIR_RE.finditer(text, begin, end):
            if pair["key"] in fields:
                continue
            fields[pair["key"]] = int(pair["number"]) if pair["number"] is not None else _unescape(pair["text"])
        out.append(fields)
    return out


def _when(fields: dict[str, str | int]) -> tuple[str, str | None]:
    stamp = fields.get("timestamp")
    try:
        iso = datetime.fromtimestamp(int(stamp), timezone.utc).isoformat()  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return str(stamp or ""), None
    return iso, iso


def _record(index: int, fields: dict[str, str | int]) -> Message:
    kind_code = int(fields.get("type", -1))
    written, iso = _when(fields)
    text = str(fields.get("text", ""))
    sender = str(fields.get("displayname", "")).strip() or None
    notes = [] if iso else ["time not read"]
    if fields.get("voice_to_text"):
        notes.append(f"WeChat's own transcript: {fields['voice_to_text']}")
    if fields.get("refer_text"):
        notes.append(f"reply, quoting {fields['refer_text']}")
    if kind_code == 0 or sender is None:
        return Message(index, None, written, iso, text, True, None, "; ".join(notes))
    if kind_code == 50:
        return Message(index, sender, written, iso, text, True, None, "; ".join([*notes, "a call"]))
    sub_type = int(fields.get("sub_type", 0) or 0)
    if kind_code in KINDS or kind_code == 49 and sub_type in (3, 6):
        path = text.removeprefix("./")
        name = str(fields.get("file_name") or PurePosixPath(path).name) or None
        kind = KINDS.get(kind_code) or ("audio" if sub_type == 3 else kind_of(name))
        if not path or "://" in path:  # not copied (a sticker's address, a file the export lacked)
            return Message(index, sender, written, iso, "", False, Attachment(name, True, kind, text, None), "; ".join(notes))
        return Message(index, sender, written, iso, str(fields.get("title", "")) if kind_code == 49 else "", False,
                       Attachment(name, False, kind, text, path), "; ".join(notes))
    if kind_code == 49 and sub_type == 5:
        notes.append(f"link: {fields.get('url', '')}")
        text = " ".join(str(fields.get(k, "")) for k in ("title", "description") if fields.get(k))
    return Message(index, sender, written, iso, text, False, None, "; ".join(notes))


def parse(text: str, name: str = "") -> Chat:
    title = re.search(r"<title>(?P<title>[^<]*)</title>", text[:20000])
    objects = [fields for fields in _objects(text) if "timestamp" in fields]  # the page's own script aside
    messages = tuple(_record(i, fields) for i, fields in enumerate(objects))
    chat_name = html.unescape(title["title"]).strip() if title and title["title"].strip() else PurePosixPath(name).stem
    return with_cut_said(Chat(chat_name, messages, "utc"), text)
