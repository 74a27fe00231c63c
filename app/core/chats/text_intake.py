"""Text exhibits: plain .txt documents, WhatsApp chat exports and transcript JSON files.

A text file becomes an exhibit like a media file does (SHA-256 and size taken
at intake, the original opened read-only and never changed; duration 0) and
its content is stored as a run of task "text", one segment per paragraph or
message, so it can be translated, edited and exported like a transcript.

How a chat message is held in a Segment (exports show it as it is):

    start_ms = end_ms = 0       a text has no media time; order is the store's
                                 insertion order (segments sort by start, then id)
    speaker  = "[<timestamp>] <sender>"
                                 the message's date and time exactly as the export
                                 wrote them, then the sender, as on an iOS export
                                 line: "[12/03/2024, 21:14] Anna". A system note
                                 has no sender: "[12/03/2024, 21:14]".
                                 split_chat_speaker() gives the two parts back.
    text     = the message      continuation lines kept as line breaks
    flags    = ("chat_media",)  an attachment placeholder ("<Media omitted>")
               ("chat_system",) a note written by WhatsApp, not by the sender
                                 Neither is ever sent to the translator.

A plain text's paragraphs (blocks between blank lines) are segments with no
speaker and no flags, in order.

A transcript JSON (this program's own export) is imported instead as a run of
the task it records ("transcribe", "translate"...), on the exhibit of the
original it describes (by the SHA-256 it carries), with the JSON file's own
path and SHA-256 in the run's settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.chats.encoding import decode_text, one_line_end
from app.core.chats.records import Message
from app.core.editing.operations import current_transcript
from app.core.errors import MediaError
from app.core.evidence.provenance import software_info
from app.core.export.json_export import transcript_from_json
from app.core.media.readable import check_readable
from app.core.store import Case, Exhibit
from app.core.store.chats import chat_exhibit_of
from app.core.store.spelling import where_met
from app.core.types import ModelInfo, Segment, SoftwareInfo, SourceInfo

TEXT_TASK = "text"
FLAG_CHAT_MEDIA = "chat_media"  # attachment placeholder: kept, never translated
FLAG_CHAT_SYSTEM = "chat_system"  # WhatsApp's own note: kept, never translated
UNTRANSLATED_FLAGS = frozenset({FLAG_CHAT_MEDIA, FLAG_CHAT_SYSTEM})
TEXT_EXTENSIONS = (".txt", ".text", ".md")  # .md: Signal's text export (signal-export)
JSON_EXTENSIONS = (".json",)
MAX_TEXT_BYTES = 64 * 1024 * 1024  # a chat export this big is not a text file
PARSER_VERSION = 3  # 2: app.core.chats (every layout, languages, captions); 3: line ends made one first (lone CRs)

TAKEN_AS_CHAT = ("already taken in as chat exhibit {exhibit} (by `timeline`): not taken in a second time; its "
                 "messages are translated by `timeline` on it with --translate-to (and --from)")
NOT_READ_AS_CHAT = ("a chat export, which `translate` does not read (it reads WhatsApp and Signal chat texts): its "
                    "messages are translated by `timeline` on it with --translate-to (and --from)")

_SPEAKER_RE = re.compile(r"^\[(?P<ts>[^\[\]]*)\](?: (?P<sender>.*))?$", re.DOTALL)


# --- reading ------------------------------------------------------------------------


def read_original(path: str | Path) -> bytes:
    """The bytes of an original, opened read-only; MediaError with a one-line reason."""
    p = check_readable(path)
    if p.stat().st_size > MAX_TEXT_BYTES:
        raise MediaError(str(path), f"too large for a text file ({p.stat().st_size:,} bytes)")
    try:
        with open(p, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise MediaError(str(path), exc.strerror or "cannot read file") from None


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside UTF-16 mean this is not a text document."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in data[:8192]


# --- chat speaker field ----------------------------------------------------------------


def chat_speaker(timestamp: str, sender: str | None) -> str | None:
    """The speaker field of a chat message: "[<timestamp>] <sender>"."""
    if not timestamp:
        return sender
    return f"[{timestamp}]" + (f" {sender}" if sender else "")


def split_chat_speaker(speaker: str | None) -> tuple[str, str | None]:
    """(timestamp, sender) back from a chat segment's speaker ("" when it has no timestamp)."""
    if not speaker:
        return "", None
    match = _SPEAKER_RE.match(speaker)
    if match is None:
        return "", speaker
    return match.group("ts"), match.group("sender") or None


# --- segments ------------------------------------------------------------------------


def message_segment(message: Message) -> Segment:
    """An attachment without a caption keeps its placeholder (never translated); a caption is text."""
    flags: tuple[str, ...] = ()
    text = message.text
    if message.system:
        flags = (FLAG_CHAT_SYSTEM,)
    elif message.attachment is not None and not text.strip():
        flags, text = (FLAG_CHAT_MEDIA,), message.attachment.placeholder
    return Segment(
        start_ms=0,
        end_ms=0,
        text=text,
        speaker=chat_speaker(message.time_as_written, message.sender),
        flags=flags,
    )


def chat_container(text: str, name: str = "") -> str | None:
    """"whatsapp" or "signal" for a chat text; None for any other text. (The chat readers are imported
    here: the worker imports this module for every translation, and a transcription needs none.)"""
    from app.core.chats.registry import sniff_text

    container = sniff_text(text, name)
    return container if container in ("whatsapp", "signal") else None


def is_other_chat_export(path: str | Path) -> bool:
    """A file of a chat export read by `timeline` (Telegram's result.json or messages.html, a WhatsApp zip, ...)."""
    from app.core.chats.registry import is_read_in_folder

    return is_read_in_folder(Path(path))


def chat_segments(text: str, name: str = "") -> tuple[Segment, ...]:
    from app.core.chats.registry import parse_text

    chats = parse_text(text, name, chat_container(text, name))
    return tuple(message_segment(m) for chat in chats for m in chat.messages)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text: blocks separated by blank lines, inner line breaks kept."""
    blocks = re.split(r"\n[ \t\u00a0]*\n", one_line_end(text))
    return [block.strip() for block in blocks if block.strip()]


def paragraph_segments(text: str) -> tuple[Segment, ...]:
    return tuple(Segment(start_ms=0, end_ms=0, text=p) for p in split_paragraphs(text))


def is_untranslated(segment: Segment) -> bool:
    """True for what is never sent to a translator: attachments, system notes, blank text."""
    return bool(UNTRANSLATED_FLAGS.intersection(segment.flags)) or not segment.text.strip()


# --- exhibits -------------------------------------------------------------------------


def text_source(path: str | Path, data: bytes, kind: str, container: str = "") -> SourceInfo:
    return SourceInfo(
        path=where_met(str(path)),
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        duration_ms=0,
        container=container or ("whatsapp-chat" if kind == "chat" else "text"),
        kind=kind,
    )


def _store_run(
    case: Case,
    exhibit: Exhibit,
    task: str,
    model: ModelInfo,
    settings: dict[str, Any],
    software: SoftwareInfo,
    segments: tuple[Segment, ...],
    language: str | None,
    language_probability: float | None = None,
    warnings: tuple[str, ...] = (),
    source_language: str | None = None,
) -> int:
    """The complete run of these settings: the one stored already, else this one, stored whole in
    one transaction (a kill never leaves half a run; two imports at once store it once)."""
    with case.transaction():
        run_id = case.completed_run(exhibit.id, task, settings)
        if run_id is not None:
            return run_id
        run_id = case.start_run(
            exhibit.id, task, model, settings, software, source_language=source_language
        )
        case.append_segments(
            run_id, segments, {"imported": True}, language, language_probability, track="mix"
        )
        case.finish_run(run_id, "complete", warnings=warnings)
    return run_id


def import_text(case: Case, path: str | Path, language: str | None = None) -> tuple[Exhibit, int]:
    """A .txt or WhatsApp export as an exhibit and a "text" run; (exhibit, run id).

    The same file imported again reuses its exhibit and run. `language`, when
    known, is recorded as the run's language.
    """
    data = read_original(path)
    if looks_binary(data):
        raise MediaError(str(path), "not a text file (binary content)")
    text, encoding = decode_text(data)
    text = one_line_end(text)  # a chat of lone CRs was read in part (its first lines one message), or not at all
    container = chat_container(text, Path(path).name)
    kind = "chat" if container else "text"
    segments = chat_segments(text, Path(path).name) if container else paragraph_segments(text)
    if not segments:
        raise MediaError(str(path), "no text in this file")
    source = text_source(path, data, kind, "whatsapp-chat" if container == "whatsapp" else container or "")
    taken = chat_exhibit_of(case, source.sha256)
    if taken is not None and case.latest_run(taken, TEXT_TASK) is None:  # its messages are stored (`timeline`): a
        raise MediaError(str(path), TAKEN_AS_CHAT.format(exhibit=taken))  # text run was a second copy of each
    exhibit, _ = case.add_exhibit(source, found_at=source.path)
    settings = {
        "parser": {"whatsapp": "whatsapp-chat", None: "paragraphs"}.get(container, container),
        "parser_version": PARSER_VERSION,
        "encoding": encoding,
        "language": language,
    }
    model = ModelInfo(name=f"text import ({settings['parser']})", path="", sha256="", family="text")
    damaged = (f"the file is not valid {encoding}: each unreadable byte is shown as \ufffd",) \
        if "damaged" in encoding else ()
    run_id = _store_run(
        case, exhibit, TEXT_TASK, model, settings, software_info(), segments, language, warnings=damaged
    )
    return exhibit, run_id


def _json_kind(source: SourceInfo) -> str:
    if source.container in ("whatsapp-chat", "signal"):
        return "chat"
    if source.container == "text" or (not source.audio_codec and not source.duration_ms):
        return "text"
    return "media"


def _lines(segments) -> list[tuple[int, int, str | None, str]]:
    return [(s.start_ms, s.end_ms, s.speaker, s.text) for s in segments]


def _same_stored_run(case: Case, exhibit: Exhibit, transcript) -> int | None:
    """The run the JSON was exported from, when this case holds it with the same text."""
    if transcript.run_id is None:
        return None
    run_id = transcript.run_id
    if not case.is_complete_run(run_id, exhibit.id, transcript.task, transcript.model.sha256):
        return None
    stored = current_transcript(case, run_id)
    return run_id if _lines(stored.segments) == _lines(transcript.segments) else None


def import_transcript_json(case: Case, path: str | Path) -> tuple[Exhibit, int]:
    """A transcript JSON written by this program, stored as a run on its original's exhibit.

    The exhibit is the original the JSON describes (its SHA-256); the run keeps
    the JSON's task, language, model, software, settings and warnings, with
    `imported_from` / `imported_sha256` (the JSON file) and `imported_status`
    added to the settings. The same JSON imported again reuses that run, and a
    JSON exported from this very case (same run, same text) gives that run back.
    """

    data = read_original(path)
    try:
        parsed = json.loads(decode_text(data)[0])
        if not isinstance(parsed, dict) or "segments" not in parsed or "source" not in parsed:
            raise ValueError("no source or segments")
        transcript = transcript_from_json(parsed)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:  # '[[[[...': too deep
        if is_other_chat_export(path):
            raise MediaError(str(path), NOT_READ_AS_CHAT) from None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MediaError(str(path), f"not a Parley transcript JSON ({reason})") from None
    src = transcript.source
    if not re.fullmatch(r"[0-9a-f]{64}", src.sha256 or ""):
        raise MediaError(str(path), "not a Parley transcript JSON (no SHA-256 of its source)")
    source = replace(src, kind=_json_kind(src))
    exhibit, _ = case.add_exhibit(source, found_at=src.path or src.name)
    same = _same_stored_run(case, exhibit, transcript)
    if same is not None:
        return exhibit, same
    settings = dict(transcript.settings)
    settings.update(
        {
            "imported_from": where_met(str(path)),
            "imported_sha256": hashlib.sha256(data).hexdigest(),
            "imported_status": transcript.status,
            "imported_verified_by": transcript.verified_by,
            "imported_run_id": transcript.run_id,
        }
    )
    segments = tuple(replace(s, id=None) for s in transcript.segments)
    run_id = _store_run(
        case,
        exhibit,
        transcript.task,
        transcript.model,
        settings,
        transcript.software,
        segments,
        transcript.language,
        transcript.language_probability,
        transcript.warnings,
        transcript.source_language,
    )
    return exhibit, run_id


def classify(path: str | Path) -> str:
    """ "json", "text" or "media", from the file name (content decides text vs chat later)."""
    suffix = Path(path).suffix.lower()
    if suffix in JSON_EXTENSIONS:
        return "json"
    if suffix in TEXT_EXTENSIONS:
        return "text"
    return "media"
