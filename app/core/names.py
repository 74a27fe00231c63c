"""File names that are safe to print and to write.

A file name from a phone dump can hold any byte but '/' and NUL: a newline in it
would split a printed list into two plausible lines, and copied into an output
name it would carry the trick on. Printed names are escaped; output names have
control characters replaced.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

from app.core.errors import ParleyError

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Characters exFAT, FAT32 and NTFS refuse in a name (an export to a USB stick or a Windows share), and
# the names Windows keeps for devices whatever follows them ("con.srt" cannot be written there).
NOT_ON_WINDOWS_DISKS = re.compile(r'[<>:"\\|?*]')
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$",
                             *(f"com{n}" for n in "123456789¹²³"), *(f"lpt{n}" for n in "123456789¹²³")})
# A file name may be 255 bytes; an output adds ".manifest.json" and maybe "-2" to its base name.
MAX_BASENAME_BYTES = 200
MANIFEST_STEM = ".manifest"  # <name>.manifest.json is every export set's manifest


def printable(text: str) -> str:
    """The text with control (and bidirectional override) characters shown as escapes, e.g. \\n,
    and the bytes of a name that is not UTF-8 as \\xNN."""
    return storable(CONTROL.sub(_escape, str(text)))


def shortened(name: str, limit: int = 400) -> str:
    """A name for a one-line message: one longer than `limit` characters (a folder nested past
    the system's path limit) keeps its first 240 and its last 120."""
    return name if len(name) <= limit else name[:240] + "..." + name[-120:]


def fitted(name: str, width: int, tail: str = "") -> str:
    """`name` + `tail` in `width` characters for a table column: a longer one is cut inside its stem,
    marked "…", keeping its extension and `tail` ("a_very_long_voice_n….opus [translate]"); a name
    was cut at the column's edge with no mark, its extension lost."""
    whole = name + tail
    if len(whole) <= width:
        return whole
    stem, dot, ext = name.rpartition(".")
    kept = f"{dot}{ext}{tail}" if stem and dot and len(ext) <= 8 else tail
    room = width - len(kept) - 1
    if room < 1:
        return whole[: width - 1] + "…"
    return name[:room].rstrip() + "…" + kept


def is_utf8(name: str) -> bool:
    """False for a file name holding bytes that are not UTF-8 (Python keeps them as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(name: str) -> str:
    """The name as valid UTF-8 text: a byte that is not UTF-8 written \\xNN (for the record)."""
    if is_utf8(name):
        return name
    raw = name.encode("utf-8", "surrogateescape") if _escaped_bytes_only(name) else name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


def _escaped_bytes_only(name: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in name)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_basename(name: str) -> str:
    """An output base name that any disk takes and that names one file in the folder written to: every
    control character, '/' and each of <>:"\\|?* (which exFAT, FAT32 and NTFS refuse) replaced by '_', a name
    starting with a dot ('..', a hidden '.x') or a Windows device name ("CON", "com1") given a leading '_', and short
    enough to write: a longer one is cut (on a character) and ends in '~' and 8 hex digits of the whole
    name's SHA-256. A chat titled '../../x' or '/tmp/x' is written as '_.._.._x' or '_tmp_x'."""
    safe = NOT_ON_WINDOWS_DISKS.sub("_", CONTROL.sub("_", name)).replace("/", "_")
    if safe.split(".", 1)[0].rstrip(" ").casefold() in WINDOWS_DEVICES or safe.startswith("."):
        safe = "_" + safe
    encoded = safe.encode("utf-8", "surrogateescape")
    if len(encoded) <= MAX_BASENAME_BYTES:
        return safe
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    head = encoded[: MAX_BASENAME_BYTES - 9].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def path_inside(folder: Path, name: str) -> Path:
    """`folder / name` where `name` is one file name in `folder` (as `safe_basename` and `plain_name`
    make them): the last check before an output is written, so no name taken from evidence (a chat's
    title, a part's name) can place a file anywhere else ('..', '/x', 'a/b' are refused)."""
    target = folder / name
    if name in ("", ".", "..") or target.parent != folder or "\\" in name or "\x00" in name:
        raise ParleyError(f"'{printable(name)}': not one file name in {folder}; nothing written")
    return target


_PLAIN = re.compile(r"[^\w.\-]+")


def plain_name(text: str, limit: int) -> str:
    """`text` as a name of letters, digits, '.', '-' and '_' only (every other run of characters one '_'),
    no leading or trailing dot, at most `limit` characters; '_' for text that leaves nothing."""
    return _PLAIN.sub("_", text).strip(".")[:limit] or "_"


def output_names(paths: list[str]) -> dict[str, str]:
    """<stem> per input, or the whole file name where two inputs share a stem; control characters
    replaced, and a numbered suffix where two names would still collide after that, or where a
    name ends in '.manifest' ('x.manifest.opus' would write x.manifest.json, x.opus's manifest). Names are
    compared as a case-insensitive, normalising disk compares them (exFAT, NTFS, macOS), so
    'Note.opus' and 'note.opus', or 'café' typed two ways, never write over each other's exports."""
    stems = Counter(_folded(_stem(p)) for p in paths)
    names: dict[str, str] = {}
    taken: set[str] = set()
    for path in paths:
        stem = _stem(path)
        name = stem if stems[_folded(stem)] == 1 else safe_basename(Path(path).name)
        candidate, n = name, 1
        while _folded(candidate) in taken or _folded(candidate).endswith(MANIFEST_STEM):
            n += 1
            candidate = f"{name}-{n}"
        taken.add(_folded(candidate))
        names[path] = candidate
    return names


def one_per_name(paths: list[tuple[str, int]]) -> list[str]:
    """Of (path, exhibit) pairs, the first path of each exhibit under each file name: a voice note
    met loose and again in a chat's folder, same name and bytes, is exported once (its manifest names
    both paths), not as two identical sets, `x.opus` and `x.opus-2`. Another name gets its own set."""
    first: dict[tuple[int, str], str] = {}
    for path, exhibit in paths:
        first.setdefault((exhibit, _folded(Path(path).name)), path)
    return list(first.values())


def folded(name: str) -> str:
    """The name as a disk that ignores case and Unicode composition sees it (exFAT, NTFS, macOS)."""
    return unicodedata.normalize("NFC", name).casefold()


_folded = folded


def _stem(path: str) -> str:
    """The name without its extension, or the whole name where that leaves '.' or '..' (a file
    named '..opus' or '...m4a'), which no output can be named after."""
    stem = Path(path).stem
    return safe_basename(Path(path).name if stem.strip(".") == "" else stem)


# Letters of other scripts drawn like Latin ones (a reader cannot tell `іnterview.pdf`, Cyrillic "і", from
# `interview.pdf`), upper and lower case apart (a Cyrillic "Н" is drawn as "H", its "н" is not). Digits and Latin
# letters are not mapped to each other.
_LOOK_ALIKES = str.maketrans({
    **dict(zip("АВЕЅІЈКМНОРСТХУҮӀԚԜ", "ABESIJKMHOPCTXYYIQW")), **dict(zip("аеорсухѕіјһԁԛԝӏү", "aeopcyxsijhdqwly")),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹͿ", "ABEZHIKMNOPTYXCJ")), **dict(zip("οιρνϲϳ", "oipvcj")),  # Greek
    **dict(zip("ıɩǀℓɑɡ", "iillag")),  # Latin letters drawn like others
})
# Characters drawn as nothing (zero-width spaces and joiners, soft hyphen, word joiner, byte-order mark,
# variation selectors, tags, direction marks, Hangul fillers): `note\u200b.pdf` shows as `note.pdf`.
_UNSEEN = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")


def look_alike(name: str) -> str:
    """The name as a reader sees it: `folded`, then compatibility forms made plain (fullwidth letters, the one-dot
    leader for '.'), characters drawn as nothing taken out, letters of other scripts drawn like Latin ones made
    Latin, and the trailing dots and spaces Windows drops from a name dropped."""
    plain = unicodedata.normalize("NFKC", _UNSEEN.sub("", unicodedata.normalize("NFC", name)))
    return folded(_UNSEEN.sub("", plain).translate(_LOOK_ALIKES)).rstrip(". ")


def unlike_characters(name: str) -> str:
    """What in `name` a reader does not see as it is: each character drawn as nothing or like a Latin letter,
    or given in a compatibility form, as `U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I`; '' for none."""
    odd = [c for c in dict.fromkeys(name) if _UNSEEN.match(c) or c.translate(_LOOK_ALIKES) != c
           or unicodedata.normalize("NFKC", c) != c and not unicodedata.combining(c)]
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in odd)


def _readings(name: str) -> tuple[str, str]:
    return folded(name), look_alike(name)


def same_name(one: str, other: str) -> bool:
    """Whether two names are one to a disk that ignores case and composition, or to a reader (`look_alike`)."""
    return any(a == b for a, b in zip(_readings(one), _readings(other)))


def named_as_part_of(name: str, stem: str) -> bool:
    """Whether `name` reads as `<stem>.*` to such a disk or to a reader (`Note.pdf`, `іnterview.txt`)."""
    return any(a.startswith(b + ".") for a, b in zip(_readings(name), _readings(stem)))
