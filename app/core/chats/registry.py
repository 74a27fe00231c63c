"""Which parser reads an export: decided by content, not by file name alone.

    load_export(path, extract_root=None) -> list[Loaded]

`path` is a chat file (WhatsApp .txt, Signal .md, Telegram result.json or messages.html), a
zip (WhatsApp's, or a Telegram export zipped), or a folder holding them. Attachments are
looked for where the export put them (inside the zip, or beside the chat file
in its folder); one not found is marked missing. Media inside a zip are
extracted only when `extract_root` is given (the case's own folder), and only
the audio and video the chat refers to.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from app.core.chats import (
    app_stores,
    discord,
    googlechat,
    googlevoice,
    line,
    meta,
    signal_json,
    skype,
    slack,
    sms,
    sms_zip,
    telegram,
    whatsapp_zip,
)
from app.core.chats.beside import (
    LATER_PAGE_RE,
    MAX_CHAT_BYTES,
    FolderListing,
    is_later_meta_page,
    is_signal_export_companion,
    load_file,
    meta_pages,
    read_bytes,
)
from app.core.chats.nested import load_nested, nested_zips
from app.core.chats.parsing import Loaded, decode, parse_text, sniff_text
from app.core.chats.zip_beside import unshared, with_files_beside
from app.core.chats.zipped import NO_CHAT, load_zip, spaced_line
from app.core.errors import ChatError
from app.core.hashing import sha256_file

__all__ = ["Loaded", "decode", "is_chat_export", "is_chat_export_in_folder", "is_read_in_folder", "load_export", "load_file", "load_zip", "parse_text", "sniff_text"]

CHAT_SUFFIXES = (".txt", ".md", ".json", ".html", ".csv")  # .csv: KakaoTalk for Mac
# Folders below the one given that are searched for exports: an Android extraction keeps a chat sent
# as a document 10 below its root (data/media/0/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp
# Documents/Sent), an iOS one its app groups' files 10 and more; any deeper is said, not passed over.
MAX_SEARCH_DEPTH = 16


def _head(path: Path, size: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            return decode(handle.read(size))
    except (OSError, UnicodeDecodeError):
        return ""


# A JSON too large to be read as a chat is said so only when it opens as one of the chat exports read does
# (a phone dump's app caches and databases, tens of MB of JSON, are no chat: passed over, as smaller ones are).
_CHAT_KEYS = ('"messages"', '"chats"', '"conversations"', '"conversation_state"', '"MessageList"', '"participants"')


def _too_large(path: Path) -> bool:
    try:
        return path.stat().st_size > MAX_CHAT_BYTES
    except OSError:
        return False


def _is_export_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return whatsapp_zip.is_zip(path)
    if suffix == ".json":  # read whole: a Telegram export is one JSON document
        return not _is_later_page(path) and (not _too_large(path) or any(k in _head(path) for k in _CHAT_KEYS))
    if suffix == ".xml":  # an SMS backup (SMS Backup & Restore, Signal's plaintext backup)
        return sms.looks_like_text(_head(path, 4096))
    if _is_later_page(path):
        return False
    if suffix not in CHAT_SUFFIXES:
        return False
    head = _head(path)
    return sniff_text(head, path.name) is not None or line.spaced_layout(head)  # refused with its reason, not passed over


def _is_later_page(path: Path) -> bool:
    """A later page of a chat whose first page lies beside it (Telegram's messages2.html, Messenger's
    message_2.json): given alone it is the whole chat; met in a folder, read with the first."""
    return bool(LATER_PAGE_RE.match(path.name)) and path.with_name("messages.html").is_file() or \
        path.suffix.lower() in (".json", ".html") and is_later_meta_page(path) or is_signal_export_companion(path) or \
        slack.is_later_day(path) or path.suffix.lower() == ".html" and googlevoice.is_later_text_page(path)


def is_chat_export(path: Path) -> bool:
    """A file that is a chat export by its content (a WhatsApp zip, a chat text, a Telegram JSON),
    or a later page of one (the whole chat is read)."""
    try:
        return path.is_file() and (_is_export_file(path) or _is_later_page(path))
    except OSError:  # behind a folder that cannot be entered, a path too long to open: intake says which
        return False


def is_chat_export_in_folder(path: Path) -> bool:
    """A chat export met among a folder's files: as `is_chat_export`, but a JSON file only when it
    is named as Telegram names its export or reads as one (phone extractions hold other JSON)."""
    if not is_chat_export(path) or _is_later_page(path):
        return False
    if path.suffix.lower() != ".json" or path.name.lower() == "result.json":
        return True
    try:  # read only up to a chat text's size: a phone holds JSON files of any size
        data = telegram.load_json(decode(read_bytes(path)), str(path))
        return any(reader.looks_like(data) for reader in (telegram, meta, discord, googlechat, signal_json,
                                                                  skype, slack))
    except (OSError, UnicodeDecodeError, ChatError):
        return False


def is_read_in_folder(path: Path) -> bool:
    """A file a folder's walk reads or refuses with its reason (a chat export, a later page read with its first, a
    Slack workspace's or Google Chat space's file); any other is one of the folder's other files (a phone's JSON)."""
    return slack.is_workspace_file(path) or googlechat.is_space_file(path) or is_chat_export_in_folder(path) or \
        is_chat_export(path) and _is_later_page(path)


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:  # a path too long to look at is not entered either
        return True


def chat_files(folder: Path) -> list[Path]:
    """The exports in a folder and its subfolders (a phone's extraction holds them at any depth):
    chat files and WhatsApp zips, top level first."""
    return _walk(folder)[0]


def _walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """The exports in a folder and its subfolders, and the folders too deep to be searched."""
    found: list[Path] = []
    too_deep: list[Path] = []
    for root, dirs, names in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        if depth >= MAX_SEARCH_DEPTH:
            too_deep += [Path(root) / d for d in sorted(dirs) if not _is_link(Path(root) / d)]
        dirs[:] = sorted(d for d in dirs if not _is_link(Path(root) / d)) if depth < MAX_SEARCH_DEPTH else []
        for name in sorted(names):
            candidate = Path(root) / name
            if candidate.is_symlink() or not candidate.is_file():
                continue
            if candidate.suffix.lower() == ".zip" or _is_export_file(candidate):  # a damaged zip is said
                found.append(candidate)
    return found, too_deep


def _too_deep_error(folder: Path, too_deep: list[Path]) -> ChatError:
    first = too_deep[0].relative_to(folder)
    return ChatError(str(folder), f"{len(too_deep)} folder(s) more than {MAX_SEARCH_DEPTH} levels down not searched "
                                  f"for chats (the first: {first}); give such a folder itself")


def _zip_folder(path: Path, extract_root: Path | None) -> Path | None:
    return extract_root / sha256_file(path) if extract_root is not None else None


def _load_one(path: Path, extract_root: Path | None, refused: list[ChatError] | None,
              root: Path | None = None, listing: FolderListing | None = None) -> list[Loaded]:
    if whatsapp_zip.is_zip(path):
        return _load_zip_tree(path, extract_root, refused, 0)
    if path.suffix.lower() == ".zip":
        raise ChatError(str(path), "not a readable zip (it does not start as a zip archive does)")
    if sms.looks_like_text(_head(path, 4096)):
        return [sms.load_backup(path, _zip_folder(path, extract_root))]
    store = app_stores.store_reason(path)  # an app's database or encrypted backup given alone: said what it is
    if store is not None:
        raise ChatError(str(path), store)
    first = path.with_name("messages.html")
    if LATER_PAGE_RE.match(path.name) and first.is_file():  # a later page of a Telegram chat: the whole chat
        path = first
    elif is_later_meta_page(path):  # message_2.json of a Messenger chat: the whole chat
        path = meta_pages(path)[0]
    elif slack.is_later_day(path):  # a later day of a Slack channel: the whole channel
        path = slack.day_pages(path)[0]
    elif googlevoice.is_later_text_page(path):  # a later thread of one Google Voice party: all its text pages
        path = googlevoice.text_pages(path)[0]
    elif is_signal_export_companion(path):  # signal-export's data.json or index.html: its chat.md
        path = path.with_name("chat.md")
    try:
        return [load_file(path, root or path.parent, listing)]  # a file given alone: its own folder, never above
    except ChatError as exc:  # said with the file's whole path, not the name the parser was given
        raise ChatError(str(path), exc.reason) from None


NO_CHAT_NESTED = "no chat found in this zip, nor in the zips inside it"


def _load_zip_tree(path: Path, extract_root: Path | None, refused: list[ChatError] | None,
                   depth: int) -> list[Loaded]:
    """The zip's own chats, and those of the zips inside it (a phone dump holding zipped exports);
    an inner zip that holds no chat is passed over, one that cannot be read is refused or raised."""
    try:
        out, own_error = load_zip(path, _zip_folder(path, extract_root)), None
        if depth == 0:  # a zip the user gave or met on disk: a file it lacks may lie beside it
            out = [with_files_beside(part) for part in out]
    except ChatError as exc:
        out, own_error = [], exc
    try:
        with zipfile.ZipFile(path) as archive:
            files = whatsapp_zip.check(archive, str(path)) if own_error is None or own_error.reason == NO_CHAT else []
            inner = nested_zips(archive, files)
            backups = sms_zip.backups(archive, files)
            for info in backups:  # a phone's SMS backup zipped, alone or beside other exports
                out += _load_backup(path, info, archive, extract_root, refused)
            for info in inner:
                out += _load_inner(path, info, archive, extract_root, refused, depth)
            if own_error is not None and own_error.reason == NO_CHAT and not (inner or backups):
                spaced = spaced_line(archive, files)  # no chat but a LINE history this reader refuses: said
                own_error = ChatError(str(path), "; ".join(spaced)) if spaced else own_error
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        inner, backups = [], []  # said by load_zip already
    if own_error is not None and (not (inner or backups) or own_error.reason != NO_CHAT):
        raise own_error
    if not out and (refused is None or not any(r.path.startswith(f"{path}: ") for r in refused)):
        raise ChatError(str(path), NO_CHAT_NESTED)
    return out


def _load_backup(path: Path, info: zipfile.ZipInfo, archive: zipfile.ZipFile, extract_root: Path | None,
                 refused: list[ChatError] | None) -> list[Loaded]:
    try:
        return [sms_zip.load_member(path, info, archive, _zip_folder(path, extract_root))]
    except ChatError as exc:
        if refused is None:
            raise
        refused.append(exc)
        return []


def _load_inner(path: Path, info: zipfile.ZipInfo, archive: zipfile.ZipFile, extract_root: Path | None,
                refused: list[ChatError] | None, depth: int) -> list[Loaded]:
    try:
        return load_nested(path, info, archive, extract_root,
                           lambda p, root, d: _load_zip_tree(p, root, refused, d), depth)
    except ChatError as exc:
        if exc.reason in (NO_CHAT, NO_CHAT_NESTED):
            return []
        error = exc if exc.path.startswith(f"{path}: ") else ChatError(
            f"{path}: {whatsapp_zip.stored_name(info)}", exc.reason)
        if refused is None:
            raise error from None
        refused.append(error)
        return []


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
        return _load_one(path, extract_root, refused)
    loaded, listing = [], FolderListing()  # each export folder listed once, however many chats it holds
    found, too_deep = _walk(path)
    if too_deep and refused is not None:
        refused.append(_too_deep_error(path, too_deep))
    for candidate in found:
        try:
            loaded.extend(_load_one(candidate, extract_root, refused, path, listing))
        except ChatError as exc:
            if exc.reason == telegram.NOT_TELEGRAM:
                continue
            if refused is None:
                raise
            refused.append(exc)
    if not loaded and not refused:
        raise ChatError(str(path), "no chat export found in this folder")
    return unshared(loaded)
