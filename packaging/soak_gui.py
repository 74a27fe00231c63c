"""Soak the real window: play, loop, skip and repaint the waveform for N minutes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/soak_gui.py --minutes 30

Guards against the crash of PySide6 6.12.0 on Python 3.11 (every Qt call that
returns nothing dropped a reference to None; the window died with
"none_dealloc" after ~25 s of playback). Prints one JSON line with what it did
and how sys.getrefcount(None) moved; exits 1 if that count fell (on Pythons
where None is mortal) and app.gui.refcount_guard gave it no references to spare
(the guard is on for PySide6 6.12+, where the fall is expected), 0 otherwise. A crash is a non-zero exit by itself.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared")) / "media"
NONE_IS_MORTAL = sys.version_info < (3, 12)
ALLOWED_FALL = 300  # normal churn of objects holding None; the leak lost ~470 a second


@dataclass
class SoakResult:
    seconds: float = 0.0
    repaints: int = 0
    loops: int = 0
    pauses: int = 0
    position_updates: int = 0
    furthest_ms: int = 0
    none_refs_start: int = 0
    none_refs_min: int = 0
    none_refs_end: int = 0
    samples: list[int] = field(default_factory=list)

    @property
    def fell(self) -> int:
        return self.none_refs_start - self.none_refs_min

    @property
    def guarded(self) -> bool:
        """app.gui.refcount_guard gave None its extra references (PySide6 6.12+ on Python 3.11)."""
        from app.gui.refcount_guard import EXTRA_REFERENCES

        return self.none_refs_start > EXTRA_REFERENCES

    def ok(self) -> bool:
        if not NONE_IS_MORTAL or self.fell <= ALLOWED_FALL:
            return True
        # guarded: a leak is harmless while the extra references outlast ten years of playback
        from app.gui.refcount_guard import EXTRA_REFERENCES

        ten_years = 10 * 365 * 24 * 3600
        return self.guarded and self.fell / max(self.seconds, 1.0) * ten_years < EXTRA_REFERENCES


def open_window(folder: Path, media: Path):  # type: ignore[no-untyped-def]
    """A window on a fresh case holding `media`, shown and with the exhibit open (no worker)."""
    from PySide6.QtCore import QSettings

    from app.core.media.intake import find_media
    from app.core.store import Case
    from app.gui.main_window import MainWindow

    case = Case.open(folder / "case")
    for found in find_media([str(media)]):
        if found.source is not None:
            case.add_exhibit(found.source, found_at=found.path)
    settings = QSettings(str(folder / "parley.ini"), QSettings.Format.IniFormat)
    settings.setValue("user/name", "Soak Test")
    window = MainWindow(case, settings, start_worker=False)
    window.resize(1280, 800)
    window.show()
    window.refresh()
    window.exhibits.select(case.exhibits()[0].id)
    return window


MIN_STEPS = 240  # two loops set (steps 60, 180) and one pause (step 200)


def soak(window, seconds: float, pump) -> SoakResult:  # type: ignore[no-untyped-def]
    """Play for `seconds`: loop spans, pause (auto-rewind) and skip now and then, repaint often."""
    player, wave = window.player, window.editor.waveform
    result = SoakResult()
    counts = {"positions": 0}
    player.positionChanged.connect(lambda _ms: counts.__setitem__("positions", counts["positions"] + 1))
    pump(1.0)  # the media loads
    player.seek(0)
    player.play()
    result.none_refs_start = result.none_refs_min = sys.getrefcount(None)
    started = time.monotonic()
    step = 0
    # at least 240 steps (about 12 s when the machine is free): on a loaded machine fewer steps fit in
    # `seconds`, and the loops and the pause come by step
    while (elapsed := time.monotonic() - started) < seconds or step < MIN_STEPS:
        pump(0.05)
        wave.repaint()
        result.repaints += 1
        step += 1
        if step % 60 == 0:  # every ~3 s: loop a short span, or stop looping
            if player.loop_span is None:
                at = max(0, player.position() - 500)
                player.set_loop((at, at + 1500))
                result.loops += 1
            else:
                player.set_loop(None)
        if step % 200 == 0:  # every ~10 s: pause (auto-rewind), skip, play on
            player.pause()
            player.skip_forward()
            player.play()
            result.pauses += 1
        if player.duration() and player.position() >= player.duration() - 1500:
            player.seek(0)
            player.play()
        result.furthest_ms = max(result.furthest_ms, player.position())
        refs = sys.getrefcount(None)
        result.none_refs_min = min(result.none_refs_min, refs)
        if step % 200 == 0:
            result.samples.append(refs)
    result.seconds = round(elapsed, 1)
    result.none_refs_end = sys.getrefcount(None)
    result.position_updates = counts["positions"]
    player.unload()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=None, help="overrides --minutes")
    parser.add_argument("--media", type=Path, default=MEDIA / "interview_stereo.wav")
    parser.add_argument("--watchdog", type=float, default=None,
                        help="after this many seconds, print every thread's stack and exit (a hang)")
    args = parser.parse_args(argv)
    if args.watchdog:
        faulthandler.dump_traceback_later(args.watchdog, exit=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])

    def pump(secs: float) -> None:
        end = time.monotonic() + secs
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="parley-soak-") as tmp:
        window = open_window(Path(tmp), args.media)
        result = soak(window, seconds, pump)
        window.close()
        window.case.close()
    report = asdict(result) | {"fell": result.fell, "guarded": result.guarded, "ok": result.ok(), "pyside": pyside_version,
                               "python": sys.version.split()[0]}
    print(json.dumps(report), flush=True)
    return 0 if result.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
