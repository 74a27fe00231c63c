"""Which parser reads a chat text, decided by its content, and what every loader shares:
the loaded record, naming a chat after its folder, finding each attachment its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from app.core.chats import (
    cut_short,
    discord,
    discord_csv,
    discord_html,
    discord_text,
    googlechat,
    googlevoice,
    hangouts,
    imazing,
    imessage,
    imessage_html,
    kakaotalk,
    line,
    messenger_html,
    meta,
    phoneview,
    signal,
    signal_json,
    signal_text,
    skype,
    slack,
    telegram,
    telegram_html,
    threema,
    viber,
    wechat,
    wechat_html,
    whatsapp,
)
from app.core.chats.encoding import decode_text, one_line_end
from app.core.chats.placeholders import time_in_name
from app.core.chats.placing import placed
from app.core.chats.records import (
    SHARED_NOTE,
    UNREFERENCED_NOTE,
    UNREFERENCED_TIMED_NOTE,
    Attachment,
    Chat,
    ChatExport,
    Message,
    kind_of,
)
from app.core.chats.renamed import missing_voice_notes, relinked, why_not_linked
from app.core.errors import ChatError

_JSON_START = re.compile(r'^[\ufeff \t\r\n]*(?:\{|\[[\s\r\n]*[{\]"])')
MIN_HEADER_SHARE = 0.3  # of the first non-blank lines: a chat, not a document quoting one date
GENERIC_STEMS = ("_chat", "chat", "messages")  # names that say nothing: the folder or zip says more
# The folders Telegram Desktop writes a chat's files into (beside the chat, or in chats/chat_NNN/).
TELEGRAM_MEDIA_FOLDERS = frozenset({"voice_messages", "round_video_messages", "video_files", "audio_files",
                                    "files", "photos", "stickers", "animations", "gifs",
                                    "contacts"})


@dataclass(frozen=True)
class Loaded:
    export: ChatExport
    original: Path  # the file taken in as the export's exhibit (the zip, or the chat file)
    files: dict[str, Path]  # attachment path -> the file on disk (extracted copy for a zip)
    found_in: tuple[str, ...] = ()  # a zip found inside a zip: (the outer zip's path, member, ...)
    hashes: dict[str, str] = field(default_factory=dict)  # attachment path -> SHA-256, of a zip's members
    pages: tuple[Path, ...] = ()  # later pages read with the original (messages2.html, message_2.json)
    chat_files: dict[str, str] = field(default_factory=dict)  # a zip's chat texts: member -> SHA-256


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM, damaged bytes as U+FFFD), UTF-16 with a BOM, else Latin-1; every line end
    (Windows' CR LF, an old Mac's lone CR, a file of both) one LF, as every reader expects."""
    return one_line_end(decode_text(data)[0])


Parser = Callable[[str, str], tuple[Chat, ...]]


def parser_for(text: str, name: str) -> tuple[str, Parser] | None:
    """(container, parser) for a chat text, decided by its content; None when it is no chat."""
    stem = PurePosixPath(name).stem
    if meta.looks_like_text(text):
        return meta.CONTAINER, meta.parse
    if discord.looks_like_text(text):
        return discord.CONTAINER, discord.parse
    if googlechat.looks_like_text(text):
        return googlechat.CONTAINER, googlechat.parse
    if signal_json.looks_like_text(text):
        return signal_json.CONTAINER, signal_json.parse
    if skype.looks_like_text(text):
        return skype.CONTAINER, skype.parse
    if hangouts.looks_like_text(text):
        return hangouts.CONTAINER, hangouts.parse
    if slack.looks_like_text(text):
        return slack.CONTAINER, slack.parse
    if _JSON_START.match(text):  # an object, or an array of them (a Slack export's users.json)
        return telegram.CONTAINER, telegram.parse  # JSON: its parser says what is wrong, if anything
    if googlevoice.looks_like(text):
        return googlevoice.CONTAINER, googlevoice.parse
    if messenger_html.looks_like(text):
        return messenger_html.CONTAINER, messenger_html.parse
    if discord_html.looks_like(text):
        return discord_html.CONTAINER, discord_html.parse
    if wechat_html.looks_like(text):
        return wechat_html.CONTAINER, lambda t, n: (wechat_html.parse(t, n),)
    if imessage_html.looks_like(text):
        return imessage_html.CONTAINER, imessage_html.parse
    if telegram_html.looks_like(text):
        return telegram_html.CONTAINER, telegram_html.parse
    if discord_text.looks_like(text):
        return discord_text.CONTAINER, lambda t, n: (discord_text.parse(t, stem),)
    if discord_csv.looks_like(text):
        return discord_csv.CONTAINER, lambda t, n: (discord_csv.parse(t, stem),)
    if imazing.looks_like(text):
        return imazing.CONTAINER, imazing.parse
    if phoneview.looks_like(text):
        return phoneview.CONTAINER, phoneview.parse
    if threema.looks_like(text, name):
        return threema.CONTAINER, lambda t, n: (threema.parse(t, n),)
    if line.looks_like(text):
        return line.CONTAINER, lambda t, n: (line.parse(t, stem),)
    if viber.looks_like(text):
        return viber.CONTAINER, lambda t, n: (viber.parse(t, n),)
    if wechat.looks_like(text):
        return wechat.CONTAINER, lambda t, n: (wechat.parse(t, n),)
    if kakaotalk.looks_like(text):
        return kakaotalk.CONTAINER, lambda t, n: (kakaotalk.parse(t, stem),)
    if imessage.looks_like(text):
        return imessage.CONTAINER, lambda t, n: (imessage.parse(t, stem),)
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
    found = parser_for(text, name)
    return found[0] if found else None


def parse_text(text: str, name: str, container: str | None = None) -> tuple[Chat, ...]:
    """The chats a text holds; ChatError when it is no chat export or holds no message.

    `container` forces the WhatsApp reader (a zip's chat); otherwise content decides."""
    if container == whatsapp.CONTAINER:
        found: tuple[str, Parser] | None = (container, lambda t, n: (
            whatsapp.parse(t, PurePosixPath(n).stem),))
    else:
        found = parser_for(text, name)
    if found is None and not text.strip("\ufeff \t\r\n\x00"):
        raise ChatError(name, "empty: no chat message in this file (nothing but blanks)" if text else "empty file (0 bytes)")
    if found is None and line.spaced_layout(text):
        raise ChatError(name, line.SPACED)
    if found is None:
        raise ChatError(name, "no recognisable chat message (not a WhatsApp, Signal, Telegram, Messenger, "
                              "Instagram, Discord, Google Chat, Google Voice, Hangouts, LINE, iMessage (or iMazing or PhoneView CSV), Skype, Slack, Threema, KakaoTalk, Viber or WeChat export)")
    chats = found[1](text, name)
    if found[0] not in (whatsapp.CONTAINER, line.CONTAINER):  # those two tell a cut line themselves
        chats = cut_short.split_cut(chats, text)
    if not any(m.time_as_written for c in chats for m in c.messages):
        raise ChatError(name, "no recognisable chat message in this export")
    return chats


def with_attachments(chats: tuple[Chat, ...], locate: Callable[[Attachment], str | None]) -> tuple[Chat, ...]:
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


def named(chats: tuple[Chat, ...], generic: str, better: str) -> tuple[Chat, ...]:
    return tuple(replace(c, name=better) if c.name == generic and better else c for c in chats)


def is_telegram_chat_file(relative: str) -> bool:
    """A file of a Telegram export that belongs to a chat (not the pages' styling, a profile
    picture, or the preview the export makes of a photo or video)."""
    path = PurePosixPath(relative)
    return path.parent.name in TELEGRAM_MEDIA_FOLDERS and "_thumb." not in path.name


def used_paths(chats: tuple[Chat, ...]) -> set[str]:
    """The export's files that a message names and that were found."""
    return {m.attachment.path for c in chats for m in c.messages if m.attachment and m.attachment.path}


def with_unreferenced(chats: tuple[Chat, ...], extra: list[tuple[str, str]],
                      shared: Collection[str] = (), reasons: Mapping[str, str] | None = None) -> tuple[Chat, ...]:
    """Each (path, name) of the export that no message names, kept in the first chat as a note with
    no sender (never dropped): in its place by the time its name carries, said so; else at the end.
    `shared`: the paths that may as well be another chat's (several chats lie where they do), said so.
    `reasons`: why a path is not read as a chat of its own (a LINE history in a layout not read), said."""
    chats, extra = relinked(chats, extra, shared)  # a file the chat names, found under another name
    if not extra or not chats:
        return chats
    first = chats[0]
    missing = missing_voice_notes(chats)
    reasons = reasons or {}
    notes = tuple(_unreferenced_note(len(first.messages) + k, path, name, path in shared,
                                     reasons.get(path) or why_not_linked(missing, len(chats), name, path in shared))
                  for k, (path, name) in enumerate(extra))
    return (replace(first, messages=placed(first.messages, notes)), *chats[1:])


AUDIO_FOLDERS = frozenset({"audio", "voice_messages", "audio_files"})  # Messenger writes its voice clips as .mp4


def _unreferenced_kind(path: str) -> str:
    kind = kind_of(path)
    return "audio" if kind == "video" and PurePosixPath(path).parent.name in AUDIO_FOLDERS else kind


def _unreferenced_note(index: int, path: str, name: str, shared: bool = False, why: str = "") -> Message:
    attachment = Attachment(name, False, _unreferenced_kind(path), "", path)
    when = time_in_name(name)
    note = "; ".join(n for n in (UNREFERENCED_NOTE if when is None else UNREFERENCED_TIMED_NOTE,
                                 SHARED_NOTE if shared else "", why) if n)
    if when is None:
        return Message(index, None, "", None, "", True, attachment, note)
    return Message(index, None, when[0], when[1], "", True, attachment, note)

