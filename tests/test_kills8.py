"""Hostile kills, ninth round (session 17; tests/test_kills.py to test_kills7.py are the earlier ones):
a power cut that leaves a chat's extracted voice note named but unwritten (its size right, its bytes
zeros: NTFS, exFAT and FAT drives keep a new file's size before its data), and `queue run` next on it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.core.chats import load_export
from app.core.errors import MediaError
from app.core.evidence.source_check import check_unchanged
from app.core.media.decode import probe
from tests.conftest import MEDIA
from tests.test_chat_layouts6 import _sms_backup, _voice_mms

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
