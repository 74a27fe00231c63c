"""A chat export taken into a case: the export as an exhibit, each voice note or video as
its own exhibit linked to its message, and the messages stored.

    take_in(case, path) -> list[TakenIn]

The export's original is hashed as it is (the zip, or the chat file); media in
a zip are extracted only into the case's own folder (`exports/<zip sha256>/`)
and each copy is hashed at intake like any original, with the zip and member
it came from in the audit log. Nothing is stored when the export cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from app.core.chats.origin import ATTACHMENT_TAKEN_IN, EXPORTS_FOLDER, copied_member
from app.core.chats.records import Attachment, ChatExport
from app.core.chats.registry import Loaded, load_export
from app.core.chats.zip_beside import same_file, unshared
from app.core.errors import ChatError, MediaError
from app.core.hashing import sha256_file
from app.core.media.decode import probe
from app.core.media.intake import NOT_UTF8
from app.core.media.unusable import SILENT_VIDEO
from app.core.names import is_utf8, printable, storable
from app.core.store import Case
from app.core.store.chats import AttachmentLink, attachment_sha256s, save_chats, stored_chats
from app.core.store.spelling import where_met
from app.core.types import SourceInfo

PARSER_VERSION = 32  # 2: zipped Telegram exports, files deep in a full export, files no message names beside a chat;
# 3: WhatsApp dates that read both ways decided by the dates attachments are named with;
# 4: every attachment's SHA-256 stored, phone-number senders in one form, more placeholders;
# 5: files no message names placed by the time their names carry, iOS polls, Messenger and Instagram;
# 6: the app's words in 25 more languages, Telegram JSON offsets, iOS groups' notes, Messenger's end-to-end
#    encrypted chats, Persian (Solar Hijri) dates, contact cards' names and numbers;
# 7: Discord (DiscordChatExporter JSON, HTML and text), Messenger/Instagram HTML, Google Chat (Takeout), LINE chat histories, SMS backups (XML)
# 8: iMessage (imessage-exporter text and HTML), sigtop JSON and its unnamed voice messages, SMS backups zipped
# 9: Skype, Slack, Threema, KakaoTalk; signal-export's data.json/index.html with its chat.md; Android WhatsApp
#    messages opening with a direction mark the sender's; contact cards' names and numbers as the message's text
# 10: iOS names holding a colon whole; zip names in Windows' code pages; a phone's WhatsApp Voice Notes folder
#     beside the chat; Telegram service messages' photos and details
# 11: Android names holding a colon whole; a chat deep in a phone dump finds its media in the phone's media folders;
#     two Telegram accounts of one name told apart; DiscordChatExporter CSV; Hangouts (Takeout)
# 12: a WhatsApp export cut short mid-header ends in a note saying so (the cut line was the last message's words);
#     a UTF-16 chat cut at an odd byte is read (it was an error); one cut inside a character says so;
#     a message of the chat pasted into a later one is its words
# 13: WhatsApp 12-hour clocks in more languages, parts of the day (晚上, "in the evening") and unknown markers said;
#     an iOS group's notes under its new name; the app's words in 24 more languages; a LINE history cut short;
#     a file no message names where several chats lie says which chat it is of is not known
# 14: a zip of several chats finds a chat's files in a sibling folder (media/audio/); notes naming another
#     message ("reply to message 3", "holds message 1") count from 1 and follow it when files are placed
# 15: WhatsApp "kl.", time-first headers, senders named like a marker or with a colon ("PM Smith", "12:30 Club"),
#     24:MM clocks, two-digit years before 2000, labels for "file attached" learned from the app's file names;
#     Windows zips' backslash folders; iMessage edits/replies/transcriptions; LINE quoted lines; Telegram kinds not read
# 16: lone CR line ends; time-first lines with no bracket or dash; Bulgarian "г.,"; JSON cut short read to the cut
#     (Telegram, Messenger, Discord, Google Chat); Telegram channel posts' sender; more "file attached"/left-out words
# 17: a Telegram account cut among its chats left, sigtop and Slack JSON cut short, a zipped JSON cut short read;
#     WhatsApp/Discord CSV/HTML cut mid-message said; iMessage text cut in a time or sender; Messenger's own words
#     the app's; "Waiting for this message" in 20 languages; LINE dates in words; media named by another app
# 18: an app note ending a cut WhatsApp file, every cut HTML page said; two people under one name (join notes in 7
#     languages, Telegram picture colours); Messenger's participants word in 8 languages; U+061C a bidi mark;
#     recorder-numbered voice-note files linked by order
# 19: Messenger's own words in Russian and Arabic and with "you" in the verb (Enviaste, Hai inviato, Bir ek gönderdin)
#     the app's, said as read from words; Viber CSV 12-hour clocks (PM, p. m., 午後) dated, an unread clock said
#     Telegram HTML calls the app's record with their words ("Outgoing call: Ended (1 min 5 sec)")
#     Viber CSV headed by its columns' names or re-saved with semicolons read
#     Telegram HTML notes with no time say why; Messenger reactions with the emoji last, Instagram "Liked a message"
# 20: Viber CSV dated in words ("1 December 2026", "Dec 1, 2026", its comma quoted or not); Messenger's Arabic
#     "أرسلت صورة." ("You sent"/"I sent") the app's or the sender's as the chat tells, else the sender's and said
# 21: a Telegram message from a deleted account ("from": null) is "Deleted Account", its id in the note; dates in
#     words in 9 more languages (CLDR's month names); a Telegram reply to a location names it; a file a zip lacks
#     found beside the zip under its exact name
# 22: an iOS caption written before its file ("Look \u200e<attached: 00000127-PHOTO-...jpg>", over several lines
#     too) is the file's message's text: the file was put at a line of its own, or the caption dropped
#     one file beside two zips of one folder that both name it is linked to neither (each message says why)
# 23: an iOS message writing two files' tokens stays as written (one was linked, the other left as words); a
#     file beside a zip met twice (a copy, given twice) or one phone's chat exported twice keeps its link
# 24: a UTF-8 chat with lines in Windows-1252 reads each line in its own (the whole file was Windows-1252: "cafÃ©");
#     a zip's chats and the SMS backup beside them in it stored together (the backup's were never stored);
#     one SMS conversation whose number is spaced two ways one chat; LINE banners without "[LINE]" and notes
#     with an empty sender column; Telegram HTML "Bob via @gif" is Bob (the bot in the note); a signed post's
#     signature (JSON `author`, HTML `signature details`) in the note
#     a Signal (signal-export) sender whose name holds a colon ("Work: Bob") whole where the chat bears it out
# 25: LINE clocks spaced by U+00A0 ("9:05\u00a0PM") messages of their own; a colon name never borne out by message
#     starts alone (Signal, Android WhatsApp: "Anna: Address: ..." is Anna's, the other reading noted); a UTF-8
#     chat's line in Windows-1251/1253/1250/1254 shown damaged, not read as Windows-1252; an MMS sender's spelling
# 26: an iOS contact who only called is the caller (not a group's name); Canadian French clocks ("21 h 05"); a phone's
#     call log (calls-*.xml) read; a zipped chat keeps its text's own name; a number's no-break hyphen (U+2011)
#     written as '-'; an SMS backup's emoji written as two UTF-16 halves ('&#55357;&#56832;') read, not refused
# 27: a typed line with an 'h' clock ("14/06/2024 9 h 30 - salle B") stays in its message; a call log's number
#     -1/-2/-3 is no number; a call log's chat named "…, calls"; a number change written with U+2011 said;
#     a group call under an iOS group's name no member's note
# 28: an iPhone's messages in iMazing's and PhoneView's CSV, Google Voice's Takeout pages (texts, voicemails, calls)
#     read (they were refused); a LINE history in its spaced layout beside a zip's chat says why it is not read
# 29: a Google Voice placed call keeps the number dialled, a group page its members, a page to an unnamed number
#     its number (from the file's name); an iMazing Text kept as written (untrimmed), a repeated column's cell said;
#     a PhoneView row in no layout kept with its quoting, an AM after an afternoon hour said; an MMS part's copy
#     named with 12 hex of its SHA-256 (two parts with one stamp, number and name no longer share one file)
#     a single HTML page (Google Voice, iMessage, Discord) keeps the messages read before a damaged spot
# 30: a damaged page of a Telegram or Messenger HTML chat (and a Telegram chat's only page) keeps the messages read
#     before the damaged spot, the last read saying where its page stopped being read; a zip of several apps' chats
#     records each under its own reader; a number added to a group while writing in it is not "two people"; an SMS
#     number written without its country code joins the conversation of the backup's number it is in that country; one
#     party's Google Voice text pages (a page per thread) one chat, in a folder or a zip; media left out known in
#     Hungarian, Catalan, Croatian, Turkish, Russian ("не включены"), Ukrainian, traditional Chinese and Thai forms; a
#     short KakaoTalk phone export under a banner in another wording read by its "Date Saved :" line; an iPhone's
#     Japanese-calendar year ("3/18/R4": Reiwa 4) read as its Gregorian year, said
# 31: an iPhone's Islamic (Hijri) dates ("8/6/1443 AH", "٨/٦/١٤٤٣ هـ") dated by the civil Islamic calendar, said (not
#     an impossible one, nor "AH"/"h" beside a four-digit Gregorian year: that date is Gregorian, as on 30); a Google
#     Voice page of the account's messages alone says its recipient is not written (a page titled by a number: written
#     only in its title and file name; a damaged page: as far as it was read); a Telegram HTML GIF an animation and its
#     sticker a sticker, written or left out (the GIF was a video, a missing one counted; only a video's or photo's
#     block titled exactly "Animation" or "Sticker", not a contact or file so named); a Messenger/Instagram HTML
#     message keeps its words after a `<br />` or `<img … />` (they were lost); a file named with another calendar's
#     year ("…-PHOTO-1443-06-08-…") is not placed or dated by it; the SMS national-number join of reader 30 taken out
#     (each number its own conversation, as on 29); one rule for a damaged spot in the five HTML readers (Telegram,
#     Messenger, Google Voice, iMessage, Discord): a sender counts once its element closed (no piece of a name as
#     sender), a message the spot fell in is left out only when nothing of it was read, one that closed before it is
#     never said cut, a page read to its end that opens more messages than were read (damage the parser read on
#     past) says so; WhatsApp's calendar taken from the chat's first header, a line dated in the other calendar (an
#     era line in a chat of Western years, a four-digit year in an era chat) the words of the message above, said (a
#     header that lost its era letter read as its sender's message, as on 29)
# 32: a sender of an HTML page read with a piece of damaged markup ("Anna div>", "Anna (tel<![foo]>:+1…)"), a name or
#     number alone where a tag of the sender was damaged, a Telegram author merged with a forwarded one's, a Discord
#     header's lost author taken from the group: no sender, said; Telegram a sticker or GIF linked without a thumbnail
#     a sticker or an animation (was an image or a video), a poll's own vote and its closing said; Discord words
#     writing its container's class count no message (a healthy page's next message was said possibly cut), a
#     message whose words' tag is damaged says its words may be lost; Google Voice and Messenger two messages read
#     as one take neither sender (the names run together were no one)
NOT_UTF8_CHAT = ("the file name is not UTF-8 (its bytes are shown as \\xNN); not taken in: copy it under a "
                 "UTF-8 name to take it in")
SILENT_NOTE = "a video without sound (a GIF, or sent muted): nothing to transcribe"


@dataclass(frozen=True)
class Media:
    """A playable attachment taken in: for the transcription queue."""

    path: str
    source: SourceInfo
    exhibit_id: int


@dataclass(frozen=True)
class TakenIn:
    given: str  # the path as the user gave it
    original: Path  # the export's file (zip or chat file)
    exhibit_id: int
    export: ChatExport
    chat_ids: tuple[int, ...]
    media: tuple[Media, ...]
    unusable: tuple[tuple[str, str], ...] = ()  # (file, why): attachments present but not media ffmpeg reads
    found_in: tuple[str, ...] = ()  # a zip found inside a zip: (the outer zip's path, member, ...)
    met_again: str = ""  # said, not stored again: a chat file of the same bytes as a zip's chat text (taken in as
    # that zip's exhibit), or an export met a second time in one run (`a.zip a.zip`, a folder and a zip in it)
    pages_taken_before: tuple[str, ...] = ()  # a later page read with its first that is an exhibit of its own too

    @property
    def shown(self) -> str:
        """The export as the user knows it: its path, or the outer zip and member it was found in (a
        newline or right-to-left override in a name as an escape: printed raw, it broke the line)."""
        return printable(f"{self.found_in[0]} → {' → '.join(self.found_in[1:])}" if self.found_in
                         else str(self.original))

    def shown_file(self, path: str) -> str:
        """One of its files as the user knows it: "<zip> → <member>" for the case's own copy of a zip's member
        (its path in the case folder, `exports/<SHA-256>/…`, is nowhere they put it), else its path."""
        member = copied_member(path)
        return f"{self.shown} → {printable(member)}" if member is not None else printable(path)


def export_source(path: Path, container: str) -> SourceInfo:
    return SourceInfo(path=where_met(str(path)), sha256=sha256_file(path), bytes=path.stat().st_size,
                      duration_ms=0, container=container, kind="chat")


def extraction_folder(case: Case, sha256: str) -> Path:
    """Where the media of the zip with this SHA-256 are extracted: inside the case's own folder."""
    return case.folder / EXPORTS_FOLDER / sha256


def _load(case: Case, path: Path, refused: list[ChatError] | None) -> list[Loaded]:
    return load_export(path, extract_root=case.folder / EXPORTS_FOLDER, refused=refused)


def _file_sha256(loaded: Loaded, path: str | None) -> str | None:
    """The SHA-256 of a file the export holds: hashed in the zip, or the file beside the chat."""
    if path is None:
        return None
    if path in loaded.hashes:
        return loaded.hashes[path]
    return sha256_file(loaded.files[path]) if path in loaded.files else None


def _take_media(case: Case, exhibit_id: int, parts: list[Loaded],
                export_sha: str) -> tuple[dict, list[Media], tuple[tuple[str, str], ...]]:
    """Each voice note or video of the exports' chats as its own exhibit, linked by (chat position, index): the
    positions run on across the exports, as save_chats stores them; each export's pages audited before its media."""
    links: dict[tuple[int, int], AttachmentLink] = {}
    media: list[Media] = []
    unusable: list[tuple[str, str]] = []
    first = 0
    for loaded in parts:
        if loaded.pages:
            _audit_pages(case, exhibit_id, loaded.pages)
        for position, chat in enumerate(loaded.export.chats, start=first):
            for m in chat.messages:
                if m.attachment is not None and not m.attachment.missing:
                    links[(position, m.index)] = _link(case, loaded, m.attachment, export_sha, media, unusable)
        first += len(loaded.export.chats)
    return links, media, tuple(dict.fromkeys(unusable))


def _link(case: Case, loaded: Loaded, a: Attachment, export_sha: str, media: list[Media],
          unusable: list[tuple[str, str]]) -> AttachmentLink:
    """A file the export holds: its exhibit when a voice note or video taken in (added to `media`), else why not
    (a recording that cannot be used added to `unusable`)."""
    sha = _file_sha256(loaded, a.path)
    if not a.playable or a.path not in loaded.files:
        return AttachmentLink(None, None, sha)
    file = loaded.files[a.path]
    if not is_utf8(str(file)):  # its bytes are no UTF-8 name: said as the intake of recordings says it
        unusable.append((storable(str(file)), NOT_UTF8))
        return AttachmentLink(None, NOT_UTF8, sha)
    try:
        source = probe(file)
    except MediaError as exc:
        if exc.reason == SILENT_VIDEO:  # a GIF, or a video sent without sound: read, nothing said
            return AttachmentLink(None, SILENT_NOTE, sha)
        unusable.append((str(file), exc.reason))
        return AttachmentLink(None, exc.reason, sha)
    exhibit, _ = case.add_exhibit(source)  # where it was found: the path probed, absolute
    _audit_origin(case, exhibit.id, loaded, a.path, export_sha)
    media.append(Media(str(file), source, exhibit.id))
    return AttachmentLink(exhibit.id, None, source.sha256)


def _audit_origin(case: Case, exhibit_id: int, loaded: Loaded, member: str, export_sha: str) -> None:
    nested = {"found_in": list(loaded.found_in)} if loaded.found_in else {}  # the inner zip is the case's copy
    with case.transaction():
        case.audit.record(ATTACHMENT_TAKEN_IN, f"exhibit/{exhibit_id}",
                          {"export": str(loaded.original), "export_sha256": export_sha,
                           "member": member, "container": loaded.export.container, **nested})



def _audit_pages(case: Case, exhibit_id: int, pages: tuple[Path, ...]) -> None:
    """The later pages read with the export's first (messages2.html, message_2.json): each hashed."""
    with case.transaction():
        case.audit.record("chat.pages_read", f"exhibit/{exhibit_id}",
                          {"pages": [{"path": where_met(str(p)), "sha256": sha256_file(p)} for p in pages]})


PAGE_TAKEN_BEFORE = "chat.page_read_with_first"
PAGE_TAKEN_BEFORE_NOTE = ("{page} is also exhibit {earlier} (taken in alone before, or met alone): its messages are "
                          "read here with its first page, and that exhibit keeps its own chat of them")


def _pages_taken_before(case: Case, exhibit_id: int, parts: list[Loaded]) -> tuple[str, ...]:
    """Each later page read with its first whose bytes are another exhibit (a Google Voice thread page taken in
    on reader 29, when each page was a chat): said, and recorded once in that exhibit's audit log."""
    said = []
    for page in (p for loaded in parts for p in loaded.pages):
        sha = sha256_file(page)
        earlier = case.find_exhibit(sha).id if case.paths_of_sha256(sha) else exhibit_id
        if earlier == exhibit_id:
            continue
        said.append(PAGE_TAKEN_BEFORE_NOTE.format(page=printable(page.name), earlier=earlier))
        if not case.audit.entries_of(PAGE_TAKEN_BEFORE, f"exhibit/{earlier}", read_with=f"exhibit/{exhibit_id}"):
            with case.transaction():
                case.audit.record(PAGE_TAKEN_BEFORE, f"exhibit/{earlier}", {
                    "page": where_met(str(page)), "sha256": sha, "read_with": f"exhibit/{exhibit_id}"})
    return tuple(said)


def pages_shared_with(case: Case, exhibit_id: int) -> frozenset[int]:
    """The exhibits that share a page with this one (`PAGE_TAKEN_BEFORE`): one reads a page of a chat with its
    first page, the other took that page in alone."""
    entries = case.audit.entries_of(PAGE_TAKEN_BEFORE, f"exhibit/{exhibit_id}") + case.audit.entries_of(
        PAGE_TAKEN_BEFORE, None, read_with=f"exhibit/{exhibit_id}")
    ids = {int(e.subject.split("/")[1]) for e in entries} | {int(str(e.details.get("read_with", "/0")).split("/")[1])
                                                            for e in entries}
    return frozenset(ids - {exhibit_id, 0})


def _audit_nesting(case: Case, exhibit_id: int, found_in: tuple[str, ...]) -> None:
    """Where an export extracted from a zip inside a zip came from: the outer zip (hashed) and member."""
    outer = Path(found_in[0])
    with case.transaction():
        case.audit.record("chat.export_found_in_zip", f"exhibit/{exhibit_id}",
                          {"outer_zip": where_met(str(outer)), "outer_zip_sha256": sha256_file(outer),
                           "members": list(found_in[1:])})


def take_in(case: Case, path: str | Path, refused: list[ChatError] | None = None) -> list[TakenIn]:
    """Every chat export at `path` into the case; ChatError (nothing stored) when unreadable.

    In a folder, the exports that cannot be read go to `refused` (when given) and the rest is taken in."""
    try:
        return _take_in(case, Path(path), refused)
    except OSError as exc:
        raise ChatError(str(path), exc.strerror or "cannot read") from None


def take_in_all(case: Case, inputs: list[str], refused: list[ChatError]) -> list[TakenIn]:
    """Every input's exports into the case, those that cannot be read to `refused`; a file beside the zips of
    several inputs that each name it (two phones' `PTT-…-WA0001.opus`) linked to none, as in one folder."""
    met: list[tuple[str, Loaded]] = []
    for given in inputs:
        try:
            met += [(given, loaded) for loaded in _load(case, Path(where_met(str(given))), refused)]
        except ChatError as exc:
            refused.append(exc)
        except OSError as exc:
            refused.append(ChatError(str(given), exc.strerror or "cannot read"))
    return _stored_all(case, list(zip([g for g, _ in met], unshared([lo for _, lo in met]), strict=True)), refused)


def _take_in(case: Case, given: Path, refused: list[ChatError] | None) -> list[TakenIn]:
    loaded = _load(case, Path(where_met(str(given))), refused)  # its files recorded as the disk spells them
    return _stored_all(case, [(str(given), lo) for lo in loaded], refused)


AGAIN_NOTE = "met again (the same export as {first}): taken in once, as exhibit {exhibit}"


def _stored_all(case: Case, met: list[tuple[str, Loaded]], refused: list[ChatError] | None) -> list[TakenIn]:
    """Each file's exports stored as one exhibit (a zip's chats with the SMS backup it also holds: the backup's
    chats used to be read, said and never stored); an export met again in this run (`a.zip a.zip`, `evidence/
    evidence/a.zip`) said once, not stored a second time (its voice notes were recorded taken in twice)."""
    files: dict[object, tuple[str, list[Loaded], list[tuple]]] = {}
    again: list[tuple[str, Loaded, tuple]] = []
    seen: set[tuple] = set()
    for given, loaded in met:
        key = _part_key(loaded)  # a stat(): worked out once per export
        if key in seen:
            again.append((given, loaded, key))
            continue
        seen.add(key)
        _, parts, keys = files.setdefault(key[0], (given, [], []))
        parts.append(loaded)
        keys.append(key)
    out: list[TakenIn] = []
    first: dict[tuple, TakenIn] = {}
    for given, parts, keys in files.values():
        stored = _stored_else_said(case, given, parts, refused)
        first |= {key: t for key in keys for t in stored[:1]}
        out += stored
    for given, loaded, key in again:  # none where its first could not be stored: that failure is said
        t = first.get(key)
        if t is None:
            continue
        if loaded.found_in and loaded.found_in != t.found_in:  # a copy of the outer zip: where, recorded
            _audit_nesting(case, t.exhibit_id, loaded.found_in)
        out.append(replace(t, given=given, original=loaded.original, media=(), unusable=(), found_in=loaded.found_in,
                           met_again=AGAIN_NOTE.format(first=t.shown, exhibit=t.exhibit_id)))
    return out


def _part_key(loaded: Loaded) -> tuple:
    """One export of one file, however the path to it was spelled or linked (a hard link, a symlinked folder, a
    bind mount): the file, and the export's place in it (a zip's member; "" for the file itself)."""
    source = loaded.export.source
    return same_file(loaded.original), loaded.export.container, "" if source == str(loaded.original) else source


def _stored_else_said(case: Case, given: str, parts: list[Loaded],
                      refused: list[ChatError] | None) -> list[TakenIn]:
    """`_stored`; an I/O error said against the export that met it (not the folder given), and the file that
    failed when another (a voice note beside it); raised without `refused`, else the other exports still stored."""
    try:
        return _stored(case, given, parts, refused)
    except OSError as exc:
        export = storable(str(parts[0].original))
        failed = storable(str(exc.filename)) if exc.filename is not None else export
        reason = exc.strerror or "cannot read"
        error = ChatError(export, reason if failed == export else f"{reason}: {failed}")
        if refused is None:
            raise error from None
        refused.append(error)
        return []


def _stored(case: Case, given: str, parts: list[Loaded], refused: list[ChatError] | None) -> list[TakenIn]:
    """One file's exports stored as one exhibit (or found to be a zip exhibit's unzipped chat); [] when its name
    cannot be recorded."""
    loaded = parts[0]
    if not is_utf8(str(loaded.original)):  # a name no record can hold as it is: one line, the rest read
        unreadable = ChatError(storable(str(loaded.original)), NOT_UTF8_CHAT)
        if refused is None:
            raise unreadable
        refused.append(unreadable)
        return []
    export = _one_export(parts)
    source = export_source(loaded.original, export.container)
    unzipped = _unzipped_copy(case, given, loaded, source) if len(parts) == 1 else None
    if unzipped is not None:
        return [unzipped]
    exhibit, _ = case.add_exhibit(source, found_at=source.path)
    _audit_chat_texts(case, exhibit.id, {k: v for lo in parts for k, v in lo.chat_files.items()})
    if loaded.found_in:
        _audit_nesting(case, exhibit.id, loaded.found_in)
    links, media, unusable = _take_media(case, exhibit.id, parts, source.sha256)
    chat_ids = save_chats(case, exhibit.id, [part.export for part in parts], PARSER_VERSION, links)
    return [TakenIn(given, loaded.original, exhibit.id, export, tuple(chat_ids), tuple(media), unusable,
                    loaded.found_in, pages_taken_before=_pages_taken_before(case, exhibit.id, parts))]


def _one_export(parts: list[Loaded]) -> ChatExport:
    """The exports read from one file as one (a zip's WhatsApp chat and the SMS backup beside it in the zip)."""
    if len(parts) == 1:
        return parts[0].export
    return ChatExport.joined([part.export for part in parts])


ZIP_CHAT_TEXT = "chat.zip_chat_text"  # a zip exhibit's chat text (member, SHA-256): found again when met unzipped
UNZIPPED_COPY = "chat.unzipped_copy_met"
UNZIPPED_NOTE = ("the same bytes as {member} in exhibit {exhibit} ({zip}): that zip's chat, unzipped, and no file "
                 "beside it the zip lacks; taken in as that exhibit (this path recorded in its audit log)")


def _audit_chat_texts(case: Case, exhibit_id: int, texts: dict[str, str]) -> None:
    """Each chat text of a zip exhibit with its SHA-256, once."""
    with case.transaction():
        for member, sha in texts.items():
            if not case.audit.entries_of(ZIP_CHAT_TEXT, f"exhibit/{exhibit_id}", member=member):
                case.audit.record(ZIP_CHAT_TEXT, f"exhibit/{exhibit_id}", {"member": member, "sha256": sha})


def _unzipped_copy(case: Case, given: str, loaded: Loaded, source: SourceInfo) -> TakenIn | None:
    """A loose chat file of the same bytes as a zip exhibit's chat text, every file beside it read holding bytes
    that zip's messages carry: that exhibit, its path recorded (not a second exhibit of one chat); else None."""
    if loaded.chat_files or loaded.found_in or loaded.pages:
        return None
    for entry in case.audit.entries_of(ZIP_CHAT_TEXT, sha256=source.sha256):  # hashed only where one is found
        exhibit_id = int(entry.subject.split("/")[1])
        beside = {str(loaded.files[m.attachment.path]): _file_sha256(loaded, m.attachment.path)
                  for m in loaded.export.messages if m.attachment is not None and m.attachment.path in loaded.files}
        chats = tuple(c.id for c in stored_chats(case, exhibit_id))
        if chats and set(beside.values()) <= attachment_sha256s(case, exhibit_id):
            zipped = case.exhibit(exhibit_id)
            said = UNZIPPED_NOTE.format(member=printable(entry.details["member"]), exhibit=exhibit_id,
                                        zip=printable(zipped.source.name))
            with case.transaction():
                case.audit.record(UNZIPPED_COPY, f"exhibit/{exhibit_id}",
                                  {"path": source.path, "sha256": source.sha256, "member": entry.details["member"],
                                   "files_beside": beside})  # each the same bytes as a file the zip holds
            return TakenIn(given, loaded.original, exhibit_id, loaded.export, chats, (), (), (), said)
    return None
