"""Hostile kills, ninth round (session 17; tests/test_kills.py to test_kills7.py are the earlier ones):
a power cut that leaves a chat's extracted voice note named but unwritten (its size right, its bytes
zeros: NTFS, exFAT and FAT drives keep a new file's size before its data), and `queue run` next on it;
two commands taking in one chat at once, and what a copy killed part-way leaves."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from app.core.chats import load_export
from app.core.errors import MediaError
from app.core.evidence.source_check import check_unchanged
from app.core.media.decode import probe
from tests.conftest import MEDIA
from tests.test_chat_layouts6 import _sms_backup, _voice_mms
from tests.test_kills6 import live_process  # noqa: F401 - a fixture

NOTE = "00000002-AUDIO-2024-03-13-08-03-40.opus"
CHAT = f"[13/03/2024, 08:02:11] Dave: Are we still on?\n[13/03/2024, 08:03:40] Ana: \u200e<attached: {NOTE}>\n"


def _cut_by_power(path: Path) -> None:
    """What a power cut leaves of a file written just before it on such a drive: its size, none of its data."""
    path.chmod(0o644)
    path.write_bytes(bytes(path.stat().st_size))


def test_a_voice_note_a_power_cut_left_unwritten_is_extracted_again_from_the_zip(tmp_path):
    """The next run trusted an extracted copy by its size alone: the voice note read as 'its first 16,456
    bytes are all zero: never written, wiped...' (the zip holds it whole), and a note not yet transcribed
    before the cut was never transcribed. A copy whose bytes are not the member's is written again."""
    archive = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", NOTE)
    [first] = load_export(archive, tmp_path / "exports")
    copy = Path(first.files[NOTE])
    _cut_by_power(copy)
    [again] = load_export(archive, tmp_path / "exports")
    assert Path(again.files[NOTE]).read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()
    assert not list(copy.parent.glob("*.part"))


def test_an_sms_backups_voice_recording_a_power_cut_left_unwritten_is_written_again(tmp_path):
    audio = (MEDIA / "en_voicenote.amr").read_bytes()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    backup = _sms_backup(evidence / "sms-20240116080000.xml",
                         _voice_mms("+447700900123", 1705352760000, audio, "listen"), 1)
    [first] = load_export(backup, tmp_path / "exports")
    [copy] = (Path(p) for p in first.files.values())
    _cut_by_power(copy)
    [again] = load_export(backup, tmp_path / "exports")
    assert [Path(p).read_bytes() for p in again.files.values()] == [audio]


def test_a_queue_run_on_a_copy_a_power_cut_left_unwritten_says_timeline_writes_it_anew(tmp_path):
    """`queue run` (not `timeline`) next after the cut failed the voice note with 'the file's content changed
    since it was taken in', as if the evidence had changed: it is the case's own copy, and `timeline` on the
    export writes it anew (tested above) and transcribes it."""
    case = tmp_path / "case"
    copy = case / "exports" / ("ab" * 32) / NOTE
    copy.parent.mkdir(parents=True)
    (case / "case.sqlite").write_bytes(b"")
    copy.write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    source = probe(copy)
    _cut_by_power(copy)
    with pytest.raises(MediaError) as cut:
        check_unchanged(source)
    assert "changed since it was taken in" in str(cut.value) and "`timeline` on that export again" in str(cut.value)
    loose = tmp_path / "evidence" / NOTE  # a file given as it is: no such note
    loose.parent.mkdir()
    loose.write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    source = probe(loose)
    _cut_by_power(loose)
    with pytest.raises(MediaError) as changed:
        check_unchanged(source)
    assert "timeline" not in str(changed.value)


def test_two_commands_taking_in_one_chat_at_once_each_get_the_voice_note(tmp_path, monkeypatch):
    """Two `timeline`s (or the window and a command) taking one zip into one case at once wrote one shared
    `NAME.part`: the second truncated the first's, put it in place, and the first then failed with 'not a
    readable zip (No such file or directory ....part)', blaming the evidence. Each writer now has its own."""
    from app.core.chats import whatsapp_zip

    archive = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", NOTE)
    folder = tmp_path / "exports"
    real, others, started = shutil.copyfileobj, [], []

    def copy_while_another_writes(source, out, *args):
        if not started:  # the other command extracts the same member, start to end, in the middle of this copy
            started.append(True)
            with zipfile.ZipFile(archive) as other:
                others.append(whatsapp_zip.extract(other, other.getinfo(NOTE), folder))
        return real(source, out, *args)

    monkeypatch.setattr(shutil, "copyfileobj", copy_while_another_writes)
    with zipfile.ZipFile(archive) as mine:
        copy = whatsapp_zip.extract(mine, mine.getinfo(NOTE), folder)
    assert copy == others[0] and copy.read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == [NOTE]  # no partial copy left


def test_a_partial_copy_a_killed_command_left_is_removed_by_the_next(tmp_path, live_process):  # noqa: F811
    """A kill mid-copy leaves `.NAME.PID.XXXX.part`; the next take-in removes it (its writer gone, or its
    process id taken since by another process), never a live writer's."""
    archive = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", NOTE)
    [first] = load_export(archive, tmp_path / "exports")
    folder = Path(first.files[NOTE]).parent
    dead = folder / f".{NOTE}.999999999.abcd1234.part"
    reused = folder / f".{NOTE}.{live_process}.abcd1234.part"
    live = folder / f".{NOTE}.{os.getpid()}.abcd1234.part"
    for p in (dead, reused, live):
        p.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(reused, (old, old))  # written before the live process of that id started
    load_export(archive, tmp_path / "exports")
    assert sorted(p.name for p in folder.iterdir()) == sorted([NOTE, live.name])
