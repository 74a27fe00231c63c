"""A contact card a chat carries (`Carl Smith.vcf`, WhatsApp's `00000007-Carl Smith.vcf`, Telegram's
`contacts/contact_1.vcf`): the names and numbers it holds, said in its message's note and written as its text (after the
message's own words): the case's search reads text, not notes, and a number shared as a card is searched for.

    BEGIN:VCARD / VERSION:3.0 / FN:Carl Smith / item1.TEL;waid=447700900123:+44 7700 900123 / END:VCARD

vCard 2.1 (older Android phones) writes non-ASCII names quoted-printable (`FN;CHARSET=UTF-8;
ENCODING=QUOTED-PRINTABLE:=C3=89mile`); long lines are folded onto lines starting with a space. A file
holding several cards (several contacts shared at once) says each.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

from app.core.chats.encoding import decode_text
from app.core.chats.records import Chat, Message

MAX_CARD_BYTES = 256 * 1024  # a contact card with a photo in it; anything larger is not read
CARD_NOTE = "contact card: "
CARD_TEXT = "the text is the card's names and numbers, as the file holds them"
_PROPERTY = re.compile(r"^(?:[\w-]+\.)?(?P<name>[A-Za-z-]+)(?P<params>(?:;[^:]*)?):(?P<value>.*)$")


def _unfolded(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line.endswith("=") and "QUOTED-PRINTABLE" in line.upper():  # a quoted-printable soft break
            lines.append(line)
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].upper():
            lines[-1] = lines[-1][:-1] + line
        else:
            lines.append(line)
    return lines


def _value(params: str, value: str) -> str:
    if "QUOTED-PRINTABLE" in params.upper():
        charset = re.search(r"CHARSET=([\w-]+)", params, re.IGNORECASE)
        try:
            return quopri.decodestring(value.encode("ascii", "replace")).decode(charset[1] if charset else "utf-8")
        except (LookupError, UnicodeDecodeError):
            return value
    return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ")


def read_cards(data: bytes) -> list[str]:
    """Per card in the file: "name, number, number" (what it holds of them); none when it is no vCard."""
    text = decode_text(data)[0]
    cards: list[str] = []
    name, numbers, inside = "", [], False
    for line in _unfolded(text):
        found = _PROPERTY.match(line.strip())
        if found is None:
            continue
        key, value = found["name"].upper(), _value(found["params"], found["value"]).strip()
        if key == "BEGIN" and value.upper() == "VCARD":
            name, numbers, inside = "", [], True
        elif key == "END" and inside:
            said = ", ".join(p for p in (name, *numbers) if p)
            cards += [said] if said else []
            inside = False
        elif inside and key == "FN" and value:
            name = value
        elif inside and key == "N" and value and not name:
            name = " ".join(p for p in reversed(value.split(";")[:2]) if p)
        elif inside and key == "TEL" and value:
            numbers.append(value.removeprefix("tel:"))
    return cards


def with_cards(chats: tuple[Chat, ...], read: Callable[[str], bytes | None]) -> tuple[Chat, ...]:
    """Each contact card found in the export said in its message's note (`read`: a file's bytes by its
    place in the export, None when it cannot be read)."""
    return tuple(replace(c, messages=tuple(_with_card(m, read) for m in c.messages)) for c in chats)


def _with_card(message: Message, read: Callable[[str], bytes | None]) -> Message:
    a = message.attachment
    if a is None or a.missing or not a.path or PurePosixPath(a.path).suffix.lower() not in (".vcf", ".vcard"):
        return message
    data = read(a.path)
    cards = read_cards(data) if data else []
    if not cards:
        return message
    said = CARD_NOTE + "; ".join(cards)
    # The card's names and numbers are also the message's text (after its own words, if any): the case's
    # search reads messages' text, not their notes, and a number shared as a card is what gets searched for.
    text = "\n".join(t for t in (message.text, *cards) if t.strip())
    return replace(message, text=text, note="; ".join(n for n in (message.note, said, CARD_TEXT) if n))
