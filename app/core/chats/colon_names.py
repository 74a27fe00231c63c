"""Android WhatsApp names holding a colon ("Work: Bob", a contact's or a group member's name).

Android writes `12/03/2024, 21:15 - Work: Bob: hello` with no mark where the name ends (iOS's mark is read
in `whatsapp._colon_senders`), so the name is read from what the rest of the export says of it:

    - "Work" never writes alone: every line of the export starting "Work:" goes on "Work: Bob", and
    - the whole name is written elsewhere, not as a message's start (the app's "Anna added Work: Bob",
      "Work: Bob left", a mention "@Work: Bob", a reaction's name, the chat's own name).

Message starts alone never bear a name out: "Anna: Address: 12 Dock Road" and "Anna: Address: the back gate"
(Anna's every line) read the same as "Work: Bob: hello" and "Work: Bob: ok". Such a sender stays the short
name, and each of its messages says the other reading (`doubt_note`). A reply's "Re:" or "Fwd:" is no name
("Anna: Re: hi" twice is Anna's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.chats.placeholders import strip_marks

MAX_NAME = 80
_NOT_NAMES = frozenset({"re", "fw", "fwd", "aw", "wg", "sv", "vs", "rv", "tr", "r", "rif", "odp", "ynt", "res", "enc",
                        "ps", "ps.", "nb", "fyi", "edit", "update", "note", "q", "a"})
_COLON_END = re.compile(r":(?=\s|$)")


def _clean(text: str) -> str:
    return " ".join(strip_marks(text).split())


def _candidates(start: str) -> list[str]:
    """The names of two or three colon-joined parts a message's first line may start with."""
    ends = [m.start() for m in _COLON_END.finditer(start[:MAX_NAME + 1])]
    out = []
    for at in ends[1:3]:
        name = start[:at]
        parts = [p.strip() for p in name.split(":")]
        if all(parts) and parts[1].lower() not in _NOT_NAMES and not any(q in name for q in "\"“”«»„「」『』《》"):
            out.append(name)
    return out


def _said_elsewhere(name: str, text: str) -> bool:
    """The name written whole, not as a message's start (then a colon follows it)."""
    return re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w:])", text) is not None


@dataclass(frozen=True)
class Readings:
    whole: frozenset[str]  # names holding a colon the export bears out: each such sender read whole
    doubtful: frozenset[str]  # names only message starts suggest (two or more, and all of the first part's)


def readings(starts: list[str], texts: list[str]) -> Readings:
    """The colon-holding names these Android first lines (`Name: text`, marks kept) start with, as the
    export's other lines (`texts`: every line, marks kept, and any other place names are written) bear them out."""
    by_first: dict[str, list[str]] = {}
    for start in (_clean(s) for s in starts):
        by_first.setdefault(start.split(":", 1)[0].strip(), []).append(start)
    whole: str | None = None
    found, doubtful = set(), set()
    for group in by_first.values():  # a name is borne out only where every line of its first part starts so
        for name in next((c for c in map(_candidates, group) if c), []):
            if any(not re.match(re.escape(name) + r"(?![\w])", s) for s in group):
                continue  # the first part writes alone too ("Anna: Plan: x", "Anna: hi"): Anna's
            whole = "\n".join(_clean(t) for t in texts) if whole is None else whole
            if _said_elsewhere(name, whole):
                found.add(name)
            elif sum(1 for s in group if s.startswith(name + ":")) >= 2:
                doubtful.add(name)
    return Readings(frozenset(found), frozenset(doubtful))


DOUBT_NOTE = ("each of {short}'s messages starts '{name}:' and nothing else in the export names '{name}': read as "
              "sent by {short} (the sender may be one named '{name}')")


def doubt_note(sender: str | None, first: str, doubtful: frozenset[str]) -> str:
    """The other reading of a message read as sent by `sender` (the short name) whose first line (`first`, the
    sender's name and all) starts with a doubtful name, else ""."""
    if sender is None or not doubtful:
        return ""
    name = leading(_clean(first), {n for n in doubtful if n.split(":", 1)[0].strip() == sender})
    return DOUBT_NOTE.format(short=sender, name=name) if name else ""


def leading(text: str, names: Iterable[str]) -> str | None:
    """The longest of `names` that `text` starts with, a colon after it ("Work: Bob: hi": "Work: Bob"), else None."""
    return next((n for n in sorted(names, key=len, reverse=True) if text.startswith(n + ":")), None)


def occurrences(text: str, known: frozenset[str]) -> list[tuple[int, int]]:
    """Where the names of `known` are written in `text` (marks removed and spaces as the names were cleaned)."""
    spans = []
    for name in known:
        for m in re.finditer(r"(?<![\w])" + re.escape(name) + r"(?![\w])", text):
            spans.append((m.start(), m.end()))
    return spans
