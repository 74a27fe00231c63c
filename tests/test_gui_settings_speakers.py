"""Speaker separation and the number of speakers in Settings: the window could not say "two people
speak here" (`--speakers 2` on the command line) nor turn separation on or off."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import QSettings

from app.gui import prefs
from app.gui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def settings(tmp_path) -> QSettings:
    s = QSettings(str(tmp_path / "parley.ini"), QSettings.Format.IniFormat)
    s.setValue("models/dir", str(tmp_path / "models"))
    return s


def test_by_default_speakers_are_found_automatically(qapp, settings):
    options = prefs.transcribe_options(settings)
    assert (options.diarize, options.speakers, options.min_speakers, options.max_speakers) == ("auto", None, None, None)


def test_an_exact_number_of_speakers_goes_into_the_queued_options(qtbot, settings):
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.diarize_box.setCurrentText("on")
    dialog.speakers_spin.setValue(2)
    assert not dialog.min_speakers_spin.isEnabled() and not dialog.max_speakers_spin.isEnabled()
    dialog.accept()
    options = prefs.transcribe_options(settings)
    assert (options.diarize, options.speakers, options.min_speakers, options.max_speakers) == ("on", 2, None, None)


def test_bounds_given_the_wrong_way_round_are_kept_in_order(qtbot, settings):
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.min_speakers_spin.setValue(4)
    dialog.max_speakers_spin.setValue(2)
    dialog.accept()
    options = prefs.transcribe_options(settings)
    assert (options.speakers, options.min_speakers, options.max_speakers) == (None, 2, 4)
    reopened = SettingsDialog(settings)
    qtbot.addWidget(reopened)
    assert (reopened.min_speakers_spin.value(), reopened.max_speakers_spin.value()) == (2, 4)


def test_separation_off_greys_out_the_counts(qtbot, settings):
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.diarize_box.setCurrentText("off")
    assert not any(spin.isEnabled() for spin in (dialog.speakers_spin, dialog.min_speakers_spin,
                                                 dialog.max_speakers_spin))
    dialog.accept()
    assert prefs.transcribe_options(settings).diarize == "off"


def test_a_hand_edited_settings_file_cannot_queue_options_that_are_refused(settings):
    settings.setValue("transcribe/diarize", "maybe")
    settings.setValue("transcribe/speakers", 3)
    settings.setValue("transcribe/min_speakers", 2)
    settings.setValue("transcribe/max_speakers", 99)
    options = prefs.transcribe_options(settings)
    assert (options.diarize, options.speakers, options.min_speakers, options.max_speakers) == ("auto", 3, None, None)
