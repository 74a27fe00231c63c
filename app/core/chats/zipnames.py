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
CODE_PAGES = ("cp866", "cp437", "cp850", "cp857", "cp852", "cp737", "cp775", "cp862", "cp720", "cp864",
              "cp874", "cp932", "cp936", "cp949", "cp950")
_CJK = ("HIRAGANA", "KATAKANA", "CJK", "HALFWIDTH", "FULLWIDTH", "IDEOGRAPHIC")  # Japanese and Chinese mix these
_WORDS = re.compile(r"[^\s/\\._\-()\[\]0-9]+")


def _script(ch: str) -> str | None:
    """The script a letter is written in ("LATIN", "CYRILLIC", "CJK" ...); None for a symbol."""
    if not ch.isalpha():
        return None
    first = unicodedata.name(ch, "?").split(" ")[0]
    return "CJK" if first.startswith(_CJK) else first


def _plausible(text: str) -> int:
    """How many of the name's words outside ASCII are letters of one script, less those that are not."""
    score = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        scripts = {_script(ch) for ch in word}
        score += 1 if None not in scripts and len(scripts) == 1 else -1
    return score


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
    best, best_score = info.filename, _plausible(info.filename)
    for page in CODE_PAGES:
        try:
            text = raw.decode(page)
        except UnicodeDecodeError:
            continue
        score = _plausible(text)
        if score > best_score:
            best, best_score = text, score
    return best
