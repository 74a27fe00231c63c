"""A chat file read where it lies, its attachments looked for beside it (an export unzipped,
a Telegram Desktop export folder, a Signal export).

    load_file(path) -> Loaded

An attachment is found at the path the export names for it, however deep (a Telegram full
export keeps `chats/chat_001/voice_messages/...`), else by its file name in the export's
folders. A file of the export that no message names is kept as a note at the end of the
chat, never dropped: for WhatsApp, a file named the way WhatsApp names its media; for
Telegram, a file in one of the folders Telegram writes a chat's files into (previews aside). When several WhatsApp
chats lie in one folder, such a file goes with the first of them that no chat names it in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from app.core.chats import (
    discord,
    discord_csv,
    discord_html,
    discord_text,
    googlechat,
    googlevoice,
    hangouts,
    imessage,
    imessage_files,
    messenger_html,
    meta,
    phone_tree,
    signal,
    signal_text,
    skype,
    slack,
    telegram,
    telegram_html,
    threema,
    whatsapp,
    zipnames,
)
from app.core.chats.cards import MAX_CARD_BYTES, with_cards
from app.core.chats.parsing import (
    GENERIC_STEMS,
    Loaded,
    decode,
    is_telegram_chat_file,
    named,
    parse_text,
    sniff_text,
    used_paths,
    with_attachments,
    with_unreferenced,
)
from app.core.chats.placeholders import is_whatsapp_media_name, time_in_name
from app.core.chats.records import Attachment, Chat, ChatExport, kind_of
from app.core.chats.renamed import missing_voice_notes, recorder_named
from app.core.chats.senders import normalise_senders
from app.core.chats.whatsapp_zip import same_name
from app.core.errors import ChatError

MAX_CHAT_BYTES = 64 * 1024 * 1024
MAX_FOLDER_DEPTH = 2  # media are beside the chat file or in its export's own subfolders
TELEGRAM_FOLDER_DEPTH = 4  # a full export: chats/chat_001/voice_messages/x.ogg
MAX_FOLDER_FILES = 200_000
LATER_PAGE_RE = re.compile(r"^messages(\d+)\.html$")  # Telegram HTML: read with messages.html
_TELEGRAM = (telegram.CONTAINER, telegram_html.CONTAINER)


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_CHAT_BYTES:
            raise ChatError(str(path), f"too large for a chat text ({size:,} bytes)")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ChatError(str(path), exc.strerror or "cannot read file") from None


def folder_files(base: Path, max_depth: int = MAX_FOLDER_DEPTH) -> dict[str, Path]:
    """Files of an export folder, to the depth exports use (Telegram: `voice_messages/x.ogg`)."""
    files: dict[str, Path] = {}
    for root, dirs, names in os.walk(base):
        depth = len(Path(root).relative_to(base).parts)
        dirs[:] = sorted(dirs) if depth < max_depth else []
        for name in sorted(names):
            full = Path(root) / name
            if not full.is_symlink():  # a name whose bytes are not UTF-8 read as its code page wrote it
                files[zipnames.file_name(full.relative_to(base).as_posix())] = full
            if len(files) >= MAX_FOLDER_FILES:
                return files
    return files


class FolderListing:
    """The files of each export folder met in one `load_export`, listed once. A folder of many chats (a Google Voice
    Takeout's one page per conversation or call, its recordings beside) was walked again for each of its chats:
    1,000 pages and their recordings took 26 CPU s. Each chat gets its own copy (its reader adds what it finds)."""

    def __init__(self) -> None:
        self._listed: dict[tuple[Path, int], dict[str, Path]] = {}

    def files(self, base: Path, max_depth: int) -> dict[str, Path]:
        if (base, max_depth) not in self._listed:
            self._listed[(base, max_depth)] = folder_files(base, max_depth)
        return dict(self._listed[(base, max_depth)])


def _exact(base: Path, wanted: str) -> Path | None:
    """The file at the relative path an export names, when it is there and inside the export."""
    if not wanted or "\x00" in wanted or PurePosixPath(wanted).is_absolute():
        return None
    full = base / wanted
    try:
        inside = base.resolve() in full.resolve().parents
        return full if inside and full.is_file() and not full.is_symlink() else None
    except OSError:
        return None


def _locate_in(base: Path, files: dict[str, Path], root: Path | None = None) -> Callable[[Attachment], str | None]:
    by_name: dict[str, list[str]] = {}
    for rel, full in files.items():
        by_name.setdefault(same_name(PurePosixPath(rel).name), []).append(rel)
        for reading in zipnames.readings(full.name):  # a name not UTF-8: as the chat may read it too
            if same_name(reading) != same_name(PurePosixPath(rel).name):
                by_name.setdefault(same_name(reading), []).append(rel)

    deeper: list[dict[str, list[str]]] = []

    def locate(a: Attachment) -> str | None:
        wanted = (a.path or a.name or "").removeprefix("./")
        if wanted in files:
            return wanted
        exact = _exact(base, wanted)
        if exact is not None:
            rel = PurePosixPath(wanted).as_posix()
            files[rel] = exact
            return rel
        hits = by_name.get(same_name(PurePosixPath(wanted).name), [])
        if not hits and PurePosixPath(wanted).name.startswith("attachment-"):  # sigtop's: extension, zone guessed
            hits = signal_text.sigtop_match(wanted, list(files))
        if not hits:  # Skype's media/<document id>.1.<ext>, Google Voice's MMS: the extension the file was written with
            hits = skype.media_match(wanted, list(files)) or googlevoice.media_match(wanted, list(files))
        if not hits and is_whatsapp_media_name(PurePosixPath(wanted).name):
            if not deeper:  # looked through once, when a WhatsApp file is not in the export's folders
                deeper.append(_phone_media(base, files))
            hits = deeper[0].get(same_name(PurePosixPath(wanted).name), [])
            if len(hits) == 1:
                files[hits[0]] = base / hits[0]
            elif not hits and root is not None:
                return _in_phone_tree(wanted, root)
        return hits[0] if len(hits) == 1 else None

    elsewhere: list[dict[str, list[Path]]] = []

    def _in_phone_tree(wanted: str, root: Path) -> str | None:
        """A chat deep in a phone dump: its file in the phone's own WhatsApp media folders, a sibling tree."""
        below = root == base or root in base.parents
        if not elsewhere:
            elsewhere.append(phone_tree.media_by_name(root) if below else {})
        key = same_name(PurePosixPath(wanted).name)
        if not elsewhere[0].get(key) and below:  # nor in the phone's media folders: anywhere below `root`
            if len(elsewhere) == 1:
                elsewhere.append(phone_tree.named_below(root))
            hit = phone_tree.nearest(elsewhere[1].get(key, []), base)
        else:
            hit = phone_tree.nearest(elsewhere[0].get(key, []), base)
        if hit is None:
            return None
        rel = Path(os.path.relpath(hit, base)).as_posix()
        files[rel] = hit
        return rel

    return locate


PHONE_MEDIA_DEPTH = 8  # Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Voice Notes/202411/PTT-...opus


def _phone_media(base: Path, files: dict[str, Path]) -> dict[str, list[str]]:
    """WhatsApp-named media deeper than an export's folders, by name: a phone's own media folders
    (`WhatsApp/Media/WhatsApp Voice Notes/202411/`) copied beside the chat. Only a file a message names
    is taken (the others are the phone's other chats', never kept as this chat's files no message names)."""
    found: dict[str, list[str]] = {}
    for rel, full in folder_files(base, PHONE_MEDIA_DEPTH).items():
        if rel not in files and is_whatsapp_media_name(full.name):
            found.setdefault(same_name(full.name), []).append(rel)
    return found


def _html_pages(path: Path) -> list[Path]:
    """messages.html and the pages Telegram split the same chat into (messages2.html, ...)."""
    if path.name != "messages.html":
        return [path]
    later = [(int(m.group(1)), p) for p in path.parent.glob("messages*.html")
             if (m := LATER_PAGE_RE.match(p.name))]
    return [path, *(p for _, p in sorted(later))]


def _candidates(container: str, files: dict[str, Path]) -> list[str]:
    """The files beside a chat file that are the export's own attachments."""
    if container == whatsapp.CONTAINER:  # and a voice note or video saved by another app under its moment
        return [rel for rel in files if is_whatsapp_media_name(PurePosixPath(rel).name) or _timed_media(rel)]
    if container in (meta.CONTAINER, meta.INSTAGRAM, messenger_html.CONTAINER, messenger_html.INSTAGRAM):
        return [rel for rel in files if meta.is_chat_file(rel)]
    if container == googlechat.CONTAINER:
        return [rel for rel in files if googlechat.is_chat_file(rel)]
    if container == skype.CONTAINER:
        return [rel for rel in files if skype.is_chat_file(rel)]
    if container in (threema.CONTAINER, hangouts.CONTAINER):  # the export's files lie beside messages.txt, Hangouts.json
        return [rel for rel in files if "/" not in rel and kind_of(rel) in ("audio", "video", "image")]
    if container not in _TELEGRAM:
        return []
    return [rel for rel in files if is_telegram_chat_file(rel)]


def _timed_media(rel: str) -> bool:
    """A voice note or video beside the chat whose name carries a date and time (another app's scheme: "WhatsApp
    Ptt 2024-03-13 at 10.12.41.ogg", "signal-2024-03-13-101500.aac"): the chat's, placed or linked by its moment.
    Not below the chat's folder: a phone's camera and recorder folders are no chat's."""
    when = time_in_name(rel) if "/" not in rel else None
    return kind_of(rel) in ("audio", "video") and when is not None and len(when[1]) > 10


def _whatsapp_texts(folder: Path, keep: Path | None = None) -> list[Path]:
    """The WhatsApp chat texts in a folder (and `keep`, whatever it reads as), in name order."""
    try:
        texts = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".txt" and p.is_file() and not p.is_symlink())
    except OSError:
        return []
    out = []
    for text in texts:
        try:
            if text == keep or sniff_text(decode(read_bytes(text))[:65536], text.name) == whatsapp.CONTAINER:
                out.append(text)
        except ChatError:
            continue
    return out


def _siblings(path: Path) -> list[Path]:
    """The WhatsApp chat texts in the same folder as this one (itself included), in name order."""
    return _whatsapp_texts(path.parent, keep=path)


def _named_elsewhere(others: list[Path]) -> set[str]:
    """The file names (lower case) that the other chats of the folder name."""
    names: set[str] = set()
    for other in others:
        try:
            chats = parse_text(decode(read_bytes(other)), other.name)
        except ChatError:
            continue
        names |= {m.attachment.name.lower() for c in chats for m in c.messages if m.attachment and m.attachment.name}
    return names


def _holds_whatsapp_chat(folder: Path) -> bool:
    """A folder with a WhatsApp chat text of its own (another export, unzipped)."""
    return bool(_whatsapp_texts(folder))


def _in_other_export(base: Path, rels: list[str]) -> set[str]:
    """The files that lie in a subfolder holding a chat of its own: that export's, not this one's."""
    owned: dict[PurePosixPath, bool] = {}
    out = set()
    for rel in rels:
        folder = PurePosixPath(rel).parent
        if folder == PurePosixPath("."):
            continue
        for above in (folder, *folder.parents):
            if above == PurePosixPath("."):
                break
            if above not in owned:
                owned[above] = _holds_whatsapp_chat(base / above)
            if owned[above]:
                out.add(rel)
                break
    return out


def _unreferenced(path: Path, container: str, chats: tuple[Chat, ...], files: dict[str, Path]) -> list[tuple[str, str]]:
    used = used_paths(chats)
    if container in (discord.CONTAINER, discord_csv.CONTAINER, discord_html.CONTAINER, discord_text.CONTAINER):
        # its _Files folder: what the export names nowhere (an avatar is named)
        text, beside = decode(read_bytes(path)), frozenset(rel for rel in files if "/" not in rel)
        return [(rel, PurePosixPath(rel).name) for rel in files if rel not in used
                and discord.is_asset(rel, path.name, beside) and not discord.named_anywhere(text, rel)]
    if container == imessage.CONTAINER:
        return imessage_files.unreferenced(path, chats, files)
    extra = [rel for rel in _candidates(container, files) if rel not in used]
    if container == whatsapp.CONTAINER and missing_voice_notes(chats):  # "Voice 001.m4a" beside it: linked in order
        extra += [rel for rel in files if "/" not in rel and rel not in used and rel not in extra and recorder_named(rel)]
    if extra and container == whatsapp.CONTAINER:
        others = _in_other_export(path.parent, extra)  # an export beside this one, in its own folder
        extra = [rel for rel in extra if rel not in others]
        siblings = _siblings(path)
        if siblings and siblings[0] != path:
            return []  # the first chat of the folder keeps them (said: which chat each is of is not known)
        elsewhere = _named_elsewhere(siblings[1:])
        extra = [rel for rel in extra if PurePosixPath(rel).name.lower() not in elsewhere]
    if extra and container in (meta.CONTAINER, meta.INSTAGRAM) and not meta.PAGE_RE.match(path.name):
        threads = _e2ee_threads(path.parent, path)  # one JSON per chat, their files in one media/ folder
        if threads and threads[0] != path:
            return []  # the first chat of the folder keeps the files no chat names
        named = {m.attachment.path for other in threads[1:] for c in _meta_chats(other)
                 for m in c.messages if m.attachment and m.attachment.path}
        extra = [rel for rel in extra if rel not in named]
    return [(rel, PurePosixPath(rel).name) for rel in extra]


def _shares_its_folder(path: Path, container: str) -> bool:
    """Another chat of the same app lies in this chat's folder: a file there no message names may be of either."""
    if container == whatsapp.CONTAINER:
        return len(_siblings(path)) > 1
    if container in (meta.CONTAINER, meta.INSTAGRAM) and not meta.PAGE_RE.match(path.name):
        return len(_e2ee_threads(path.parent, path)) > 1
    return False


def _e2ee_threads(folder: Path, keep: Path) -> list[Path]:
    """The end-to-end encrypted Messenger chats of a folder (`keep` among them), in name order."""
    out = []
    for other in sorted(folder.glob("*.json")):
        try:
            if other == keep or meta.looks_like_text(decode(read_bytes(other))[:65536]):
                out.append(other)
        except ChatError:
            continue
    return out


def _meta_chats(path: Path) -> tuple[Chat, ...]:
    try:
        return meta.parse(decode(read_bytes(path)), str(path))
    except ChatError:
        return ()


def meta_pages(path: Path) -> list[Path]:
    """A Messenger or Instagram chat's files in order (message_1.json, message_2.json, ...; or .html)."""
    regex = messenger_html.PAGE_RE if path.suffix.lower() == ".html" else meta.PAGE_RE
    if not regex.match(path.name):
        return [path]
    pages = [(int(m.group(1)), p) for p in path.parent.glob(f"message_*{path.suffix}") if (m := regex.match(p.name))]
    return [p for _, p in sorted(pages)]


SIGNAL_EXPORT_COMPANIONS = ("data.json", "index.html")  # signal-export writes them beside chat.md


def signal_export_companions(path: Path) -> tuple[Path, ...]:
    """The same chat as signal-export writes it again beside its `chat.md` (`data.json`, one JSON
    object a line, and `index.html`): read as one chat with it, hashed and logged, never a second."""
    if path.name != "chat.md":
        return ()
    return tuple(p for name in SIGNAL_EXPORT_COMPANIONS if (p := path.with_name(name)).is_file() and not p.is_symlink())


def is_signal_export_companion(path: Path) -> bool:
    """signal-export's data.json or index.html beside a chat.md that reads as Signal's."""
    chat = path.with_name("chat.md")
    if path.name not in SIGNAL_EXPORT_COMPANIONS or not chat.is_file():
        return False
    try:
        return sniff_text(decode(read_bytes(chat))[:65536], chat.name) == signal.CONTAINER
    except ChatError:
        return False


def is_later_meta_page(path: Path) -> bool:
    """message_2.json beside message_1.json: read with it, not as a chat of its own."""
    pages = meta_pages(path)
    return len(pages) > 1 and pages[0] != path


def _chats_of(path: Path, text: str) -> tuple[tuple[Chat, ...], str, tuple[Path, ...]]:
    """The chats of a chat file (and of its later pages), its container, the later pages read."""
    if meta.looks_like_text(text):
        pages = meta_pages(path)
        data = [meta.load(text if p == path else decode(read_bytes(p)), str(p)) for p in pages]
        later = tuple(p for p in pages if p != path)
        return (meta.parse_pages(data, path.parent.name),), meta.container_of(data, str(path)), later
    if googlechat.looks_like_text(text):  # its space's name and members in group_info.json beside it
        info, read = googlechat.info_beside(path)
        return googlechat.parse(text, str(path), info), googlechat.CONTAINER, read
    if messenger_html.looks_like(text):  # message_1.html, message_2.html, ...: one chat, newest first
        pages = meta_pages(path)
        texts = [text if p == path else decode(read_bytes(p)) for p in pages]
        container = messenger_html.INSTAGRAM if "instagram" in str(path.resolve()).lower() else messenger_html.CONTAINER
        return (messenger_html.parse_pages(texts, path.parent.name),), container, tuple(p for p in pages if p != path)
    if slack.looks_like_text(text):  # a channel's days read as one, its members named by users.json
        pages = slack.day_pages(path)
        texts = [text if p == path else decode(read_bytes(p)) for p in pages]
        chat = slack.parse_days(texts, path.parent.name, slack.users_beside(path), str(path))
        return (chat,), slack.CONTAINER, tuple(p for p in pages if p != path)
    if telegram_html.looks_like(text) and path.name == "messages.html":
        later = tuple(_html_pages(path)[1:])
        pages_text = [text, *(decode(read_bytes(p)) for p in later)]
        return (telegram_html.parse_pages(pages_text, path.parent.name),), telegram_html.CONTAINER, later
    if googlevoice.looks_like(text) and len(pages := googlevoice.text_pages(path)) > 1:  # one party's threads
        texts = [text if p == path else decode(read_bytes(p)) for p in pages]
        later = tuple(p for p in pages if p != path)
        return googlevoice.parse_pages(texts, [p.name for p in pages]), googlevoice.CONTAINER, later
    container = sniff_text(text, path.name) or whatsapp.CONTAINER
    later = signal_export_companions(path) if container == signal.CONTAINER else ()
    return parse_text(text, path.name), container, later


def load_file(path: Path, root: Path | None = None, listing: FolderListing | None = None) -> Loaded:
    """The chat at `path`, its files beside it (and, for WhatsApp, in a phone's media folders below `root`,
    the folder the user gave); `listing`: the folders already listed in this run."""
    text = decode(read_bytes(path))
    chats, container, later = _chats_of(path, text)
    chats = normalise_senders(chats)
    if path.stem.lower() in GENERIC_STEMS:
        chats = named(chats, path.stem, path.resolve().parent.name)
    files = (listing or FolderListing()).files(path.parent, TELEGRAM_FOLDER_DEPTH if container in _TELEGRAM
                                               else MAX_FOLDER_DEPTH)
    files |= _sigtop_attachments(path, container)
    chats = with_attachments(chats, _locate_in(path.parent, files, root))
    extra = _unreferenced(path, container, chats, files)
    shared = {rel for rel, _ in extra} if extra and _shares_its_folder(path, container) else set()
    chats = with_unreferenced(chats, extra, shared)
    chats = with_cards(chats, lambda rel: _small_file(files.get(rel)))
    used = used_paths(chats)
    return Loaded(ChatExport(container, str(path), chats), path, {p: files[p] for p in used}, pages=later)


def _sigtop_attachments(path: Path, container: str) -> dict[str, Path]:
    """sigtop writes a conversation's messages to `messages/<name>.txt` and its files, on export-attachments,
    to `attachments/<name>/` beside: those files, keyed as `attachments/<name>/<file>`."""
    if container != signal.CONTAINER:
        return {}
    folder = path.parent.parent / "attachments" / path.stem
    try:
        if not folder.is_dir() or folder.is_symlink():
            return {}
    except OSError:
        return {}
    return {f"attachments/{path.stem}/{rel}": full for rel, full in folder_files(folder, 0).items()}


def _small_file(path: Path | None) -> bytes | None:
    """A contact card's bytes (None when it is not there, cannot be read, or is too large to be one)."""
    try:
        return path.read_bytes() if path is not None and path.stat().st_size <= MAX_CARD_BYTES else None
    except OSError:
        return None
