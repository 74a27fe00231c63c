"""Threema's chat export (chat → ⋮ → Export chat, "with media"): a zip, protected by a password the user
chose, holding `messages.txt` (or `messages-<chat>.txt`) and the media files beside it.

Current apps (Android, iOS since 2020), one message a line, files named inline:

    [15.01.2024, 21:05] Anna: Hallo                  [2024-01-15, 21:05] Ich: ok
    [15.01.2024, 21:06] Anna: Sprachnachricht <3a9c8f02b1.aac>
    [15.01.2024, 21:07] Ich: <5e1d2c.jpg> Beschriftung

Older iPhone exports, `<<<` received and `>>>` sent, the date in words, a file as `Kind (name)`:

    <<< 15. January 2024 at 21:05:12 CET: Hello
    >>> 15. Januar 2024 um 21:06:00 MEZ: Audio (3a9c8f02b1.m4a)

There the other side of a one-to-one chat is not named: it is the chat's name (from `messages-<chat>`,
else the folder or zip), said in the note; the phone's owner is "Me". Dates are day-first (Threema
writes no other), or year-first; times are the phone's local time. A file named but not in the export is
said missing; a voice message found is transcribed in its place. A line that is no header continues
the message above (a message of several lines).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath

from app.core.chats import dates
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "threema"
_DATE = r"(?:(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{2,4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))"
_HEADER_RE = re.compile(rf"^\[(?P<stamp>{_DATE},\s(?P<h>\d{{1,2}}):(?P<min>\d{{2}})(?::(?P<s>\d{{2}}))?)\]\s(?P<rest>.*)$")
_SENDER_RE = re.compile(r"^(?P<sender>[^:\n]{1,80}?):(?:\s(?P<text>.*))?$")
_FILE_RE = re.compile(r"<(?P<name>[^<>\s/\\]{1,160}\.[A-Za-z0-9]{2,5})>")
_OLD_RE = re.compile(r"^(?P<way><<<|>>>) (?P<stamp>(?P<d>\d{1,2})\. (?P<mon>\S+) (?P<y>\d{4}) \S+ "
                     r"(?P<h>\d{1,2}):(?P<min>\d{2}):(?P<s>\d{2})(?: [^:]{1,12})?): ?(?P<text>.*)$")
_OLD_FILE_RE = re.compile(r"^(?P<kind>[^\s()]+) \((?P<name>[A-Za-z0-9_-]+\.[A-Za-z0-9]{2,5})\)$")
MIN_HEADERS = 2
ME = "Me"


def _header_lines(text: str) -> tuple[int, int, int]:
    """(new-layout headers naming a sender, old-layout headers, lines naming an inline file)."""
    lines = text[:65536].lstrip("\ufeff").split("\n")
    new = sum(1 for line in lines if (m := _HEADER_RE.match(line.rstrip("\r"))) and _SENDER_RE.match(m["rest"]))
    old = sum(1 for line in lines if _OLD_RE.match(line.rstrip("\r")))
    # a name labelled inside the brackets ("<附件：00000012-AUDIO-....opus>", WhatsApp's iOS layout in Chinese) is no
    # Threema file: Threema writes the file's name alone
    files = sum(1 for line in lines if _HEADER_RE.match(line) and (m := _FILE_RE.search(line))
                and not any(c in m["name"] for c in ":："))
    return new, old, files


def looks_like(text: str, name: str = "") -> bool:
    """A Threema export: the old layout's `<<<`/`>>>` lines, or the new one's `[date, HH:MM] Name: ` in a
    `messages...txt` or naming files inline (`<name.ext>`; WhatsApp's bracketed layout writes `<attached: ...>`)."""
    new, old, files = _header_lines(text)
    if old >= MIN_HEADERS:
        return True
    if new < MIN_HEADERS or "<attached: " in text[:65536]:  # WhatsApp's iOS layout names its files so
        return False
    named = PurePosixPath(name).name.lower().startswith("messages") and PurePosixPath(name).suffix.lower() == ".txt"
    with_seconds = sum(1 for line in text[:65536].split("\n") if (m := _HEADER_RE.match(line)) and m["s"])
    return files >= 1 or named and with_seconds == 0  # WhatsApp writes seconds there; Threema does not


def _iso(year: int, month: int | None, day: int, hour: int, minute: int, second: int = 0) -> str | None:
    try:
        return datetime(year + (2000 if year < 100 else 0), month or 0, day, hour, minute, second).isoformat()
    except (ValueError, TypeError):
        return None


def _new_iso(match: re.Match[str]) -> str | None:
    second = int(match["s"] or 0)
    if match["iy"]:
        return _iso(int(match["iy"]), int(match["im"]), int(match["id"]), int(match["h"]), int(match["min"]), second)
    return _iso(int(match["y"]), int(match["m"]), int(match["d"]), int(match["h"]), int(match["min"]), second)


def _records(index: int, sender: str | None, written: str, iso: str | None, body: str, note: str) -> list[Message]:
    """One message; a file named inline is its attachment (several: one record each, words with the first)."""
    names = [m["name"] for m in _FILE_RE.finditer(body)]
    words = _FILE_RE.sub("", body).strip()
    if sender is None:
        return [Message(index, None, written, iso, body.strip(), True, None, note)]
    if not names:
        old = _OLD_FILE_RE.match(body.strip())
        if old is None:
            return [Message(index, sender, written, iso, body.strip(), False, None, note)]
        names, words = [old["name"]], ""
    return [Message(index + i, sender, written, iso, words if i == 0 else "", False,
                    Attachment(name, False, kind_of(name), f"<{name}>", name), note) for i, name in enumerate(names)]


def _parse_new(lines: list[str]) -> list[tuple[str | None, str, str | None, list[str], str]]:
    rows: list[tuple[str | None, str, str | None, list[str], str]] = []
    for line in lines:
        match = _HEADER_RE.match(line)
        sender = _SENDER_RE.match(match["rest"]) if match else None
        if match:
            rows.append((sender["sender"].strip() if sender else None, match["stamp"], _new_iso(match),
                         [(sender["text"] or "") if sender else match["rest"]], ""))
        elif rows:
            rows[-1][3].append(line)
    return rows


def _parse_old(lines: list[str], other: str) -> list[tuple[str | None, str, str | None, list[str], str]]:
    rows: list[tuple[str | None, str, str | None, list[str], str]] = []
    for line in lines:
        match = _OLD_RE.match(line)
        if match:
            month = dates.MONTHS.get(match["mon"].lower().rstrip("."))
            iso = _iso(int(match["y"]), month, int(match["d"]), int(match["h"]), int(match["min"]), int(match["s"]))
            sent = match["way"] == ">>>"
            note = "" if sent else f"received: the export names no sender; the chat's other side ({other})"
            rows.append((ME if sent else other, match["stamp"], iso, [match["text"]], note))
        elif rows:
            rows[-1][3].append(line)
    return rows


def parse(text: str, name: str = "") -> Chat:
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    stem = PurePosixPath(name).stem
    title = stem.removeprefix("messages-") if stem.lower().startswith("messages-") else stem
    old = sum(1 for line in lines[:2000] if _OLD_RE.match(line))
    other = title if title and title.lower() != "messages" else "the other side"
    rows = _parse_old(lines, other) if old >= MIN_HEADERS else _parse_new(lines)
    messages: list[Message] = []
    for sender, written, iso, body, note in rows:
        note = "; ".join(n for n in (note, "" if iso else "time not read") if n)
        messages += _records(len(messages), sender, written, iso, "\n".join(body).rstrip(), note)
    return Chat(title, tuple(messages), "day-first")
