"""The picture of a video exhibit (phone video, body-worn video), beside the transcript.

It is an output of the same QMediaPlayer as the sound, so picture, sound, the
waveform's playhead and the highlighted segment stay in step by construction.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.gui.player import Player


class VideoPane(QWidget):
    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.video = QVideoWidget(self)
        self.video.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setMinimumSize(QSize(200, 120))
        player.media.setVideoOutput(self.video)
        caption = QLabel("Video (in step with the sound and the transcript)")
        caption.setStyleSheet("QLabel { color:#57606a; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addWidget(caption)
        self.hide()

    def show_for(self, has_video: bool) -> None:
        self.setVisible(has_video)

    def frame_is_shown(self) -> bool:
        """True once the player has handed the pane a picture."""
        return self.video.videoSink().videoFrame().isValid()
