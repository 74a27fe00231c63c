"""Transcribing a chat export means its voice notes and videos, never the export itself: the
core's choice for the window's "Transcribe selected", and `python -m app transcribe EXPORT`.

A real WhatsApp zip holding real voice notes from the shared media, and a real WhatsApp chat
file without any (tests/fixtures/chats).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.chats.intake import take_in
from app.core.chats.text_intake import import_text
from app.core.hashing import sha256_file
from app.core.store import Case
from app.core.usecases.enqueueing import recordings_to_transcribe
from tests.conftest import MEDIA, REPO
from tests.gui_case import add_run, segment
from tests.test_gui_timeline import EN, ES, build_zip, exhibit_named

FIXTURE = REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt"


def _exports(folder: Path) -> tuple[Path, Path]:
    archive = build_zip(folder)
    text_chat = archive.parent / "WhatsApp Chat with Dave.txt"
    shutil.copy(FIXTURE, text_chat)
    return archive, text_chat


def test_a_chat_export_comes_to_its_voice_notes_not_yet_transcribed(case, tmp_path):
    archive, text_chat = _exports(tmp_path)
    [zipped] = take_in(case, archive)
    [plain] = take_in(case, text_chat)
    note = exhibit_named(case, EN)
    plan = recordings_to_transcribe(case, [zipped.exhibit_id, plain.exhibit_id, note])
    assert plan.exhibit_ids == (note, exhibit_named(case, ES))  # the note chosen itself counts once
    assert plan.notes == (
        "WhatsApp Chat with Ana.zip: queued the 2 of its 2 voice note(s) or video(s) not transcribed yet",
        ("WhatsApp Chat with Dave.txt: a chat export holding none of the 1 voice note(s) or video(s) it names: "
         "nothing to transcribe"))  # as `transcribe` says it: its PTT-….opus is not in the export
    add_run(case, note, (segment(300, "Meet me behind the station.", None),))
    assert recordings_to_transcribe(case, [zipped.exhibit_id]).exhibit_ids == (exhibit_named(case, ES),)
    text, _ = import_text(case, shutil.copy(FIXTURE.with_name("not_a_chat.txt"), tmp_path))
    plan = recordings_to_transcribe(case, [text.id])
    assert plan.exhibit_ids == () and plan.notes == (
        "not_a_chat.txt: a text, not a recording: nothing to transcribe",)


def _transcribe(*inputs: Path, out: Path, case: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "transcribe", *map(str, inputs), "--out", str(out),
         "--case", str(case), "--model", "base", "--format", "json"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def _jobs(folder: Path) -> list[tuple[str, str]]:
    case = Case.open(folder)
    try:
        return [(r[0], r[1]) for r in case.conn.execute(
            "SELECT e.name, j.state FROM jobs j JOIN exhibits e ON e.id = j.exhibit_id ORDER BY j.id")]
    finally:
        case.close()


def test_cli_a_chat_export_without_media_is_one_line_and_queues_nothing(tmp_path, models_dir):
    _, text_chat = _exports(tmp_path)
    done = _transcribe(text_chat, out=tmp_path / "out", case=tmp_path / "case")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{text_chat}: a chat export holding none of the 1 voice note(s) or video(s) it names: nothing to " \
        "transcribe" in done.stderr  # the line after names the one it lacks
    assert _jobs(tmp_path / "case") == [] and not list((tmp_path / "out").glob("*"))


@pytest.mark.slow
def test_cli_transcribes_the_voice_notes_inside_a_chat_zip(tmp_path, models_dir):
    archive, _ = _exports(tmp_path)
    out, case = tmp_path / "out", tmp_path / "case"
    done = _transcribe(archive, out=out, case=case)
    assert done.returncode == 0, done.stderr
    english = json.loads((out / f"{Path(EN).stem}.json").read_text(encoding="utf-8"))
    spanish = json.loads((out / f"{Path(ES).stem}.json").read_text(encoding="utf-8"))
    assert english["source"]["sha256"] == sha256_file(MEDIA / "en_voicenote.opus")
    assert spanish["source"]["sha256"] == sha256_file(MEDIA / "es_voicenote.ogg")
    assert "station" in " ".join(s["text"] for s in english["segments"]).lower()
    assert _jobs(case) == [(EN, "done"), (ES, "done")]  # none on the zip
    again = _transcribe(archive, out=tmp_path / "again", case=case)  # transcribed: written, not redone
    assert again.returncode == 0 and _jobs(case) == [(EN, "done"), (ES, "done")]
    assert (tmp_path / "again" / f"{Path(ES).stem}.json").is_file()


@pytest.mark.slow
def test_cli_a_chat_zip_met_in_a_folder_gives_its_voice_notes(tmp_path, models_dir):
    phone = tmp_path / "phone"
    (phone / "WhatsApp").mkdir(parents=True)
    archive, _ = _exports(phone / "WhatsApp")
    shutil.copy(MEDIA / "en_voicenote.m4a", phone / "memo.m4a")
    out, case = tmp_path / "out", tmp_path / "case"
    done = _transcribe(phone, out=out, case=case)
    assert done.returncode == 0, done.stderr
    assert f"skipped {archive}" not in done.stderr  # it used to be passed over as not media
    assert sorted(p.name for p in out.glob("*.json") if not p.name.endswith(".manifest.json")) == sorted(
        [f"{Path(EN).stem}.json", f"{Path(ES).stem}.json", "memo.json"])
    names = {name for name, state in _jobs(case) if state == "done"}
    assert names == {EN, ES, "memo.m4a"}  # none on the zip or the chat text


@pytest.mark.slow
def test_cli_an_unzipped_whatsapp_export_in_a_folder_is_its_chat_with_its_voice_notes(tmp_path, models_dir):
    """Its chat text was passed over as "not a media file" and its voice notes transcribed as loose
    files; now the chat is an exhibit and each voice note is met once, as the chat's. A JSON file
    that is no chat export stays "not media"; a chat text without voice notes is said, not failed."""
    phone = tmp_path / "phone"
    export = phone / "WhatsApp Chat with Tom"
    export.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", export / "PTT-20240301-WA0001.opus")
    (export / "WhatsApp Chat with Tom.txt").write_text(
        "01/03/2024, 10:11 - Tom: see you at the docks\n"
        "01/03/2024, 10:12 - Tom: PTT-20240301-WA0001.opus (file attached)\n", encoding="utf-8")
    shutil.copy(FIXTURE, phone / "WhatsApp Chat with Dave.txt")  # no media at all
    (phone / "settings.json").write_text('{"theme": "dark"}', encoding="utf-8")
    out, case = tmp_path / "out", tmp_path / "case"
    done = _transcribe(phone, out=out, case=case)
    assert done.returncode == 0, done.stderr
    assert f"skipped {phone / 'settings.json'}: not a media file" in done.stderr
    assert ("WhatsApp Chat with Dave.txt: a chat export holding none of the 1 voice note(s) or video(s) it names: "
            "taken into the case") in done.stderr  # its PTT-20240313-WA0004.opus is not in the export
    assert "WhatsApp Chat with Tom.txt: not a media file" not in done.stderr
    assert sorted(p.name for p in out.glob("*.json")) == ["PTT-20240301-WA0001.json",
                                                          "PTT-20240301-WA0001.manifest.json"]
    assert _jobs(case) == [("PTT-20240301-WA0001.opus", "done")]
    opened = Case.open(case)
    try:
        kinds = sorted((e.source.name, e.source.kind) for e in opened.exhibits())
    finally:
        opened.close()
    assert kinds == [("PTT-20240301-WA0001.opus", "media"), ("WhatsApp Chat with Dave.txt", "chat"),
                     ("WhatsApp Chat with Tom.txt", "chat")]
