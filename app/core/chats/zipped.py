"""A zipped chat export: WhatsApp's own `.zip`, or a Telegram Desktop export folder zipped
(`result.json`, or `messages.html` and its later pages, with `voice_messages/` ... beside it).

    load_zip(path, extract_to=None) -> [Loaded]   (one per reader: a zip of a WhatsApp chat and a LINE history, two)

The archive is checked whole first (whatsapp_zip.check); the chat texts are read in
memory; only the audio and video a message names (or that no message names) are
extracted, below `extract_to`. Every chat text of the zip is read (several chats
zipped together, one folder each), each one's attachments looked for in its own folder.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from app.core.chats import (
    discord,
    discord_csv,
    discord_html,
    discord_text,
    googlechat,
    googlevoice,
    hangouts,
    imazing,
    imessage,
    json_cut,
    kakaotalk,
    line,
    messenger_html,
    meta,
    phone_tree,
    phoneview,
    signal,
    signal_json,
    signal_text,
    skype,
    slack,
    sms_zip,
    telegram,
    telegram_html,
    threema,
    viber,
    wechat,
    wechat_html,
    whatsapp,
    whatsapp_zip,
)
from app.core.chats.cards import MAX_CARD_BYTES, with_cards
from app.core.chats.parsing import (
    GENERIC_STEMS,
    Loaded,
    decode,
    is_telegram_chat_file,
    named,
    parse_text,
    parser_for,
    used_paths,
    with_attachments,
    with_unreferenced,
)
from app.core.chats.placeholders import is_whatsapp_media_name
from app.core.chats.records import Attachment, Chat, ChatExport, kind_of
from app.core.chats.senders import normalise_senders
from app.core.chats.sms_zip import member_head
from app.core.errors import ChatError
from app.core.hashing import sha256_stream

NO_CHAT = ("no chat found in this zip (no WhatsApp chat text, Telegram result.json or messages.html, nor a "
           "Messenger, Discord, Google Chat, Google Voice, LINE, Signal, iMessage (or iMazing or PhoneView CSV), Skype, Slack, Threema, KakaoTalk, Viber or WeChat export)")
ENCRYPTED = ("encrypted: a password protects it (Threema's chat export is protected by the password chosen "
             "when exporting); unzip it with that password and give the folder")
_LATER_PAGE_RE = re.compile(r"^messages(\d+)\.html$")


@dataclass(frozen=True)
class ZipChat:
    """One chat text of a zip: its member (and later HTML pages), its text, its container."""

    info: zipfile.ZipInfo
    texts: tuple[str, ...]
    container: str
    pages: tuple[zipfile.ZipInfo, ...] = ()
    users: dict[str, str] = field(default_factory=dict)  # a Slack export's users.json: id -> name

    @property
    def folder(self) -> PurePosixPath:
        return PurePosixPath(self.info.filename).parent


def _telegram_members(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo],
                      broken: list[str]) -> list[ZipChat]:
    """The Telegram exports in the zip; a JSON file that cannot be parsed is said in `broken`."""
    found = []
    for info in files:
        name = PurePosixPath(info.filename).name.lower()
        if whatsapp_zip.is_junk(info) or info.file_size > whatsapp_zip.MAX_CHAT_BYTES:
            continue
        if name.endswith(".json"):
            text = decode(whatsapp_zip.read_member(archive, info, whatsapp_zip.MAX_CHAT_BYTES))
            try:
                data, cut = telegram.load_json(text, info.filename), None
            except ChatError as exc:  # a file cut short: what of it is whole, read to the cut by its reader
                cut = exc
                try:
                    data = json_cut.load_or_cut(text, info.filename, telegram.load_json)
                except ChatError:
                    broken.append(f"{info.filename}: {exc.reason}")
                    continue
            before = len(found)
            if telegram.looks_like(data):
                found.append(ZipChat(info, (text,), telegram.CONTAINER))
            elif discord.looks_like(data):
                found.append(ZipChat(info, (text,), discord.CONTAINER))
            elif googlechat.looks_like(data):
                found.append(ZipChat(info, (text,), googlechat.CONTAINER))
            elif signal_json.looks_like(data):  # sigtop -f json
                found.append(ZipChat(info, (text,), signal_json.CONTAINER))
            elif skype.looks_like(data):
                found.append(ZipChat(info, (text,), skype.CONTAINER))
            elif hangouts.looks_like_text(text):
                found.append(ZipChat(info, (text,), hangouts.CONTAINER))
            elif slack.looks_like(data) and (days := _slack_days(files, info)) is not None:
                found.append(ZipChat(info, (text, *(decode(whatsapp_zip.read_member(
                    archive, p, whatsapp_zip.MAX_CHAT_BYTES)) for p in days)), slack.CONTAINER, days,
                    _slack_users(archive, files, info)))
            elif meta.looks_like(data) and (pages := _meta_pages(files, info)) is not None:
                found.append(ZipChat(info, (text, *(decode(whatsapp_zip.read_member(
                    archive, p, whatsapp_zip.MAX_CHAT_BYTES)) for p in pages)), meta.container_of([data]), pages))
            if cut is not None and len(found) == before:
                broken.append(f"{info.filename}: {cut.reason}")
        elif messenger_html.PAGE_RE.match(name) and (pages := _html_pages(files, info)) is not None:
            text = decode(whatsapp_zip.read_member(archive, info, whatsapp_zip.MAX_CHAT_BYTES))
            if messenger_html.looks_like(text):  # a Meta download in HTML: message_1.html, message_2.html...
                container = messenger_html.INSTAGRAM if "instagram" in info.filename.lower() else messenger_html.CONTAINER
                found.append(ZipChat(info, (text, *(decode(whatsapp_zip.read_member(
                    archive, p, whatsapp_zip.MAX_CHAT_BYTES)) for p in pages)), container, pages))
        elif name.endswith((".txt", ".html", ".md", ".csv")) and name != "messages.html" and (
                chat := _text_chat(archive, info)) is not None:
            found.append(chat)
        elif name == "messages.html":
            text = decode(whatsapp_zip.read_member(archive, info, whatsapp_zip.MAX_CHAT_BYTES))
            if telegram_html.looks_like(text):
                pages = _later_pages(files, info)
                found.append(ZipChat(info, (text, *(decode(whatsapp_zip.read_member(
                    archive, p, whatsapp_zip.MAX_CHAT_BYTES)) for p in pages)), telegram_html.CONTAINER, pages))
    return found


def _later_pages(files: list[zipfile.ZipInfo], first: zipfile.ZipInfo) -> tuple[zipfile.ZipInfo, ...]:
    folder = PurePosixPath(first.filename).parent
    later = [(int(m.group(1)), i) for i in files if PurePosixPath(i.filename).parent == folder
             and (m := _LATER_PAGE_RE.match(PurePosixPath(i.filename).name))]
    return tuple(i for _, i in sorted(later, key=lambda pair: pair[0]))


def _meta_pages(files: list[zipfile.ZipInfo], first: zipfile.ZipInfo) -> tuple[zipfile.ZipInfo, ...] | None:
    """A Messenger chat's later files (message_2.json, ...) when `first` is its first; None when
    `first` is itself a later one (read with the first)."""
    folder = PurePosixPath(first.filename).parent
    pages = sorted((int(m.group(1)), i) for i in files if PurePosixPath(i.filename).parent == folder
                   and (m := meta.PAGE_RE.match(PurePosixPath(i.filename).name)))
    if not pages or pages[0][1] is first or not meta.PAGE_RE.match(PurePosixPath(first.filename).name):
        return tuple(i for _, i in pages if i is not first)
    return None


TEXT_CONTAINERS = frozenset({line.CONTAINER, kakaotalk.CONTAINER, threema.CONTAINER, wechat.CONTAINER, viber.CONTAINER,
                             wechat_html.CONTAINER,
                              imessage.CONTAINER, discord_html.CONTAINER, discord_text.CONTAINER, signal.CONTAINER,
                              discord_csv.CONTAINER, imazing.CONTAINER, phoneview.CONTAINER,
                              googlevoice.CONTAINER})
SIGNAL_EXPORT_PARTS = frozenset({"data.json", "index.html", "style.css", "chat.js"})
DISCORD = frozenset({discord.CONTAINER, discord_csv.CONTAINER, discord_html.CONTAINER, discord_text.CONTAINER})


def spaced_line(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo]) -> list[str]:
    """Why each text member that is a LINE history in its space-separated layout is not read (`line.SPACED`)."""
    return [f"{info.filename}: {line.SPACED}" for info in files if _is_spaced_line(archive, info)]


def _is_spaced_line(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith(".txt") and not whatsapp_zip.is_junk(info) and \
        line.spaced_layout(member_head(archive, info, 65536))


SPACED_BESIDE = "not read as a chat of its own: {reason}"


def _text_chat(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ZipChat | None:
    """A LINE history, a DiscordChatExporter page, a Signal or iMessage export zipped (read by its content)."""
    text = decode(whatsapp_zip.read_member(archive, info, whatsapp_zip.MAX_CHAT_BYTES))
    found = parser_for(text, info.filename)
    return ZipChat(info, (text,), found[0]) if found and found[0] in TEXT_CONTAINERS else None


def _slack_users(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], day: zipfile.ZipInfo) -> dict[str, str]:
    """The names of a Slack export's users.json, one folder up from the channel's day files."""
    wanted = PurePosixPath(day.filename).parent.parent / "users.json"
    info = next((i for i in files if PurePosixPath(i.filename) == wanted), None)
    try:
        text = decode(whatsapp_zip.read_member(archive, info, whatsapp_zip.MAX_CHAT_BYTES)) if info else ""
        return slack.users_of(telegram.load_json(text, info.filename)) if info else {}
    except ChatError:
        return {}


def _slack_days(files: list[zipfile.ZipInfo], first: zipfile.ZipInfo) -> tuple[zipfile.ZipInfo, ...] | None:
    """A Slack channel's later days when `first` is its first day; None when it is a later one."""
    folder = PurePosixPath(first.filename).parent
    days = sorted((PurePosixPath(i.filename).name, n, i) for n, i in enumerate(files)
                  if PurePosixPath(i.filename).parent == folder and slack.DAY_RE.match(PurePosixPath(i.filename).name))
    if not slack.DAY_RE.match(PurePosixPath(first.filename).name):
        return ()
    return tuple(i for _, _, i in days if i is not first) if days and days[0][2] is first else None


def _html_pages(files: list[zipfile.ZipInfo], first: zipfile.ZipInfo) -> tuple[zipfile.ZipInfo, ...] | None:
    """A Messenger HTML chat's later pages when `first` is its first page; None when it is a later one."""
    folder = PurePosixPath(first.filename).parent
    pages = sorted((int(m.group(1)), i) for i in files if PurePosixPath(i.filename).parent == folder
                   and (m := messenger_html.PAGE_RE.match(PurePosixPath(i.filename).name)))
    return tuple(i for _, i in pages if i is not first) if pages and pages[0][1] is first else None


def chat_members(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], path: str) -> list[ZipChat]:
    """Every chat text in the zip, in the zip's order; ChatError when there is none."""
    broken: list[str] = []
    found = _telegram_members(archive, files, broken)
    try:
        taken = {id(z.info) for z in found}  # a Threema or KakaoTalk text read already: not read again as WhatsApp's
        found += [ZipChat(info, (text,), whatsapp.CONTAINER)
                  for info, text in whatsapp_zip.chat_members(archive, files, path, decode)
                  if id(info) not in taken and (not found or whatsapp.looks_like(text))]  # beside a Telegram export: only a real chat
    except ChatError:
        if not found:  # a Telegram result.json cut short is said, not passed over
            raise ChatError(path, "; ".join(broken) if broken else NO_CHAT) from None
    order = {id(info): n for n, info in enumerate(files)}
    return _voice_threads(sorted(found, key=lambda z: order[id(z.info)]))


def _voice_threads(found: list[ZipChat]) -> list[ZipChat]:
    """One Google Voice party's text pages in one folder as one member, the later pages read with the first."""
    voice = [z for z in found if z.container == googlevoice.CONTAINER]
    groups = googlevoice.threads([z.info.filename for z in voice])
    joined = {id(voice[g[0]].info): replace(voice[g[0]], texts=tuple(voice[i].texts[0] for i in g),
                                            pages=tuple(voice[i].info for i in g[1:])) for g in groups}
    later = {id(voice[i].info) for g in groups for i in g[1:]}
    return [joined.get(id(z.info), z) for z in found if id(z.info) not in later]


def _parse(member: ZipChat, name: str) -> tuple[Chat, ...]:
    if member.container == telegram.CONTAINER:
        return telegram.parse(member.texts[0], name)
    if member.container == discord.CONTAINER:
        return discord.parse(member.texts[0], name)
    if member.container == googlechat.CONTAINER:
        return googlechat.parse(member.texts[0], name)
    if member.container == skype.CONTAINER:
        return skype.parse(member.texts[0], name)
    if member.container == hangouts.CONTAINER:
        return hangouts.parse(member.texts[0], name)
    if member.container == slack.CONTAINER:
        return (slack.parse_days(list(member.texts), member.folder.name or Path(name).stem, member.users, name),)
    if member.container == googlevoice.CONTAINER and member.pages:  # one party's text pages
        return googlevoice.parse_pages(list(member.texts), [PurePosixPath(i.filename).name
                                                            for i in (member.info, *member.pages)])
    if member.container in TEXT_CONTAINERS:
        return parse_text(member.texts[0], name)
    if member.container in (meta.CONTAINER, meta.INSTAGRAM):
        return (meta.parse_pages([meta.load(t, name) for t in member.texts], member.folder.name or Path(name).stem),)
    if member.container == telegram_html.CONTAINER:
        return (telegram_html.parse_pages(list(member.texts), member.folder.name or Path(name).stem),)
    if member.container in (messenger_html.CONTAINER, messenger_html.INSTAGRAM):
        return (messenger_html.parse_pages(list(member.texts), member.folder.name or Path(name).stem),)
    return parse_text(member.texts[0], name, whatsapp.CONTAINER)


def _zip_chats(path: Path, member: ZipChat, several: bool, media: list[zipfile.ZipInfo],
               others: frozenset[PurePosixPath] = frozenset()) -> tuple[Chat, ...]:
    """One chat text of a zip, named and with its attachments found (in its own folder first)."""
    name = whatsapp_zip.stored_name(member.info)
    stem, folder = PurePosixPath(name).stem, member.folder
    chats = normalise_senders(_parse(member, name))
    if stem.lower() in GENERIC_STEMS:  # "WhatsApp Chat with Ben/_chat.txt": its folder names the chat, else the zip
        chats = named(chats, stem, PurePosixPath(name).parent.name or ("" if several else path.stem))
    beside = [i for i in media if PurePosixPath(i.filename).parent == folder]
    # Several chats: a file in another chat's folder is never this chat's attachment.
    own = [i for i in media if folder in PurePosixPath(i.filename).parents] if several else media
    by_path = {str(whatsapp_zip.member_path(whatsapp_zip.stored_name(i))): i for i in own}

    def locate(a: Attachment) -> str | None:
        wanted = a.path or a.name or ""
        exact = whatsapp_zip.member_path(str(folder / wanted.removeprefix("./")))  # Telegram: relative
        info = (by_path.get(str(exact)) if exact else None) or whatsapp_zip.find_member(beside, wanted) \
            or whatsapp_zip.find_member(own, wanted) or _sigtop_member(own, wanted)
        if info is None and member.container == whatsapp.CONTAINER:  # as in a folder: the nearest of that name
            info = _in_phone_tree(media, wanted, folder, others)
        return info.filename if info else None

    return with_attachments(chats, locate)


def _in_phone_tree(media: list[zipfile.ZipInfo], wanted: str, folder: PurePosixPath,
                   others: frozenset[PurePosixPath] = frozenset()) -> zipfile.ZipInfo | None:
    """A zipped phone dump: a chat's WhatsApp-named file in the phone's own `WhatsApp/Media/` folders, else
    anywhere in the zip but another chat's folder (an extraction's `chats/` beside `media/audio/`), as for a
    dump unzipped: the one nearest the chat's folder; none when two are as near."""
    name = PurePosixPath(wanted).name
    if not is_whatsapp_media_name(name):
        return None
    key = whatsapp_zip.same_name(name)
    hits = [i for i in media if whatsapp_zip.same_name(PurePosixPath(whatsapp_zip.stored_name(i)).name) == key]
    in_tree = [i for i in hits if phone_tree.in_media_tree(PurePosixPath(i.filename))]
    theirs = {f for f in others if f.parts and f != folder and f not in folder.parents}
    hits = in_tree or [i for i in hits if not theirs.intersection(PurePosixPath(i.filename).parents)]
    paths = {PurePosixPath(i.filename): i for i in hits}
    found = phone_tree.nearest(list(paths), folder)
    return paths[found] if found is not None else None


def _sigtop_member(own: list[zipfile.ZipInfo], wanted: str) -> zipfile.ZipInfo | None:
    """A voice message sigtop export-attachments wrote as attachment-<time>.<ext> (zone, extension guessed)."""
    by_name = {i.filename: i for i in own}
    if not PurePosixPath(wanted).name.startswith("attachment-"):  # or Skype's media/<document id>.1.<ext>
        hits = skype.media_match(wanted, list(by_name)) or googlevoice.media_match(wanted, list(by_name))
        return by_name[hits[0]] if len(hits) == 1 else None
    hits = signal_text.sigtop_match(wanted, list(by_name))
    return by_name[hits[0]] if len(hits) == 1 else None


def _owners(info: zipfile.ZipInfo, members: list[ZipChat]) -> list[ZipChat]:
    """The chats a file no message names may be of: those whose folder is its nearest holding one (all
    when none holds it)."""
    parents = PurePosixPath(info.filename).parents
    holders = [m for m in members if m.folder in parents]
    if not holders:
        return members
    deepest = max(len(m.folder.parts) for m in holders)
    return [m for m in holders if len(m.folder.parts) == deepest]


def _unreferenced(member: ZipChat, members: list[ZipChat], extra: list[zipfile.ZipInfo]) -> list[tuple[str, str]]:
    """The files no message names that belong with this chat text: those in its folder, or below it
    and in no other chat's folder (those of no chat's folder, or of one several chats share, go with the first)."""
    out = []
    for info in extra:
        if _owners(info, members)[0] is not member or _is_page_part(info, member):
            continue
        out.append((info.filename, PurePosixPath(whatsapp_zip.stored_name(info)).name))
    return out


def _shared(members: list[ZipChat], extra: list[zipfile.ZipInfo]) -> frozenset[str]:
    """The files no message names that more than one chat of the zip may be of."""
    return frozenset(i.filename for i in extra if len(_owners(i, members)) > 1)


def _is_page_part(info: zipfile.ZipInfo, member: ZipChat) -> bool:
    """Of a Telegram export, what is no chat's file: the pages' styling, profile pictures, previews."""
    if member.container in (meta.CONTAINER, meta.INSTAGRAM, messenger_html.CONTAINER, messenger_html.INSTAGRAM):
        return not meta.is_chat_file(info.filename)
    if member.container == hangouts.CONTAINER:  # Takeout's other products beside Hangouts/: not its files
        return PurePosixPath(info.filename).parent != member.folder or \
            kind_of(info.filename) not in ("image", "video", "audio", "animation")
    if member.container == googlechat.CONTAINER:
        return not googlechat.is_chat_file(PurePosixPath(info.filename).relative_to(member.folder).as_posix())
    if member.container == slack.CONTAINER and PurePosixPath(info.filename).name in slack.WORKSPACE_FILES:
        return True  # the workspace's users, channels...: read for names, no file a message sent
    if member.container == signal.CONTAINER and PurePosixPath(info.filename).name in SIGNAL_EXPORT_PARTS:
        return True  # signal-export's other forms of the chat and its pages' styling, not a file sent
    if member.container == skype.CONTAINER:
        return not skype.is_chat_file(PurePosixPath(info.filename).relative_to(member.folder).as_posix())
    if member.container in DISCORD:  # an avatar, an icon: named by the export, not by a message
        relative = PurePosixPath(info.filename).relative_to(member.folder).as_posix()
        return not discord.is_asset(relative, PurePosixPath(member.info.filename).name) or \
            discord.named_anywhere(member.texts[0], relative)
    return member.container in (telegram.CONTAINER, telegram_html.CONTAINER) and not is_telegram_chat_file(
        info.filename)


def _read(path: Path, archive: zipfile.ZipFile, extract_to: Path | None) -> tuple[
        list[tuple[ZipChat, int]], tuple[Chat, ...], dict[str, Path], dict[str, str]]:
    """The zip's chat texts (each with how many chats it gave, in order), its chats, the files extracted, the
    SHA-256 of each file a message carries."""
    files = whatsapp_zip.check(archive, str(path))
    if any(i.flag_bits & 0x1 for i in files):  # Threema's export, a zip a user protected
        raise ChatError(str(path), ENCRYPTED)
    members = chat_members(archive, files, str(path))
    texts = {id(i) for m in members for i in (m.info, *m.pages)}
    media = [i for i in files if id(i) not in texts]
    folders = frozenset(m.folder for m in members)
    per_member = [_zip_chats(path, m, len(members) > 1, media, folders) for m in members]
    used = set().union(*(used_paths(c) for c in per_member))
    extra = [i for i in whatsapp_zip.unreferenced(media, used) if not i.filename.lower().endswith(".zip")]  # opened
    backups = {id(i) for i in sms_zip.backups(archive, extra)}  # read as the phone's SMS, not a file of the chat
    extra = [i for i in extra if id(i) not in backups]
    shared = _shared(members, extra)
    reasons = {i.filename: SPACED_BESIDE.format(reason=line.SPACED) for i in extra if _is_spaced_line(archive, i)}
    per_member = [with_unreferenced(cs, _unreferenced(m, members, extra), shared, reasons)
                  for m, cs in zip(members, per_member)]
    by_name = {i.filename: i for i in media}
    chats = with_cards(tuple(c for cs in per_member for c in cs), lambda name: _small_member(archive, by_name.get(name)))
    read = [(m, len(cs)) for m, cs in zip(members, per_member)]
    return read, chats, _extract(archive, chats, media, extract_to), _hashes(archive, chats, media)


def _by_reader(read: list[tuple[ZipChat, int]], chats: tuple[Chat, ...]) -> list[tuple[str, list[ZipChat],
                                                                                      tuple[Chat, ...]]]:
    """The zip's chats grouped by the reader that read them, in the members' order: (container, members, chats)."""
    groups: dict[str, tuple[list[ZipChat], list[Chat]]] = {}
    at = 0
    for member, count in read:
        own, taken = groups.setdefault(member.container, ([], []))
        own.append(member)
        taken.extend(chats[at:at + count])
        at += count
    return [(container, own, tuple(taken)) for container, (own, taken) in groups.items()]


def _small_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> bytes | None:
    """A contact card's bytes, read in place (None when too large to be one)."""
    if info is None or info.file_size > MAX_CARD_BYTES:
        return None
    try:
        return whatsapp_zip.read_member(archive, info, MAX_CARD_BYTES)
    except (ChatError, zipfile.BadZipFile, OSError, EOFError, zlib.error):  # a damaged card: the chat is still read
        return None


def _hashes(archive: zipfile.ZipFile, chats: tuple[Chat, ...], media: list[zipfile.ZipInfo]) -> dict[str, str]:
    """The SHA-256 of every member a message carries (photos and documents too), read in place."""
    by_name = {i.filename: i for i in media}
    out = {}
    for name in sorted(used_paths(chats)):
        if name in by_name:
            with archive.open(by_name[name]) as handle:
                out[name] = sha256_stream(handle)
    return out


def _text_hashes(archive: zipfile.ZipFile, members: list[ZipChat]) -> dict[str, str]:
    """The SHA-256 of every chat text of the zip (its later pages too), read in place: member -> SHA-256."""
    out = {}
    for info in (i for m in members for i in (m.info, *m.pages)):
        with archive.open(info) as handle:
            out[info.filename] = sha256_stream(handle)
    return out


def load_zip(path: Path, extract_to: Path | None = None) -> list[Loaded]:
    """The zip's chats, one export per reader (each chat's container its own reader's: a WhatsApp chat zipped with a
    LINE history is a `whatsapp-zip` chat and a `line-zip` one), sharing the zip's files."""
    try:
        with zipfile.ZipFile(path) as archive:
            read, chats, extracted, hashes = _read(path, archive, extract_to)
            texts = _text_hashes(archive, [member for member, _ in read])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ChatError(str(path), f"not a readable zip ({exc})") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
        raise ChatError(str(path), f"zip cannot be read ({exc})") from None
    except ChatError as exc:  # a chat text inside that cannot be read: said with the zip's path
        if exc.path == str(path):
            raise
        raise ChatError(str(path), f"{exc.path}: {exc.reason}") from None
    return [Loaded(ChatExport(f"{container}-zip", ", ".join(whatsapp_zip.stored_name(m.info) for m in own), taken),
                   path, extracted, hashes=hashes, chat_files=texts) for container, own, taken in _by_reader(read, chats)]


def _extract(archive: zipfile.ZipFile, chats: tuple[Chat, ...], media: list[zipfile.ZipInfo],
             folder: Path | None) -> dict[str, Path]:
    if folder is None:
        return {}
    by_name = {i.filename: i for i in media}
    wanted = {m.attachment.path for c in chats for m in c.messages
              if m.attachment and m.attachment.playable and m.attachment.path}
    return {name: whatsapp_zip.extract(archive, by_name[name], folder) for name in sorted(wanted)}
