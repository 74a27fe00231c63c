"""The exhibit's waveform with segment spans and the playhead; click to seek, wheel to zoom.

The envelope is computed by app.core.media.waveform in a background thread (and cached
in the case folder); this widget only paints it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.media.waveform import Envelope, load_or_compute

BG = QColor("#1e2430")
WAVE = QColor("#7fb3ff")
SPAN_A = QColor(255, 255, 255, 18)
SPAN_B = QColor(255, 255, 255, 34)
SPAN_CURRENT = QColor(255, 210, 80, 70)
PLAYHEAD = QColor("#ff5a5a")
TEXT = QColor("#c8d0dc")
SPEAKER_BAND = 7  # px: the speaker's colour under each segment


class EnvelopeLoader(QObject):
    loaded = Signal(str, object)  # key, Envelope | str (error)

    def load(self, key: str, path: str, sha256: str, cache_dir: Path | None, expected_ms: int) -> None:
        def work() -> None:
            try:
                result: object = load_or_compute(path, sha256, cache_dir, expected_ms=expected_ms)
            except Exception as exc:  # noqa: BLE001 - shown in the widget, never raised
                result = str(exc)
            try:
                self.loaded.emit(key, result)
            except RuntimeError:  # the window closed while this ran: nothing to show it in
                pass

        threading.Thread(target=work, name="parley-waveform", daemon=True).start()


class WaveformView(QWidget):
    seekRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(110)
        self.envelope: Envelope | None = None
        self.message = "No exhibit selected"
        self.duration_ms = 0
        self.position_ms = 0
        self.spans: list[tuple[int, int]] = []
        self.colours: list[QColor | None] = []
        self.current = -1
        self.window_ms = 0  # 0 = whole recording
        self.loader = EnvelopeLoader(self)
        self.loader.loaded.connect(self._loaded)
        self._key = ""
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple = ()
        self._spans_version = 0  # bumped by set_spans: the span layer is drawn again
        self._spans_pixmap: QPixmap | None = None
        self._span_key: tuple = ()
        self.setToolTip("Click to seek · mouse wheel to zoom")

    # --------------------------------------------------------------- data
    def load(self, path: str | None, sha256: str, duration_ms: int, cache_dir: Path | None) -> None:
        self.envelope = None
        self.duration_ms = duration_ms
        self.position_ms = 0
        self._key = sha256
        if not path:
            self.message = "No exhibit selected"
        else:
            self.message = "Drawing the waveform…"
            self.loader.load(sha256, path, sha256, cache_dir, duration_ms)
        self.update()

    def show_message(self, text: str, duration_ms: int) -> None:
        """No waveform to draw, and why (the recording missing)."""
        self.envelope, self._key = None, ""
        self.duration_ms, self.position_ms = duration_ms, 0
        self.message = text
        self.update()

    def _loaded(self, key: str, result: object) -> None:
        if key != self._key:
            return
        if isinstance(result, Envelope):
            self.envelope = result
            self.duration_ms = max(self.duration_ms, result.duration_ms)
            self.message = ""
        else:
            self.message = f"No waveform: {result}"
        self.update()

    def set_spans(self, spans: list[tuple[int, int]], colours: list[QColor | None] | None = None) -> None:
        """Segment spans, each with its speaker's colour (None: no speaker)."""
        self.spans = spans
        self.colours = colours or []
        self._spans_version += 1
        self.update()

    def set_position(self, ms: int, current: int = -1) -> None:
        if ms == self.position_ms and current == self.current:
            return
        self.position_ms, self.current = ms, current
        self.update()

    # ------------------------------------------------------------ geometry
    def view_range(self) -> tuple[int, int]:
        total = max(1, self.duration_ms)
        if not self.window_ms or self.window_ms >= total:
            return 0, total
        start = min(max(0, self.position_ms - self.window_ms // 3), total - self.window_ms)
        return start, start + self.window_ms

    def x_of(self, ms: int) -> float:
        start, end = self.view_range()
        return (ms - start) * self.width() / max(1, end - start)

    def ms_at(self, x: float) -> int:
        start, end = self.view_range()
        return int(start + x * (end - start) / max(1, self.width()))

    # -------------------------------------------------------------- events
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration_ms:
            self.seekRequested.emit(max(0, self.ms_at(event.position().x())))

    def wheelEvent(self, event: QWheelEvent) -> None:
        total = max(1, self.duration_ms)
        current = self.window_ms or total
        current = int(current / 1.5) if event.angleDelta().y() > 0 else int(current * 1.5)
        self.window_ms = 0 if current >= total else max(5000, current)
        self.update()

    def _wave_pixmap(self, start: int, end: int) -> QPixmap:
        """The waveform drawn once per view range and size (only the playhead moves per frame)."""
        key = (id(self.envelope), start, end, self.width(), self.height())
        if self._pixmap_key == key and self._pixmap is not None:
            return self._pixmap
        w, h = self.width(), self.height()
        pixmap = QPixmap(w, h)
        pixmap.fill(Qt.GlobalColor.transparent)
        peaks = self.envelope.resample(w, start, end)  # type: ignore[union-attr]
        scale = float(peaks.max()) if peaks.size and peaks.max() > 0 else 1.0
        half = h / 2
        heights = (np.clip(peaks / max(scale, 0.05), 0, 1) * (half - 6)).tolist()
        top = [QPointF(x, half - v) for x, v in enumerate(heights)]
        bottom = [QPointF(x, half + v) for x, v in enumerate(heights)]
        bottom.reverse()
        painter = QPainter(pixmap)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(WAVE)
        painter.drawPolygon(QPolygonF(top + bottom))
        painter.end()
        self._pixmap, self._pixmap_key = pixmap, key
        return pixmap

    def _span_pixmap(self, start: int, end: int) -> QPixmap:
        """Every segment's span and speaker band, drawn once per view range, size and set of spans:
        drawn on each playback tick, an hour's thousand segments (two rectangles each) made every
        repaint cost a tenth of a second on the GUI thread."""
        key = (self._spans_version, start, end, self.width(), self.height())
        if self._span_key == key and self._spans_pixmap is not None:
            return self._spans_pixmap
        w, h = self.width(), self.height()
        pixmap = QPixmap(max(1, w), max(1, h))
        pixmap.fill(BG)
        p = QPainter(pixmap)
        for i, (a, b) in enumerate(self.spans):
            if b < start or a > end:
                continue
            speaker = self.colours[i] if i < len(self.colours) else None
            color = SPAN_A if i % 2 else SPAN_B
            if speaker is not None:
                color = QColor(speaker.red(), speaker.green(), speaker.blue(), 46)
            span = self._span_rect(a, b)
            p.fillRect(span, color)
            if speaker is not None:  # the speaker's band along the bottom
                p.fillRect(QRectF(span.x(), h - SPEAKER_BAND, span.width(), SPEAKER_BAND), speaker)
        p.end()
        self._spans_pixmap, self._span_key = pixmap, key
        return pixmap

    def _span_rect(self, a: int, b: int) -> QRectF:
        return QRectF(self.x_of(a), 0, max(1.0, self.x_of(b) - self.x_of(a)), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        start, end = self.view_range()
        p.drawPixmap(0, 0, self._span_pixmap(start, end))
        if 0 <= self.current < len(self.spans):
            a, b = self.spans[self.current]
            if b >= start and a <= end:
                p.fillRect(self._span_rect(a, b), SPAN_CURRENT)
        if self.envelope is not None and w > 0:
            p.drawPixmap(0, 0, self._wave_pixmap(start, end))
        if self.message:
            p.setPen(TEXT)
            p.drawText(self.rect().adjusted(8, 4, -8, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.message)  # a long one (a missing recording's path) wrapped, not cut at the edges
        if self.duration_ms:
            x = self.x_of(self.position_ms)
            p.setPen(QPen(PLAYHEAD, 2))
            p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.end()
