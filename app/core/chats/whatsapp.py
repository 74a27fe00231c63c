"""WhatsApp text exports (`_chat.txt`, `WhatsApp Chat with ....txt`), Android and iOS, any locale.

A message starts on a header line: a date (three numbers), a time, then the
sender and the text. Around that core the layouts vary; all of these are read:

    12/03/2024, 21:14 - Anna: text                Android
    [12/03/2024, 21:14:05] Anna: text             iOS
    15/12/2025, 10:34:00 AM Charlie: text         iOS without brackets
    3/12/24, 9:18\u202fPM - Piotr: text           12-hour clocks (AM/PM, a. m., nachm., ÖS, 午後, 오후, م ...)
    13.06.18 21.25.15: a: m                       dotted times, colon after the time
    6/3/17, 00:45 , a: m                          a comma after the time
    13.6.2018 klo 21.25.15 - a: m                 a word between date and time (klo, à, um ...)
    13. 6. 2018. 21:25:15 a: m                    spaced dates
    [06/2018/13, 21:25:15] a: m                   the year in the middle
    ٠٦/٠٣/٢٠١٧ ٠٠:٤٥ - ...                        Arabic-Indic digits (and the Arabic comma)

A header with no `Name: ` is the app's own note (system, no sender). Lines
that are not headers continue the message above them, except a line that
looks like a header (it starts with a date and a time) in a layout not read
here: it becomes a record of its own with no sender, never glued to the
message above under that message's sender when it names a sender of its own; one that names
none ("13/03/2024 10:00 meeting at the depot") was typed as a line of the message above and stays in
it. Text before the first header is kept as a record with no sender.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from app.core.chats import colon_names, dates, group_names, same_names
from app.core.chats.placeholders import (
    find_attachment,
    is_poll,
    is_system_note,
    learned_labels,
    split_edited,
    strip_marks,
    time_in_name,
)
from app.core.chats.records import LIKELY_CUT, Chat, Message
from app.core.chats.whatsapp_header import (
    _HEADERISH_RE,
    _QUOTES,
    H_CLOCK,
    HIJRI_ERAS,
    Header,
    _clean,
    _split_sender,
    era_dated,
    four_digit_year_dated,
    looks_like_header,
    read_header,
)

CONTAINER = "whatsapp"
UNRECOGNISED_NOTE = "looks like a message header in a layout not recognised; no sender assigned"
PREAMBLE_NOTE = "text before the first message header; no sender assigned"
ERA_LINE_NOTE = ("a line of it is shaped as a message header dated in a Japanese era, a calendar this chat's headers "
                 "are not written in: kept as words of this message")
YEAR_LINE_NOTE = ("a line of it is shaped as a message header dated in a year of four digits, not in the Japanese era "
                  "this chat's headers are written in: kept as words of this message")
CUT_NOTE = ("the export ends here in the middle of a message header (cut short, as a phone's export is at its "
            "size limit): the line is kept as written, no sender assigned")

CUT_LINE_NOTE = ("the export ends in this message, with no line end after it (WhatsApp ends every message it writes "
                 "with one): " + LIKELY_CUT + ", as a phone's export is at its size limit; the message may go on "
                 "beyond what is written")
CUT_NOTE_LINE_APP = ("the export ends in this app's note, with no line end after it (WhatsApp ends every line it "
                     "writes with one): " + LIKELY_CUT + ", as a phone's export is at its size limit; the note may go "
                     "on beyond what is written, and messages after it are not in the file")
CUT_CHAR_NOTE = ("the export ends here inside a character (shown as U+FFFD): cut short, as a phone's export is at "
                 "its size limit; the message may go on beyond it")
_DIGIT_RUN_RE = re.compile(r"\d+")
_DATE_RE = re.compile(r"^\[?\s*(?:\d+\s?[./-]\s?\d+\s?[./-]\s?\d+|\d{1,2}[:.]\d{2}(?:[:.]\d{2})?,?\s)")  # or time first

@dataclass
class _Entry:
    header: Header | None
    note: str = ""
    lines: list[str] = field(default_factory=list)
    line: str = ""  # the header's line as written


def _file_shapes(headers: list[Header | None]) -> set[tuple[bool, str]]:
    """The header shapes this file is written in: the commonest among lines naming a sender, and any
    other on 2+ and a tenth of them, most of whose lines name a sender (messages, not dates a person typed).

    A header-shaped line in another shape (a date and time a person typed at the
    start of a line) is then not taken for a message of its own.
    """
    counts = Counter(h.shape for h in headers if h is not None)
    if not counts:
        return set()
    naming = Counter(h.shape for h in headers if h is not None and _split_sender(h.rest)[0] is not None)
    total = sum(counts.values())
    top = (naming or counts).most_common(1)[0][0]  # the commonest among lines naming a sender
    return {shape for shape, n in counts.items()
            if shape == top or (n >= 2 and n * 10 >= total and naming[shape] * 2 > n)}


def _skeleton(line: str) -> str:
    return _DIGIT_RUN_RE.sub("9", _clean(line).rstrip())


def _cut_in_a_name(header: Header | None, senders: set[str]) -> bool:
    """A header whole, its sender's name cut off (`[13/03/2024, 10:16:05] Bo`): the start of a name that writes
    the chat, not an app's note."""
    if header is None or _split_sender(header.rest)[0] is not None:
        return False
    begun = strip_marks(header.rest).strip().rstrip("\ufffd")
    return any(name.startswith(begun) and name != begun for name in senders) or _a_name(begun)


def _a_name(words: str) -> bool:
    """Words that read as a person's name begun ("Bob Sm", "~ Anna"), not an app's note ("Anna left"): a few words,
    each opening with a capital letter (a name of a script without capitals is not told apart)."""
    parts = words.lstrip("~\u202f ").split()
    return 0 < len(parts) <= 4 and all(p[0].isupper() for p in parts)


def _cut_header(last: str, header: Header | None, header_line: str) -> bool:
    """The file's last line, with no line end after it, is a message header cut off (`[01/03/2024, 10:1`,
    `01/03/2024, 10:16 -`): a date written whole and more, all of it the start of the file's own headers' form,
    no sender after it. The end of an export cut short, not words of the message above or a note."""
    if header is not None and _split_sender(header.rest)[0] is not None:
        return False
    last = last.rstrip().rstrip("\ufffd")  # a character cut in two at the end (UTF-8 or UTF-16)
    date = _DATE_RE.match(_clean(last))
    if date is None or len(_clean(last).rstrip()) <= date.end():
        return False
    cut = _skeleton(last)
    return _skeleton(header_line).startswith(cut) and len(cut) < len(_skeleton(header_line))


def _entries(lines: list[str], cut: bool = False) -> list[_Entry]:
    headers = _marked_before(_clock_read(lines))
    shapes = _file_shapes(headers)
    era_chat = _era_chat(lines, headers, shapes)
    entries: list[_Entry] = []
    for line, header in zip(lines, headers):
        if (other := _other_calendar(line, era_chat)) and (header is not None or looks_like_header(line)) and entries:
            entries[-1].lines.append(line)  # a date of another calendar than the chat's: words of the message above
            entries[-1].note = "; ".join(n for n in dict.fromkeys((entries[-1].note, other)) if n)
        elif header is not None and header.shape in shapes:
            entries.append(_Entry(header, lines=[header.rest], line=line))
        elif (header is not None or looks_like_header(line)) and (not entries or _names_a_sender(line, header)):
            entries.append(_Entry(None, UNRECOGNISED_NOTE, [line]))
        elif entries:  # a line of the message above (one typed starting with a date and a time too)
            entries[-1].lines.append(line)
        elif strip_marks(line).strip():
            entries.append(_Entry(None, PREAMBLE_NOTE, [line]))
    last_header = next((line for line, h in zip(lines[-2::-1], headers[-2::-1]) if h and h.shape in shapes), "")
    entries = _pasted_back(entries)
    senders = {name for e in entries[:-1] if e.header and (name := _split_sender(e.header.rest)[0])}
    ends_there = entries and (entries[-1].lines[-1] is lines[-1] or (
        headers[-1] is not None and entries[-1].header is headers[-1]))  # the last line, glued or its own
    if cut and ends_there and (
            _cut_header(lines[-1], headers[-1], last_header) or _cut_in_a_name(entries[-1].header, senders)):
        if len(entries[-1].lines) > 1:
            entries[-1].lines.pop()
        else:
            entries.pop()
        entries.append(_Entry(None, CUT_NOTE, [lines[-1]]))
    return entries


def _era_chat(lines: list[str], headers: list[Header | None], shapes: set[tuple[bool, str]]) -> bool:
    """The chat's first header dates its year in a Japanese era: a phone set to that calendar writes all so, and an
    export's first line is always a header of its own (era lines typed later may outnumber a short chat's)."""
    return next((era_dated(line) for line, header in zip(lines, headers)
                 if header is not None and header.shape in shapes), False)


def _other_calendar(line: str, era_chat: bool) -> str:
    """The note for a line dated in another calendar than the chat's, "" for one of the chat's: an era's date in a chat
    of Western years, a four-digit year in an era chat (a phone writes every header in one calendar: typed or pasted
    words). A header that lost its era letter ("[1/7/5, …]") is the era chat's own."""
    if era_chat:
        return YEAR_LINE_NOTE if four_digit_year_dated(line) else ""
    return ERA_LINE_NOTE if era_dated(line) else ""


def _unread(header: Header | None) -> bool:
    return header is not None and header.stamp is not None and bool(header.stamp.unread_marker)


def _plain_clock(header: Header | None, shapes: set[tuple[bool, str]]) -> bool:
    """A header of one of `shapes` naming a sender, its clock marked by no word: a 24-hour clock's."""
    return header is not None and not _unread(header) and not header.marked and header.shape in shapes and \
        _split_sender(header.rest)[0] is not None


def _clock_read(lines: list[str]) -> list[Header | None]:
    """Each line's header, its clock read as the file writes its clocks (`_unread_read`, `_marker_names`)."""
    return _marker_names(lines, _unread_read(lines))


def _marker_names(lines: list[str], headers: list[Header | None]) -> list[Header | None]:
    """In a file whose lines with nothing but a space after the time write a 24-hour clock there (as many name
    a sender right after a plain time as carry a marker), a marker-like word after the time begins the sender's
    name: "14/06/2024, 09:08:00 Am Ende: x" is Am Ende's at 09:08, not Ende's."""
    spaced = (False, " ")
    marked = [i for i, h in enumerate(headers) if h is not None and h.marked and h.shape == spaced]
    if not marked or sum(_plain_clock(h, {spaced}) for h in headers) < len(marked):
        return headers
    out = list(headers)
    for i in marked:
        plain = read_header(lines[i], marked=False, post=False)
        if plain is not None and plain.shape == spaced and _split_sender(plain.rest)[0] is not None:
            out[i] = plain
    return out


def _unread_read(lines: list[str]) -> list[Header | None]:
    """Each line's header. Words between the time and a dash ("2:05 e pasdites - Anna:") are a 12-hour clock's
    marker of no language read here only in a file that writes no 24-hour clock there: a line naming a sender
    right after the time ("13. 6. 2018. 11:01:00 Anna: ok", or "14:05 Dave - Plumber: x"), or as many lines of
    the marked lines' own layout with no marker ("13/03/2024, 10:00 - Anna:") say "09:25:15 Dave - Plumber: hi"
    is Dave - Plumber's at 09:25 (or a line typed in a message), not Plumber's at a time unknown."""
    headers = [read_header(line) for line in lines]
    marked = [h for h in headers if _unread(h)]
    own = {h.shape for h in marked if h is not None} - {(False, " ")}
    if marked and (any(_plain_clock(h, {(False, " ")}) for h in headers) or
                   sum(_plain_clock(h, own) for h in headers) >= len(marked)):
        return [(read_header(line, marked=False) or h) if _unread(h) else h for line, h in zip(lines, headers)]
    unread = frozenset(h.stamp.unread_marker for h in headers if h and h.stamp and h.stamp.unread_marker)
    if unread:  # the app's notes of a file whose clock is marked in a language not read here
        headers = [h if _unread(h) else read_header(line, unread) for line, h in zip(lines, headers)]
    return headers


# Words some layouts write between the date and the time ("13.6.2018 klo 21.25", "um", "à", "at").
CONNECTORS = frozenset({"klo", "kl", "um", "à", "a", "at", "om", "às", "as", "alle", "o", "в", "u", "v", "ob", "la",
                        "saat", "pukul", "jam", "о", "у", "στις", "ساعت",  # "at", "o'clock": Turkish, Malay, Cyrillic...
                        "г"})  # Bulgarian's "year" after the date: "13.06.24 г., 21:05"


def _marked_before(headers: list[Header | None]) -> list[Header | None]:
    """A word before the time that is no connector and whose every time is 1 to 12 o'clock ("ល្ងាច 2:05",
    "ap 9:05"): a 12-hour clock's marker in a language not read here. Its hour is kept as written and said,
    not read as a 24-hour clock's (02:05 for 14:05)."""
    hours: dict[str, set[int]] = {}
    for h in headers:
        if h is not None and h.word and h.stamp is not None:
            hours.setdefault(h.word, set()).add(h.stamp.hour)
    markers = {w for w, seen in hours.items()
               if w not in CONNECTORS | HIJRI_ERAS and all(1 <= hour <= 12 for hour in seen)}
    if not markers:
        return headers
    return [replace(h, stamp=replace(h.stamp, unread_marker=h.word)) if h is not None and h.stamp is not None
            and h.word in markers else h for h in headers]


PASTED_NOTE = "holds message {number} of this chat pasted in (its date, time, sender and words)"  # from 1


def _pasted_back(entries: list[_Entry]) -> list[_Entry]:
    """A message of this chat pasted into a later one: its header and words the same as a message further up,
    the message before it of another time (so the chat's time would go back to it). Those lines are words of
    the message they were pasted into, not the message sent again."""
    out: list[_Entry] = []
    seen: dict[tuple[str, ...], int] = {}
    for entry in entries:
        key = (entry.header.written, *entry.lines) if entry.header else ()
        first = seen.get(key) if key else None
        host = out[-1] if out else None
        if first is not None and first < len(out) - 1 and host and host.header and \
                host.header.written != entry.header.written and _split_sender(host.lines[0])[0] is not None:
            host.lines.extend([entry.line, *entry.lines[1:]])
            host.note = "; ".join(n for n in (host.note, PASTED_NOTE.format(number=first + 1)) if n)
            continue
        if key:
            seen.setdefault(key, len(out))
        out.append(entry)
    return out


ANDROID_SEPARATORS = ("-", "\u2013", "\u2014")
_AFTER_TIME_RE = re.compile(r"^(?::\d{2})?\s*[\]\-\u2013\u2014,]?\s*")


def _names_a_sender(line: str, header: Header | None) -> bool:
    """A header-like line in a layout the file is not written in that names a sender ("[01/03/2024,
    09:00:00] Tom: ...", a message of another export pasted in): kept apart, never given to the
    sender above. One that names none ("13/03/2024 10:00 meeting at the depot") was typed as it is."""
    if header is not None:
        return _split_sender(header.rest)[0] is not None
    found = _HEADERISH_RE.match(_clean(line))
    rest = _clean(line)[found.end():] if found else ""
    return _split_sender(_AFTER_TIME_RE.sub("", rest, count=1))[0] is not None



def _colon_senders(entries: list[_Entry], name: str) -> colon_names.Readings:
    """Names with a colon inside ("Team: Alpha", a group's or a contact's name) that iOS shows whole: it
    writes its own notes and a file after the name's last colon and a left-to-right mark ("Team: Alpha:
    \u200eAnna created group"), so the name is all before that mark, not just up to its first colon."""
    found = set()
    for entry in entries:
        if entry.header is None or _is_android(entry.header):
            continue
        rest = entry.lines[0]
        if ": \u200e" not in rest:
            continue
        first, text = _split_sender(rest)
        at = rest.find(": \u200e", len(first or "") + 1)
        if first is None or text.lstrip(" ").startswith("\u200e") or at < 0:
            continue
        longer = " ".join(strip_marks(rest[:at]).split())
        if len(longer) <= 80 and "\n" not in longer and not any(q in longer for q in _QUOTES):
            found.add(longer)
    android = _android_colon_senders(entries, name)
    if not found:
        return android
    # "Bob: re: \u200ex" is Bob's when Bob writes other lines: a name is whole only where it always is
    firsts = [(_split_sender(e.lines[0])[0], " ".join(strip_marks(e.lines[0]).split())) for e in entries if e.header]
    return replace(android, whole=android.whole | frozenset(longer for longer in found if all(
        line.startswith(longer + ":") for first, line in firsts if first == longer.split(":")[0].strip())))


def _android_colon_senders(entries: list[_Entry], name: str) -> colon_names.Readings:
    """Names with a colon inside on Android's lines, which mark no end of a name: `colon_names` (the chat's
    name, "WhatsApp Chat with Work: Bob", one place a name is written)."""
    starts = [e.lines[0] for e in entries if e.header is not None and _is_android(e.header)]
    if not any(":" in s.split(":", 1)[-1] for s in starts):
        return colon_names.Readings(frozenset(), frozenset())
    return colon_names.readings(starts, [*(line for e in entries for line in e.lines), name])


def _split_known(rest: str, known: frozenset[str]) -> tuple[str | None, str]:
    """`_split_sender`, a name of `known` (holding a colon) kept whole."""
    if not known:
        return _split_sender(rest)
    for at in reversed([i for i, ch in enumerate(rest[:200]) if ch == ":"]):
        name = " ".join(strip_marks(rest[:at]).split())
        if name in known:
            return name, rest[at + 1:]
    sender, text = _split_sender(rest)
    if sender is not None:  # "Anna added Work: Bob", "Work: Bob left": the colon is a name's, the line the app's
        clean = " ".join(strip_marks(rest).split())
        if any(start < len(sender) < end for start, end in colon_names.occurrences(clean, known)):
            return None, rest
    return sender, text


def _body(first: str, more: list[str]) -> str:
    text = "\n".join([strip_marks(first), *(strip_marks(line) for line in more)])
    return text.strip()


def message_from(index: int, header: Header, lines: list[str], iso: str | None, note: str,
                 known: frozenset[str] = frozenset(), labels: frozenset[str] = frozenset()) -> Message:
    """`labels`: the file's words for "file attached" learned from the app's own file names."""
    sender, raw = _split_known(lines[0], known)
    text, edited = split_edited(_body(raw, lines[1:]))
    if edited:
        note = "; ".join(n for n in (note, f"edited (the export says <{edited}>)") if n)
    common = {"index": index, "time_as_written": header.written, "datetime": iso, "note": note}
    if sender is None:
        return Message(sender=None, text=text, system=True, **common)
    found = find_attachment(text, labels)
    if found is not None:
        return Message(sender=sender, text=found.caption, attachment=found.attachment, **common)
    # iOS marks its own notes with a left-to-right mark after "Name: " (but also a shared location and a poll);
    # Android does not: there a mark (U+200E/U+200F) starting a message is the sender's, as phones typing
    # right-to-left or mixed text write it.
    marked = not _is_android(header) and raw.lstrip(" ").startswith("\u200e") and "://" not in text \
        and not is_poll(text)
    system = marked or is_system_note(text)
    return Message(sender=sender, text=text, system=system, **common)


def _is_android(header: Header) -> bool:
    """Android's layout: no brackets, a dash between the time and the sender."""
    return not header.shape[0] and header.shape[1].removesuffix(H_CLOCK) in ANDROID_SEPARATORS


def _named_date(entry: _Entry, known: frozenset[str] = frozenset()) -> str | None:
    """The ISO date-time the entry's attachment is named with (`PTT-20241003-WA0001.opus`), if any."""
    if entry.header is None:
        return None
    _, raw = _split_known(entry.lines[0], known)
    found = find_attachment(_body(raw, entry.lines[1:]))
    named = time_in_name(found.attachment.name) if found and found.attachment.name else None
    return named[1] if named else None


def parse(text: str, name: str = "") -> Chat:
    """The messages of a WhatsApp text export, in order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    entries = _entries(text.split("\n"), cut=not text.endswith("\n"))
    stamps = [e.header.stamp if e.header else None for e in entries]
    read = _colon_senders(entries, name)
    known = read.whole
    isos, notes, basis = dates.normalise(stamps, [_named_date(e, known) if known else _named_date(e) for e in entries])
    labels = learned_labels([_split_known(e.lines[0], known)[1] for e in entries if e.header])
    messages = []
    for i, entry in enumerate(entries):
        if entry.header is None:
            messages.append(Message(i, None, "", None, _body(entry.lines[0], entry.lines[1:]),
                                    note=entry.note))
        else:
            note = "; ".join(n for n in (notes[i], entry.note) if n)
            message = message_from(i, entry.header, entry.lines, isos[i], note, known, labels)
            if doubt := colon_names.doubt_note(message.sender, entry.lines[0], read.doubtful):
                message = replace(message, note="; ".join(n for n in (message.note, doubt) if n))
            messages.append(message)
    # cut inside a character, or inside a sender's words or the app's own note
    if messages and messages[-1].note != CUT_NOTE and (text.endswith("\ufffd") or not text.endswith("\n")):
        said = CUT_CHAR_NOTE if text.endswith("\ufffd") else \
            CUT_NOTE_LINE_APP if messages[-1].system else CUT_LINE_NOTE
        messages[-1] = replace(messages[-1], note="; ".join(n for n in (messages[-1].note, said) if n))
    return Chat(name, tuple(same_names.told_apart_by_notes(group_names.group_notes(messages))), basis)


def score(text: str, sample_lines: int = 40) -> float:
    """Share of the first non-blank lines that are message headers (0 when none)."""
    lines = [line for line in text.splitlines() if strip_marks(line).strip()][:sample_lines]
    if not lines:
        return 0.0
    return sum(read_header(line) is not None for line in lines) / len(lines)


def looks_like(text: str, min_share: float = 0.3) -> bool:
    """A WhatsApp export: headers on many of the first lines, or the first line a header and more
    headers further on (a chat that opens with long messages)."""
    if score(text) >= min_share:
        return True
    lines = [line for line in text.splitlines() if strip_marks(line).strip()]
    if not lines or read_header(lines[0]) is None:
        return False
    return sum(read_header(line) is not None for line in lines[1:2000]) >= 2
