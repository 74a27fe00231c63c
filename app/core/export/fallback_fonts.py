"""Where the fallback fonts are (Noto fonts from two wheels; see pdf_fonts.py): the PDFs draw
with them, and the window registers them so a machine without such fonts still shows the text."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CJK_SIMPLIFIED = 2  # the collection's Noto Sans CJK SC (pan-CJK: kana and Hangul too)
LATIN_DUPLICATES = ("NotoSans[wght].ttf", "NotoSans-Italic[wght].ttf")  # DejaVu draws these


@dataclass(frozen=True)
class FallbackFont:
    name: str  # the fpdf2 family name
    path: Path
    collection_number: int = 0


@lru_cache(maxsize=1)
def fallback_fonts() -> tuple[FallbackFont, ...]:
    """The installed fallback fonts, small script fonts first, the 19 MB CJK collection last."""
    found: list[FallbackFont] = []
    scripts = _package_dir("manimgx_fonts")
    if scripts is not None:
        for path in sorted(scripts.glob("*.ttf")):
            if path.name not in LATIN_DUPLICATES:
                found.append(FallbackFont(path.name.split("[", 1)[0].split(".", 1)[0], path))
    cjk = _package_dir("noto_cjk_sans_otc")
    if cjk is not None and (cjk / "NotoSansCJK-Regular.ttc").is_file():
        found.append(FallbackFont("NotoSansCJK", cjk / "NotoSansCJK-Regular.ttc", CJK_SIMPLIFIED))
    return tuple(found)


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
