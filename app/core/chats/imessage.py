"""iMessage conversations as ReagentX's `imessage-exporter -f txt` writes them (one `.txt` per chat,
named after its members or its name; copied files in `attachments/<chat id>/`).

    Mar 05, 2024  2:03:45 PM
    +14155550134
    Are we still on for Thursday?

    Mar 05, 2024  2:05:01 PM (Read by them after 2 minutes)
    Me
    Yes! 6pm at Tartine
    attachments/12/Audio Message.caf
    Tapbacks:
        Loved by +14155550134

    Mar 06, 2024  9:02:00 AM Me named the conversation Dinner

A message is its time (with the read receipt after it), its sender, then its parts, one a line:
words, or an attachment's path (relative to the export when the file was copied, the phone's or
Mac's own path when not, `Attachment missing!` when the database holds none). Each attachment is a
record of its own, the words with the first. A reply is written inside the message it answers,
indented four spaces: it is a message of its own, its note says which it answers. Tapbacks and
reactions, edits, "deleted" and "responded to an earlier message" are said in the note, never
taken for words. A line `<time> <who> <action>` is the app's own note. Times are the Mac's local
time, month by name: never ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from app.core.chats.imessage_cut import cut_end
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "imessage"
_STAMP = r"(?P<stamp>[A-Z][a-z]{2} \d{1,2}, \d{4} {1,2}\d{1,2}:\d{2}:\d{2}[ \u202f\u00a0][AP]M)"
_HEADER_RE = re.compile(rf"^(?P<indent>(?: {{4}})*){_STAMP}(?: (?P<rest>.+))?$")
_ATTACHMENT_RE = re.compile(r"^(?:~?/|[A-Za-z]:[\\/]|attachments/|orphaned/)\S.*\.[A-Za-z0-9]{1,5}$")
_STICKER_RE = re.compile(r"^(?:.+ )?Sticker from (?P<who>[^:]+): (?P<path>.+)$")
MISSING = "Attachment missing!"
REACTION_HEADS = ("Tapbacks:", "Reactions:")
NOTES = {
    "This message responded to an earlier message.": "a reply to an earlier message",
    "This message was deleted from the conversation!": "deleted from the conversation",
}
MIN_SHARE = 0.6  # of the blocks: a time line then a sender line
# An edited message is written as its history: the first version after the time it was sent, each later one
# after "Edited <how long> later: "; a part taken back as "<who> unsent this message part[ <how long> after
# sending]!"; Apple's transcription of a voice message after its file as "Transcription: <words>".
_FIRST_VERSION_RE = re.compile(rf"^{_STAMP} (?P<text>.*)$")
_LATER_VERSION_RE = re.compile(r"^Edited (?P<after>.{1,60}?) later: (?P<text>.*)$")
_UNSENT_RE = re.compile(r"^.{1,80} unsent this message part(?: .{1,60} after sending)?!$")
_TRANSCRIPTION = "Transcription: "


@dataclass
class _Block:
    depth: int
    stamp: str
    receipt: str
    announcement: str
    lines: list[str] = field(default_factory=list)


def _iso(stamp: str) -> str | None:
    text = re.sub(r"[\s\u202f\u00a0]+", " ", stamp)
    try:
        return datetime.strptime(text, "%b %d, %Y %I:%M:%S %p").isoformat()
    except ValueError:
        return None


def _header(line: str) -> re.Match[str] | None:
    match = _HEADER_RE.match(line.rstrip())
    return match if match and _iso(match["stamp"]) else None


def looks_like(text: str) -> bool:
    """A time line of imessage-exporter's shape first, a sender after it, and most blocks so."""
    lines = [line for line in text.splitlines()[:400]]
    starts = [i for i, line in enumerate(lines) if (m := _header(line)) and not m["indent"]]
    first = next((line for line in lines if line.strip()), "")
    if not starts or not _header(first):
        return False
    good = sum(1 for i in starts if (m := _header(lines[i])) and (
        m["rest"] and not m["rest"].startswith("(") or i + 1 < len(lines) and lines[i + 1].strip()))
    return good / len(starts) >= MIN_SHARE


def _blocks(text: str) -> list[_Block]:
    """The messages and notes, each begun by a time line after a blank line (as the exporter writes them): a
    line of a message's words that reads like a time line ("Mar 05, 2024  2:03:45 PM he said") stays its words."""
    blocks: list[_Block] = []
    previous = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        match = _header(line) if not blocks or not previous.strip() or line.startswith("    ") else None
        previous = line
        if match:
            rest = match["rest"] or ""
            receipt = rest if rest.startswith("(") else ""
            blocks.append(_Block(len(match["indent"]) // 4, match["stamp"], receipt, "" if receipt else rest))
        elif blocks:
            _owner(blocks, line).lines.append(line)
    return blocks


def _owner(blocks: list[_Block], line: str) -> _Block:
    """The block a line is of: the last, but the exporter's note that a message is a reply, written unindented
    after the replies to it, is of the message at that depth (a reply's own words may go on unindented)."""
    if blocks[-1].depth and line in NOTES:
        return next((b for b in reversed(blocks) if b.depth == 0), blocks[-1])
    return blocks[-1]


def _is_attachment(line: str) -> bool:
    return bool(_ATTACHMENT_RE.match(line)) or line == MISSING or bool(_STICKER_RE.match(line))


def _attachment(line: str) -> Attachment:
    if line == MISSING:
        return Attachment(None, True, "other", line)
    sticker = _STICKER_RE.match(line)
    path = sticker["path"] if sticker else line
    windows = re.match(r"^[A-Za-z]:\\", path)
    name = (PureWindowsPath(path) if windows else PurePosixPath(path)).name
    kind = "sticker" if sticker else kind_of(name)
    relative = path if path.startswith(("attachments/", "orphaned/")) else None
    return Attachment(name, False, kind, line, relative)


def _parts(block: _Block) -> tuple[str | None, list[str], list[Attachment], list[str], list[str]]:
    """The sender, the words, the attachments, the reactions and notes, and the exporter's words of one block."""
    indent = "    " * block.depth
    lines = [line[len(indent):] if line.startswith(indent) else line.strip() for line in block.lines]
    while lines and not lines[-1].strip():
        lines.pop()
    if block.announcement:
        return None, [block.announcement], [], [], []
    sender = lines[0].strip() if lines else None
    words: list[str] = []
    files: list[Attachment] = []
    notes: list[str] = []
    reacting = False
    said: list[str] = []  # the exporter's words about the message: its edits, a part unsent, a transcription
    for line in lines[1:]:
        stripped = line.strip()
        if stripped in REACTION_HEADS:
            reacting = True
            continue
        if reacting and (line.startswith("    ") or not stripped):
            if stripped:
                notes.append(stripped)
            continue
        reacting = False
        if stripped in NOTES:
            notes.append(NOTES[stripped])
        elif _is_attachment(stripped):
            files.append(_attachment(stripped))
        elif not _history(line, block.stamp, words, files, said):
            words.append(line)
    return sender, words, files, notes, said


def _history(line: str, sent: str, words: list[str], files: list[Attachment], said: list[str]) -> bool:
    """A line of the exporter's about a message sent at `sent` (its edits, a part unsent, Apple's transcription
    of its voice message): said in `said`, the message's words its latest version. False for a line of words
    (one opening with another time than the message's own is words)."""
    first = _FIRST_VERSION_RE.match(line) if not words else None
    later = _LATER_VERSION_RE.match(line) if words and said and said[-1].startswith("edited") else None
    if first is not None and _iso(first["stamp"]) is not None and _iso(first["stamp"]) == _iso(sent):
        words.append(first["text"])
        said.append(f"edited: first written {first['stamp']} as <{first['text']}>")
    elif later is not None:
        words[-1] = later["text"]
        said.append(f"edited {later['after']} later to <{later['text']}>")
    elif _UNSENT_RE.match(line.strip()):
        said.append(f"unsent (the export says <{line.strip()}>)")
    elif line.startswith(_TRANSCRIPTION) and files:
        said.append(f"the export's transcription of {files[-1].name}: <{line[len(_TRANSCRIPTION):]}>")
    else:
        return False
    return True


def _records(block: _Block, start: int, answers: str) -> list[Message]:
    sender, words, files, notes, said = _parts(block)
    iso = _iso(block.stamp)
    text = "\n".join(words).strip("\n")
    note_parts = ([f"reactions: {', '.join(n for n in notes if ' by ' in n)}"]
                  if any(" by " in n for n in notes) else [])
    note_parts += [n for n in notes if " by " not in n] + said
    if block.receipt:
        note_parts.append(block.receipt.strip("()"))
    if answers:
        note_parts.append(f"a reply to the message of {answers}")
    note = "; ".join(note_parts)
    system = bool(block.announcement)
    written = re.sub(r"[\u202f\u00a0]", " ", block.stamp)
    out = []
    for k, attachment in enumerate(files or [None]):
        out.append(Message(start + k, sender, written, iso, text if k == 0 else "", system, attachment, note))
    return out


def parse(text: str, name: str) -> Chat:
    """The chat of one imessage-exporter text file, every message and reply in the order written."""
    messages: list[Message] = []
    parents: dict[int, str] = {}
    for block in _blocks(text):
        parents[block.depth] = block.stamp
        answers = parents.get(block.depth - 1, "") if block.depth else ""
        messages += _records(block, len(messages), answers)
    return Chat(name, tuple(cut_end(messages, text)), "month-named")  # a file cut short: its last line said
