"""A case made without a model, for fast window tests: exhibits, runs with uncertain words,
a run with no speech, one in an uncertain language, a truncated file and a failed job."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.evidence.provenance import software_info
from app.core.media.intake import find_media
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.types import ModelInfo, Segment, Word
from tests.conftest import MEDIA

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "00" * 32)


def words(text: str, start_ms: int, low: tuple[int, ...] = ()) -> tuple[Word, ...]:
    """One Word per token, 400 ms each; the tokens at `low` get probability 0.2."""
    out = []
    for i, token in enumerate(text.split()):
        at = start_ms + i * 400
        out.append(Word(at, at + 380, (" " if i else "") + token, 0.2 if i in low else 0.95))
    return tuple(out)


def segment(start_ms: int, text: str, speaker: str | None, low: tuple[int, ...] = ()) -> Segment:
    w = words(text, start_ms, low)
    return Segment(start_ms, w[-1].end_ms, text, speaker=speaker, words=w)


INTERVIEW = (
    segment(1000, "This interview is being recorded.", "DC Smith", low=(1,)),
    segment(4000, "Please state your full name.", "DC Smith"),
    segment(7000, "My name is Jonas Petraitis.", "Witness", low=(3, 4)),
    segment(10000, "Where were you on Friday night?", "DC Smith"),
    segment(13000, "At home with my sister.", "Witness", low=(4,)),
)


def add(case: Case, name: str):  # type: ignore[no-untyped-def]
    found = next(iter(find_media([str(MEDIA / name)])))
    assert found.source is not None, found.error
    return case.add_exhibit(found.source, found_at=found.path)[0]


def add_run(case: Case, exhibit_id: int, segments: tuple[Segment, ...], language: str = "en",
            probability: float = 0.97, truncated: bool = False) -> int:
    run = case.start_run(exhibit_id, "transcribe", MODEL, {"model": "tiny.en"}, software_info())
    case.append_segments(run, segments, {}, language, probability)
    if truncated:  # as the pipeline does: the exhibit marked, then its run finished saying so
        case.mark_truncated(exhibit_id)
    case.finish_run(run, truncated=truncated)
    return run


def build_case(folder: Path) -> Case:
    case = Case.open(folder / "case")
    interview = add(case, "interview_stereo.wav")
    add_run(case, interview.id, INTERVIEW)
    silence = add(case, "silence_30s.wav")
    add_run(case, silence.id, ())
    german = add(case, "de_voicenote.opus")
    add_run(case, german.id, (segment(500, "Ego sum hic.", None),), language="la", probability=0.31)
    truncated = add(case, "truncated.mp3")
    add_run(case, truncated.id, (segment(0, "Hello there.", None),), truncated=True)
    noise = add(case, "noise_10s.wav")
    queue = JobQueue(case.conn)
    job = queue.add(noise.id, "transcribe", {"model": "tiny.en"}, max_attempts=1)
    queue.claim("test-worker")
    queue.fail(job, "the decoder ran out of memory", retry=False)
    return case


def settings(folder: Path, models_dir: Path, user: str | None = "DC Ann Example") -> QSettings:
    s = QSettings(str(folder / "parley.ini"), QSettings.Format.IniFormat)
    s.setValue("transcribe/model", "tiny.en")
    s.setValue("models/dir", str(models_dir))
    if user:
        s.setValue("user/name", user)
    s.sync()
    return s


# ------------------------------------------------- fixtures for the window tests


@pytest.fixture(autouse=True)
def boxes(monkeypatch):
    """Record message boxes (they would block offscreen); question() answers from `answers`."""
    shown: list[str] = []
    answers: list[QMessageBox.StandardButton] = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: shown.append(f"{_n}: {a[2]}"))

    def question(*a, **k):
        shown.append(f"question: {a[2]}")
        return answers.pop(0) if answers else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    return shown, answers


@pytest.fixture(scope="module")
def win(qapp, models_dir, tmp_path_factory):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("window")
    case = build_case(folder)
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.start_worker = lambda: False  # a re-run only queues its job
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


def open_exhibit(qtbot, window, name: str) -> None:
    ids = {e.source.name: e.id for e in window.case.exhibits()}
    window.exhibits.select(ids[name])
    qtbot.waitUntil(lambda: window.editor.exhibit is not None and window.editor.exhibit.id == ids[name],
                    timeout=5_000)


def inside(window: QWidget, widget: QWidget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def export_through_dialog(window, monkeypatch, out: Path, fmt: str, fields: dict[str, str] | None = None) -> None:
    """File > Export… as a user fills it in: one format ticked, a folder, header fields typed, OK."""
    from PySide6.QtWidgets import QDialog

    from app.gui.export_dialog import ExportDialog

    def accept(dialog: ExportDialog) -> int:
        for name in dialog.boxes:
            dialog.boxes[name].setChecked(name == fmt)
        dialog.folder.setText(str(out))
        for name, text in (fields or {}).items():
            dialog.fields[name].setText(text)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.ask_export()
    wait_for_export(window)


def wait_for_export(window, seconds: float = 60.0) -> None:
    """The export runs off the GUI thread (app/gui/export_flow.py): until it has said how it went."""
    import time

    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while window.exporter.busy and time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)
    assert not window.exporter.busy, "the export did not finish"


def focus_table(qtbot, qapp, win):
    """The interview's segments shown, the window active, the media loaded, the keyboard in the table."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    qtbot.waitUntil(lambda: not win.player.is_loading(), timeout=5_000)
    view = win.editor.table
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=3_000)
    return view
