"""Review and sign-off: the transcript's status, "n of N uncertain" (always shown), stepping
through uncertain words (F8 / Shift+F8), marking a word reviewed, and marking verified."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

from app.core.editing import operations as editing
from app.core.editing import review
from app.core.editing.proofread import set_aside
from app.core.store.audit import is_account_label
from app.gui.editor_model import TEXT_COL, EditSession, SegmentModel
from app.gui.keys import VERIFY_KEY
from app.gui.player import Player
from app.gui.segment_table import SegmentTable
from app.gui.text_editor import keep_typed
from app.gui.widgets import ElidedLabel, tool_button

STATUS_COLOURS = {"verified": "#1a7f37", "edited": "#9a6700"}


class ReviewBar(QWidget):
    message = Signal(str)  # for the status line

    def __init__(self, session: EditSession, model: SegmentModel, table: SegmentTable, player: Player,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.model, self.table, self.player = session, model, table, player
        self.review_index = -1
        self.spans: list[review.UncertainSpan] = []
        self.reviewed: set[tuple[int, str]] = set()
        self.shown: tuple[int, str, str | None] | None = None  # (run, state, verified by) on screen
        self.status_label = ElidedLabel("", 22)
        self.status_label.setObjectName("status")
        self.verify_button = tool_button("Mark verified…", f"Sign off this transcript by name ({VERIFY_KEY})",
                                         lambda: self.ask_verify())
        self.prev_button = tool_button("◀", "Previous uncertain word (Shift+F8)", self.previous_uncertain)
        self.next_button = tool_button("▶", "Next uncertain word (F8)", self.next_uncertain)
        self.reviewed_button = tool_button("✓ Reviewed", "Mark this uncertain word reviewed (Ctrl+Shift+W)",
                                           self.mark_current_reviewed)
        self.count_label = QLabel("")
        self.count_label.setFixedWidth(self.fontMetrics().horizontalAdvance("999 of 999 uncertain · 999 left") + 8)
        self.count_label.setToolTip("The uncertain word shown, how many there are, and how many no one has "
                                    "marked reviewed")
        self.word_label = ElidedLabel("", 24)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        # the status shares the free width with the word (a sign-off names its verifier in full at
        # 1280 px, beside the wider left pane, so it has the larger share); both sizes depend on the
        # room, not the text, so nothing shifts as they change
        row.addWidget(self.status_label, 3)  # "Verified by DC Ann Example" whole beside a 500 px left pane
        for w in (self.verify_button, self.prev_button, self.count_label, self.next_button, self.reviewed_button):
            row.addWidget(w)
        row.addWidget(self.word_label, 1)

    def buttons(self) -> list[QWidget]:
        return [self.verify_button, self.prev_button, self.next_button, self.reviewed_button]

    # --------------------------------------------------------------- status
    def show_status(self, run_id: int | None) -> None:
        if run_id is None:
            self.status_label.set_text("")
            return
        state, by = editing.status(self.session.case, run_id)
        before, self.shown = self.shown, (run_id, state, by)
        if before is not None and before[0] == run_id and before[1] == "verified" and state != "verified":
            # a typo fixed after signing off quietly made the record a DRAFT again
            self.message.emit(f"The sign-off by {before[2]} no longer stands: the transcript is a draft again "
                              f"(its DOCX and PDF say DRAFT). Sign off again with {VERIFY_KEY}.")
        text = {"machine draft": "Machine draft", "edited": "Edited (draft)"}.get(state, f"Verified by {by}")
        aside = set_aside(self.session.case, self.session.case.run(run_id).exhibit_id, run_id)
        if aside is not None:  # a new transcription asked for, not signed off: said, not hidden
            note = aside.draft_note()
            text = note[:1].upper() + note[1:]
        colour = STATUS_COLOURS.get(state, "#57606a")
        self.status_label.setStyleSheet(f"QLabel {{ color:{colour}; font-weight:bold; }}")
        self.status_label.set_text(text)

    # --------------------------------------------------------------- refresh
    def refresh(self, reset_position: bool = False) -> None:
        """Re-read the uncertain words and which are reviewed; the counter is always shown."""
        shown = None if reset_position else self._current_key()
        run_id = self.session.run_id
        if run_id is None:
            self.spans, self.reviewed = [], set()
        else:
            self.spans = review.run_spans(self.session.case, run_id)
            self.reviewed = review.reviewed_keys(self.session.case, run_id)
        # the word shown is looked up again by its key (an edit renumbers segments), and re-labelled:
        # an undone or redone mark changes whether it reads "reviewed"
        self.review_index = next((i for i, s in enumerate(self.spans) if s.key == shown), -1)
        if self.review_index >= 0:
            self._show_word(self.spans[self.review_index])
        else:
            self.word_label.set_text("")
        self.model.set_unreviewed({s.segment_id for s in self.spans if s.key not in self.reviewed})
        self.table.text_delegate.reviewed = tuple(
            (span.start_ms, span.end_ms) for span in self.spans if span.key in self.reviewed)
        self.table.viewport().update()
        self.show_status(run_id)
        self._show_count()

    def _current_key(self) -> tuple[int, str] | None:
        if 0 <= self.review_index < len(self.spans):
            return self.spans[self.review_index].key
        return None

    def unreviewed_count(self) -> int:
        return sum(1 for s in self.spans if s.key not in self.reviewed)

    def _show_count(self) -> None:
        total = len(self.spans)
        if self.session.run_id is None:
            self.count_label.setText("")
        elif not total:
            self.count_label.setText("0 uncertain")
        else:
            n = self.review_index + 1 if 0 <= self.review_index < total else 0
            self.count_label.setText(f"{n} of {total} uncertain · {self.unreviewed_count()} left")

    # ---------------------------------------------------------------- stepping
    def next_uncertain(self) -> None:
        self._step(+1)

    def previous_uncertain(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        spans = self.spans
        if not spans:
            self.word_label.set_text("No uncertain words.")
            self._show_count()
            return
        pos = self.player.position()
        if 0 <= self.review_index < len(spans) and abs(spans[self.review_index].start_ms - pos) < 1500:
            pos = spans[self.review_index].start_ms  # the seek may not have landed yet
        if direction > 0:
            later = [i for i, s in enumerate(spans) if s.start_ms > pos + 10]
            index = later[0] if later else 0
        else:
            earlier = [i for i, s in enumerate(spans) if s.start_ms < pos - 10]
            index = earlier[-1] if earlier else len(spans) - 1
        self.review_index = index
        span = spans[index]
        row = self.model.row_of(span.segment_id)
        if row >= 0:
            self.table.go_to_row(row)
            self.table.scrollTo(self.model.index(row, TEXT_COL), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.player.seek(span.start_ms)
        self._show_word(span)
        self._show_count()

    def _show_word(self, span: review.UncertainSpan) -> None:
        prob = f" {span.probability:.0%}" if span.probability is not None else ""
        done = " ✓" if span.key in self.reviewed else ""  # short: the label has a third of the free width
        self.word_label.set_text(f"“{span.text[:60]}”{prob}{done}")
        self.word_label.setToolTip(f"“{span.text}”: the model gave it{prob or ' no'} probability"
                                   + ("; marked reviewed" if done else "; not reviewed yet"))

    def mark_current_reviewed(self) -> bool:
        """Mark the uncertain word last stepped to as reviewed (one undoable revision)."""
        run_id = self.session.run_id
        if run_id is None or not 0 <= self.review_index < len(self.spans):
            return False
        span = self.spans[self.review_index]
        if span.key in self.reviewed:
            return True
        actor = self.session.actor()
        self.session.do("Mark word reviewed", lambda: review.mark_reviewed(
            self.session.case, run_id, span, actor=actor))
        self.refresh()  # a first edit renumbers segments: the span is looked up again by its key
        return True

    # ---------------------------------------------------------------- sign-off
    def ask_verify(self, default_name: str = "") -> bool:
        """Sign off as the user; say how many uncertain words were never reviewed, and ask."""
        keep_typed(self.table)  # the words being typed are part of what is signed off
        run_id = self.session.run_id
        if run_id is None:
            return False
        name = default_name or self.session.actor()
        asked = is_account_label(name)
        if asked:  # no name given yet: the computer account never signs off as a person
            name = self._ask_name()
            if not name:
                return False
        left, total = self.unreviewed_count(), len(self.spans)
        if left:
            note = f"\n\n{left} of {total} uncertain words were never reviewed."
        else:
            note = f"\n\nAll {total} uncertain words were reviewed." if total else ""
        state, by = editing.status(self.session.case, run_id)
        if state == "verified" and by == name:  # nothing changed since this person signed it off
            QMessageBox.information(self, "Mark verified", f"This transcript is already signed off by {name}.")
            return False
        again = f"It is already signed off by {by}. " if state == "verified" and by else ""
        no = QMessageBox.StandardButton.No  # the default: Enter, meant for the text, never signs off
        answer = QMessageBox.question(self, "Mark verified",
                                      f"{again}Sign off this transcript as verified by {name}?{note}",
                                      QMessageBox.StandardButton.Yes | no, no)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if asked:  # the name typed is the user's from now on (it signed the sign-off, not the account)
            self.session.remember_name(name)
        self.mark_verified(name)
        return True

    def _ask_name(self) -> str:
        """The verifier's name, where none is set (Case → Your name…): "" when none is typed."""
        name, ok = QInputDialog.getText(self, "Mark verified", "No name is set, and the computer account cannot sign "
                                        "off. The full name of the person verifying this transcript:")
        return name.strip() if ok else ""

    def mark_verified(self, name: str) -> None:
        keep_typed(self.table)
        run_id, actor = self.session.run_id, self.session.actor()
        if run_id is None:
            return
        self.session.do("Mark verified", lambda: editing.set_verified(
            self.session.case, run_id, name, actor=actor))
