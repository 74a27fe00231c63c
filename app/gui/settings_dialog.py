"""Settings: transcription options, installed models (with hashes), playback, keys, user name.

Everything is stored with QSettings; nothing needs a config file edit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.models.catalogue import list_models
from app.core.options import CHANNEL_MODES, DEVICES, DIARIZE_MODES
from app.gui import prefs
from app.gui.keys import ACTIONS, binding, set_binding

BEAM_HINT = ("5 (the default) is the most accurate. 1 (greedy) took about a fifth less time on a 1-hour "
             "English recording on 2 CPU cores (3 min 12 s against 3 min 55 s) and got 1 word in 100 more "
             "wrong: keep 5 unless time matters more than the text.")


class SettingsDialog(QDialog):
    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Parley settings")
        self.resize(860, 560)
        self.settings = settings
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._transcription_tab(), "Transcription")
        self.tabs.addTab(self._models_tab(), "Models")
        self.tabs.addTab(self._playback_tab(), "Playback && keys")
        self.tabs.addTab(self._user_tab(), "You")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh_models()

    # ---------------------------------------------------------------- tabs
    def _transcription_tab(self) -> QWidget:
        s = self.settings
        page = QWidget()
        form = QFormLayout(page)
        self.model_box = QComboBox()
        self.model_box.setEditable(True)
        self.device_box = QComboBox()
        self.device_box.addItems(list(DEVICES))
        self.device_box.setCurrentText(str(s.value("transcribe/device", "auto")))
        self.language_edit = QLineEdit(str(s.value("transcribe/language", "") or "auto"))
        self.language_edit.setToolTip("auto = detect; or a code such as en, de, pl to force it")
        self.languages_edit = QLineEdit(str(s.value("transcribe/languages", "") or ""))
        self.languages_edit.setPlaceholderText("e.g. en,pl,ro (detection picks only from these)")
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, 256)
        self.threads_spin.setSpecialValueText("all cores")
        self.threads_spin.setValue(prefs._int(s, "transcribe/threads", 0))
        self.beam_spin = QSpinBox()
        self.beam_spin.setRange(1, 10)
        self.beam_spin.setValue(prefs._int(s, "transcribe/beam_size", 5))
        self.beam_spin.setToolTip(BEAM_HINT)
        self.channels_box = QComboBox()
        self.channels_box.addItems(list(CHANNEL_MODES))
        self.channels_box.setCurrentText(str(s.value("transcribe/channels", "auto")))
        form.addRow("Model", self.model_box)
        form.addRow("Device", self.device_box)
        form.addRow("Language", self.language_edit)
        form.addRow("Allowed languages", self.languages_edit)
        form.addRow("CPU threads", self.threads_spin)
        form.addRow("Beam size", self.beam_spin)
        form.addRow("Stereo channels", self.channels_box)
        self._speaker_rows(form)
        note = QLabel("New settings apply to jobs queued from now on; each job keeps the options "
                      "it was queued with, and they are written into every export's provenance.\n"
                      "Beam size: " + BEAM_HINT)
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def _speaker_rows(self, form: QFormLayout) -> None:
        """Who spoke when (auto: on for a recording longer than a voice note) and, when known, how
        many people speak: exactly N, or at least / at most (0 = found from the recording)."""
        s = self.settings
        self.diarize_box = QComboBox()
        self.diarize_box.addItems(list(DIARIZE_MODES))
        self.diarize_box.setCurrentText(str(s.value("transcribe/diarize", "auto") or "auto"))
        self.diarize_box.setToolTip("auto: speakers separated on recordings longer than a voice note; "
                                    "on: always; off: never (one microphone's text is then one voice)")
        self.speakers_spin = _count_spin(s, "transcribe/speakers", "found automatically")
        self.min_speakers_spin = _count_spin(s, "transcribe/min_speakers", "no minimum")
        self.max_speakers_spin = _count_spin(s, "transcribe/max_speakers", "no maximum")
        self.speakers_spin.valueChanged.connect(self._speaker_bounds_usable)
        self.diarize_box.currentTextChanged.connect(self._speaker_bounds_usable)
        form.addRow("Speaker separation", self.diarize_box)
        form.addRow("Number of speakers", self.speakers_spin)
        form.addRow("Speakers, at least", self.min_speakers_spin)
        form.addRow("Speakers, at most", self.max_speakers_spin)
        self._speaker_bounds_usable()

    def _speaker_bounds_usable(self, *_args: object) -> None:
        """An exact number leaves no room for bounds; with separation off no count applies."""
        separating = self.diarize_box.currentText() != "off"
        self.speakers_spin.setEnabled(separating)
        bounds = separating and self.speakers_spin.value() == 0
        self.min_speakers_spin.setEnabled(bounds)
        self.max_speakers_spin.setEnabled(bounds)

    def _models_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.models_dir_edit = QLineEdit(str(prefs.models_dir(self.settings)))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._pick_models_dir)
        rescan = QPushButton("Rescan")
        rescan.clicked.connect(self.refresh_models)
        row.addWidget(QLabel("Models folder"))
        row.addWidget(self.models_dir_edit, 1)
        row.addWidget(browse)
        row.addWidget(rescan)
        self.models_table = QTableWidget(0, 5)
        self.models_table.setHorizontalHeaderLabels(["Name", "Family", "Size", "Licence", "SHA-256 (model.bin)"])
        self.models_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.models_table.verticalHeader().hide()
        header = self.models_table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        hint = QLabel("Models are local folders only; import a new one with "
                      "<code>python -m app models import BUNDLE</code>. Nothing is ever downloaded.")
        hint.setWordWrap(True)
        layout.addLayout(row)
        layout.addWidget(self.models_table, 1)
        layout.addWidget(hint)
        return page

    def _playback_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.skip_spin = QDoubleSpinBox()
        self.skip_spin.setRange(0.5, 30)
        self.skip_spin.setSuffix(" s")
        self.skip_spin.setValue(prefs.skip_ms(self.settings) / 1000)
        self.rewind_spin = QDoubleSpinBox()
        self.rewind_spin.setRange(0, 5)
        self.rewind_spin.setSingleStep(0.5)
        self.rewind_spin.setSuffix(" s")
        self.rewind_spin.setValue(prefs.rewind_ms(self.settings) / 1000)
        form.addRow("Skip back / forward by", self.skip_spin)
        form.addRow("Rewind on pause", self.rewind_spin)
        self.key_edits: dict[str, QKeySequenceEdit] = {}
        for action in ACTIONS:
            edit = QKeySequenceEdit(binding(self.settings, action.name))
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            self.key_edits[action.name] = edit
            form.addRow(f"{action.label} (default {action.default})", edit)
        defaults = QPushButton("Restore default keys")
        defaults.clicked.connect(self.restore_default_keys)
        form.addRow(defaults)
        note = QLabel("A USB foot pedal that types keys works through these bindings: press the pedal "
                      "in a field above to bind it.")
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def _user_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.user_edit = QLineEdit(prefs.stored_user_name(self.settings))  # none yet: empty, not the account
        form.addRow("Your name", self.user_edit)
        note = QLabel("Recorded with every edit in the transcript's history and the audit log, "
                      "and offered as the name when you mark a transcript verified.")
        note.setWordWrap(True)
        form.addRow(note)
        return page

    # ------------------------------------------------------------- actions
    def _pick_models_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Models folder", self.models_dir_edit.text())
        if folder:
            self.models_dir_edit.setText(folder)
            self.refresh_models()

    def refresh_models(self) -> None:
        folder = Path(self.models_dir_edit.text()).expanduser()
        models = list_models(folder)
        self.models_table.setRowCount(len(models))
        for row, m in enumerate(models):
            sha = m.sha256 or "(no manifest: run `models verify`)"
            for col, text in enumerate((m.name, m.family, f"{m.bytes / 1e6:.1f} MB", m.licence, sha)):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setToolTip(sha)
                self.models_table.setItem(row, col, item)
        current = self.model_box.currentText() or prefs.model_name(self.settings)
        self.model_box.clear()
        self.model_box.addItems([m.name for m in models if m.family == "whisper"])
        self.model_box.setCurrentText(current)

    def restore_default_keys(self) -> None:
        for action in ACTIONS:
            self.key_edits[action.name].setKeySequence(QKeySequence(action.default))

    def apply(self) -> None:
        s = self.settings
        s.setValue("transcribe/model", self.model_box.currentText().strip())
        s.setValue("transcribe/device", self.device_box.currentText())
        language = self.language_edit.text().strip()
        s.setValue("transcribe/language", "" if language in ("", "auto") else language)
        s.setValue("transcribe/languages", self.languages_edit.text().strip())
        s.setValue("transcribe/threads", self.threads_spin.value())
        s.setValue("transcribe/beam_size", self.beam_spin.value())
        s.setValue("transcribe/channels", self.channels_box.currentText())
        s.setValue("transcribe/diarize", self.diarize_box.currentText())
        exact = self.speakers_spin.value()
        low, high = (0, 0) if exact else (self.min_speakers_spin.value(), self.max_speakers_spin.value())
        if low and high and low > high:
            low, high = high, low
        s.setValue("transcribe/speakers", exact)
        s.setValue("transcribe/min_speakers", low)
        s.setValue("transcribe/max_speakers", high)
        s.setValue("models/dir", self.models_dir_edit.text().strip())
        s.setValue("playback/skip_ms", int(self.skip_spin.value() * 1000))
        s.setValue("playback/auto_rewind_ms", int(self.rewind_spin.value() * 1000))
        for name, edit in self.key_edits.items():
            set_binding(s, name, edit.keySequence())
        s.setValue("user/name", self.user_edit.text().strip())
        s.sync()

    def accept(self) -> None:
        self.apply()
        super().accept()


def _count_spin(s: QSettings, key: str, unset: str) -> QSpinBox:
    """A speaker count, 1 to 10, or 0 shown as `unset`."""
    spin = QSpinBox()
    spin.setRange(0, 10)
    spin.setSpecialValueText(unset)
    spin.setValue(min(10, max(0, prefs._int(s, key, 0))))
    return spin
