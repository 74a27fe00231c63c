"""Two people under one display name, in exports that name a sender only by the name the phone shows.

WhatsApp, LINE, Messenger and Instagram (and the other exports in `NAMES_ONLY`) write no account id or number
beside a named sender: two people saved or shown under one name are one sender in the export, and here. Nothing
is guessed about whose each message is; where the export itself says there are two, each message under that
name says so in its note:

- Messenger and Instagram: the chat's participants list names someone twice (`{"participants": [{"name":
  "Anna"}, {"name": "Anna"}]}`, or "Participants: Anna, Anna and Bob" on an HTML page);
- WhatsApp and LINE: the app's notes say a name joined (or was added, or invited) while someone of that name was
  already in the chat (joined, added or writing before), with no leaving or removal said between.

    told_apart_by_notes(messages) -> messages         (WhatsApp, LINE: the app's notes)
    told_apart_by_participants(messages, names) -> messages
    senders_said(container) -> str                    (a sentence for each chat of the timeline, "" when ids)
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from app.core.chats.placeholders import strip_marks
from app.core.chats.records import Message
from app.core.chats.senders import phone_sender

# Containers (a zip's "-zip" aside) whose senders are display names only: no account id, no number beside a name.
NAMES_ONLY = frozenset({"whatsapp", "line", "messenger-json", "messenger-html", "instagram-json", "instagram-html",
                        "telegram-html", "viber-csv", "kakaotalk", "wechat-text", "wechat-html", "threema"})
NAMES_ONLY_SAID = ("senders are named as the export shows them, with no account id or number: two people shown "
                   "under one name are one sender here (a message's note says so where the export shows two)")
PARTICIPANTS_NOTE = ("the chat's participants list names {count} people {name!r}: the export names the sender only "
                     "by that name, so which of them wrote this is not known")
JOINED_TWICE_NOTE = ("the chat says {name!r} joined (message {at}) while someone of that name was already in it, with "
                     "no leaving said: two people may be shown under this name, and the export writes no number to "
                     "tell whose this message is")

MAX_NOTE = 400  # an app's note naming who joined or left is short: a longer text is not read for names
_NAME = r"(?P<who>[^\n\"“”«»]{1,80}?)"
_BY = r"(?P<by>[^\n\"“”«»]{1,80}?)"
_NAMES = r"(?P<names>[^\n\"“”«»]+?)"
# English as the apps write it; German, Spanish, French, Portuguese, Italian and Dutch from words (not the app's
# verified strings): "Bob hat Anna hinzugefügt", "Bob añadió a Anna", "Anna a rejoint ce groupe ...".
_JOIN_FORMS = (
    rf"{_NAME} joined(?: using this group's invite link| the group| via .+| from the community)?",
    rf"{_BY} (?:added|invited) {_NAMES}(?: to the group)?", rf"{_NAME} ist .+ beigetreten",
    rf"{_BY} hat {_NAMES} hinzugefügt", rf"{_NAME} se unió(?: .+)?", rf"{_BY} añadió a {_NAMES}",
    rf"{_NAME} a rejoint(?: .+)?", rf"{_BY} a ajouté {_NAMES}", rf"{_NAME} entrou(?: .+)?",
    rf"{_BY} adicionou {_NAMES}", rf"{_NAME} si è unit[oa](?: .+)?", rf"{_BY} ha aggiunto {_NAMES}",
    rf"{_NAME} neemt deel(?: .+)?", rf"{_BY} heeft {_NAMES} toegevoegd",
    rf"{_NAME}がグループに参加しました", rf"{_BY}が{_NAMES}を(?:グループに)?招待しました")  # LINE in Japanese
_LEAVE_FORMS = (
    rf"{_NAME} left(?: the group)?", rf"{_BY} removed {_NAMES}(?: from the group)?",
    rf"{_NAME} hat die Gruppe verlassen", rf"{_BY} hat {_NAMES} entfernt", rf"{_NAME} salió(?: del grupo)?",
    rf"{_BY} eliminó a {_NAMES}", rf"{_NAME} (?:est parti\(e\)|est partie?|a quitté le groupe)",
    rf"{_BY} a retiré {_NAMES}", rf"{_NAME} saiu(?: do grupo)?", rf"{_BY} removeu {_NAMES}",
    rf"{_NAME} è uscit[oa](?: dal gruppo)?", rf"{_BY} ha rimosso {_NAMES}",
    rf"{_NAME} (?:heeft de groep verlaten|is vertrokken)", rf"{_BY} heeft {_NAMES} verwijderd",
    rf"{_NAME}がグループを退会しました", rf"{_BY}が{_NAMES}を(?:グループから)?削除しました")
_JOINS = tuple(re.compile(rf"^{form}[.。]?$") for form in _JOIN_FORMS)
_LEAVES = tuple(re.compile(rf"^{form}[.。]?$") for form in _LEAVE_FORMS)
_SPLIT = re.compile(r",\s+|、|\s+(?:and|und|y|et|e|en)\s+|\s+&\s+")
_YOU = frozenset({"you", "du", "sie", "tú", "usted", "vous", "tu", "você", "voi", "jij", "u"})


def senders_said(container: str) -> str:
    """What a chat's senders are, for the timeline's provenance: "" where the export names accounts by id."""
    return NAMES_ONLY_SAID if container.removesuffix("-zip") in NAMES_ONLY else ""


def _names(match: re.Match[str]) -> list[str]:
    if "who" in match.groupdict() and match["who"]:
        return [_clean(match["who"])]
    return [_clean(n) for n in _SPLIT.split(match["names"]) if _clean(n)]


def _clean(name: str) -> str:
    return " ".join(strip_marks(name).split()).strip("~\u202f ")


def _said(text: str, patterns: Iterable[re.Pattern[str]]) -> list[str]:
    if len(text) > MAX_NOTE:
        return []
    words = " ".join(strip_marks(text).split())
    for pattern in patterns:
        found = pattern.match(words)
        if found:
            return _names(found)
    return []


def _twice_joined(messages: Sequence[Message]) -> dict[str, int]:
    """Each name the app's notes say joined while one of that name was in the chat: the message (from 1) saying so."""
    present: set[str] = set()  # an iOS note written under the group's name is the app's too: its words name who
    twice: dict[str, int] = {}
    for m in messages:
        if m.sender is not None and not m.system:
            present.add(_clean(m.sender))
            continue
        for name in _said(m.text, _LEAVES):
            present.discard(name)
        for name in _said(m.text, _JOINS):
            if name in present and name.lower() not in _YOU and phone_sender(name) is None:  # a number: one phone
                twice.setdefault(name, m.index + 1)
            present.add(name)
    return twice


def told_apart_by_notes(messages: Sequence[Message]) -> list[Message]:
    """`messages`, each of a name that joined twice (`_twice_joined`) saying two people may be under it."""
    twice = _twice_joined(messages)
    if not twice:
        return list(messages)
    return [_noted(m, JOINED_TWICE_NOTE.format(name=_clean(m.sender), at=twice[_clean(m.sender)]))
            if m.sender is not None and not m.system and _clean(m.sender) in twice else m for m in messages]


def told_apart_by_participants(messages: Sequence[Message], names: Iterable[str]) -> list[Message]:
    """`messages`, each of a name the participants list holds more than once saying so."""
    counts = Counter(" ".join(n.split()) for n in names if isinstance(n, str) and n.strip())
    doubled = {name: n for name, n in counts.items() if n > 1}
    if not doubled:
        return list(messages)
    return [_noted(m, PARTICIPANTS_NOTE.format(count=doubled[key], name=key))
            if m.sender is not None and (key := " ".join(m.sender.split())) in doubled else m for m in messages]


def shared_names(messages: Iterable[Message]) -> list[str]:
    """The names whose messages say two people may be shown under them (for a warning), in order met."""
    marks = (PARTICIPANTS_NOTE.split("{")[0], JOINED_TWICE_NOTE.split("{")[0])
    found = [m.sender for m in messages if m.sender and any(mark in m.note for mark in marks)]
    return list(dict.fromkeys(found))


def _noted(m: Message, said: str) -> Message:
    return replace(m, note="; ".join(n for n in (m.note, said) if n))


# English as Meta writes it; German, Spanish/Portuguese, French, Italian, Dutch, Polish, Turkish from words
_PARTICIPANTS_RE = re.compile(r"(?:Participants|Teilnehmer|Participantes|Partecipanti|Deelnemers|Uczestnicy|"
                              r"Katılımcılar)\s?:\s*(?P<names>[^<\n]+)")


def html_participants(page: str) -> list[str]:
    """The names of a Messenger HTML page's "Participants: Anna, Anna and Bob" line (none when it has none)."""
    head = page[:50000]
    first = head.find('class="_a6-g"')  # before the first message: a message's own words are not the list
    found = _PARTICIPANTS_RE.search(head if first < 0 else head[:first])
    if found is None:
        return []
    return [n for n in _SPLIT.split(html.unescape(found["names"]).strip()) if n.strip()]
