"""LINE's chat history as the phone app saves it (Export chat history → a `.txt`, no media).

    [LINE] Chat history with Anna
    Saved on: 2024/01/16 08:00

    2024/01/15(Mon)
    21:05<TAB>Anna<TAB>Hello
    21:06<TAB>Bob<TAB>[Voice message]
    21:07<TAB>Anna<TAB>"first line
    second line"
    21:08<TAB>Anna joined the group

The date is written once, as a heading (`2024/01/15(Mon)`, `2024/01/15(月)`, `2024.01.15 Monday`,
`Mon, 1/15/2024`, `Sun, 26/04/2026`); each message is a time (`21:05`, `9:05 PM`, `午後9:05`), the
sender and the text in tab-separated columns. A message of several lines is written in double
quotes. A line with no sender column is the app's own note. The export holds no files: a voice
message, photo, video... is its placeholder (`[Voice message]`, `[ボイスメッセージ]`), kept as an
attachment the export does not hold, never dropped. A message taken back (`unsent a message`) and
a call (`☎ ...`) are the app's notes. Day and month of a heading are decided from all of the file's
headings (dates.normalise), as for WhatsApp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.chats import dates, same_names
from app.core.chats.placeholders import strip_marks
from app.core.chats.records import Attachment, Chat, Message

CONTAINER = "line"
# "Chat history with Anna", "田中とのトーク履歴", Thai "ประวัติการแชทกับ Anna", Chinese "與Anna的聊天記錄", Korean "Anna님과의 대화"
# Some versions write the banner without "[LINE]" ("Chat history with Anna"; a group's "Chat history in Team")
_BANNER_RE = re.compile(r"^(?:\[LINE\]\s*)?(?:(?:Chat history (?:with|in)|ประวัติการแชทกับ)\s+(?P<with>.+)"
                        r"|(?P<ja>.+?)との\s*トーク履歴|[與与](?P<zh>.+?)的聊天(?:記錄|记录)|(?P<ko>.+?)님과의\s*대화)$"
                        r"|^\[LINE\]\s*(?P<rest>.*)$")
_DATE_RE = re.compile(
    r"^(?:[^\d\s,]{1,16},\s*)?(?P<date>\d{1,4}[/.]\d{1,2}[/.]\d{1,4})\s*(?:[(（][^)）]{1,12}[)）]|\s+[^\d\s]{1,16})?$")
_TIME_RE = re.compile(
    r"^(?P<clock>(?:(?P<pre>午前|午後|오전|오후|上午|下午)[^\S\t]?)?(?P<time>\d{1,2}:\d{2})"
    r"(?:[^\S\t]?(?P<post>[AaPp]\.?[^\S\t]?[Mm]\.?))?)\t(?P<rest>.*)$")
# Within the clock any space but a tab (a space, U+00A0, U+202F...): a tab after the time is the columns' (a note's
# empty sender column), never the clock's
MEDIA = {
    "audio": ("[voice message]", "[audio]", "[voice note]", "[ボイスメッセージ]", "[音声メッセージ]", "[語音訊息]",
              "[语音信息]", "[ข้อความเสียง]", "[음성메시지]"),
    "video": ("[video]", "[videos]", "[動画]", "[影片]", "[วิดีโอ]", "[동영상]"),
    "image": ("[photo]", "[photos]", "[image]", "[写真]", "[照片]", "[圖片]", "[รูป]", "[사진]"),
    "sticker": ("[sticker]", "[stickers]", "[スタンプ]", "[貼圖]", "[สติกเกอร์]", "[스티커]"),
    "document": ("[file]", "[ファイル]", "[檔案]", "[ไฟล์]", "[파일]", "[contact]", "[連絡先]", "[聯絡資訊]"),
    "other": ("[location]", "[位置情報]", "[位置資訊]", "[album]", "[アルバム]", "[gif]", "[note]", "[ノート]"),
}
_UNSENT = ("unsent a message", "メッセージの送信を取り消しました", "已收回訊息", "ยกเลิกข้อความ")
MIN_MESSAGES = 3  # without the banner: a date heading and at least this many tab-columned lines


@dataclass
class _Entry:
    heading: str
    stamp: dates.Stamp | None
    clock: str
    columns: list[str]
    more: list[str]


def _media_kind(text: str) -> str | None:
    lowered = text.strip().lower()
    return next((kind for kind, labels in MEDIA.items() if lowered in labels), None)


def looks_like(text: str) -> bool:
    """A LINE history: its banner and one message, or a date heading and a few tab-columned lines."""
    lines = [strip_marks(line).strip("\r") for line in text[:65536].lstrip("\ufeff").split("\n")]
    messages = sum(1 for line in lines if _TIME_RE.match(line))
    if lines and _BANNER_RE.match(lines[0].strip()):
        return messages >= 1
    return any(_DATE_RE.match(line.strip()) for line in lines) and messages >= MIN_MESSAGES


SPACED = ("a LINE chat history in its space-separated layout (\"21:05 Anna hi\"): with no tab between a sender "
          "and the words, a name of several words cannot be told from the text, so it is not read (no sender guessed)")
_SPACED_RE = re.compile(r"^(?:(?:午前|午後|오전|오후|上午|下午)\s?)?\d{1,2}:\d{2}(?:\s?[AaPp]\.?\s?[Mm]\.?)? [^\s\t][^\t]*$")


def spaced_layout(text: str) -> bool:
    """LINE's banner, then messages written "21:05 Anna hi" (no tab anywhere): a LINE history this reader
    refuses, for want of a rule that could never split a name of several words wrongly."""
    lines = [strip_marks(line).strip("\r") for line in text[:65536].lstrip("\ufeff").split("\n")]
    return bool(lines and _BANNER_RE.match(lines[0].strip())) and any(_SPACED_RE.match(line) for line in lines) \
        and not any(_TIME_RE.match(line) for line in lines)


def _open_quote(entries: list[_Entry]) -> bool:
    """The last message opened a double quote no line has closed yet (LINE quotes a message of
    several lines): a date written alone on one of its lines is its text, not a heading."""
    if not entries or not entries[-1].columns[-1].startswith('"'):
        return False
    entry = entries[-1]
    last = entry.more[-1].rstrip() if entry.more else entry.columns[-1].rstrip()[1:]
    return not last.endswith('"')


def _closing(lines: list[str], start: int, opened: str) -> int:
    """The line that closes the double quote a message of several lines opened (`opened`, its first line), so
    every line up to it is that message's words, one reading like another message ("21:00<TAB>Bob<TAB>...")
    too; `start` - 1 when the message opens none, or no line but another message's closes it before the next
    day's heading, within MAX_QUOTED_LINES."""
    if not opened.startswith('"') or _closes(opened[1:]):
        return start - 1
    for k in range(start, min(len(lines), start + MAX_QUOTED_LINES)):
        if k > start and not lines[k - 1].strip() and _DATE_RE.match(lines[k].strip()):
            break  # a day's heading after a blank line: the quote was a single line's own
        if _closes(lines[k]) and not _TIME_RE.match(lines[k]):
            return k
    return start - 1


def _closes(line: str) -> bool:
    """A line ending in a closing double quote: an odd run of them (LINE writes a quote inside as two)."""
    run = len(line.rstrip()) - len(line.rstrip().rstrip('"'))
    return run % 2 == 1


MAX_QUOTED_LINES = 500


def _entries(text: str) -> tuple[str, list[_Entry]]:
    """(the chat's name from the banner, the messages as written, with their continuation lines)."""
    name, heading, day, entries, blank, quoted_to = "", "", "", [], True, -1
    lines = [strip_marks(raw) for raw in text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")]
    for at, line in enumerate(lines):
        banner = _BANNER_RE.match(line.strip()) if not entries and not heading else None
        date, timed = _DATE_RE.match(dates.numeric_date(line.strip())), _TIME_RE.match(line)
        if at <= quoted_to:  # inside a message of several lines, quoted
            entries[-1].more.append(line)
        elif banner:
            name = next((found for found in banner.groups() if found), "").strip()
        elif date and (blank or not _open_quote(entries)):
            heading, day = line.strip(), date["date"]
        elif timed and heading:
            marker = timed["pre"] or timed["post"] or ""
            entries.append(_Entry(heading, dates.read_stamp(day, timed["time"], marker), timed["clock"],
                                  timed["rest"].split("\t", 1), []))
            quoted_to = _closing(lines, at + 1, entries[-1].columns[-1])
        elif entries:
            entries[-1].more.append(line)
        blank = not line.strip()
    for entry in entries:  # the blank line LINE writes before the next day's heading is no one's text
        while entry.more and not entry.more[-1].strip():
            entry.more.pop()
    return name, entries


def _text(entry: _Entry) -> str:
    body = "\n".join([entry.columns[-1], *entry.more]).rstrip()
    if entry.more and body.startswith('"') and body.endswith('"'):
        body = body[1:-1].replace('""', '"')
    return body


def _message(index: int, entry: _Entry, iso: str | None, note: str) -> Message:
    written = f"{entry.heading} {entry.clock}"
    text = _text(entry)
    if len(entry.columns) < 2 or not entry.columns[0].strip():  # no sender column, or an empty one ("21:06<TAB>
        # <TAB>Anna added Bob"): the app's own note (joined, left, renamed...)
        return Message(index, None, written, iso, text, True, None, note)
    sender = entry.columns[0].strip() or None
    kind = _media_kind(text)
    if kind is not None:  # the export holds no file: said missing, its placeholder kept
        return Message(index, sender, written, iso, "", False, Attachment(None, True, kind, text.strip(), None), note)
    system = text.lstrip().startswith("☎") or any(phrase in text.lower() for phrase in _UNSENT)
    return Message(index, sender, written, iso, text, system, None, note)


CUT_NOTE = ("the history ends here in the middle of a message's time or sender (the file cut short): the line is "
            "kept as written, no sender assigned")
_CUT_TIME_RE = re.compile(r"^(?:(?:午前|午後|오전|오후|上午|下午)\s?)?\d{1,2}(?::\d{0,2})?(?:\s?[AaPp]\.?\s?[Mm]?\.?)?$")


def _cut_line(text: str, entries: list[_Entry]) -> str | None:
    """The file's last line, with no line end after it, when it is a message's start cut off: a time cut short
    (`21:0`), or a time and the start of a sender's name another line writes whole (`21:07<TAB>An`)."""
    if text.endswith("\n") or not entries:
        return None
    last = strip_marks(text.rsplit("\n", 1)[-1]).rstrip("\r").rstrip("\ufffd")
    entry = entries[-1]
    if entry.more and entry.more[-1].rstrip("\ufffd") == last and _CUT_TIME_RE.match(last.strip()) and \
            not entry.columns[-1].startswith('"'):
        entry.more.pop()
        return last
    senders = {e.columns[0].strip() for e in entries[:-1] if len(e.columns) > 1}
    begun = entry.columns[0].strip()
    if not entry.more and len(entry.columns) == 1 and last.endswith(entry.columns[0]) and begun and any(
            name.startswith(begun) and name != begun for name in senders):
        entries.pop()
        return last
    return None


def parse(text: str, stem: str = "") -> Chat:
    name, entries = _entries(text)
    cut = _cut_line(text, entries)
    isos, notes, basis = dates.normalise([e.stamp for e in entries])
    messages = tuple(_message(i, e, isos[i], notes[i]) for i, e in enumerate(entries))
    if cut is not None:
        messages += (Message(len(messages), None, "", None, cut, True, None, CUT_NOTE),)
    return Chat(name or stem, tuple(same_names.told_apart_by_notes(messages)), basis)
