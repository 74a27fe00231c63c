"""A phone's text messages as "SMS Backup & Restore" writes them (`sms-20240116080000.xml`), and
Signal Android's plaintext backup (`SignalPlaintextBackup.xml`), which writes the same layout; and the
phone's call log as the same app writes it beside them (`calls-20240116080000.xml`, `<calls><call number=...
duration="65" type="3" .../></calls>`), each call a record in that number's chat.

    <smses count="2">
      <sms address="+447700900123" date="1705352700000" type="1" body="where are you?"
           readable_date="15 Jan 2024 21:05:00" contact_name="Anna" ... />
      <mms date="1705352760000" msg_box="1" address="+447700900123" contact_name="Anna" ...>
        <parts><part ct="application/smil" .../><part ct="audio/amr" cl="audio.amr" data="IyFBTVIK..."/>
               <part ct="text/plain" text="listen"/></parts>
        <addrs><addr address="+447700900123" type="137"/></addrs>
      </mms>
    </smses>

One chat per conversation (its address; a group's addresses joined by `~`), named by the contact
name the phone had, in time order (the backup writes every SMS, then every MMS). A time is
milliseconds since 1970 in UTC, said as such. `type`/`msg_box` 2 is a message this phone sent:
its sender is "(this phone)"; a draft, a failed or a queued message says so. An MMS's pictures,
voice recordings and videos are inside the backup (base64): one record per file, the text with
the first; the audio and video are written out below the case's folder to be transcribed, every
file is hashed; a backup made without them says each missing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import IO

from app.core.chats.copies import remove_stale_parts, write_copy
from app.core.chats.parsing import Loaded
from app.core.chats.records import THIS_PHONE, Attachment, Chat, ChatExport, Message, kind_of
from app.core.chats.senders import phone_sender
from app.core.chats.xml_refs import JoinedRefs
from app.core.errors import ChatError
from app.core.names import path_inside, plain_name

CONTAINER = "sms-backup-xml"
SENT = frozenset({"2", "4", "5", "6"})  # sent, outbox, failed, queued (SMS `type`; MMS `msg_box` 2 and 4)
STATES = {"3": "a draft, never sent", "4": "in the outbox, not sent yet", "5": "failed to send", "6": "queued to send"}
FROM = "137"  # an MMS address of type 137 is its sender


# Android's `CallLog.Calls.TYPE`: what became of a call
CALLS = {"1": "incoming call", "2": "outgoing call", "3": "missed call", "4": "voicemail", "5": "call rejected",
         "6": "call blocked", "7": "call answered on another device"}
PRESENTATION = {"2": "the number withheld", "3": "the number unknown", "4": "from a payphone"}  # `presentation`
# An older Android's CallLog wrote a caller with no number as the number -1, -2 or -3 (CallLog.Calls.addCall's
# UNKNOWN_NUMBER, PRIVATE_NUMBER, PAYPHONE_NUMBER): no number at all, never the short code "1", "2" or "3".
NO_NUMBER = {"-1": "3", "-2": "2", "-3": "4"}  # the sentinel -> its `presentation`
CALLS_CHAT = ", calls"  # a call log's chat is named apart from the same number's texts


def looks_like_text(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff \t\r\n")
    return head.startswith("<") and ("<smses" in head or "<calls" in head)


@dataclass
class _Read:
    extract_to: Path | None = None  # where audio and video are written out (none: only hashed)
    records: list[tuple[int, tuple[str, str], Message]] = field(default_factory=list)  # (ms, (key, kind), message)
    names: dict[str, str] = field(default_factory=dict)  # chat key -> contact name
    hashes: dict[str, str] = field(default_factory=dict)  # attachment path -> the file's SHA-256
    files: dict[str, Path] = field(default_factory=dict)  # attachment path -> the file written out


def _value(element: ET.Element, key: str) -> str:
    value = element.get(key)
    return "" if value is None or value == "null" else value


def _iso(ms: str) -> str | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


_SPACING_RE = re.compile(r"[\s\u00a0\u202f().\-]+")


def _conversation(address: str) -> str:
    """The address one conversation is known by, however the phone spaced it: the telephony store may write one
    person as "+44 7700 900123" on one message and "+447700900123" on the next (each was a chat of its own, one
    person's messages split in two). A number with its country code as +447700900123, one without it with its
    spacing taken out (its country cannot be told: "07700 900123" stays apart from "+447700900123"), a name as
    written; a group's addresses each so, joined by `~` as the backup joins them."""
    def one(part: str) -> str:
        part = part.strip()
        digits = _SPACING_RE.sub("", phone_sender(part) or part)
        return digits if digits.lstrip("+").isdigit() else part
    return "~".join(one(part) for part in address.split("~"))


def _party(address: str, name: str) -> str:
    return f"{name} ({address})" if name and name != "(Unknown)" and address else address or name or "(no address)"


def _note(box: str, iso: str | None, written: str, address: str) -> str:
    notes = ([] if iso else ["no readable time"]) + ([STATES[box]] if box in STATES else []) + (
        [f"address written as {written!r}"] if written != address else [])
    return "; ".join(notes)


def _kind(content_type: str, name: str) -> str:
    major = content_type.split("/", 1)[0].lower()
    return {"audio": "audio", "video": "video", "image": "image"}.get(major) or kind_of(name)


def _part_attachment(part: ET.Element, stamp: str, seq: int, read: _Read) -> Attachment:
    name = _value(part, "fn") or _value(part, "cl") or _value(part, "name") or f"part{seq}"
    content_type = _value(part, "ct")
    data = part.get("data")
    if not data:  # a backup made without its messages' media
        return Attachment(name, True, _kind(content_type, name), content_type, None)
    try:
        content = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return Attachment(name, True, _kind(content_type, name), f"{content_type} (its data cannot be decoded)", None)
    digest = hashlib.sha256(content).hexdigest()
    # the backup's own words (its `date`, the part's name) made safe, and the content's hash in the name: two
    # parts with one stamp, number and name (two people's "voice.amr" in one millisecond) keep their own files
    copy_name = f"{plain_name(stamp, 40)}-{seq}-{digest[:12]}-{plain_name(PurePosixPath(name).name, 80)}"
    path = f"mms/{copy_name}"
    attachment = Attachment(name, False, _kind(content_type, name), content_type, path)
    read.hashes[path] = digest  # every file; only sound is written out, one at a time
    if attachment.playable and read.extract_to is not None:
        read.files[path] = _write(path_inside(read.extract_to / "mms", copy_name), content)
    return attachment


def _sms(element: ET.Element, read: _Read) -> None:
    as_written, box, ms = _value(element, "address"), _value(element, "type"), _value(element, "date")
    address = _conversation(as_written)
    iso = _iso(ms)
    name = _value(element, "contact_name")
    sender = THIS_PHONE if box in SENT else _party(address, name)
    written = _value(element, "readable_date") or ms
    read.records.append((_ms(ms), (address, ""), Message(0, sender, written, iso, _value(element, "body"), False, None,
                                                   _note(box, iso, as_written, address))))
    if name and name != "(Unknown)":
        read.names.setdefault(address, name)


def _mms(element: ET.Element, read: _Read) -> None:
    as_written, box, ms = _value(element, "address"), _value(element, "msg_box"), _value(element, "date")
    address = _conversation(as_written)
    iso = _iso(ms)
    name = _value(element, "contact_name")
    senders = [_value(a, "address") for a in element.iter("addr") if _value(a, "type") == FROM]
    own = box in SENT
    sender = THIS_PHONE if own else _party(_conversation(senders[0]) if senders else address,
                                           name if "~" not in address else "")
    texts, files = [], []
    for seq, part in enumerate(element.iter("part")):
        content_type = _value(part, "ct").lower()
        if content_type == "application/smil":
            continue
        if content_type.startswith("text/plain"):
            texts.append(_value(part, "text"))
        else:
            files.append(_part_attachment(part, ms or "0", seq, read))
    written = _value(element, "readable_date") or ms
    text, note = "\n".join(t for t in texts if t), _note(box, iso, as_written, address)
    if senders and not own and senders[0] != _conversation(senders[0]):  # the sender's own address, as written
        note = "; ".join(n for n in (note, f"sender written as {senders[0]!r}") if n)
    for k, attachment in enumerate(files or [None]):
        read.records.append((_ms(ms), (address, ""), Message(0, sender, written, iso, text if k == 0 else "", False,
                                                       attachment, note)))
    if name and name != "(Unknown)":
        read.names.setdefault(address, name)


def _call(element: ET.Element, read: _Read) -> None:
    """One call of the log: the phone's record, no one's words (an unanswered outgoing call is also 0 s)."""
    as_written, kind, ms = _value(element, "number"), _value(element, "type"), _value(element, "date")
    address = "" if as_written.strip() in NO_NUMBER else _conversation(as_written)
    iso, name, duration = _iso(ms), _value(element, "contact_name"), _value(element, "duration")
    what = CALLS.get(kind, f"a call of type {kind or '(none)'}, which Android does not name")
    text = f"{what}, {duration} s" if duration.isdigit() and kind in ("1", "2", "7") else what
    said = PRESENTATION.get(_value(element, "presentation")) or PRESENTATION.get(NO_NUMBER.get(as_written.strip(), ""))
    note = "; ".join(n for n in ("from the phone's call log", said,
                                 _note("", iso, as_written, address)) if n)
    sender = THIS_PHONE if kind == "2" else _party(address, name)
    read.records.append((_ms(ms), (address, CALLS_CHAT), Message(0, sender, _value(element, "readable_date") or ms,
                                                                 iso, text, True, None, note)))
    if name and name != "(Unknown)":
        read.names.setdefault(address, name)


def _ms(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


_READERS = {"sms": _sms, "mms": _mms, "call": _call}


def read_backup(path: Path, extract_to: Path | None = None, stream: IO[bytes] | None = None) -> _Read:
    """Every SMS and MMS (or call) of the backup, streamed (a backup with media runs to gigabytes); from `stream`
    when given (a member of a zip, read in place), `path` then only naming it."""
    read = _Read(extract_to)
    try:
        with (nullcontext(stream) if stream is not None else open(path, "rb")) as source:
            events = ET.iterparse(JoinedRefs(source), events=("end",))  # an emoji's two halves joined
            while (element := _next_element(events, path, read)) is not None:
                reader = _READERS.get(element.tag)
                if reader is not None:
                    reader(element, read)
                    element.clear()
    except ET.ParseError as exc:
        raise ChatError(str(path), f"malformed XML ({exc}); {len(read.records)} message(s) read before it") from None
    except OSError as exc:
        raise ChatError(str(path), exc.strerror or "cannot read file") from None
    return read


def _next_element(events: Iterator[tuple[str, ET.Element]], path: Path, read: _Read) -> ET.Element | None:
    """The next element the parser has read whole; None at the end. An encoding the parser cannot read (the
    declaration names one Python lacks, "UT", or one expat refuses, "utf-7") is one line. Only the parser's
    errors are caught here: a ValueError from reading a message is no encoding's, and is not said as one."""
    try:
        return next(events)[1]
    except StopIteration:
        return None
    except (LookupError, ValueError) as exc:
        raise ChatError(str(path), f"malformed XML (its encoding cannot be read: {exc}); "
                                   f"{len(read.records)} message(s) read before it") from None


def _chats(read: _Read) -> tuple[Chat, ...]:
    by_key: dict[tuple[str, str], list[tuple[int, Message]]] = {}
    for ms, key, message in read.records:
        by_key.setdefault(key, []).append((ms, message))
    chats = []
    for (key, kind), entries in by_key.items():
        ordered = [m for _, m in sorted(entries, key=lambda pair: pair[0])]
        messages = tuple(Message(i, m.sender, m.time_as_written, m.datetime, m.text, m.system, m.attachment, m.note)
                         for i, m in enumerate(ordered))
        name = read.names.get(key, "")
        chats.append(Chat((f"{name} ({key})" if name else key or "(no address)") + kind, messages, "utc"))
    return tuple(chats)


def load_backup(path: Path, extract_to: Path | None = None, stream: IO[bytes] | None = None) -> Loaded:
    """The backup's conversations; its audio and video written out below `extract_to` when given."""
    read = read_backup(path, extract_to, stream)
    if not read.records:
        raise ChatError(str(path), "no SMS, MMS or call in this backup")
    return Loaded(ChatExport(CONTAINER, str(path), _chats(read)), path, read.files, hashes=read.hashes)


def _write(target: Path, data: bytes) -> Path:
    remove_stale_parts(target)
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return target  # an earlier run's copy, byte for byte (a power cut can leave the size and zeros)
    return write_copy(target, lambda out: out.write(data))
