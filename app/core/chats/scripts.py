"""Which writing system a chat's text is in, to tell whether a language can be the one it is written in.

A chat's own text has no language detector; its voice notes' language is taken for it. A chat
typed in Cyrillic whose voice notes are Spanish is not Spanish: its messages are not translated
from Spanish (gibberish out), the language is said to be unknown instead.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

# The script of the languages not written in Latin letters (Whisper's and NLLB's short codes).
_SCRIPTS = {
    "CYRILLIC": {"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba"},
    "ARABIC": {"ar", "fa", "ur", "ps", "sd", "ug"},
    "GREEK": {"el"},
    "HEBREW": {"he", "yi"},
    "CJK": {"zh", "ja", "yue"},
    "HANGUL": {"ko"},
    "THAI": {"th"},
    "DEVANAGARI": {"hi", "mr", "ne", "sa"},
    "GEORGIAN": {"ka"},
    "ARMENIAN": {"hy"},
    "BENGALI": {"bn", "as"},
    "TAMIL": {"ta"},
}
_KANA = ("HIRAGANA", "KATAKANA")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    if first in _KANA:
        return "CJK"
    return first if first in _SCRIPTS or first == "LATIN" else ("CJK" if "CJK" in name else "")


def main_script(texts: Iterable[str]) -> str | None:
    """The script most of the letters are in (LATIN, CYRILLIC, ...); None without letters."""
    counts = Counter(s for text in texts for ch in text if ch.isalpha() and (s := _script(ch)))
    return counts.most_common(1)[0][0] if counts else None


def can_be_written_in(language: str, texts: Iterable[str]) -> bool:
    """False when the texts are mostly in a script the language is not written in."""
    script = main_script(texts)
    if script is None:
        return True
    code = language.split("_")[0].split("-")[0].lower()
    expected = next((s for s, codes in _SCRIPTS.items() if code in codes), "LATIN")
    return script == expected
