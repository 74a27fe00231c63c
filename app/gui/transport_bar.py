"""The player's transport: play, skip, speed, loop, and the position clock (fixed widths).

◀◀ and ▶▶ act as the skip keys do (F1/F2 by default): a skip of the set seconds, playback going
on if it was playing, and paused, the cursor going along into the segment landed in; held down,
they repeat, as a held key or pedal does. Their tooltips say the seconds and the key bound now.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget

from app.gui.editor_model import clock
from app.gui.player import Player
from app.gui.widgets import tool_button

REPEAT_DELAY_MS, REPEAT_MS = 400, 300  # a held ◀◀/▶▶: about 10 s of recording a second at 3 s a skip


def rate_text(rate: float) -> str:
    """1.25 -> "1.25×" (never rounded to "1.2×")."""
    return f"{round(rate, 2):g}×"


class TransportBar(QWidget):
    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.play_button = tool_button("▶ Play", "Play / pause (Esc)", player.toggle)
        self.skip: Callable[[bool], None] = lambda forward: player.skip(player.skip_ms if forward else -player.skip_ms)
        self.back_button = tool_button("◀◀", "", lambda: self.skip(False))
        self.forward_button = tool_button("▶▶", "", lambda: self.skip(True))
        for button in (self.back_button, self.forward_button):
            button.setAutoRepeat(True)  # held down, it goes on skipping
            button.setAutoRepeatDelay(REPEAT_DELAY_MS)
            button.setAutoRepeatInterval(REPEAT_MS)
        self.show_keys(player.skip_ms, "F1", "F2")
        self.slower_button = tool_button("Slower", "Slower, same pitch (F3)", player.slower)
        self.faster_button = tool_button("Faster", "Faster, same pitch (F4)", player.faster)
        self.rate_label = QLabel(rate_text(1.0))
        self.rate_label.setFixedWidth(self.fontMetrics().horizontalAdvance("0.75×") + 8)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setToolTip("Repeat the current segment (F6)")
        self.position_label = QLabel(self._clock_text(0, 0))
        self.position_label.setFixedWidth(self.fontMetrics().horizontalAdvance("0:00:00.0 / 0:00:00.0") + 12)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.play_button, self.back_button, self.forward_button, self.slower_button,
                  self.rate_label, self.faster_button, self.loop_box):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.position_label)
        player.stateChanged.connect(lambda playing: self.play_button.setText("❚❚ Pause" if playing else "▶ Play"))
        player.rateChanged.connect(lambda r: self.rate_label.setText(rate_text(r)))
        player.durationChanged.connect(lambda _d: self.show_position(player.position()))

    def show_keys(self, skip_ms: int, back_key: str, forward_key: str) -> None:
        """The skip buttons' tooltips: how far, and the key (as bound in Settings > Keys)."""
        seconds = f"{skip_ms / 1000:g} s"
        for button, word, key in ((self.back_button, "back", back_key), (self.forward_button, "forward", forward_key)):
            shortcut = f" ({key})" if key else ""
            button.setToolTip(f"Skip {word} {seconds}{shortcut}; playback goes on if playing. Hold to keep skipping.")

    @staticmethod
    def _clock_text(ms: int, duration: int) -> str:
        return f"{clock(ms)} / {clock(duration)}"

    def show_position(self, ms: int) -> None:
        self.position_label.setText(self._clock_text(ms, self.player.duration()))

    def buttons(self) -> list[QWidget]:
        return [self.play_button, self.back_button, self.forward_button, self.slower_button,
                self.faster_button, self.loop_box]
