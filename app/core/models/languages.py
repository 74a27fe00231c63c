"""The languages a Whisper model folder can transcribe, read from the folder before the model is loaded.

The languages of its `config.json` `lang_ids` (its language tokens, in Whisper's order: 99, or 100 with
Cantonese for large-v3); a folder that says nothing is taken to know every language Whisper has. An
English-only model (tiny.en) holds the same tokens: a re-run in another language with it is refused in one
message that says to choose a multilingual model (`enqueueing.check_model`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from app.core.translation.langcodes import WHISPER_TO_FLORES

WHISPER_CODES = tuple(WHISPER_TO_FLORES)  # in the order of Whisper's language tokens


def whisper_languages(folder: Path) -> tuple[str, ...]:
    """The codes the model in `folder` can be asked to transcribe, in Whisper's order."""
    try:
        stamp = max((folder / name).stat().st_mtime_ns for name in ("config.json", "model.bin")
                    if (folder / name).exists()) if folder.is_dir() else 0
    except (OSError, ValueError):
        stamp = 0
    return _languages(folder, stamp)


@functools.lru_cache(maxsize=8)
def _languages(folder: Path, _stamp: int) -> tuple[str, ...]:  # read once per folder as it stands
    try:
        ids = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("lang_ids")
    except (OSError, ValueError, AttributeError):
        ids = None
    if isinstance(ids, list) and 0 < len(ids) <= len(WHISPER_CODES):
        return WHISPER_CODES[: len(ids)]
    return WHISPER_CODES


def offered_languages(known: tuple[str, ...], allowed: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the allow-list's languages the model knows, in the order given; every other language it knows)."""
    first = tuple(dict.fromkeys(code for code in allowed if code in known))
    return first, tuple(code for code in known if code not in first)
