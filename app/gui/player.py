"""Playback for typists: QMediaPlayer + QAudioOutput with skip, rate, auto-rewind, loop.

Rate changes keep the pitch (QMediaPlayer.pitchCompensation, available with the
FFmpeg backend from Qt 6.10). With no sound card the FFmpeg backend still runs
its clock, so position, seeking and rate all work (and tests can check them).

Every call that changes playback goes through `_invoke`, with Python's lock (the GIL)
released. PySide6 keeps it held through QMediaPlayer's play/pause/stop/setPosition (only
setSource is marked to release it), while the FFmpeg backend may wait there for its own
threads, and those threads call into Python (disconnectNotify on our QAudioOutput, through
its PySide wrapper): the window then froze in stop() for good, now and then.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from app.core.names import printable

RATES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)


class Player(QObject):
    positionChanged = Signal(int)  # ms
    stateChanged = Signal(bool)  # playing
    rateChanged = Signal(float)
    durationChanged = Signal(int)
    problem = Signal(str)  # "playback: …", naming the recording
    problem_gone = Signal()  # another recording (or none) taken in place of the one that failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.media = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.media.setAudioOutput(self.audio)
        if self.media.pitchCompensationAvailability() != QMediaPlayer.PitchCompensationAvailability.Unavailable:
            self.media.setPitchCompensation(True)
        self.skip_ms = 3000
        self.rewind_ms = 1500
        self.loop_span: tuple[int, int] | None = None
        self._path: str | None = None
        self._pending_seek: int | None = None  # a seek asked for before the media finished loading
        self._awaiting = False  # the next recording is being looked for: a seek meanwhile waits for it
        self.media.mediaStatusChanged.connect(self._on_status)
        self.media.positionChanged.connect(self._on_position)
        self.media.playbackStateChanged.connect(
            lambda s: self.stateChanged.emit(s == QMediaPlayer.PlaybackState.PlayingState))
        self.media.playbackRateChanged.connect(self.rateChanged.emit)
        self.media.durationChanged.connect(self.durationChanged.emit)
        self.media.errorOccurred.connect(self._on_error)
        # positionChanged is sparse on some backends; a light timer keeps the playhead smooth
        self._tick = QTimer(self)
        self._tick.setInterval(50)
        self._tick.timeout.connect(lambda: self._on_position(self.media.position()))
        self.stateChanged.connect(lambda playing: self._tick.start() if playing else self._tick.stop())

    # ------------------------------------------------------------ state
    @property
    def has_audio_device(self) -> bool:
        return bool(QMediaDevices.audioOutputs())

    def pitch_kept(self) -> bool:
        return bool(self.media.pitchCompensation())

    def load(self, path: str | None) -> None:
        """Play `path` (None: nothing); a seek asked for while it was awaited is kept for it."""
        keep = self._pending_seek if self._awaiting and path else None
        if self._awaiting:
            self._awaiting, self._pending_seek = False, keep  # not found (None): no seek left waiting
        if path == self._path:
            return
        self._path = path
        self._pending_seek = keep
        self.problem_gone.emit()
        self.loop_span = None
        self._invoke("stop")
        self.media.setSource(QUrl.fromLocalFile(path) if path else QUrl())  # PySide releases the GIL here

    def await_source(self) -> None:
        """The recording shown is let go while the next one is looked for (off the GUI thread); a seek
        meanwhile (a search hit, the place a case was left at) is made once it is loaded."""
        self.load(None)
        self._awaiting = True

    def unload(self) -> None:
        """Stop and let go of the media (the backend's threads end here, not in a destructor)."""
        self.load(None)

    def source_path(self) -> str | None:
        return self._path

    def position(self) -> int:
        if self._pending_seek is not None:
            return self._pending_seek
        return int(self.media.position())

    def is_loading(self) -> bool:
        return self.media.mediaStatus() in (QMediaPlayer.MediaStatus.NoMedia, QMediaPlayer.MediaStatus.LoadingMedia)

    def duration(self) -> int:
        return int(self.media.duration())

    def is_playing(self) -> bool:
        return self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def rate(self) -> float:
        return float(self.media.playbackRate())

    # ---------------------------------------------------------- actions
    def play(self) -> None:
        if self._path:
            self._invoke("play")

    def pause(self) -> None:
        """Pause and step back a little, so the typist hears the last words again."""
        if not self.is_playing():
            return
        self._invoke("pause")
        if self.rewind_ms:
            self.seek(self.position() - self.rewind_ms)

    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        duration = self.duration()
        ms = max(0, int(ms))
        if duration > 0:
            ms = min(ms, duration)
        if (self._path and self.is_loading()) or self._awaiting:
            self._pending_seek = ms
        else:
            self._set_position(ms)
        self.positionChanged.emit(ms)

    def skip(self, delta_ms: int) -> None:
        self.seek(self.position() + delta_ms)

    def skip_back(self) -> None:
        self.skip(-self.skip_ms)

    def skip_forward(self) -> None:
        self.skip(self.skip_ms)

    def set_rate(self, rate: float) -> None:
        self._invoke("setPlaybackRate", Q_ARG(float, max(RATES[0], min(RATES[-1], rate))))

    def slower(self) -> None:
        lower = [r for r in RATES if r < self.rate() - 1e-6]
        self.set_rate(lower[-1] if lower else RATES[0])

    def faster(self) -> None:
        higher = [r for r in RATES if r > self.rate() + 1e-6]
        self.set_rate(higher[0] if higher else RATES[-1])

    def set_loop(self, span: tuple[int, int] | None) -> None:
        self.loop_span = span

    # ------------------------------------------------------------ slots
    def _on_position(self, ms: int) -> None:
        if self.loop_span and self.is_playing():
            start, end = self.loop_span
            if ms >= end or ms < start - 500:
                self._set_position(start)
                ms = start
        self.positionChanged.emit(int(ms))

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self._pending_seek is not None and not self.is_loading():
            ms, self._pending_seek = self._pending_seek, None
            self._set_position(ms)
            self.positionChanged.emit(ms)

    # ------------------------------------------------- the backend's calls
    def _set_position(self, ms: int) -> None:
        self._invoke("setPosition", Q_ARG("qint64", int(ms)))

    def _invoke(self, slot: str, *args: object) -> None:
        """Call QMediaPlayer's `slot` now, with the GIL released (QMetaObject.invokeMethod
        releases it; the method called directly would hold it: see the module's docstring)."""
        QMetaObject.invokeMethod(self.media, slot, Qt.ConnectionType.DirectConnection, *args)

    def _on_error(self, _error, text: str) -> None:
        """Said with the recording's name (it said "playback: Could not open file" alone, for as long as the
        window was open): a phone video without its index (moov) is transcribed, but cannot be played."""
        if text:
            name = printable(Path(self._path).name) if self._path else "the recording"
            self.problem.emit(f"playback: {name} cannot be played in the window ({text}); "
                              "its transcript can still be read and corrected")
