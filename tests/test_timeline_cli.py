"""`python -m app timeline` on a WhatsApp zip with real voice notes (real Whisper base model).

The translation runs on the tiny random-weight NLLB fixture: its words are gibberish, but
which notes are translated (not the one already in English) and where it lands are real.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from docx import Document
from pypdf import PdfReader

from app.core.hashing import sha256_file
from tests.conftest import MEDIA, REPO

pytestmark = pytest.mark.slow

EN = "00000002-AUDIO-2024-03-13-08-03-40.opus"
ES = "PTT-20240313-WA0003.ogg"
CHAT = f"""[13/03/2024, 08:02:11] Dave Miller: Are we still on for Saturday?
[13/03/2024, 08:03:40] Ana: \u200e<attached: {EN}>
[13/03/2024, 08:04:10] Dave Miller: What about Luis?
[13/03/2024, 08:05:02] Luis: {ES} (file attached)
[13/03/2024, 08:06:00] Luis: \u200e<attached: 00000005-AUDIO-2024-03-13-08-06-00.opus>
[13/03/2024, 08:07:30] Dave Miller: ok
"""


def test_voice_notes_are_transcribed_in_their_place(tmp_path, models_dir):
    archive = tmp_path / "evidence" / "WhatsApp Chat with Ana.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", EN)
        z.write(MEDIA / "es_voicenote.ogg", ES)
    out, case = tmp_path / "out", tmp_path / "case"
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(archive), "--out", str(out), "--case", str(case),
         "--model", "base", "--format", "json,docx,pdf",
         "--translate-to", "en", "--translate-model", str(REPO / "tests" / "fixtures" / "tiny_nllb")],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "WhatsApp Chat with Ana.timeline.json").read_text(encoding="utf-8"))
    assert data["container"] == "whatsapp-zip"
    messages = data["messages"]
    assert [m["sender"] for m in messages] == ["Dave Miller", "Ana", "Dave Miller", "Luis", "Luis",
                                               "Dave Miller"]
    assert [m["datetime"] for m in messages][:2] == ["2024-03-13T08:02:11", "2024-03-13T08:03:40"]
    assert all(m["time"].startswith("13/03/2024, 08:0") and m["system"] is False for m in messages)
    english, spanish, gone = (messages[i]["attachment"] for i in (1, 3, 4))
    assert english["sha256"] == sha256_file(MEDIA / "en_voicenote.opus")
    assert "station" in english["transcript"].lower() and english["missing"] is False
    assert spanish["sha256"] == sha256_file(MEDIA / "es_voicenote.ogg") and spanish["language"] == "es"
    assert "estación" in spanish["transcript"].lower()
    assert spanish["translation"] and english["translation"] is None  # already in English
    assert gone["missing"] is True and gone["transcript"] is None and gone["sha256"] is None
    assert messages[0]["attachment"] is None and messages[0]["text"] == "Are we still on for Saturday?"
    assert (out / "WhatsApp Chat with Ana.timeline.docx").stat().st_size > 0
    assert (out / "WhatsApp Chat with Ana.timeline.pdf").read_bytes().startswith(b"%PDF")
    extracted = list((case / "exports").rglob("*.*"))
    assert sorted(p.name for p in extracted) == sorted([EN, ES])  # only into the case's own folder


def test_a_chat_whose_dates_cannot_be_read_says_so_at_intake(tmp_path):
    chat = tmp_path / "phone" / "WhatsApp Chat with Dave.txt"
    chat.parent.mkdir()
    chat.write_bytes((REPO / "tests" / "fixtures" / "chats" / "whatsapp_ambiguous.txt").read_bytes())
    result = subprocess.run([sys.executable, "-m", "app", "timeline", str(chat), "--case", str(tmp_path / "case"),
                             "--out", str(tmp_path / "out")], cwd=REPO, capture_output=True, text=True, timeout=300,
                            check=False)
    warning = [line for line in result.stderr.splitlines() if "no date-time" in line]
    assert len(warning) == 1 and "ambiguous" in warning[0], result.stderr
    story = json.loads(next((tmp_path / "out").glob("*.timeline.json")).read_text(encoding="utf-8"))
    assert story  # the chat is still told, its messages in the order written


def test_a_voice_note_without_speech_says_so_in_the_docx_and_pdf(tmp_path, models_dir):
    """A voice note transcribed to no words read as "[Voice note X, transcript]" and nothing: as if
    its transcript were lost. The record says "(no speech found)", as the window does."""
    archive = tmp_path / "evidence" / "WhatsApp Chat with Ana.zip"
    archive.parent.mkdir()
    silent = "00000002-AUDIO-2024-03-13-08-03-40.wav"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", f"[13/03/2024, 08:03:40] Ana: \u200e<attached: {silent}>\n")
        z.write(MEDIA / "silence_30s.wav", silent)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(archive), "--out", str(out), "--case", str(tmp_path / "case"),
         "--model", "tiny.en", "--format", "json,docx,pdf"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "WhatsApp Chat with Ana.timeline.json").read_text(encoding="utf-8"))
    assert data["messages"][0]["attachment"]["transcript"] == ""
    cells = [cell.text for row in Document(out / "WhatsApp Chat with Ana.timeline.docx").tables[-1].rows
             for cell in row.cells]
    assert any(c.startswith(f"[Voice note {silent}, transcript, machine draft]\n(no speech found)\n(exhibit 2, SHA-256 ")
               for c in cells), cells
    pdf = " ".join(page.extract_text() for page in PdfReader(out / "WhatsApp Chat with Ana.timeline.pdf").pages)
    assert "(no speech found)" in pdf


def test_a_chat_named_with_a_colon_is_exported_under_a_name_any_disk_takes(tmp_path):
    """A chat file named "Mum: 2024?.txt" wrote "Mum: 2024?.timeline.json", which a USB stick (exFAT)
    or a Windows share refuses."""
    chat = tmp_path / "phone" / "Mum: 2024?.txt"
    chat.parent.mkdir()
    chat.write_text(CHAT.split("\n", 1)[0] + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "app", "timeline", str(chat), "--case", str(tmp_path / "case"),
                             "--out", str(tmp_path / "out"), "--format", "json,pdf"], cwd=REPO, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Mum_ 2024_.timeline.json",
                                                                   "Mum_ 2024_.timeline.pdf"]
