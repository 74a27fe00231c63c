"""The window as a proofreader and an investigator meet it (session 24): an exhibit translated from its
speech since it was transcribed, a translation finishing while its transcript is proofread, and Export…
for all exhibits beside translations.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.types import ModelInfo, Segment
from app.core.usecases.exhibit_status import exhibit_statuses
from app.gui import window_worker
from tests import gui_case
from tests.gui_case import open_exhibit, wait_for_export

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)

NLLB = ModelInfo("nllb", "/m", "00" * 32, "nllb")


def speech_translation(case, exhibit_id: int, text: str = "My name is Jonas.") -> int:  # type: ignore[no-untyped-def]
    """A speech translation (Whisper's task=translate, from the recording), finished."""
    run = case.start_run(exhibit_id, "translate", gui_case.MODEL, {"task": "translate"}, software_info())
    case.append_segments(run, (Segment(0, 1000, text),), {}, "de", 0.9)
    case.finish_run(run)
    return run


def text_translation(case, exhibit_id: int, parent: int) -> int:  # type: ignore[no-untyped-def]
    run = case.start_run(exhibit_id, "text-translate", NLLB, {}, software_info(), parent_run_id=parent,
                         source_language="de")
    case.append_segments(run, (Segment(0, 1000, "My name is Jonas.", source_text="Mein Name ist Jonas."),),
                         {}, "en", None)
    case.finish_run(run)
    return run


def row_status(window, exhibit_id: int) -> str:  # type: ignore[no-untyped-def]
    window.refresh()
    model = window.exhibits.model
    return model.index(model.row_of(exhibit_id), 5).data()


def test_an_exhibit_translated_from_its_speech_since_shows_and_opens_on_its_transcript(qtbot, win):
    """The Exhibits list showed the newest speech run's status, a speech translation's ("done" for a
    transcript signed off), and the Editor opened on the translation: the proofreader expects the
    transcript there (the translation is in the Translation tab)."""
    case = win.case
    exhibit = gui_case.add(case, "fr_voicenote.m4a")
    transcript = gui_case.add_run(case, exhibit.id, (Segment(0, 1000, "Mein Name ist Jonas."),), language="de")
    editing.set_verified(case, transcript, "DC Jones")
    assert row_status(win, exhibit.id) == "verified ✓"
    translation = speech_translation(case, exhibit.id)
    assert row_status(win, exhibit.id) == "verified ✓"  # the transcript's, not the translation's "done"
    [status] = [s for s in exhibit_statuses(case) if s.exhibit.id == exhibit.id]  # the CLI's `exhibits` too
    assert (status.status, status.run_id) == ("verified by DC Jones", transcript)
    open_exhibit(qtbot, win, "fr_voicenote.m4a")
    assert win.session.run_id == transcript
    assert "transcribe" in win.editor.title.text() and win.editor.model.segment(0).text == "Mein Name ist Jonas."
    assert [win.run_box.itemData(i) for i in range(win.run_box.count())] == [translation, transcript]  # both
    assert win.translation.current_run() == translation  # where the translation belongs
    win.run_box.setCurrentIndex(0)  # the translation can still be chosen in the editor
    assert win.session.run_id == translation


def test_an_exhibit_only_translated_from_its_speech_opens_on_the_translation(qtbot, win):
    """With no transcript at all, the speech translation is what there is: shown, not "not transcribed"."""
    exhibit = gui_case.add(win.case, "es_voicenote.ogg")
    translation = speech_translation(win.case, exhibit.id, "Hello.")
    assert row_status(win, exhibit.id) == "done"
    open_exhibit(qtbot, win, "es_voicenote.ogg")
    assert win.session.run_id == translation


def test_a_translation_finishing_leaves_the_editor_on_the_transcript_being_proofread(qtbot, win):
    """A speech translation's job finishing for the exhibit on screen took the Editor to the translation,
    from the transcript the proofreader was working in; a new transcript (a re-run) is still shown."""
    case = win.case
    open_exhibit(qtbot, win, "interview_stereo.wav")
    exhibit_id, transcript = win.editor.exhibit.id, win.session.run_id
    translation = speech_translation(case, exhibit_id)
    window_worker.on_job_done(win, 0, translation)  # as the worker's JobDone arrives
    assert win.session.run_id == transcript
    assert translation in [win.run_box.itemData(i) for i in range(win.run_box.count())]  # listed, not shown
    assert win.translation.current_run() == translation
    rerun = gui_case.add_run(case, exhibit_id, gui_case.INTERVIEW[:2])
    window_worker.on_job_done(win, 0, rerun)
    assert win.session.run_id == rerun


def test_export_of_all_exhibits_writes_each_transcript_not_a_translation_made_since(qtbot, win, tmp_path,
                                                                                    monkeypatch):
    """"All exhibits" in Export… wrote each exhibit's newest run of any kind: a text translation made
    after the transcript was exported in its place (the CLI's `export` writes the transcript)."""
    from PySide6.QtWidgets import QDialog

    from app.gui.export_dialog import ExportDialog

    case = win.case
    exhibit = gui_case.add(case, "pl_voicenote.opus")
    transcript = gui_case.add_run(case, exhibit.id, (Segment(0, 1000, "Mein Name ist Jonas."),), language="de")
    text_translation(case, exhibit.id, transcript)
    speech_translation(case, exhibit.id)
    win.refresh()  # listed (the window reads the case each second)
    open_exhibit(qtbot, win, "pl_voicenote.opus")
    out = tmp_path / "all"

    def accept(dialog: ExportDialog) -> int:
        for name in dialog.boxes:
            dialog.boxes[name].setChecked(name == "json")
        dialog.folder.setText(str(out))
        dialog.all_box.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    win.ask_export()
    wait_for_export(win)
    data = json.loads((out / "pl_voicenote.json").read_text())
    assert (data["run_id"], data["segments"][0]["text"]) == (transcript, "Mein Name ist Jonas.")
    exports = [p for p in out.glob("*.json") if not p.name.endswith(".manifest.json")]
    written = sorted(json.loads(p.read_text())["run_id"] for p in exports)
    expected = [case.latest_run(e.id, "transcribe") or case.latest_run(e.id) for e in case.exhibits()]
    assert written == sorted(r for r in expected if r is not None)  # the translated-only one: its translation


# ------------------------------------------------------------ 200 exhibits: sorting, filtering, keys


@pytest.fixture(scope="module")
def phone(qapp, models_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A window over 200 voice notes and videos (as a phone's extraction gives them): every 10th failed,
    every 7th transcribed and signed off, the rest transcribed, one not."""
    from app.core.store import Case
    from app.core.store.jobs import JobQueue
    from app.core.types import SourceInfo
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("phone")
    case = Case.open(folder / "case")
    queue = JobQueue(case.conn)
    failed = []
    with case.transaction():  # one commit (each of its own, the audit head written each time, took 19 s)
        for n in range(200):
            video = n % 5 == 0
            name = f"VID-2024{n:04d}.mp4" if video else f"PTT-2024{n:04d}-WA{n % 3:04d}.opus"
            source = SourceInfo(f"/evidence/{name}", f"{n:064x}", 1000 + n, (n * 7919) % 120_000 + 1000,
                                has_video=video)
            exhibit, _ = case.add_exhibit(source)
            if n % 10 == 3:
                failed.append((n, exhibit.id))
            elif n != 199:
                run = gui_case.add_run(case, exhibit.id, (Segment(0, 900, f"Note {n}."),))
                if n % 7 == 0:
                    editing.set_verified(case, run, "DC Jones")
    for n, exhibit_id in failed:
        job = queue.add(exhibit_id, "transcribe", {"model": "tiny.en"}, max_attempts=1)
        queue.claim("test-worker")
        queue.fail(job, f"the decoder could not read note {n}", retry=False)
    window = MainWindow(case, gui_case.settings(folder, models_dir), start_worker=False)
    window.start_worker = lambda: False
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


def names(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.exhibits.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def choose(window, shown: str, typed: str = "") -> None:  # type: ignore[no-untyped-def]
    bar = window.exhibits.filter_bar
    bar.box.setCurrentIndex(bar.box.findText(shown))
    bar.text.setText(typed)


def test_the_list_of_200_exhibits_shows_those_of_a_status_or_type_or_name(qtbot, phone):
    """200 exhibits could only be scrolled, in the order added: the 20 failed ones were found by eye."""
    bar = phone.exhibits.filter_bar
    assert len(names(phone)) == 200 and bar.count.text() == "200 exhibit(s)"
    choose(phone, "Failed")
    statuses = [phone.exhibits.model.index(r, 5).data() for r in range(phone.exhibits.model.rowCount())]
    assert len(statuses) == 20 and all(s.startswith("failed: the decoder could not read note") for s in statuses)
    assert bar.count.text() == "20 of 200"
    choose(phone, "Verified")
    assert len(names(phone)) == len([n for n in range(200) if n % 7 == 0 and n % 10 != 3])
    choose(phone, "Video")
    assert len(names(phone)) == 40 and all(n.startswith("VID-") for n in names(phone))
    choose(phone, "Not transcribed yet (queued, running)")
    assert names(phone) == ["PTT-20240199-WA0001.opus"]
    choose(phone, "All exhibits", "wa0002")  # any case
    assert len(names(phone)) == len([n for n in range(200) if n % 3 == 2 and n % 5])
    assert all("WA0002" in n for n in names(phone))
    choose(phone, "All exhibits", f"{17:064x}")  # a SHA-256, as pasted from a report
    assert names(phone) == ["PTT-20240017-WA0002.opus"]
    bar.clear()
    assert len(names(phone)) == 200


def test_a_header_click_sorts_the_list_and_the_selection_and_keys_follow(qtbot, qapp, phone):
    """Sorting by a column's header, the exhibit open stays selected; Down goes to the next in the order
    shown; a third click puts the list back in the order added."""
    from PySide6.QtCore import QPoint, Qt

    table, header = phone.exhibits.table, phone.exhibits.table.horizontalHeader()
    ids = [e.id for e in phone.case.exhibits()]
    phone.exhibits.select(ids[17])
    qtbot.waitUntil(lambda: phone.editor.exhibit is not None and phone.editor.exhibit.id == ids[17], timeout=5_000)

    def click(column: int) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))

    click(2)  # Duration
    durations = [r.exhibit.source.duration_ms for r in phone.exhibits.model.rows]
    assert durations == sorted(durations) and durations[0] < durations[-1]
    assert phone.exhibits.selected_ids() == [ids[17]] and phone.editor.exhibit.id == ids[17]
    row = phone.exhibits.model.row_of(ids[17])
    assert table.currentIndex().row() == row
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    after = phone.exhibits.model.rows[row + 1].exhibit.id
    qtbot.waitUntil(lambda: phone.editor.exhibit.id == after, timeout=5_000)
    click(2)  # descending
    durations = [r.exhibit.source.duration_ms for r in phone.exhibits.model.rows]
    assert durations == sorted(durations, reverse=True)
    click(2)  # the order added
    assert [r.exhibit.id for r in phone.exhibits.model.rows] == ids
    assert phone.exhibits.selected_ids() == [after]
    click(1)  # Type: the audio ahead of the video, each in the order added
    assert [r.exhibit.id for r in phone.exhibits.model.rows][:3] == ids[1:4]
    phone.refresh()  # a refresh keeps the order chosen
    assert [r.exhibit.id for r in phone.exhibits.model.rows][:3] == ids[1:4]
    click(1)
    click(1)


def test_a_search_hit_in_an_exhibit_the_filter_hides_shows_it(qtbot, phone):
    """Opening an exhibit from a search hit (or reopening the case on it) selects its row; hidden by the
    filter, nothing was selected in the list and the list's keys went from elsewhere."""
    ids = [e.id for e in phone.case.exhibits()]
    choose(phone, "Video")
    run = phone.case.latest_run(ids[1], "transcribe")
    phone.open_at(ids[1], run, 0)
    assert phone.exhibits.selected_ids() == [ids[1]] and len(names(phone)) == 200
    assert phone.editor.exhibit.id == ids[1]


def test_a_failed_exhibit_opened_says_why_and_what_its_job_is_doing_now(qtbot, win):
    """A failed file opened in the Editor read "not transcribed yet", as a file never queued did: the
    reason was only in the list's narrow status column ("failed: the deco…") and its hover."""
    from app.core.store.jobs import JobQueue

    open_exhibit(qtbot, win, "noise_10s.wav")  # its job failed: "the decoder ran out of memory"
    assert win.editor.title.text().endswith("— transcription failed")
    assert win.editor.notice.isVisible()
    assert win.editor.play_button.isEnabled() and not win.editor.verify_button.isEnabled()  # nothing to sign off
    assert not win.editor.split_button.isEnabled() and not win.editor.rename_button.isEnabled()
    assert win.editor.notice.label.text() == (
        "Transcription failed: the decoder ran out of memory. Retry it in the Queue, or re-queue it with "
        "Transcribe selected.")
    queue = JobQueue(win.case.conn)
    [job] = [j for j in queue.list() if j.exhibit_id == win.editor.exhibit.id]
    queue.retry(job.id)
    win.refresh_if_changed()  # each second, when the case changed
    assert win.editor.title.text().endswith("— queued to be transcribed") and not win.editor.notice.isVisible()
    queue.claim("test-worker")
    win.refresh_if_changed()
    assert win.editor.title.text().endswith("— being transcribed")
    queue.fail(job.id, "the decoder ran out of memory", retry=False)
    win.refresh_if_changed()
    assert win.editor.title.text().endswith("— transcription failed") and win.editor.notice.isVisible()


def test_a_recording_no_longer_where_it_was_added_is_said_in_words(qtbot, win, tmp_path):
    """The evidence folder moved (or its drive not attached): the waveform read "No waveform: [Errno 2] No
    such file or directory: '…'" and the banner "playback: Could not open file", naming no file."""
    import shutil

    from app.core.media.intake import find_media
    from tests.conftest import MEDIA

    copy = tmp_path / "drive" / "ro_voicenote.3gp"
    copy.parent.mkdir()
    shutil.copy(MEDIA / copy.name, copy)
    found = next(iter(find_media([str(copy)])))
    exhibit, _ = win.case.add_exhibit(found.source, found_at=found.path)
    gui_case.add_run(win.case, exhibit.id, (Segment(0, 1000, "Bună ziua."),), language="ro")
    copy.unlink()  # the drive taken away
    before = list(win.problems)
    win.refresh()
    open_exhibit(qtbot, win, "ro_voicenote.3gp")
    qtbot.wait(300)  # the player's error, were the file handed to it, comes from its own threads
    message = win.editor.waveform.message
    assert message.startswith(f"The recording is not at {copy} (moved, or its drive is not attached)"), message
    assert "Errno" not in message and win.player.source_path() is None
    assert win.problems == before  # nothing in the banner naming no file
    assert win.editor.model.segment(0).text == "Bună ziua."  # the transcript is there to read and correct


def test_a_batch_of_notes_finishing_reads_the_case_once(qtbot, phone, monkeypatch):
    """A batch of short notes reports every job's end in one poll of the worker: the window read the case's
    exhibits once per job and its queue twice per job in one go (50 notes: 0.9 s in which it did not answer)."""
    from app.gui import main_window

    jobs = [job.id for job in phone.queue.list()]
    assert len(jobs) == 20
    built: list[str] = []
    monkeypatch.setattr(main_window.MainWindow, "refresh_exhibits", lambda self: built.append("exhibits"))
    monkeypatch.setattr(main_window.MainWindow, "refresh_queue", lambda self: built.append("queue"))
    for job_id in jobs:  # as WorkerBridge.poll re-emits one poll's events
        phone.bridge.anyEvent.emit()
        phone.bridge.jobDone.emit(job_id, None)
    qtbot.waitUntil(lambda: "exhibits" in built, timeout=3_000)
    qtbot.wait(50)
    assert sorted(built) == ["exhibits", "queue", "queue"]  # the queue once for its events, once with the rest
