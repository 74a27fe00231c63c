"""The editor's speaker tools: merge two speakers, split segments off as a new speaker, enrol a
voice from selected segments, and the bar offering known voices ("Speaker 2 sounds like
John Smith (0.82) — Confirm / Dismiss").

Enrolment reads the recording and runs the speaker model: a fraction of a second for a few
segments, but seconds when they lie deep in a long recording. It runs on a QThreadPool
thread of the window, not as a worker-process job: the worker may be busy for hours with a
transcription queue, and enrolment needs no Whisper model. The thread touches no store
(the core splits it: plan on this thread, voiceprint there, save back here). Speakers that have
no voiceprint kept (a run diarised before voiceprints were kept, or speakers merged or split
since) are measured the same way before their suggestions are shown.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.editing import operations as editing
from app.core.editing import speaker_edits
from app.core.errors import ParleyError
from app.core.usecases import speakers as usecase
from app.core.usecases import voiceprints
from app.core.usecases.speakers import EnrolPlan, Suggestion
from app.core.usecases.voiceprints import VoiceprintPlan


def _emit(signal, *args) -> None:  # signal: a bound Qt signal
    """Emit from a pool thread; if the window closed while the task ran, its result is dropped."""
    try:
        signal.emit(*args)
    except RuntimeError:  # the signals' QObject was deleted with the window
        pass


class _EnrolSignals(QObject):
    done = Signal(object, str, object, str)  # plan, name, voiceprint, model sha
    failed = Signal(str)


class EnrolTask(QRunnable):
    """The voiceprint of the marked segments, off the GUI thread (no store access here)."""

    def __init__(self, plan: EnrolPlan, name: str, signals: _EnrolSignals) -> None:
        super().__init__()
        self.plan, self.name, self.signals = plan, name, signals

    def run(self) -> None:
        try:
            voice, sha = usecase.compute_voiceprint(self.plan)
        except (ParleyError, OSError) as exc:
            _emit(self.signals.failed, str(exc))
            return
        _emit(self.signals.done, self.plan, self.name, voice, sha)


class _VoiceSignals(QObject):
    done = Signal(object, object, str)  # plan, {speaker: (voiceprint, windows)}, model sha
    failed = Signal(object, str)


class VoiceprintTask(QRunnable):
    """Voiceprints of speakers that have none kept, off the GUI thread (no store access here)."""

    def __init__(self, plan: VoiceprintPlan, signals: _VoiceSignals) -> None:
        super().__init__()
        self.plan, self.signals = plan, signals

    def run(self) -> None:
        try:
            voices, sha = voiceprints.compute_voiceprints(self.plan)
        except (ParleyError, OSError) as exc:
            _emit(self.signals.failed, self.plan, str(exc))
            return
        _emit(self.signals.done, self.plan, voices, sha)


class SuggestionBar(QWidget):
    """One line per offered match, with Confirm and Dismiss; hidden when there is none."""

    confirmed = Signal(object)  # Suggestion
    dismissed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self.setStyleSheet("QWidget#suggestions { background:#e4efff; } QLabel { color:#0b2545; }")
        self.setAutoFillBackground(True)
        self.rows: list[tuple[Suggestion, QLabel, QPushButton, QPushButton]] = []
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(6, 3, 6, 3)
        self.box.setSpacing(2)
        self.hide()

    def show_suggestions(self, offers: list[Suggestion]) -> None:
        while self.box.count():
            item = self.box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.rows = []
        for offer in offers:
            line = QWidget(self)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            label = QLabel(f"<b>{html.escape(offer.speaker)}</b> sounds like <b>{html.escape(offer.profile)}</b>"
                           f" ({offer.score:.2f}) — a suggestion from the voice, not a fact")
            label.setToolTip("Confirm renames the speaker everywhere in this transcript (undoable).")
            confirm, dismiss = QPushButton("Confirm"), QPushButton("Dismiss")
            confirm.clicked.connect(lambda _=False, o=offer: self.confirmed.emit(o))
            dismiss.clicked.connect(lambda _=False, o=offer: self.dismissed.emit(o))
            row.addWidget(label, 1)
            row.addWidget(confirm)
            row.addWidget(dismiss)
            self.box.addWidget(line)
            self.rows.append((offer, label, confirm, dismiss))
        self.setVisible(bool(offers))


class SpeakerTools(QObject):
    """Speaker actions over the editor's selection; every edit goes through the session's undo."""

    message = Signal(str)
    enrolled = Signal(int)  # profile id

    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.editor = editor
        self.session = editor.session
        self.bar = SuggestionBar(editor)
        self.bar.confirmed.connect(self.confirm)
        self.bar.dismissed.connect(self.dismiss)
        self.signals = _EnrolSignals(self)
        self.signals.done.connect(self._enrol_done)
        self.signals.failed.connect(lambda text: self.message.emit(f"Not enrolled: {text}"))
        self.voice_signals = _VoiceSignals(self)
        self.voice_signals.done.connect(self._voices_done)
        self.voice_signals.failed.connect(self._voices_failed)
        self.measuring: dict[tuple[int, tuple[str, ...]], Any] = {}  # plan key -> its case, while computed
        self.asked: set[tuple[int, tuple[str, ...]]] = set()  # plans started in this window: never twice
        self.pool = QThreadPool.globalInstance()

    def menu_button(self) -> QPushButton:
        """"Speakers ▾": merge, split, enrol (also in the Edit menu). A push button leaves room for its
        arrow (a tool button's was drawn over the "s" of "Speakers")."""
        button = QPushButton("Speakers", self.editor)
        button.setToolTip("Merge two speakers, split selected segments off as a new speaker, "
                          "or enrol a known voice from them")
        menu = QMenu(button)
        menu.addAction("Merge speakers…", self.ask_merge)
        menu.addAction("Split selected segments off as a new speaker…", self.ask_split)
        menu.addAction("Enrol speaker from selected segments…", self.ask_enrol)
        button.setMenu(menu)
        return button

    # ------------------------------------------------------------ suggestions
    def refresh(self) -> None:
        """Offer what matches now; speakers with no voiceprint kept (an older run, or speakers
        merged or split since) are measured on a thread, and offered when that is done."""
        run_id = self.session.run_id
        try:
            if run_id is not None:
                self._measure(voiceprints.plan_voiceprints(self.session.case, run_id))
            offers = usecase.suggestions(self.session.case, run_id) if run_id is not None else []
        except ParleyError as exc:
            self.message.emit(str(exc))
            offers = []
        self.bar.show_suggestions(offers)

    def _measure(self, plan: VoiceprintPlan | None) -> None:
        if plan is None:
            return
        key = (plan.run_id, tuple(s.basis for s in plan.speakers))
        if key in self.asked:
            return
        self.asked.add(key)
        self.measuring[key] = self.session.case
        self.message.emit(f"Measuring the voice of {', '.join(s.label for s in plan.speakers)} "
                          "to compare with the case's known voices…")
        self.pool.start(VoiceprintTask(plan, self.voice_signals))

    def _voices_done(self, plan: VoiceprintPlan, voices: Any, sha: str) -> None:
        case = self.measuring.pop((plan.run_id, tuple(s.basis for s in plan.speakers)), None)
        if case is None or case is not self.session.case:
            return  # another case was opened meanwhile
        try:
            voiceprints.save_voiceprints(case, plan, voices, sha, self.session.actor())
        except ParleyError as exc:
            self.message.emit(f"Voices not compared: {exc}")
            return
        if self.session.run_id == plan.run_id:
            self.refresh()

    def stop(self) -> None:
        """The window closes (its case with it): voiceprints still being measured are not kept."""
        self.measuring.clear()

    def _voices_failed(self, plan: VoiceprintPlan, reason: str) -> None:
        self.measuring.pop((plan.run_id, tuple(s.basis for s in plan.speakers)), None)
        self.message.emit(f"Voices not compared: {reason}")

    def confirm(self, offer: Suggestion) -> None:
        run_id, actor = self.session.run_id, self.session.actor()
        self.session.do(f"Confirm {offer.profile}", lambda: usecase.confirm(
            self.session.case, run_id, offer, actor=actor))  # type: ignore[arg-type]
        self.refresh()

    def dismiss(self, offer: Suggestion) -> None:
        usecase.dismiss(self.session.case, self.session.run_id, offer, actor=self.session.actor())  # type: ignore[arg-type]
        self.message.emit(f"{offer.speaker} will not be offered as {offer.profile} again.")
        self.refresh()

    # ---------------------------------------------------------- merge / split
    def ask_merge(self) -> None:
        self.editor.segments.editor_cursor()  # what is being typed is kept before the speakers change
        names = self._speakers()
        if len(names) < 2:
            self.message.emit("This transcript has fewer than two speakers to merge.")
            return
        speakers = self.editor.model.speakers
        counts = {name: sum(1 for s in speakers if s == name) for name in names}
        dialog = MergeDialog(names, self._selected_speaker(), self.editor, counts)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.merge(*dialog.choice())

    def merge(self, source: str, target: str) -> bool:
        run_id, actor = self.session.run_id, self.session.actor()
        return self.session.do(f"Merge {source} into {target}", lambda: speaker_edits.merge_speakers(
            self.session.case, run_id, source, target, actor=actor)) is not None  # type: ignore[arg-type]

    def ask_split(self) -> None:
        self.editor.segments.editor_cursor()  # what is being typed is kept before the speakers change
        rows = self.editor.selected_rows()
        if not rows or self.session.run_id is None:
            self.message.emit("Select the segments that belong to the new speaker.")
            return
        default = speaker_edits.next_speaker_name(self._speakers())
        name, ok = QInputDialog.getText(self.editor, "Split speaker",
                                        f"The {len(rows)} selected segment(s) become the speaker:", text=default)
        if ok and name.strip():
            self.split(rows, name)

    def split(self, rows: list[int], name: str | None = None) -> bool:
        run_id, actor = self.session.run_id, self.session.actor()
        ids = [self.editor.model.ids[r] for r in rows]
        return self.session.do("Split speaker", lambda: speaker_edits.split_speaker(
            self.session.case, run_id, ids, name, actor=actor)) is not None  # type: ignore[arg-type]

    # -------------------------------------------------------------- enrolment
    def ask_enrol(self) -> None:
        self.editor.segments.editor_cursor()  # what is being typed is kept before the speakers change
        rows = self.editor.selected_rows()
        if not rows or self.session.run_id is None:
            self.message.emit("Select segments where only this person speaks, then enrol.")
            return
        speaker = self._selected_speaker() or ""
        default = "" if speaker.startswith("Speaker ") else speaker
        name, ok = QInputDialog.getText(self.editor, "Enrol speaker",
                                        f"Name of the person speaking in the {len(rows)} selected segment(s):",
                                        text=default)
        if ok and name.strip():
            self.enrol(rows, name)

    def enrol(self, rows: list[int], name: str) -> bool:
        """Start enrolling `name` from these rows; `enrolled` or `message` says how it ended."""
        try:
            plan = usecase.plan_enrolment(self.session.case, self.session.run_id,  # type: ignore[arg-type]
                                          [self.editor.model.ids[r] for r in rows])
        except ParleyError as exc:
            self.message.emit(f"Not enrolled: {exc}")
            return False
        self.message.emit(f"Enrolling {name.strip()} from {len(plan.segment_ids)} segment(s)…")
        self.pool.start(EnrolTask(plan, name.strip(), self.signals))
        return True

    def _enrol_done(self, plan: EnrolPlan, name: str, voice: Any, sha: str) -> None:
        try:
            profile_id = usecase.save_profile(self.session.case, plan, name, voice, sha, self.session.actor())
        except ParleyError as exc:
            self.message.emit(f"Not enrolled: {exc}")
            return
        self.message.emit(f"Enrolled {name} ({plan.speech_s:.1f} s of speech): later exhibits will "
                          "offer this voice where it matches.")
        self.enrolled.emit(profile_id)
        self.refresh()

    # ---------------------------------------------------------------- helpers
    def _speakers(self) -> list[str]:
        run_id = self.session.run_id
        return editing.speakers(self.session.case, run_id) if run_id is not None else []

    def _selected_speaker(self) -> str | None:
        rows = self.editor.selected_rows()
        return self.editor.model.segment(rows[0]).speaker if rows else None


class MergeDialog(QDialog):
    """Pick the speaker whose segments go, and the speaker they go to.

    Two people's lines made one speaker is a wrong record until someone notices, so Enter never
    merges: it is Cancel's; the merge is the Merge button (Alt+M). The note says what will happen."""

    def __init__(self, names: list[str], selected: str | None, parent: QWidget | None = None,
                 counts: dict[str, int] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge speakers")
        self.counts = counts or {}
        self.source, self.target = QComboBox(), QComboBox()
        self.source.addItems(names)
        self.target.addItems(names)
        if selected in names:
            self.source.setCurrentIndex(names.index(selected))
        self.target.setCurrentIndex(1 if self.source.currentIndex() == 0 else 0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setAutoDefault(False)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter keeps them apart
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Every segment of:", self.source)
        form.addRow("becomes:", self.target)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        form.addRow(self.note)
        form.addRow(buttons)
        for box in (self.source, self.target):
            box.currentIndexChanged.connect(lambda _i: self._say())
        self._say()

    def choice(self) -> tuple[str, str]:
        return self.source.currentText(), self.target.currentText()

    def _say(self) -> None:
        source, target = self.choice()
        if source == target:
            self.note.setText("Choose two different speakers.")
            return
        n = self.counts.get(source)
        lines = f"All {n} segment(s)" if n else "Every segment"
        self.note.setText(f"{lines} of {source} will be attributed to {target}, everywhere in this "
                          "transcript. Merge only if they are the same person (Ctrl+Z undoes it).")

    def _accept(self) -> None:
        if self.source.currentText() == self.target.currentText():
            self.note.setText("Choose two different speakers.")
            return
        self.accept()
