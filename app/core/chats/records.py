"""Records of a chat export: messages, their attachments, the chats of an export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

AUDIO_EXTENSIONS = frozenset({
    "opus", "ogg", "oga", "m4a", "aac", "mp3", "amr", "awb", "wav", "caf", "flac", "wma", "aif", "aiff",
})
VIDEO_EXTENSIONS = frozenset({"mp4", "m4v", "mov", "3gp", "3g2", "mkv", "webm", "avi", "wmv"})
UNREFERENCED_NOTE = "a file of the export that no message refers to; kept here, with no sender and no time"
UNREFERENCED_TIMED_NOTE = ("a file of the export that no message refers to; kept here, with no sender, "
                           "placed by the time its file name carries")
SHARED_NOTE = ("several chats' exports lie where it does (or it is in no chat's folder), so which chat it is of is not "
               "known: kept with the first of them")
LIKELY_CUT = "likely cut short"  # in the note of a last message with no line end after it (`timeline` warns)
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "heic", "bmp", "tif", "tiff"})
THIS_PHONE = "(this phone)"  # the sender of a message the phone itself sent (an SMS backup, an iPhone's CSV)
VOICE_NOTE_PREFIXES = ("PTT-", "AUD-")  # WhatsApp's names for a voice note and a sound file (Android)


def voice_note_named(name: str | None) -> bool:
    """WhatsApp names it as sound whatever its extension: `PTT-20261202-WA0004.3gp`, iOS's `00000012-AUDIO-….mp4`."""
    upper = PurePosixPath(name or "").name.upper()
    return upper.startswith(VOICE_NOTE_PREFIXES) or "-AUDIO-" in upper


def party(name: str, number: str) -> str:
    """A party named with its number or address beside it ("Anna (+447700900123)"), either alone when the other is
    empty or the same; "" when both are."""
    return f"{name} ({number})" if name and number and name != number else name or number


def kind_of(name: str | None) -> str:
    """audio, video, animation (a GIF sent as a silent video), image, sticker or document, from a file name."""
    if not name:
        return "other"
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    if suffix in AUDIO_EXTENSIONS:
        return "audio"
    if suffix in VIDEO_EXTENSIONS and voice_note_named(name):  # missing or unreadable: a "Voice note", not a "Video"
        return "audio"
    if suffix in VIDEO_EXTENSIONS:
        return "animation" if "-GIF-" in name.upper() else "video"  # iOS WhatsApp's 00000013-GIF-....mp4
    if suffix == "webp" and "STK" in name.upper():
        return "sticker"
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    return "document"


def joined_containers(names: Iterable[str]) -> str:
    """Several exports' or chats' containers as one: each said once, in order (`whatsapp-zip + sms-xml`)."""
    return " + ".join(dict.fromkeys(names))


@dataclass(frozen=True)
class Attachment:
    """A file a message carries. `name` is None when the export left it out entirely."""

    name: str | None
    missing: bool  # the file is not in the export (omitted, not included, or not found beside it)
    kind: str = "other"  # audio | video | animation | image | sticker | document | other
    placeholder: str = ""  # the attachment line exactly as the export wrote it
    path: str | None = None  # where the file is inside the export (relative), when named

    @property
    def recording(self) -> bool:
        """A voice note or video (audio or video), whether the export holds it or not."""
        return self.kind in ("audio", "video")

    @property
    def playable(self) -> bool:
        """Audio or video: taken in as its own exhibit and transcribed."""
        return self.recording and not self.missing


@dataclass(frozen=True)
class Message:
    index: int
    sender: str | None  # None when the export names none (system notes, unattributed lines)
    time_as_written: str
    datetime: str | None  # ISO 8601 (local time as the export wrote it); None when ambiguous
    text: str  # the message or caption; never an attachment's file name
    system: bool = False  # written by the app, not by the sender
    attachment: Attachment | None = None
    note: str = ""  # what the parser could not decide (ambiguous date, unrecognised header)

    @property
    def translatable(self) -> bool:
        return not self.system and bool(self.text.strip())


def missing_name(m: Message) -> str:
    """A recording missing from the export by its file name, or, where the export names none, by what it is and
    when it was sent: Telegram's "(File not included. Change data exporting settings to download.)" was listed
    among the file names as if it were one."""
    if m.attachment is not None and m.attachment.name:
        return m.attachment.name
    kind = "video" if m.attachment is not None and m.attachment.kind == "video" else "recording"  # an "audio" kind
    # may be a voice note or an audio file (music, a recorded call): "voice note" says the sender recorded it
    sent = m.datetime.replace("T", " ") if m.datetime else m.time_as_written
    return f"an unnamed {kind} sent {sent}" if sent else f"an unnamed {kind}"


@dataclass(frozen=True)
class Chat:
    name: str
    messages: tuple[Message, ...]
    date_order: str = ""  # how dates were read: "day-first", "month-first", "iso", "ambiguous", ...


@dataclass(frozen=True)
class ChatExport:
    container: str  # whatsapp | whatsapp-zip | telegram-json | signal
    source: str  # the file the chats were read from (inside a zip: the zip's member name)
    chats: tuple[Chat, ...]

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(m for chat in self.chats for m in chat.messages)

    @classmethod
    def joined(cls, exports: Sequence[ChatExport]) -> ChatExport:
        """The exports read from one file as one (a zip's WhatsApp chat and the SMS backup beside it in the zip)."""
        return cls(joined_containers(e.container for e in exports), ", ".join(e.source for e in exports),
                   tuple(chat for e in exports for chat in e.chats))

    def missing_recordings(self) -> list[str]:
        """The voice notes and videos the messages name that are not in the export (left out when it was
        made, or lost since): nothing of them can be transcribed, and `transcribe` said nothing of them."""
        return [missing_name(m) for m in self.messages
                if m.attachment is not None and m.attachment.missing and m.attachment.recording]

    def accounting(self) -> str:
        """What became of the attachments, in words: those named but not in the export, and the
        files of the export that no message names (kept in the chat, placed by the time their names carry)."""
        attachments = [m for m in self.messages if m.attachment is not None]
        missing = sum(1 for m in attachments if m.attachment.missing)  # type: ignore[union-attr]
        unnamed = sum(1 for m in attachments if m.note.startswith((UNREFERENCED_NOTE, UNREFERENCED_TIMED_NOTE)))
        return ", ".join([f"{len(attachments) - unnamed} attachment(s) named", f"{missing} of them not in the export",
                          f"{unnamed} file(s) no message names (kept in the chat)"])
