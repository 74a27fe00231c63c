"""User settings kept with QSettings (no config file to edit by hand)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from app.core.errors import ParleyError
from app.core.models.catalogue import default_models_dir, resolve
from app.core.models.languages import WHISPER_CODES, offered_languages, whisper_languages
from app.core.options import DIARIZE_MODES, TranscribeOptions, allow_list, named_languages
from app.core.store.audit import person_or_account

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


def save_user_name(s: QSettings, name: str) -> None:
    """Keep the user's name (it signs every change from now on)."""
    s.setValue("user/name", name.strip())
    s.sync()


def user_name(s: QSettings) -> str:
    """Who signs changes: the user's own name, else (until they give it) the computer account, said to be one."""
    return person_or_account(stored_user_name(s))


def models_dir(s: QSettings) -> Path:
    text = str(s.value("models/dir", "") or "")
    return Path(text) if text else default_models_dir()


def model_name(s: QSettings) -> str:
    return str(s.value("transcribe/model", "") or os.environ.get("PARLEY_MODEL", "base"))


def transcribe_options(s: QSettings, language: str | None = None) -> TranscribeOptions:
    """The settings' options; `language` (a re-run in a chosen language) overrides theirs."""
    language = language or str(s.value("transcribe/language", "") or "").strip() or None
    allow = allow_list(str(s.value("transcribe/languages", "") or ""))
    language, languages = named_languages(None if language in (None, "auto") else language, allow)
    return TranscribeOptions(
        model=model_name(s),
        language=language,
        languages=languages,
        device=str(s.value("transcribe/device", "auto") or "auto"),
        threads=_int(s, "transcribe/threads", 0),
        channels=str(s.value("transcribe/channels", "auto") or "auto"),
        beam_size=_int(s, "transcribe/beam_size", 5),
        **speaker_options(s),
    )


def speaker_options(s: QSettings) -> dict[str, object]:
    """Speaker separation and the number of speakers as the settings give them; a count out of range
    or bounds that contradict an exact number (a hand-edited settings file) are left out."""
    mode = str(s.value("transcribe/diarize", "auto") or "auto")
    counts = {key: _int(s, f"transcribe/{key}", 0) for key in ("speakers", "min_speakers", "max_speakers")}
    counts = {key: (n if 1 <= n <= 10 else None) for key, n in counts.items()}
    if counts["speakers"] is not None:
        counts["min_speakers"] = counts["max_speakers"] = None
    low, high = counts["min_speakers"], counts["max_speakers"]
    if low is not None and high is not None and low > high:
        counts["min_speakers"], counts["max_speakers"] = high, low
    return {"diarize": mode if mode in DIARIZE_MODES else "auto", **counts}


def skip_ms(s: QSettings) -> int:
    return _int(s, "playback/skip_ms", 3000)


def rewind_ms(s: QSettings) -> int:
    return _int(s, "playback/auto_rewind_ms", 1500)


def rerun_languages(s: QSettings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a re-run in a chosen language offers: the allow-list's languages the settings' model knows,
    then its others (every Whisper language while the model cannot be found: the re-run then says why)."""
    try:
        known = whisper_languages(resolve(model_name(s), models_dir(s)))
    except ParleyError:
        known = WHISPER_CODES
    return offered_languages(known, transcribe_options(s).languages)
