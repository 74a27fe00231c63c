"""`timeline` uses a voice note's stored transcript as it stands, a proofreader's correction included
(user trial, session 31): it transcribed the notes again with its own options (settings differ: new jobs,
~17 s of decoding nobody asked for), and after an `edit`, `timeline --beam-size 4` made a new run whose
machine text the timeline showed as "machine draft", the correction set aside without a word.

The user's sequence, at the terminal, on a WhatsApp zip holding the shared English voice note (tiny.en);
the translation runs on the tiny random-weight NLLB fixture (its words are gibberish: what it translated is real).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from app.core.store import Case
from tests.conftest import MEDIA, REPO

NOTE = "00000002-AUDIO-2024-03-13-08-03-40.opus"
CHAT = f"""[13/03/2024, 08:02:11] Dave Miller: Are we still on for Saturday?
[13/03/2024, 08:03:40] Ana: \u200e<attached: {NOTE}>
"""
CORRECTED = "CORRECTED BY PROOFREADER"
ALREADY = "1 voice note(s) or video(s) already transcribed: their transcripts are used as they stand"


def _app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, check=False)


def _note(out: Path) -> dict:
    data = json.loads((out / "WhatsApp Chat with Ana.timeline.json").read_text(encoding="utf-8"))
    return data["messages"][1]["attachment"]


def _transcribe_runs(case: Path) -> list[int]:
    store = Case.open(case)
    try:
        return [r for r in store.run_ids() if store.run(r).task == "transcribe"]
    finally:
        store.close()


def test_timeline_keeps_a_proofread_note_and_a_new_transcription_says_what_it_sets_aside(tmp_path, models_dir):
    archive = tmp_path / "evidence" / "WhatsApp Chat with Ana.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", NOTE)
    case = str(tmp_path / "case")
    common = ["--case", case, "--model", "tiny.en"]
    done = _app("transcribe", str(archive), "--out", str(tmp_path / "t1"), "--beam-size", "2", *common)
    assert done.returncode == 0, done.stderr
    [first] = _transcribe_runs(Path(case))

    done = _app("timeline", str(archive), "--out", str(tmp_path / "o1"), *common)  # its default options
    assert done.returncode == 0 and ALREADY in done.stderr, done.stderr
    assert _transcribe_runs(Path(case)) == [first] and _note(tmp_path / "o1")["run_id"] == first  # before: run 2

    done = _app("edit", NOTE, "--segment", "1", "--text", CORRECTED, "--by", "DC Jane Hollis", "--case", case)
    assert done.returncode == 0, done.stderr
    done = _app("timeline", str(archive), "--out", str(tmp_path / "o2"), "--beam-size", "4", *common,
                "--translate-to", "fr", "--translate-model", str(REPO / "tests" / "fixtures" / "tiny_nllb"))
    assert done.returncode == 0 and ALREADY in done.stderr, done.stderr
    note = _note(tmp_path / "o2")
    assert (note["run_id"], note["transcript"], note["review"]) == (first, CORRECTED, "proofread")
    assert note["translation_run_id"] is not None and _transcribe_runs(Path(case)) == [first]
    store = Case.open(Path(case))
    try:  # the stored, corrected transcript translated, not a new machine draft
        assert store.run(note["translation_run_id"]).parent_run_id == first
    finally:
        store.close()

    # a new transcription asked for over the corrections: made, and said at once, in the timeline and on export
    done = _app("transcribe", str(archive), "--out", str(tmp_path / "t2"), "--beam-size", "3", *common)
    assert done.returncode == 0, done.stderr
    said = f"the new machine draft supersedes DC Jane Hollis's corrections (run {first})"
    assert len([line for line in done.stderr.splitlines() if said in line]) == 1, done.stderr
    [_, newer] = _transcribe_runs(Path(case))
    done = _app("timeline", str(archive), "--out", str(tmp_path / "o3"), *common)
    assert done.returncode == 0, done.stderr
    note = _note(tmp_path / "o3")
    assert note["run_id"] == newer and CORRECTED not in note["transcript"]
    assert note["review"] == f"machine draft, newer than DC Jane Hollis's corrections (run {first}), set aside"
    done = _app("exhibits", "--case", case)
    [line] = [line for line in done.stdout.splitlines() if NOTE in line]
    assert " done " in line and line.endswith(f"{NOTE}: a machine draft newer than DC Jane Hollis's corrections "
                                              f"(run {first}), set aside"), done.stdout
    done = _app("export", NOTE, "--out", str(tmp_path / "e"), "--format", "txt", "--case", case)
    assert done.returncode == 0 and f"warning: run {newer} exported, a machine draft newer than DC Jane Hollis's " \
                                    f"corrections (run {first}), set aside" in done.stderr, done.stderr
    done = _app("translate", str(MEDIA / "en_voicenote.opus"), "--to", "fr", "--out", str(tmp_path / "f"),
                "--model", str(REPO / "tests" / "fixtures" / "tiny_nllb"), "--case", case)
    assert done.returncode == 0 and f"translating the stored transcript (run {newer}), a machine draft newer than " \
                                    f"DC Jane Hollis's corrections (run {first}), set aside" in done.stderr, done.stderr


def test_the_windows_chat_intake_queues_only_the_notes_not_transcribed_yet(case, tmp_path):
    """The window's "Add a chat export" (take_in_and_queue) is the same use case: a note with a transcript
    (here, corrected) is not queued again with the window's options; one without one is."""
    from app.core.chats.intake import take_in
    from app.core.editing import operations as editing
    from app.core.options import TranscribeOptions
    from app.core.store.chats import attachment_exhibits
    from app.core.usecases.timeline import take_in_and_queue
    from tests.search_helpers import add_run
    from tests.test_timeline import whatsapp_zip

    archive = whatsapp_zip(tmp_path / "evidence")
    options = TranscribeOptions(model="tiny.en", beam_size=4)
    [taken] = take_in(case, archive)
    [note] = attachment_exhibits(case, taken.exhibit_id)
    assert take_in_and_queue(case, [str(archive)], options).jobs  # not transcribed yet: queued
    run = add_run(case, note, ["Meet me at the station at eight."])
    editing.edit_text(case, run, editing.segment_ids(case, run)[0], CORRECTED)
    again = take_in_and_queue(case, [str(archive)], TranscribeOptions(model="tiny.en", beam_size=2))
    assert (again.jobs, again.stored) == ((), 1)  # before: a new job, its draft shown over the correction
