"""Child process for tests/test_gui_soak.py: play, seek, pause and stop many times while the
backend's threads call into Python, with that call held long (it takes the GIL, busy).

Before every playback call released the GIL, this froze within seconds: stop() waited for a
backend thread that waited for the GIL the main thread held. Prints "cycles N" when done."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")

from PySide6.QtMultimedia import QAudioOutput
from PySide6.QtWidgets import QApplication

import app.gui.player as player_module

MAIN = threading.get_ident()


class SlowToLetGo(QAudioOutput):
    """The backend's threads disconnect from the audio output; here that holds the GIL 50 ms."""

    def disconnectNotify(self, signal):
        if threading.get_ident() != MAIN:
            started = time.perf_counter()
            while time.perf_counter() - started < 0.05:
                pass
        super().disconnectNotify(signal)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    player_module.QAudioOutput = SlowToLetGo
    player = player_module.Player()

    def pump(secs: float) -> None:
        end = time.monotonic() + secs
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.002)

    player.load(sys.argv[1])
    rng = random.Random(1)
    cycles = int(sys.argv[2])
    for _ in range(cycles):
        player.play()
        pump(rng.uniform(0.0, 0.1))
        player.seek(rng.randint(0, 20_000))
        player.pause()
        player.play()
        pump(rng.uniform(0.0, 0.1))
        player.load(None)  # stops and lets go, as switching exhibits or closing the window does
        player.load(sys.argv[1])
    player.load(None)
    print(f"cycles {cycles}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
