"""A notice above the transcript when a run needs attention: no speech, damaged source,
language uncertain (with a one-click re-run in a chosen language), or failed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.store.views import JobSummary, RunSummary
from app.core.usecases.exhibit_status import (  # noqa: F401 - their old home: the window's modules import them here
    UNCERTAIN_LANGUAGE,
    language_uncertain,
    no_speech_found,
    safe_language_name,
    uncertain_detail,
)

RERUN_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "ro", "pt", "ru", "uk", "ar", "tr",
                   "sq", "lt", "lv", "cs", "sk", "hu", "bg", "el", "fa", "ur", "hi", "zh", "vi")
CHOOSE_LANGUAGE = "Choose its language…"
OTHER_LANGUAGES, OTHER = "Other languages…", ""  # past the allow-list: every other language the model knows
Offered = tuple[tuple[str, ...], tuple[str, ...]]  # (the allow-list's languages, the model's others)


def notices(run: RunSummary | None, truncated_source: bool) -> list[str]:
    """What to tell the reader about this run, in words."""
    out = []
    if run is None:
        return out
    if no_speech_found(run):
        out.append("No speech was found in this recording.")
    if language_uncertain(run) and ENGLISH_ONLY_NOTE in run.warnings:  # nothing detected: no "100% sure"
        out.append("Language uncertain: not detected (English-only model).")
    elif language_uncertain(run) and run.language_set and run.worded_count == 0:  # not detected: no "100% sure"
        out.append(f"No words were recognised in {safe_language_name(run.language)}, the language it was set to, "
                   "though speech was heard: if it is another language, choose it and re-run.")
    elif language_uncertain(run):
        out.append(f"Language uncertain: detected as {safe_language_name(run.language)} "
                   f"({(run.language_probability or 0.0):.0%} sure).")
        if run.worded_count == 0:
            out.append("Speech was heard but no words were recognised: choose its language and re-run.")
    if ENGLISH_ONLY_NOTE in run.warnings:
        out.append("Made with an English-only model: the language was not detected, and speech in any "
                   "other language comes out as English-sounding words.")
    if truncated_source or run.truncated:
        out.append("The file is truncated or damaged: the transcript covers only what could be read.")
    if run.status not in ("complete", "running"):
        out.append(f"This run did not finish ({run.status}).")
    return out


def not_transcribed(job: JobSummary | None) -> tuple[str, str]:
    """For an exhibit with no transcript: the words after its name in the editor's title, and a notice.
    A failed file read "not transcribed yet", as one never queued did, its reason nowhere in view."""
    if job is None or job.state == "done":
        return "not transcribed yet", ""
    if job.state == "failed":
        reason = (job.error or "no reason recorded").strip().rstrip(".")
        return "transcription failed", (f"Transcription failed: {reason}. Retry it in the Queue, or re-queue it "
                                        "with Transcribe selected.")
    words = {"running": "being transcribed", "paused": "paused in the queue", "queued": "queued to be transcribed",
             "cancelled": "not transcribed (its job was cancelled)"}
    return words.get(job.state, f"not transcribed yet ({job.state})"), ""


class RunNotice(QWidget):
    rerunRequested = Signal(str)  # language code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setStyleSheet("QWidget#notice { background:#fff1c2; } QLabel { color:#3d2e00; }")
        self.setAutoFillBackground(True)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.language_box = QComboBox()
        # the languages offered: the settings' allow-list first, then those the model knows (a fixed
        # list of 26 was offered whatever the allow-list and the model: Somali or Tagalog never were)
        self.languages: Callable[[], Offered] = lambda: ((), RERUN_LANGUAGES)
        self._offered: Offered | None = None
        self.rerun_button = QPushButton("Re-transcribe in this language")
        self._fill(((), RERUN_LANGUAGES))
        self.rerun_button.clicked.connect(self._rerun)
        self.language_box.currentIndexChanged.connect(self._chosen)
        self._run_id: int | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.addWidget(self.label, 1)
        row.addWidget(self.language_box)
        row.addWidget(self.rerun_button)
        self._chosen()
        self.hide()

    def _fill(self, offered: Offered, expanded: bool = False) -> None:
        """Nothing chosen for the user: "English" ready beside the button made one click force an
        English decode of a German or French note (English-sounding words it does not hold). The
        allow-list's languages come first; the model's others behind "Other languages…"."""
        self._offered = offered
        first, rest = offered
        box = self.language_box
        with QSignalBlocker(box):
            box.clear()
            box.addItem(CHOOSE_LANGUAGE, None)
            for code in first:
                box.addItem(safe_language_name(code), code)
            if first and rest and not expanded:
                box.addItem(OTHER_LANGUAGES, OTHER)
            elif rest:
                if first:
                    box.insertSeparator(box.count())
                for code in sorted(rest, key=safe_language_name):
                    box.addItem(safe_language_name(code), code)
            box.setCurrentIndex(0)
        self._chosen()

    def _chosen(self) -> None:
        code = self.language_box.currentData()
        if code == OTHER and self._offered is not None:
            self._fill(self._offered, expanded=True)
            if self.language_box.isVisible():
                self.language_box.showPopup()
            return
        self.rerun_button.setEnabled(bool(code))

    def _rerun(self) -> None:
        code = self.language_box.currentData()
        if code:
            self.rerunRequested.emit(code)

    def show_text(self, text: str) -> None:
        """Only these words (no re-run offered); hidden when there are none."""
        self.label.setText(text)
        self.language_box.hide()
        self.rerun_button.hide()
        self.setVisible(bool(text))

    def show_run(self, run: RunSummary | None, truncated_source: bool) -> None:
        texts = notices(run, truncated_source)
        run_id = run.id if run else None
        offer = bool(run and run.status == "complete" and (language_uncertain(run) or no_speech_found(run)))
        if run_id != self._run_id or (offer and self.languages() != self._offered):
            self._run_id = run_id  # another run (or settings changed): its language is chosen afresh
            self._fill(self.languages())
        self.label.setText(" ".join(texts))
        self.language_box.setVisible(offer)
        self.rerun_button.setVisible(offer)
        self.setVisible(bool(texts))


def run_title(r: RunSummary) -> str:
    """One line for the run picker: what, with which model, in which language, when."""
    status = "" if r.status == "complete" else f" · {r.status}"
    language = safe_language_name(r.language) if r.language else "language not known"
    return (f"run {r.id} · {r.task} · {r.model_name} · {language}{status}"
            f" · {r.created_at[:16].replace('T', ' ')} UTC")
