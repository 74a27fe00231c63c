"""How the bytes of a text or chat export become text."""

from __future__ import annotations


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not), UTF-16 with a BOM, else Latin-1.

    UTF-8 with a few damaged bytes (a cut or corrupted export) stays UTF-8, each bad
    byte shown as U+FFFD and the encoding named "utf-8 (damaged: N bytes)": read as
    Latin-1 every accented letter of it would turn into two wrong ones."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte > bad:  # more good UTF-8 sequences than bad bytes: damaged UTF-8
        return text, f"utf-8 (damaged: {bad} bytes)"
    return data.decode("latin-1"), "latin-1"
