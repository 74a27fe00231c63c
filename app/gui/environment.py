"""Start-up checks: what would stop transcription, and modules to import before the event loop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.core.models.catalogue import list_models
from app.gui import prefs


def preload_modules() -> None:
    """Import what background threads will need, before the event loop runs.

    A thread that imports a module holds that module's import lock (and, under
    PySide6's import hook, does a lot of Python work); the GUI thread touching the
    same module would wait for it. Importing up front keeps those waits out of
    the event loop.
    """
    # imported here on purpose (the point of this function); the supervisor pulls in faster-whisper
    import app.core.media.decode
    import app.core.media.intake
    import app.core.media.waveform
    import app.worker.supervisor  # noqa: F401


def add_script_fonts() -> None:
    """Register the Noto fallback fonts the PDFs draw with (Chinese, Indic scripts, Thai, emoji...),
    so a machine without such fonts shows a chat's or a transcript's text, not empty boxes."""
    from PySide6.QtGui import QFontDatabase

    from app.core.export.fallback_fonts import fallback_fonts

    for font in fallback_fonts():
        QFontDatabase.addApplicationFont(str(font.path))


def environment_problems(settings: QSettings) -> list[str]:
    """What would stop transcription, in words a user can act on (no tracebacks)."""
    problems = []
    try:
        import av  # noqa: F401 - the ffmpeg libraries; imported here to turn their absence into a message
    except ImportError as exc:
        problems.append(f"The ffmpeg libraries (PyAV) are missing, so no media can be read ({exc}). "
                        "Reinstall Parley.")
    folder = prefs.models_dir(settings)
    models = [m for m in list_models(folder) if m.family == "whisper"]
    wanted = prefs.model_name(settings)
    if not models:
        problems.append(f"No transcription model is installed in {folder}. Import one with "
                        "“python -m app models import BUNDLE”, or choose another models folder in "
                        "Settings → Models.")
    elif wanted not in {m.name for m in models} and not Path(wanted).is_dir():
        problems.append(f"The model “{wanted}” is not installed in {folder} (installed: "
                        f"{', '.join(m.name for m in models)}). Choose one in Settings → Transcription.")
    return problems
