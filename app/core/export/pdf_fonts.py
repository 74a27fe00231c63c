"""The fonts a PDF export draws with, and an honest word on the characters none of them has.

DejaVu Sans (shipped in resources/fonts) draws Latin, Greek, Cyrillic, Armenian, Georgian,
Hebrew and Arabic. A chat or a transcript also holds Chinese, Japanese, Korean, Devanagari,
Bengali, Gurmukhi, Tamil, Thai, Ethiopic... and emoji, which DejaVu lacks: fpdf2 leaves such
characters out without a word, and a message of Chinese, or one that was only "👍", came out
blank in an evidential PDF. Noto fonts from two wheels fill the gaps as fpdf2 fallback fonts:
`noto-cjk-sans-otc` (Noto Sans CJK, SIL OFL 1.1) and `manimgx-fonts` (Noto Sans for the scripts
Latin faces lack, Noto Emoji and Noto Sans Symbols, SIL OFL 1.1), chosen because they are the
Noto project's fonts unmodified, pip-installable offline and TrueType/CFF fonts fpdf2 embeds as
subsets. A fallback is only read and embedded when a character needs it, so a Latin record of
interview is unchanged. A character no font has is counted (`ScriptFonts.undrawn`) and the
PDF says so at its end, pointing to the exports that hold the text.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from fpdf import FPDF

from app.core.export.fallback_fonts import FallbackFont, fallback_fonts


@cache
def _covered(font: FallbackFont) -> frozenset[int]:
    """The code points `font` has glyphs for (read once per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(font.path, fontNumber=font.collection_number, lazy=True) as opened:
        return frozenset(opened.getBestCmap() or ())


def font_for(char: str) -> FallbackFont | None:
    code = ord(char)
    return next((font for font in fallback_fonts() if code in _covered(font)), None)


def _drawn_as_nothing(char: str) -> bool:
    """Controls, format characters (joiners, bidi marks, variation selectors) and spaces: no glyph
    is expected of them."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn") and char != "\u00ad" or \
        0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


class ScriptFonts(FPDF):
    """An FPDF whose main font is `main_family` and which adds a fallback font the first time a
    text needs one. fpdf2 passes every text it lays out through normalize_text."""

    main_family = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._seen: set[str] = set()
        self._fallbacks: list[str] = []
        self.undrawn: set[str] = set()  # characters no font of this PDF has

    def normalize_text(self, text: str) -> str:
        text = super().normalize_text(text)
        new = set(text) - self._seen
        if new:
            self._seen |= new
            self._cover(new)
        return text

    def _cover(self, chars: set[str]) -> None:
        main = self.fonts.get(self.main_family.lower())
        main_cmap = main.cmap if main is not None else {}  # type: ignore[union-attr]
        added = False
        for char in sorted(chars):
            if ord(char) in main_cmap or _drawn_as_nothing(char):
                continue
            font = font_for(char)
            if font is None:
                self.undrawn.add(char)
            elif font.name not in self._fallbacks:
                self.add_font(font.name, "", str(font.path), collection_font_number=font.collection_number)
                self._fallbacks.append(font.name)
                added = True
        if added:
            self.set_fallback_fonts(self._fallbacks, exact_match=False)


def undrawn_note(undrawn: set[str], others: str, limit: int = 5) -> str:
    """One sentence naming what this PDF could not draw, or "" when it drew everything."""
    if not undrawn:
        return ""
    shown = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed').lower()}" for c in sorted(undrawn)[:limit])
    more = f" and {len(undrawn) - limit} more" if len(undrawn) > limit else ""
    return (f"This PDF has no font for {len(undrawn)} character(s) of the text ({shown}{more}): they are "
            f"left blank here; the {others} exports hold the text in full.")
