"""User settings kept with QSettings (no config file to edit by hand)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from app.core.models.catalogue import default_models_dir
from app.core.options import TranscribeOptions
from app.core.store.audit import current_user

ORG, APP = "Parley", "Parley"


def settings() -> QSettings:
    return QSettings(ORG, APP)


def _int(s: QSettings, key: str, default: int) -> int:
    try:
        return int(s.value(key, default))
    except (TypeError, ValueError):
        return default


def stored_user_name(s: QSettings) -> str:
    """The name the user gave (asked on first start); "" if none yet."""
    return str(s.value("user/name", "") or "").strip()


def user_name(s: QSettings) -> str:
    """Who signs changes: the user's own name, else (until they give it) the computer account."""
    return stored_user_name(s) or current_user()


def models_dir(s: QSettings) -> Path:
    text = str(s.value("models/dir", "") or "")
    return Path(text) if text else default_models_dir()


def model_name(s: QSettings) -> str:
    return str(s.value("transcribe/model", "") or os.environ.get("PARLEY_MODEL", "base"))


def transcribe_options(s: QSettings, language: str | None = None) -> TranscribeOptions:
    """The settings' options; `language` (a re-run in a chosen language) overrides theirs."""
    language = language or str(s.value("transcribe/language", "") or "").strip() or None
    allow = str(s.value("transcribe/languages", "") or "")
    return TranscribeOptions(
        model=model_name(s),
        language=None if language in (None, "auto") else language,
        languages=tuple(c.strip().lower() for c in allow.split(",") if c.strip()),
        device=str(s.value("transcribe/device", "auto") or "auto"),
        threads=_int(s, "transcribe/threads", 0),
        channels=str(s.value("transcribe/channels", "auto") or "auto"),
        beam_size=_int(s, "transcribe/beam_size", 5),
    )


def skip_ms(s: QSettings) -> int:
    return _int(s, "playback/skip_ms", 3000)


def rewind_ms(s: QSettings) -> int:
    return _int(s, "playback/auto_rewind_ms", 1500)
