"""KakaoTalk's saved chat (Chat room settings → Export chat / 대화 내보내기), in its four text layouts
and the Mac's CSV.

PC (Windows), a date heading and `[Sender] [time] text`:

    Anna 님과 카카오톡 대화                      Talk with Anna
    저장한 날짜 : 2024-01-16 08:00:00             Date Saved : Jan 16, 2024 at 08:00
    --------------- 2024년 1월 15일 월요일 ---------------    --------------- Monday, January 15, 2024 ---------------
    [Anna] [오후 9:05] 안녕                       [Anna] [9:05 PM] Hello

Phone (Android, iPhone), every message dated, `Sender : text`:

    2024년 1월 15일 오후 9:05, Anna : 안녕         2024. 1. 15. 오후 9:05, Anna : 안녕
    January 15, 2024, 9:05 PM, Anna : Hello    Jan 15, 2024 at 9:05 PM, Anna : Hello

Mac: `Date,User,Message` then `2024-01-15 21:05:00,"Anna","Hello"`.

A line that continues no header is the message above's. A line naming no sender (`Anna님이 들어왔습니다.`,
a date heading) is the app's note. The text export holds no file: a voice message, photo, video or
emoticon is its placeholder (`음성메시지`, `Voice Message`, `사진`, `Photo`...), kept as an attachment the
export does not hold; saved "with media", a message naming a file (`2024011521050001.m4a`) finds it
beside the text and a voice message is transcribed in place. Dates are year-first or in words: never
ambiguous.
"""

from __future__ import annotations

import re
from datetime import datetime

from app.core.chats import csv_rows
from app.core.chats.records import (
    AUDIO_EXTENSIONS,
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    Attachment,
    Chat,
    Message,
)

CONTAINER = "kakaotalk"
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                        "nov", "dec"), start=1)}
_KO_DATE = r"(?P<y>\d{4})(?:년|\.)\s*(?P<m>\d{1,2})(?:월|\.)\s*(?P<d>\d{1,2})(?:일|\.)?"
_EN_DATE = r"(?:[A-Za-z]+,\s*)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2}),\s*(?P<y2>\d{4})"
_CLOCK = r"(?:(?P<pre>오전|오후)\s*)?(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2}))?(?:\s*(?P<post>[AaPp]\.?[Mm]\.?))?"
_HEADING_RE = re.compile(rf"^-{{3,}}\s*(?:{_KO_DATE}\s*\S*요일|{_EN_DATE})\s*-{{3,}}$")
_EN_WORDS = r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2}),\s*(?P<y2>\d{4})"
_BARE_HEADING_RE = re.compile(rf"^(?:{_KO_DATE}\s*\S*요일|[A-Za-z]+,\s*{_EN_WORDS})$")  # a phone's day heading
_PC_RE = re.compile(rf"^\[(?P<sender>[^\]\n]{{1,80}})\] \[{_CLOCK}\] (?P<text>.*)$")
_PHONE_RE = re.compile(rf"^(?:{_KO_DATE}|{_EN_DATE})(?:,|\s+at)?\s+{_CLOCK},\s(?P<rest>.*)$")
_PHONE_SENDER_RE = re.compile(r"^(?P<sender>[^:\n]{1,80}?) : (?P<text>.*)$")
_BANNER_RE = re.compile(r"^(?:(?P<ko>.+?) 님과 카카오톡 대화|Talk with (?P<en>.+)|KakaoTalk Chats with (?P<en2>.+))$")
_SAVED_RE = re.compile(r"^(?:저장한 날짜|Date Saved)\s*:")
MEDIA = {
    "audio": ("음성메시지", "voice message", "음성 메시지", "voice note"),
    "video": ("동영상", "video"),
    "image": ("사진", "photo", "사진 묶음", "photos"),
    "sticker": ("이모티콘", "emoticon", "sticker"),
}
_FILE_RE = re.compile(r"^(?:파일: |File: )?(?P<name>[^\s/\\:]{1,120}\.(?P<ext>[A-Za-z0-9]{2,4}))$")
MIN_HEADERS = 3
# The app's notes the PC layout writes on a line of their own, without a sender or a time.
_NOTE_RE = re.compile(r"(?:님이 들어왔습니다|님이 나갔습니다|님을 초대했습니다|님을 내보냈습니다|joined this chatroom|"
                      r"left this chatroom|invited .+)\.?$")


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    hour, minute = int(match["h"]), int(match["min"])
    half = match["pre"] or (match["post"] or "").replace(".", "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in ("오후", "pm") else 0)
    return hour, minute, int(match["s"] or 0)


def _date(match: re.Match[str]) -> tuple[int, int, int] | None:
    if match["y"]:
        return int(match["y"]), int(match["m"]), int(match["d"])
    month = _MONTHS.get((match["mon"] or "")[:3].lower())
    return (int(match["y2"]), month, int(match["d2"])) if month else None


def _iso(day: tuple[int, int, int] | None, clock: tuple[int, int, int] | None) -> str | None:
    try:
        return datetime(*day, *clock).isoformat() if day and clock else None
    except ValueError:
        return None


def looks_like(text: str) -> bool:
    lines = [line.strip("\r\ufeff") for line in text[:65536].split("\n")]
    if lines and lines[0].startswith("Date,User,Message"):
        return True
    pc = sum(1 for line in lines if _PC_RE.match(line))
    phone = sum(1 for line in lines if (m := _PHONE_RE.match(line)) and _PHONE_SENDER_RE.match(m["rest"]))
    banner = any(_SAVED_RE.match(line) for line in lines[:4])  # "Date Saved :" under a banner in any wording
    headed = any(_HEADING_RE.match(line.strip()) for line in lines)
    return (banner and pc + phone >= 1) or (headed and pc >= MIN_HEADERS) or phone >= MIN_HEADERS


def _media(index: int, sender: str | None, written: str, iso: str | None, text: str) -> Message | None:
    lowered = text.strip().lower()
    kind = next((k for k, labels in MEDIA.items() if lowered in labels), None)
    if kind is not None:
        return Message(index, sender, written, iso, "", False, Attachment(None, True, kind, text.strip(), None))
    named = _FILE_RE.match(text.strip())
    ext = named["ext"].lower() if named else ""
    if named and ext in AUDIO_EXTENSIONS | VIDEO_EXTENSIONS | IMAGE_EXTENSIONS | {"pdf", "txt", "docx", "zip"}:
        kind = "audio" if ext in AUDIO_EXTENSIONS else "video" if ext in VIDEO_EXTENSIONS else \
            "image" if ext in IMAGE_EXTENSIONS else "document"
        return Message(index, sender, written, iso, "", False, Attachment(named["name"], False, kind, text.strip(), None))
    return None


def _message(index: int, sender: str | None, written: str, iso: str | None, text: str) -> Message:
    note = "" if iso else "time not read"
    if sender is None:
        return Message(index, None, written, iso, text.strip(), True, None, note)
    found = _media(index, sender, written, iso, text)
    if found is not None:
        return found
    return Message(index, sender, written, iso, text.strip(), False, None, note)


SHORT_ROW_NOTE = "a row of fewer than three cells (Date, User, Message): kept as found, no sender or time assigned"


def _parse_csv(text: str, name: str) -> Chat:
    messages: list[Message] = []
    for row in list(csv_rows.rows(text.lstrip("\ufeff")))[1:]:
        if len(row) < 3:  # a row cut short or broken: kept as found, never dropped unsaid
            if any(cell.strip() for cell in row):
                messages.append(Message(len(messages), None, "", None, ",".join(row).strip(), False, None, SHORT_ROW_NOTE))
            continue
        written, sender, body = row[0], row[1].strip(), ",".join(row[2:])
        try:
            iso: str | None = datetime.strptime(written.strip(), "%Y-%m-%d %H:%M:%S").isoformat()
        except ValueError:
            iso = None
        messages.append(_message(len(messages), sender or None, written, iso, body))
    return Chat(name, tuple(messages), "iso")


def parse(text: str, name: str = "") -> Chat:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if text.startswith("Date,User,Message"):
        return _parse_csv(text, name)
    title, day, heading = "", None, ""
    rows: list[list] = []  # [sender, written, iso, [lines]]
    for number, line in enumerate(text.split("\n")):
        banner = _BANNER_RE.match(line.strip()) if number < 3 and not rows else None
        heading_match = _HEADING_RE.match(line.strip()) or _BARE_HEADING_RE.match(line.strip())
        pc, phone = _PC_RE.match(line), _PHONE_RE.match(line)
        if banner:
            title = banner["ko"] or banner["en"] or banner["en2"] or ""
        elif heading_match:
            day, heading = _date(heading_match), heading_match.group(0).strip("- ")
        elif pc:
            written = f"{heading} {line[line.index('] [') + 3: line.index(']', line.index('] [') + 3)]}".strip()
            rows.append([pc["sender"], written, _iso(day, _clock(pc)), [pc["text"]]])
        elif phone:
            sender = _PHONE_SENDER_RE.match(phone["rest"])
            written = line[: phone.start("rest")].rstrip(", ")
            rows.append([sender["sender"] if sender else None, written, _iso(_date(phone), _clock(phone)),
                         [sender["text"] if sender else phone["rest"]]])
        elif _SAVED_RE.match(line) and number < 4:
            continue
        elif line.strip() and (not rows or _NOTE_RE.search(line.strip())):  # the app's note, dated by its heading
            rows.append([None, heading, None, [line.strip()]])
        elif rows:
            rows[-1][3].append(line)
    messages = [_message(i, r[0], r[1], r[2], "\n".join(r[3]).rstrip()) for i, r in enumerate(rows)]
    return Chat(title or name, tuple(messages), "iso")
