"""How the bytes of a text or chat export become text."""

from __future__ import annotations

import unicodedata
from collections import Counter


def one_line_end(text: str) -> str:
    """Every line end (Windows' CR LF, an old Mac's lone CR, a file of both) one LF, as every reader expects."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not), UTF-16 (BOM or not), else Windows-1252 or Latin-1.

    UTF-8 with a few damaged bytes (a cut or corrupted export) stays UTF-8, each bad
    byte shown as U+FFFD and the encoding named "utf-8 (damaged: N bytes)": read as
    Latin-1 every accented letter of it would turn into two wrong ones."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _utf16(data, "utf-16", "utf-16")
    unmarked = _utf16_without_bom(data)
    if unmarked is not None:
        return unmarked
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _utf8_with_8bit_lines(data)
    if mixed is not None:
        return mixed
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte > bad:  # more good UTF-8 sequences than bad bytes: damaged UTF-8
        return text, f"utf-8 (damaged: {bad} bytes)"
    return _eight_bit(data)


_LETTERS = frozenset(range(0xC0, 0x100)) - {0xD7, 0xF7}  # À-ÿ in Latin-1 and Windows-1252, but × and ÷
# Windows-1252's own € ‚ „ … ‘ ’ “ ” • – — ™ (and its other letters), on a line that also holds an accented letter
_PUNCTUATION = frozenset(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _utf8_with_8bit_lines(data: bytes) -> tuple[str, str] | None:
    """UTF-8 with some lines in an 8-bit code page (a line typed on a Windows machine, two tools' files joined):
    those lines in Windows-1252 ("Ren\\xe9" is René, not "Ren\ufffd"; the whole file read as Windows-1252 turned
    every UTF-8 "é" into "Ã©"). Only where every byte UTF-8 cannot read is an accented letter inside a word (or
    Windows-1252's punctuation, "it\x92s 5\x80", on a line holding such a letter too), on lines holding no UTF-8 of
    their own, at least two such bytes in all, beside lines of UTF-8; else None (damaged UTF-8).

    A line of another code page is shown damaged (U+FFFD), never read as Windows-1252 with confidence: one whose
    letters would nearly all come out accented (Russian in Windows-1251, "Èâàí: Âñòðåòèìñÿ"; Greek; Hebrew), or
    any such line where the file's own UTF-8 writes Latin letters Windows-1252 lacks (Polish "jesteś", Turkish
    "Ayşe": its lines in Windows-1250 or 1254 read "Dziêkujê")."""
    lines = data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    texts = [line.decode("utf-8", errors="surrogateescape") for line in lines]
    escapes = [_escaped(text) for text in texts]  # once per line: this runs on every file that is not UTF-8
    own = "".join(text for text, escaped in zip(texts, escapes, strict=True) if not escaped)
    if not any(ord(ch) > 0x7F for ch in own):
        return None  # no line of UTF-8 beside them
    foreign = _latin_beyond_cp1252(own)
    kinds: list[str] = []
    for line, text, escaped in zip(lines, texts, escapes, strict=True):
        if not escaped:
            kinds.append("utf-8")
        elif foreign or _nearly_all_accented(line.decode("cp1252", errors="replace")):
            kinds.append("damaged")
        elif _reads_in_cp1252(text, escaped):
            kinds.append("cp1252")
        else:
            return None
    cp1252 = sum(len(e) for e, kind in zip(escapes, kinds, strict=True) if kind == "cp1252") >= 2
    if not cp1252 and "damaged" not in kinds:
        return None  # a lone bad byte: damaged UTF-8
    out = [line.decode("cp1252") if kind == "cp1252" and cp1252 else
           text if kind == "utf-8" else line.decode("utf-8", errors="replace")
           for line, text, kind in zip(lines, texts, kinds, strict=True)]
    damaged = sum(t.count("\ufffd") for t, kind in zip(out, kinds, strict=True) if kind != "utf-8") - \
        sum(line.count("\ufffd".encode()) for line, kind in zip(lines, kinds, strict=True) if kind != "utf-8")
    said = [f"{kinds.count('cp1252')} line(s) in cp1252"] if cp1252 else []
    said += [f"damaged: {damaged} bytes"] if damaged else []
    return "".join(out), f"utf-8 ({'; '.join(said)})"


def _escaped(text: str) -> list[int]:
    """Where the bytes UTF-8 could not read stand in `text` (decoded with surrogateescape)."""
    return [i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff"]


def _reads_in_cp1252(text: str, escaped: list[int]) -> bool:
    """Every byte UTF-8 cannot read an accented letter in a word, or Windows-1252's punctuation beside one."""
    letters = [i for i in escaped if _accented_in_word(text, i)]
    return len(escaped) == sum(ord(ch) > 0x7F for ch in text) and bool(letters) and all(
        i in letters or ord(text[i]) - 0xDC00 in _PUNCTUATION for i in escaped)


NEARLY_ALL = 0.75  # of a line's letters accented: no Latin text ("Déjà été" is 4 of 7); Windows-1251's Cyrillic is all


def _nearly_all_accented(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ord(ch) > 0x7F for ch in letters) >= NEARLY_ALL * len(letters)


def _latin_beyond_cp1252(text: str) -> bool:
    """Most of the accented Latin letters written in UTF-8 are ones Windows-1252 cannot hold (ś ł ę, ş ğ ı, ő ů):
    the file's language writes its 8-bit lines in another code page (1250, 1254, 1257)."""
    latin = [ch for ch in set(text) if ord(ch) > 0x7F and ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")]
    beyond = [ch for ch in latin if not _in_cp1252(ch)]
    return len(beyond) * 2 > len(latin)


def _in_cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _accented_in_word(text: str, i: int) -> bool:
    """The byte escaped at `i` is an accented letter with a letter (or another such byte) beside it."""
    def letter(j: int) -> bool:
        return 0 <= j < len(text) and (text[j].isalpha() or "\udcc0" <= text[j] <= "\udcff")
    return ord(text[i]) - 0xDC00 in _LETTERS and (letter(i - 1) or letter(i + 1))


def _eight_bit(data: bytes) -> tuple[str, str]:
    """Text saved in an 8-bit code page (a chat re-saved by Windows Notepad as "ANSI"): Windows-1252,
    whose € „ “ ” – … Latin-1 would read as control characters; Latin-1 when a byte is not Windows-1252's."""
    if any(0x80 <= b <= 0x9F for b in data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes, sample: int = 4096) -> tuple[str, str] | None:
    """UTF-16 written without a byte-order mark (a tool's re-save): every other byte of Latin,
    digits and punctuation is a zero, on the same side throughout; None when the bytes are not that."""
    head = data[:sample]
    if len(head) < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    many, few = len(head) // 2 * 0.3, len(head) // 2 * 0.02  # zeros: on one side, hardly any on the other
    encoding = "utf-16-le" if odd > many and even <= few else "utf-16-be" if even > many and odd <= few else None
    encoding = encoding or _one_script(head)
    if encoding is None:
        return None
    text, named = _utf16(data, encoding, f"{encoding} (no byte-order mark)")
    controls = sum(1 for ch in text[:2048] if ord(ch) < 32 and ch not in "\t\n\r")
    return (text, named) if _unreadable(data, text, encoding) <= _CUT and not controls else None


def _one_script(head: bytes) -> str | None:
    """UTF-16 of one script written in its own digits (Arabic: "٠٦/٠٣/٢٠١٧ ٠٠:٤٥ - علي"), few zeros: one side of
    every byte pair holds a few values (the script's block, 0x06, and 0x00, 0x20 for spaces and marks), the other
    many; None when both sides are alike (UTF-8, an 8-bit code page)."""
    def narrow(side: bytes) -> bool:
        return sum(n for _, n in Counter(side).most_common(3)) >= 0.95 * len(side)
    if len(head) < 64:  # a few bytes of any text fall into a few values
        return None
    even, odd = narrow(head[0::2]), narrow(head[1::2])
    return "utf-16-le" if odd and not even else "utf-16-be" if even and not odd else None


_CUT = 2  # U+FFFD for a last byte or a half of a character's pair cut off: UTF-16 cut short, not another encoding


def _utf16(data: bytes, encoding: str, named: str) -> tuple[str, str]:
    """UTF-16 text; cut short at an odd byte or inside a character's surrogate pair (a phone's export cut at
    its size limit), what is cut shown as U+FFFD and the encoding named "... (damaged: N characters)"."""
    try:
        return data.decode(encoding), named
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        return text, f"{named} (damaged: {_unreadable(data, text, encoding)} characters)"


def _unreadable(data: bytes, text: str, encoding: str) -> int:
    """How many U+FFFD of `text` stand for bytes that could not be read (not ones the file holds)."""
    return text.count("\ufffd") - data.decode(encoding, "ignore").count("\ufffd")
