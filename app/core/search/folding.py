"""What the word index folds beyond case and Latin accents, one character to one or to none.

SQLite's unicode61 tokenizer (remove_diacritics 2) folds case and takes accents
off Latin letters. It leaves letters that have no accent to remove (ł ø đ ð ħ ı ŀ
ŧ), Greek tonos and final sigma, Arabic hamza-carrying alefs, alef maqsura,
harakat and tatweel, and Hebrew points. FOLD maps each of those to its base
letter, or to nothing for a mark.

Migration 005 indexes search_text.folded, this same map written in SQL (see
sql_columns(); tests keep the two equal), and queries are folded with fold().
Since every character folds to one character or none, the original text can be
laid back under the index's highlight marks (restore_marks), so a hit shows the
text as it was written.
"""

from __future__ import annotations

import re

_LETTERS = {
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ħ": "h",
    "Ħ": "H", "ı": "i", "ŀ": "l", "Ŀ": "L", "ŧ": "t", "Ŧ": "T",
    # Greek: tonos and dialytika, final sigma
    "ά": "α", "έ": "ε", "ή": "η", "ί": "ι", "ό": "ο", "ύ": "υ", "ώ": "ω", "ΐ": "ι", "ΰ": "υ",
    "ϊ": "ι", "ϋ": "υ", "Ά": "Α", "Έ": "Ε", "Ή": "Η", "Ί": "Ι", "Ό": "Ο", "Ύ": "Υ", "Ώ": "Ω",
    "Ϊ": "Ι", "Ϋ": "Υ", "ς": "σ",
    # Arabic: alef with hamza or madda, alef wasla, alef maqsura
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
    "\u0649": "\u064a",
}
_MARKS = (
    [chr(c) for c in range(0x064B, 0x0653)]  # Arabic harakat: fathatan .. sukun
    + ["\u0670", "\u0640"]  # superscript alef, tatweel
    + [chr(c) for c in range(0x05B0, 0x05BD)] + ["\u05C1", "\u05C2", "\u05C7"]  # Hebrew points
)
FOLD: dict[str, str] = {**_LETTERS, **dict.fromkeys(_MARKS, "")}
_TABLE = str.maketrans(FOLD)
_FOLDED_CHAR_RE = re.compile("[" + re.escape("".join(FOLD)) + "]")


def fold(text: str) -> str:
    return text.translate(_TABLE)


SQL_CHUNK = 20  # replace() calls nested in one column: SQLite's parser stack allows few more


def sql_columns(source: str = "text", name: str = "folded") -> list[tuple[str, str]]:
    """FOLD as SQLite generated columns: (column, expression) pairs, each folding the one before.

    Nested replace() calls overflow SQLite's parser past a few dozen, so the map is
    applied SQL_CHUNK characters per column: fold_1 over `source`, fold_2 over
    fold_1, ... the last one is `name`. Migration 005 holds exactly these.
    """
    items = list(FOLD.items())
    chunks = [items[i:i + SQL_CHUNK] for i in range(0, len(items), SQL_CHUNK)]
    columns, previous = [], source
    for index, chunk in enumerate(chunks, 1):
        expr = previous
        for char, target in chunk:
            replacement = f"char({ord(target)})" if target else "''"
            expr = f"replace({expr}, char({ord(char)}), {replacement})"
        codes = ", ".join(str(ord(char)) for char, _ in chunk)
        guard = f"{previous} GLOB '*[' || char({codes}) || ']*'"  # most texts have none of them
        column = name if index == len(chunks) else f"fold_{index}"
        columns.append((column, f"CASE WHEN {guard} THEN {expr} ELSE {previous} END"))
        previous = column
    return columns


def sql_definitions(source: str = "text", name: str = "folded") -> str:
    """The column definitions for a CREATE TABLE, as migration 005 writes them.

    The last column is STORED (worked out once, when the row is written; the index
    reads it for every highlight), the steps before it VIRTUAL.
    """
    return ",\n".join(
        f"    {column} TEXT GENERATED ALWAYS AS (\n        {expr}) "
        + ("STORED" if column == name else "VIRTUAL")
        for column, expr in sql_columns(source, name))


def restore_marks(highlighted: str, original: str, marks: tuple[str, str]) -> str | None:
    """`original` with the marks that `highlighted` (its folded form, marked) carries.

    None when the two do not line up (the text was folded some other way).
    """
    if _FOLDED_CHAR_RE.search(original) is None:  # nothing folded: the highlight is the text
        plain = highlighted.replace(marks[0], "").replace(marks[1], "")
        return highlighted if plain == original else None
    out, j = [], 0
    for ch in original:
        if FOLD.get(ch) == "":
            out.append(ch)  # a mark the index never saw: it stays where it was written
            continue
        while j < len(highlighted) and highlighted[j] in marks:
            out.append(highlighted[j])
            j += 1
        if j >= len(highlighted) or highlighted[j] != fold(ch):
            return None
        out.append(ch)
        j += 1
    out.extend(highlighted[j:])
    return "".join(out) if all(ch in marks for ch in highlighted[j:]) else None
