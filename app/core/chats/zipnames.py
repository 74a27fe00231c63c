"""A zip member's name as the computer that wrote it meant it.

A zip without the UTF-8 flag holds its names in the code page of the computer that made it: Windows'
"Compressed (zipped) folder" writes them in its DOS code page (cp866 on a Russian PC, cp857 Turkish,
cp932 Japanese...), a phone or a Mac re-zipping writes UTF-8 without saying so. Python reads every one of
them as cp437 ('Отчёт.pdf' came out as 'ÄΓτ±Γ.pdf', never matching the chat naming it). The name is
read in the code page under which its words are each written in one script.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile

# DOS (OEM) code pages Windows writes zip names in. A Cyrillic name read as cp437 is a jumble of scripts,
# a Latin one read as cp866 too; a tie keeps cp437, as Python reads it.
SINGLE_BYTE_PAGES = ("cp866", "cp437", "cp850", "cp857", "cp852", "cp737", "cp775", "cp862", "cp720", "cp864",
                     "cp874")
CJK_PAGES = ("cp932", "cp936", "cp949", "cp950")  # two bytes a character: read last, as many byte pairs read so
CODE_PAGES = SINGLE_BYTE_PAGES + CJK_PAGES
_CJK = ("HIRAGANA", "KATAKANA", "CJK", "HALFWIDTH", "FULLWIDTH", "IDEOGRAPHIC")  # Japanese and Chinese mix these
_WORDS = re.compile(r"[^\s/\\._\-()\[\]0-9]+")


def _script(ch: str) -> str | None:
    """The script a letter is written in ("LATIN", "CYRILLIC", "CJK" ...); None for a symbol."""
    if not ch.isalpha() or "\ufb50" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff":
        return None  # Arabic presentation forms: what cp864 makes of other bytes, never typed in a name
    first = unicodedata.name(ch, "?").split(" ")[0]
    return "CJK" if first.startswith(_CJK) else first


def _plausible(text: str) -> int:
    """The letters of the name's words outside ASCII that are words of one script, less those of words that
    are not: counted by letters, so a wrong reading's jumble is not outweighed by the short pieces a
    backslash inside it cuts off (Shift-JIS writes "表" as 0x95 0x5C)."""
    score = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        scripts = {_script(ch) for ch in word}
        score += len(word) if None not in scripts and len(scripts) == 1 else -len(word)
    return score


# A folder's names that are not UTF-8 were written by a tool that kept a zip's DOS bytes (Info-ZIP's unzip)
# or by a Windows in its ANSI code page.
ANSI_PAGES = ("cp1251", "cp1252", "cp1250", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257")


def best_reading(raw: bytes, pages: tuple[str, ...], fallback: str) -> str:
    """`raw` read in the code page under which it reads best; `fallback` when none does better."""
    best, best_score = fallback, _plausible(fallback)
    for page in pages:
        try:
            text = raw.decode(page)
        except UnicodeDecodeError:
            continue
        score = _plausible(text)
        if score > best_score:
            best, best_score = text, score
    return best


def file_name(name: str) -> str:
    """A name from the disk as text: itself when it is UTF-8, else its bytes read in the code page
    that reads them best, else each byte that is not UTF-8 written \\xNN."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    raw = name.encode("utf-8", "surrogateescape")
    shown = raw.decode("utf-8", "backslashreplace")
    return best_reading(raw, SINGLE_BYTE_PAGES + ANSI_PAGES + CJK_PAGES, shown)


def readings(name: str) -> list[str]:
    """Every plausible reading of a name from the disk whose bytes are not UTF-8 ([] for a UTF-8 one): a
    file a chat names is found under the one the chat writes."""
    try:
        name.encode("utf-8")
        return []
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
    found = []
    for page in SINGLE_BYTE_PAGES + ANSI_PAGES + CJK_PAGES:
        try:
            text = raw.decode(page)
        except UnicodeDecodeError:
            continue
        if _plausible(text) > 0:
            found.append(text)
    return found


def member_readings(info: zipfile.ZipInfo) -> list[str]:
    """Every plausible reading of a member's name written without the UTF-8 flag, in any code page ([] for
    a flagged or ASCII one): the member a chat names is found under the reading the chat writes."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return []
    try:
        return readings(info.filename.encode("cp437").decode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return []


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: UTF-8 (flagged or not), else the code page that reads it best."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return best_reading(raw, SINGLE_BYTE_PAGES + ANSI_PAGES + CJK_PAGES, info.filename)
