"""Which parser reads an export: decided by content, not by file name alone.

    load_export(path, extract_root=None) -> list[Loaded]

`path` is a chat file (WhatsApp .txt, Signal .md, Telegram result.json), a
WhatsApp .zip, or an export folder holding one of those. Attachments are
looked for where the export put them (inside the zip, or beside the chat file
in its folder); one not found is marked missing. Media inside a zip are
extracted only when `extract_root` is given (the case's own folder), and only
the audio and video the chat refers to.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from app.core.chats import signal, signal_text, telegram, telegram_html, whatsapp, whatsapp_zip
from app.core.chats.encoding import decode_text
from app.core.chats.records import Attachment, Chat, ChatExport, Message, kind_of
from app.core.errors import ChatError
from app.core.hashing import sha256_file

MAX_CHAT_BYTES = 64 * 1024 * 1024
CHAT_SUFFIXES = (".txt", ".md", ".json", ".html")
_LATER_PAGE_RE = re.compile(r"^messages(\d+)\.html$")  # Telegram HTML: read with messages.html
MIN_HEADER_SHARE = 0.3  # of the first non-blank lines: a chat, not a document quoting one date
MAX_FOLDER_DEPTH = 2  # media are beside the chat file or in its export's own subfolders
MAX_FOLDER_FILES = 200_000
MAX_SEARCH_DEPTH = 8  # folders below the one given that are searched for exports


@dataclass(frozen=True)
class Loaded:
    export: ChatExport
    original: Path  # the file taken in as the export's exhibit (the zip, or the chat file)
    files: dict[str, Path]  # attachment path -> the file on disk (extracted copy for a zip)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM, damaged bytes as U+FFFD), UTF-16 with a BOM, else Latin-1."""
    return decode_text(data)[0]


Parser = Callable[[str, str], tuple[Chat, ...]]


def _parser_for(text: str, name: str) -> tuple[str, Parser] | None:
    """(container, parser) for a chat text, decided by its content; None when it is no chat."""
    stem = PurePosixPath(name).stem
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return telegram.CONTAINER, telegram.parse  # JSON: its parser says what is wrong, if anything
    if telegram_html.looks_like(text):
        return telegram_html.CONTAINER, telegram_html.parse
    if signal_text.is_sigtop_text(text):
        return signal.CONTAINER, lambda t, n: (signal_text.parse(t, stem),)
    if signal_text.short_score(text) >= MIN_HEADER_SHARE:
        return signal.CONTAINER, lambda t, n: (signal_text.parse_short(t, stem),)
    if signal.score(text) >= MIN_HEADER_SHARE and (name.lower().endswith(".md")
                                                   or signal.has_markdown_media(text)):
        return signal.CONTAINER, lambda t, n: (signal.parse(t, stem),)
    if whatsapp.looks_like(text, MIN_HEADER_SHARE):
        return whatsapp.CONTAINER, lambda t, n: (whatsapp.parse(t, stem),)
    return None


def sniff_text(text: str, name: str = "") -> str | None:
    """The container a chat text is in ("whatsapp", "signal", "telegram-json"), or None."""
    found = _parser_for(text, name)
    return found[0] if found else None


def parse_text(text: str, name: str, container: str | None = None) -> tuple[Chat, ...]:
    """The chats a text holds; ChatError when it is no chat export or holds no message.

    `container` forces the WhatsApp reader (a zip's chat); otherwise content decides."""
    if container == whatsapp.CONTAINER:
        found: tuple[str, Parser] | None = (container, lambda t, n: (
            whatsapp.parse(t, PurePosixPath(n).stem),))
    else:
        found = _parser_for(text, name)
    if found is None:
        raise ChatError(name, "no recognisable chat message (not a WhatsApp, Signal or Telegram export)")
    chats = found[1](text, name)
    if not any(m.time_as_written for c in chats for m in c.messages):
        raise ChatError(name, "no recognisable chat message in this export")
    return chats


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_CHAT_BYTES:
            raise ChatError(str(path), f"too large for a chat text ({size:,} bytes)")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ChatError(str(path), exc.strerror or "cannot read file") from None


def _with_attachments(chats: tuple[Chat, ...], locate: Callable[[Attachment], str | None]) -> tuple[Chat, ...]:
    """Each named attachment's place in the export, or missing when it is not there."""
    out = []
    for chat in chats:
        messages = []
        for m in chat.messages:
            a = m.attachment
            if a is not None and a.name and not a.missing:
                found = locate(a)
                a = replace(a, path=found, missing=found is None)
                m = replace(m, attachment=a)
            messages.append(m)
        out.append(replace(chat, messages=tuple(messages)))
    return tuple(out)


def _folder_files(base: Path) -> dict[str, Path]:
    """Files of an export folder, to the depth exports use (Telegram: `voice_messages/x.ogg`)."""
    files: dict[str, Path] = {}
    for root, dirs, names in os.walk(base):
        depth = len(Path(root).relative_to(base).parts)
        dirs[:] = sorted(dirs) if depth < MAX_FOLDER_DEPTH else []
        for name in sorted(names):
            full = Path(root) / name
            if not full.is_symlink():
                files[full.relative_to(base).as_posix()] = full
            if len(files) >= MAX_FOLDER_FILES:
                return files
    return files


def _locate_in(files: dict[str, Path]) -> Callable[[Attachment], str | None]:
    by_name: dict[str, list[str]] = {}
    for rel in files:
        by_name.setdefault(PurePosixPath(rel).name.lower(), []).append(rel)

    def locate(a: Attachment) -> str | None:
        wanted = (a.path or a.name or "").removeprefix("./")
        if wanted in files:
            return wanted
        hits = by_name.get(PurePosixPath(wanted).name.lower(), [])
        return hits[0] if len(hits) == 1 else None

    return locate


GENERIC_STEMS = ("_chat", "chat", "messages")  # names that say nothing: the folder or zip says more


def _named(chats: tuple[Chat, ...], generic: str, better: str) -> tuple[Chat, ...]:
    return tuple(replace(c, name=better) if c.name == generic and better else c for c in chats)


def _html_pages(path: Path) -> list[Path]:
    """messages.html and the pages Telegram split the same chat into (messages2.html, ...)."""
    if path.name != "messages.html":
        return [path]
    later = [(int(m.group(1)), p) for p in path.parent.glob("messages*.html")
             if (m := _LATER_PAGE_RE.match(p.name))]
    return [path, *(p for _, p in sorted(later))]


def load_file(path: Path) -> Loaded:
    text = decode(_read(path))
    if telegram_html.looks_like(text) and path.name == "messages.html":
        pages = [text, *(decode(_read(p)) for p in _html_pages(path)[1:])]
        chats: tuple[Chat, ...] = (telegram_html.parse_pages(pages, path.parent.name),)
    else:
        chats = parse_text(text, path.name)
    if path.stem.lower() in GENERIC_STEMS:
        chats = _named(chats, path.stem, path.resolve().parent.name)
    container = sniff_text(text, path.name) or whatsapp.CONTAINER
    files = _folder_files(path.parent)
    chats = _with_attachments(chats, _locate_in(files))
    used = {m.attachment.path for c in chats for m in c.messages if m.attachment and m.attachment.path}
    return Loaded(ChatExport(container, str(path), chats), path, {p: files[p] for p in used})


def _zip_chats(path: Path, member: zipfile.ZipInfo, text: str, several: bool,
               media: list[zipfile.ZipInfo]) -> tuple[Chat, ...]:
    """One chat text of a zip, named and with its attachments found (in its own folder first)."""
    name = whatsapp_zip.stored_name(member)
    stem, folder = PurePosixPath(name).stem, PurePosixPath(member.filename).parent
    chats = parse_text(text, name, whatsapp.CONTAINER)
    if several:  # "WhatsApp Chat with Ben/_chat.txt": the folder names the chat, not the zip
        chats = _named(chats, stem, PurePosixPath(name).parent.name if stem.lower() in GENERIC_STEMS else stem)
    else:
        chats = _named(chats, stem, path.stem)
    beside = [i for i in media if PurePosixPath(i.filename).parent == folder]
    # Several chats: a file in another chat's folder is never this chat's attachment.
    own = [i for i in media if folder in PurePosixPath(i.filename).parents] if several else media

    def locate(a: Attachment) -> str | None:
        wanted = a.path or a.name or ""
        info = whatsapp_zip.find_member(beside, wanted) or whatsapp_zip.find_member(own, wanted)
        return info.filename if info else None

    return _with_attachments(chats, locate)


UNREFERENCED_NOTE = "a file of the export that no message refers to; kept here, with no sender and no time"


def _with_unreferenced(chats: tuple[Chat, ...], media: list[zipfile.ZipInfo]) -> tuple[Chat, ...]:
    """Each file of the zip that no message names, kept at the end of the first chat (never dropped)."""
    used = {m.attachment.path for c in chats for m in c.messages if m.attachment and m.attachment.path}
    extra = whatsapp_zip.unreferenced(media, used)
    if not extra or not chats:
        return chats
    first = chats[0]
    notes = tuple(
        Message(len(first.messages) + k, None, "", None, "", True,
                Attachment(PurePosixPath(whatsapp_zip.stored_name(i)).name, False,
                           kind_of(i.filename), "", i.filename), UNREFERENCED_NOTE)
        for k, i in enumerate(extra))
    return (replace(first, messages=first.messages + notes), *chats[1:])


def load_zip(path: Path, extract_to: Path | None = None) -> Loaded:
    try:
        with zipfile.ZipFile(path) as archive:
            files = whatsapp_zip.check(archive, str(path))
            members = whatsapp_zip.chat_members(archive, files, str(path), decode)
            texts = {id(info) for info, _ in members}
            media = [i for i in files if id(i) not in texts]
            chats = tuple(c for info, text in members
                          for c in _zip_chats(path, info, text, len(members) > 1, media))
            chats = _with_unreferenced(chats, media)
            extracted = _extract(archive, chats, media, extract_to)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ChatError(str(path), f"not a readable zip ({exc})") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
        raise ChatError(str(path), f"zip cannot be read ({exc})") from None
    source = ", ".join(whatsapp_zip.stored_name(info) for info, _ in members)
    return Loaded(ChatExport(whatsapp_zip.CONTAINER, source, chats), path, extracted)


def _extract(archive: zipfile.ZipFile, chats: tuple[Chat, ...], media: list[zipfile.ZipInfo],
             folder: Path | None) -> dict[str, Path]:
    if folder is None:
        return {}
    by_name = {i.filename: i for i in media}
    wanted = {m.attachment.path for c in chats for m in c.messages
              if m.attachment and m.attachment.playable and m.attachment.path}
    return {name: whatsapp_zip.extract(archive, by_name[name], folder) for name in sorted(wanted)}


def _head(path: Path, size: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            return decode(handle.read(size))
    except (OSError, UnicodeDecodeError):
        return ""


def _is_export_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return whatsapp_zip.is_zip(path)
    if suffix == ".json":
        return True  # read whole: a Telegram export is one JSON document
    if _LATER_PAGE_RE.match(path.name):
        return False
    return suffix in CHAT_SUFFIXES and sniff_text(_head(path), path.name) is not None


def is_chat_export(path: Path) -> bool:
    """A file that is a chat export by its content (a WhatsApp zip, a chat text, a Telegram JSON)."""
    return path.is_file() and _is_export_file(path)


def chat_files(folder: Path) -> list[Path]:
    """The exports in a folder and its subfolders (a phone's extraction holds them at any depth):
    chat files and WhatsApp zips, top level first."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink()) if depth < MAX_SEARCH_DEPTH else []
        for name in sorted(names):
            candidate = Path(root) / name
            if candidate.is_symlink() or not candidate.is_file():
                continue
            if candidate.suffix.lower() == ".zip" or _is_export_file(candidate):  # a damaged zip is said
                found.append(candidate)
    return found


def _zip_folder(path: Path, extract_root: Path | None) -> Path | None:
    return extract_root / sha256_file(path) if extract_root is not None else None


def _load_one(path: Path, extract_root: Path | None) -> Loaded:
    if whatsapp_zip.is_zip(path):
        return load_zip(path, _zip_folder(path, extract_root))
    if path.suffix.lower() == ".zip":
        raise ChatError(str(path), "not a readable zip (it does not start as a zip archive does)")
    try:
        return load_file(path)
    except ChatError as exc:  # said with the file's whole path, not the name the parser was given
        raise ChatError(str(path), exc.reason) from None


def load_export(path: str | Path, extract_root: Path | None = None,
                refused: list[ChatError] | None = None) -> list[Loaded]:
    """Every chat export at `path`: a file, a zip, or a folder of them (subfolders too).

    Media in a zip are extracted below `extract_root / <the zip's SHA-256>` (the
    case's own folder); nothing is extracted without it. In a folder, an export
    that cannot be read is added to `refused` (the rest is still read) or, without
    that list, raised; a JSON file that is no Telegram export is passed over."""
    path = Path(path)
    if not path.exists():
        raise ChatError(str(path), "no such file or folder")
    if not path.is_dir():
        return [_load_one(path, extract_root)]
    loaded = []
    for candidate in chat_files(path):
        try:
            loaded.append(_load_one(candidate, extract_root))
        except ChatError as exc:
            if exc.reason == telegram.NOT_TELEGRAM:
                continue
            if refused is None:
                raise
            refused.append(exc)
    if not loaded and not refused:
        raise ChatError(str(path), "no chat export found in this folder")
    return loaded
