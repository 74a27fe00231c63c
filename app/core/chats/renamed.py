"""A file the chat names, found in the export under another name.

An extraction tool or a copy renames a phone's files: the chat names `PTT-20240313-WA0001.opus`
and the export holds `PTT-20240313-WA0001.ogg` (another extension), or the iPhone's
`00000012-AUDIO-2024-03-14-10-12-00.opus` (named by its moment). Without this the message showed the
voice note missing and the same voice note stood at its side as a file no message names.

    relinked(chats, extra, shared=()) -> (chats, the files still unnamed)

A missing attachment takes a file no message names only where the pairing is one to one: the same
name but for its extension; else a file of the same kind (audio and video alike) whose name carries
the message's minute (a name with a date alone is not enough), no other file fitting that message and
no other message that file. The message's note says which file was taken and why. A voice note saved by another
app under a numbered name with no time ("Voice 001.m4a", "Recording 3.m4a") is taken in order where the chat
(the export's only one) has as many voice notes missing as such files, said so; else the file's own note says
why it was not (`why_not_linked`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import PurePosixPath

from app.core.chats.placeholders import time_in_name
from app.core.chats.records import Chat, Message, kind_of

_MEDIA = frozenset({"audio", "video"})

Place = tuple[int, int]  # (chat, message) positions


def _kinds_agree(named: str, found: str) -> bool:
    a, b = kind_of(named), kind_of(found)
    return a == b or (a in _MEDIA and b in _MEDIA)


def _stem(name: str) -> str:
    return PurePosixPath(name).stem.casefold()


def _same_stem(named: str, found: str) -> bool:
    return _stem(named) == _stem(PurePosixPath(found).name) and named.casefold() != PurePosixPath(found).name.casefold()


def _agree(a: str, b: str) -> bool:
    """Two ISO moments at the precision both carry (a date alone; else to the minute)."""
    width = 10 if min(len(a), len(b)) <= 10 else 16
    return a[:width] == b[:width]


def _same_moment(m: Message, named: str, found: str) -> bool:
    when = time_in_name(PurePosixPath(found).name)
    if when is None or len(when[1]) <= 10 or not m.datetime or len(m.datetime) <= 10:
        return False  # a date alone (PTT-20240301-WA0009.opus) tells no message of its day from another
    own = time_in_name(named)  # PTT-20240313-...: the chat's own name dates it too
    return _agree(m.datetime, when[1]) and (own is None or _agree(own[1], when[1]))


def _pairs(wanted: dict[Place, str], free: list[str],
           fits: Callable[[Place, str], bool]) -> dict[Place, str]:
    """The one-to-one pairs of wanted attachments and free files that `fits`."""
    options = {place: [p for p in free if fits(place, p)] for place in wanted}
    taken: dict[str, int] = {}
    for found in options.values():
        for p in found:
            taken[p] = taken.get(p, 0) + 1
    return {place: found[0] for place, found in options.items() if len(found) == 1 and taken[found[0]] == 1}


def relinked(chats: tuple[Chat, ...], extra: list[tuple[str, str]],
             shared: Collection[str] = ()) -> tuple[tuple[Chat, ...], list[tuple[str, str]]]:
    """`chats` with each missing attachment found under another name linked to that file, and the
    (path, name) of `extra` no message takes. `shared`: files that may as well be another export's (several
    chats lie where they do): never linked by order alone."""
    messages = {(c, i): m for c, chat in enumerate(chats) for i, m in enumerate(chat.messages)}
    wanted = {place: m.attachment.name for place, m in messages.items()
              if m.attachment is not None and m.attachment.missing and m.attachment.name}
    if not wanted or not extra:
        return chats, extra
    names = dict(extra)
    free = [p for p, _ in extra]
    found: dict[Place, tuple[str, str]] = {}
    for why, fits in (
            ("the same name but for its extension", lambda pl, p: _same_stem(wanted[pl], names[p])),
            ("the one file no message names whose name carries this message's minute",
             lambda pl, p: _kinds_agree(wanted[pl], names[p]) and _same_moment(messages[pl], wanted[pl], names[p]))):
        for place, path in _pairs({k: v for k, v in wanted.items() if k not in found}, free, fits).items():
            found[place] = (path, why)
            free.remove(path)
    if len(chats) == 1:  # several chats lying together: which chat a file with no time in its name is of is not known
        alone = [p for p in free if p not in shared]
        for place, (path, why) in by_order({k: v for k, v in wanted.items() if k not in found}, alone, names).items():
            found[place] = (path, why)
            free.remove(path)
    if not found:
        return chats, extra
    out = [list(chat.messages) for chat in chats]
    for (c, i), (path, why) in found.items():
        m = messages[(c, i)]
        said = f"the chat names {m.attachment.name}; found as {names[path]} ({why})"  # type: ignore[union-attr]
        out[c][i] = replace(m, attachment=replace(m.attachment, path=path, missing=False),  # type: ignore[arg-type]
                            note=f"{m.note}; {said}" if m.note else said)
    return (tuple(replace(chat, messages=tuple(ms)) for chat, ms in zip(chats, out)),
            [(p, n) for p, n in extra if p in free])


def recorder_named(name: str) -> bool:
    """An audio file named as a recorder or a copy numbers it, with no time: "Voice 001.m4a", "Recording 3.m4a"."""
    name = PurePosixPath(name).name
    return kind_of(name) == "audio" and time_in_name(name) is None and bool(_NUMBERED.match(PurePosixPath(name).stem))


_NUMBERED = re.compile(r"^[^\W\d_]+(?:[ _-][^\W\d_]+)*[ _-]?\(?\d{1,5}\)?$")  # words, then a number: "Voice 001"


def missing_voice_notes(chats: tuple[Chat, ...]) -> int:
    """How many voice notes the chats name that are not in the export."""
    return sum(1 for c in chats for m in c.messages if m.attachment is not None and m.attachment.missing
               and m.attachment.name and kind_of(m.attachment.name) == "audio")


def _number_order(name: str) -> tuple[int, ...]:
    """"Voice 002.m4a" after "Voice 001.m4a", "Recording 10" after "Recording 9": by the numbers in the name."""
    return tuple(int(n) for n in re.findall(r"\d+", PurePosixPath(name).stem)[-2:])


BY_ORDER_MARK = "nothing in the name confirms it"  # in the note of each voice note linked by order alone
BY_ORDER_ONE = ("the one voice note this chat names that is not in the export, and the one audio file of the export "
                "no message names, whose name carries no time (as a recorder or a copy names them): taken to be it; "
                "nothing in the name confirms it")
BY_ORDER = ("the chat's voice notes not in the export ({count}) and the audio files no message names whose names "
            "carry no time ({count}), paired in order (this is number {k} of each, the files in the order their "
            "names number them): nothing in the name confirms it")


def by_order(wanted: dict[Place, str], free: list[str], names: dict[str, str]) -> dict[Place, tuple[str, str]]:
    """Voice notes the chat names that are missing, paired with audio files numbered with no time ("Voice
    001.m4a", "Recording 3.m4a"), in order, only where there are as many of each, no two numbered alike."""
    notes = sorted(place for place, name in wanted.items() if kind_of(name) == "audio")
    files = [p for p in free if recorder_named(names[p])]
    if not notes or len(notes) != len(files):
        return {}
    if len({_number_order(names[p]) for p in files}) < len(files):
        return {}  # two files numbered alike: no order between them
    files.sort(key=lambda p: _number_order(names[p]))
    return {place: (path, BY_ORDER_ONE if len(files) == 1 else BY_ORDER.format(count=len(files), k=k))
            for k, (place, path) in enumerate(zip(notes, files), 1)}


def why_not_linked(missing: int, chats: int, name: str, shared: bool = False) -> str:
    """Why an audio file numbered with no time in its name, that no message names, was not taken for one of the
    `missing` voice notes the export's `chats` name that are not in it ("" when none is, or it is no such file)."""
    if not missing or not recorder_named(name):
        return ""
    if chats > 1 or shared:
        return (f"not taken for one of the {missing} voice note(s) the chats name that are not in the export: its "
                "name carries no time, and several chats lie here")
    return (f"not taken for one of the {missing} voice note(s) the chat names that are not in the export: its name "
            "carries no time, and the audio files so named are not as many as those voice notes (or two are "
            "numbered alike), so which is which is not known")
