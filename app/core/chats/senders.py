"""Senders written as phone numbers, one person one name: WhatsApp writes a sender not in the
phone's contacts as the number, spaced as the exporting phone spaces it ("+44 7700 900123" on one
phone, "+447700900123" on another, with no-break spaces or direction marks on a third).

    normalise_senders(chats) -> chats   # every number sender in one international form

A sender that is a phone number with its country code (a leading +) and a possible number for
that country (the `phonenumbers` library) is written in the international format; the message's
note says how the export wrote it when that differs. A name, or a number without its country
code (the country cannot be told), is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import replace

import phonenumbers

from app.core.chats.placeholders import strip_marks
from app.core.chats.records import Chat, Message

_NUMBER_RE = re.compile(r"^\+[\d\s\u00a0\u202f().\-]{6,24}\d$")
# A phone writes a number's spaces and hyphens in its own characters: no-break and thin spaces, and the no-break
# hyphen (U+2011) Android keeps a number on one line with ("+1 (555) 123\u20114567")
_SEPARATORS = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u2010": "-",
                             "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})


def phone_sender(sender: str) -> str | None:
    """The sender in the international format when it is a phone number with its country code."""
    written = " ".join(strip_marks(sender).translate(_SEPARATORS).split())
    if not _NUMBER_RE.match(written):
        return None
    try:
        number = phonenumbers.parse(written, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _message(m: Message, known: dict[str, str | None]) -> Message:
    if not m.sender:
        return m
    if m.sender not in known:
        known[m.sender] = phone_sender(m.sender)
    normal = known[m.sender]
    if normal is None or normal == m.sender:
        return m
    said = f"sender written as {m.sender!r}"
    return replace(m, sender=normal, note="; ".join(n for n in (m.note, said) if n))


def normalise_senders(chats: tuple[Chat, ...]) -> tuple[Chat, ...]:
    """Every chat with its phone-number senders in one form, a number changed mid-chat said (`number_changes`)."""
    known: dict[str, str | None] = {}
    return tuple(replace(c, messages=number_changes(tuple(_message(m, known) for m in c.messages)))
                 for c in chats)


_NUMBER_IN_TEXT = re.compile(r"\+[\d\s\u00a0\u202f().\-]{6,24}\d")
_CHANGED_TO = re.compile(r"^.+ changed to .+$")  # English Android: "+44 7700 900123 changed to +44 7700 900456"
# The word for changing or switching, in the app's note of other languages ("hat zu ... gewechselt", "cambió a",
# "mudou para", "сменил номер на", "番号を変更"): with two numbers and the writing order, a change, not "added".
_CHANGE_WORD = re.compile(
    r"chang|wechsel|änder|cambi|mud[ao]u|alter|wijzig|veranderd|zmieni|schimb|değiş|смени|изменил|змінив|"
    r"промени|promijeni|promenil|zmenil|změnil|vaihto|bytt|άλλαξε|megváltoztat|váltott|pakeitė|mainīj|muutis|"
    r"غيّر|تغيير|تغییر|החליף|שינה|बदल|বদল|ganti|tukar|beralih|đổi|เปลี่ยน|变更|更改|更换|換|换|変更|변경|바꿨",
    re.IGNORECASE)
CHANGE_NOTE = "a number change: {old} writes before it, {new} after it (one person, as the app's note says)"
CHANGED_NOTE = "{new} is the number {old} changed to (the app's note, message {number})"


def number_changes(messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """An app's note naming two numbers, the first writing before it and never after, the second after it and
    never before: a number changed mid-chat. Said on the note and on each message of the new number, where the
    note says "changed to", or the chat is one of two people (no third sender a note could have added)."""
    at: dict[str, list[int]] = {}
    for i, m in enumerate(messages):
        if m.sender and not m.system:
            at.setdefault(m.sender, []).append(i)
    out = list(messages)
    for i, m in enumerate(messages):
        found = [n for n in map(phone_sender, _NUMBER_IN_TEXT.findall(strip_marks(m.text).translate(_SEPARATORS))) if n] if (
            m.sender is None and m.system) else []
        if len(found) != 2 or found[0] == found[1]:
            continue
        old, new = found
        if not at.get(old) or not at.get(new) or max(at[old]) > i or min(at[new]) < i:
            continue
        if not _changed_to(m.text) and len(at) > 3:
            continue
        out[i] = replace(m, note="; ".join(n for n in (m.note, CHANGE_NOTE.format(old=old, new=new)) if n))
        for j in at[new]:
            said = CHANGED_NOTE.format(new=new, old=old, number=i + 1)
            out[j] = replace(out[j], note="; ".join(n for n in (out[j].note, said) if n))
    return tuple(out)


def _changed_to(text: str) -> bool:
    """The app's note says a number changed: English's "changed to", or another language's word for it."""
    clean = " ".join(strip_marks(text).split())
    return bool(_CHANGED_TO.match(clean) or _CHANGE_WORD.search(_NUMBER_IN_TEXT.sub(" ", clean)))


def told_apart(messages: list[Message], accounts: list[str]) -> list[Message]:
    """Two accounts shown under one name (two members called "Anna", Discord's "Deleted User"s) are two senders:
    each such sender is written with its account (`accounts[i]`, message i's; "" when the export gives none),
    `Anna (user111)`; a name only one account bears is kept as it is."""
    ids: dict[str, set[str]] = {}
    for m, account in zip(messages, accounts):
        if m.sender and account and m.sender != account:
            ids.setdefault(m.sender, set()).add(account)
    shared = {name for name, found in ids.items() if len(found) > 1}
    if not shared:
        return messages
    return [replace(m, sender=f"{m.sender} ({account})") if m.sender in shared and account else m
            for m, account in zip(messages, accounts)]
