"""Every file in a folder accounted for; control characters never reach an output name (findings 8, 11)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.media import intake
from app.core.media.intake import find_media, record_met
from app.core.names import output_names, printable, safe_basename
from app.core.store import Case
from app.core.store.intake_log import intake_entries
from tests.conftest import MEDIA, REPO


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=600)


@pytest.fixture()
def no_hang():
    """Fail (not hang) if anything opens a FIFO for reading: generous, as some of these tests run a
    transcription, which takes far longer than 20 s on a loaded 2-core machine."""
    def alarm(*_):
        raise TimeoutError("a FIFO was opened: intake hung")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(240)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture()
def mixed(tmp_path) -> Path:
    """A folder holding one of everything intake can meet."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", outside / "host.opus")
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "note.opus")
    (folder / "notes.txt").write_text("not media\n")
    (folder / "link.opus").symlink_to(outside / "host.opus")
    (folder / "linked-folder").symlink_to(outside)
    os.mkfifo(folder / "pipe.opus")
    shutil.copy(MEDIA / "not_audio.wav", folder / "broken.wav")
    return folder


def test_every_file_met_is_listed_with_its_reason(mixed, no_hang):
    found = {Path(f.path).name: f for f in find_media([str(mixed)])}
    assert found.keys() == {"note.opus", "notes.txt", "link.opus", "linked-folder", "pipe.opus", "broken.wav"}
    assert found["note.opus"].source is not None
    assert found["notes.txt"].skipped == "not a media file"
    assert found["link.opus"].skipped == "symbolic link not followed"
    assert found["linked-folder"].skipped == "symbolic link not followed"
    assert found["pipe.opus"].skipped == "device file, FIFO or socket (not opened)"
    assert found["broken.wav"].error == "not a media file ffmpeg can read"


def test_an_explicit_fifo_is_refused_without_opening_it(mixed, no_hang):
    (result,) = find_media([str(mixed / "pipe.opus")])
    assert result.source is None and "not a regular file" in result.error


def test_a_file_named_twice_or_also_inside_a_folder_named_is_met_once(mixed, no_hang):
    note = mixed / "note.opus"
    found = list(find_media([str(note), str(mixed), str(note), f"{mixed}/./note.opus"]))
    assert [Path(f.path).name for f in found].count("note.opus") == 1
    assert len(found) == 6  # the folder's other five files still each met once


def test_unreadable_file_is_a_failure_with_its_reason(mixed, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(intake.os, "access",
                        lambda p, mode: False if str(p).endswith("notes.txt") else real_access(p, mode))
    found = {Path(f.path).name: f for f in find_media([str(mixed)])}
    assert found["notes.txt"].error == "unreadable (permission denied)"


def test_the_case_records_each_file_with_its_hash_and_the_audit_log_too(mixed, tmp_path, no_hang):
    met = list(find_media([str(mixed)]))
    case = Case.open(tmp_path / "case")
    try:
        record_met(case, met)
        entries = {Path(e.path).name: e for e in intake_entries(case)}
        assert entries["notes.txt"].status == "skipped"
        assert entries["notes.txt"].sha256 == hashlib.sha256(b"not media\n").hexdigest()
        assert entries["link.opus"].sha256 is None and entries["pipe.opus"].sha256 is None
        assert entries["broken.wav"].status == "failed"
        assert entries["broken.wav"].sha256 == hashlib.sha256((MEDIA / "not_audio.wav").read_bytes()).hexdigest()
        assert entries["note.opus"].status == "media" and len(entries["note.opus"].sha256) == 64
        audited = [e for e in case.audit.entries("intake/")]
        assert len(audited) == 6 and {e.action for e in audited} == {"intake.media", "intake.skipped",
                                                                    "intake.failed"}
        assert case.audit.verify() == []
    finally:
        case.close()


def test_a_folder_of_symbolic_links_says_nothing_to_transcribe(tmp_path, no_hang):
    folder = tmp_path / "links"
    folder.mkdir()
    for name in ("en_voicenote.opus", "en_voicenote.m4a"):
        (folder / name).symlink_to(MEDIA / name)
    result = run_cli("transcribe", str(folder), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nothing to transcribe" in result.stderr and "2 symbolic link not followed" in result.stderr
    assert not (tmp_path / "out").exists()
    listed = run_cli("exhibits", "--all", "--case", str(tmp_path / "case"))
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and all("skipped" in line and "symbolic link not followed" in line for line in lines)
    queued = run_cli("queue", "add", str(folder), "--case", str(tmp_path / "case"), "--model", "tiny.en")
    assert queued.returncode == 1 and "nothing to transcribe" in queued.stderr


def test_names_are_escaped_for_print_and_sanitised_for_output():
    assert printable("a\nb\x1b[2J\u202e") == "a\\nb\\x1b[2J\\u202e"
    assert safe_basename("evil\nname\r") == "evil_name_"
    names = output_names(["/e/a\nb.opus", "/e/a_b.opus", "/e/c.opus"])
    assert names["/e/c.opus"] == "c"
    assert len(set(names.values())) == 3 and not any("\n" in n for n in names.values())


@pytest.mark.slow
def test_a_newline_in_a_file_name_never_reaches_an_output_or_the_printed_list(tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "evil\nname.opus")
    shutil.copy(MEDIA / "not_audio.wav", folder / "bad\nfile.wav")
    out = tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "txt,json")
    assert result.returncode == 1  # bad\nfile.wav fails
    assert sorted(p.name for p in out.iterdir()) == ["evil_name.json", "evil_name.manifest.json", "evil_name.txt"]
    assert [Path(line) for line in result.stdout.splitlines()] == [
        out / "evil_name.txt", out / "evil_name.json", out / "evil_name.manifest.json"]
    assert f"{printable(str(folder / 'bad'))}\\nfile.wav: not a media file ffmpeg can read" in result.stderr
    assert not any(line.startswith("file.wav") for line in result.stderr.splitlines())
    listed = run_cli("exhibits", "--all", "--case", str(tmp_path / "case"))
    assert len(listed.stdout.splitlines()) == 2 and "evil\\nname.opus" in listed.stdout


def test_output_names_any_disk_takes():
    """An export to a USB stick (exFAT) or a Windows share failed on a voice note named with ':'."""
    assert safe_basename('Voice 10:15 <a|b> "c"?*\\') == "Voice 10_15 _a_b_ _c____"
    assert [safe_basename(n) for n in ("CON", "nul.backup", "Com1 ", "console")] == [
        "_CON", "_nul.backup", "_Com1 ", "console"]
    names = output_names(["/e/a:b.opus", "/e/a_b.opus", "/e/aux.m4a"])
    assert names["/e/aux.m4a"] == "_aux" and len({n.casefold() for n in names.values()}) == 3


@pytest.mark.slow
def test_a_note_named_with_a_colon_is_exported_under_a_name_any_disk_takes(tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "Voice 10:15?.opus")
    out = tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "txt,json")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "Voice 10_15_.json", "Voice 10_15_.manifest.json", "Voice 10_15_.txt"]
    manifest = (out / "Voice 10_15_.manifest.json").read_text(encoding="utf-8")
    assert "Voice 10:15?.opus" in manifest  # the source is named as it is


def test_a_duplicate_met_under_another_name_is_listed_with_its_exhibit(tmp_path, no_hang):
    folder = tmp_path / "ev"
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "a_first.opus")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "b_copy.mp4")  # same bytes, misleading name
    case = str(tmp_path / "case")
    queued = run_cli("queue", "add", os.path.relpath(folder, REPO), "--case", case, "--model", "tiny.en")
    assert queued.returncode == 0, queued.stderr
    listed = run_cli("exhibits", "--all", "--case", case)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].endswith("a_first.opus")  # named relatively: the first is no duplicate
    assert "duplicate" in lines[1] and lines[1].endswith("b_copy.mp4: same content as exhibit 1")


def test_an_empty_name_is_refused_not_read_as_the_current_folder(tmp_path):
    """`transcribe "$FILE"` with FILE unset passed "": Path("") is ".", and the run took in
    whatever the current folder held."""
    found = list(find_media(["", "  "]))
    assert [f.error for f in found] == ["an empty name was given, not a file or folder"] * 2
    assert all(f.source is None for f in found)


def test_a_duplicate_s_export_manifest_names_every_path_its_bytes_were_met_under(tmp_path, no_hang):
    """b.json's manifest gave a.opus as its source (one exhibit per SHA-256) and nothing else: a
    reader could not tell from it that b.opus was met at all."""
    folder = tmp_path / "ev"
    folder.mkdir()
    for name in ("a.opus", "b.opus"):
        shutil.copy(MEDIA / "en_voicenote.opus", folder / name)
    out = tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    for name in ("a", "b"):
        manifest = json.loads((out / f"{name}.manifest.json").read_text(encoding="utf-8"))
        assert manifest["source_found_at"] == [str(folder / "a.opus"), str(folder / "b.opus")]


def test_exhibits_all_lists_a_file_met_again_once(mixed, tmp_path, no_hang):
    """A phone transcribed a second time meets its photos and databases again: the log keeps both
    meetings, `exhibits --all` lists each file once (it had listed every skipped file twice)."""
    case = Case.open(tmp_path / "case")
    try:
        for _ in range(2):
            record_met(case, list(find_media([str(mixed)])))
        assert sum(Path(e.path).name == "notes.txt" for e in intake_entries(case)) == 2
    finally:
        case.close()
    listed = run_cli("exhibits", "--all", "--case", str(tmp_path / "case"))
    lines = [line for line in listed.stdout.splitlines() if "notes.txt" in line]
    assert len(lines) == 1 and "skipped" in lines[0] and "not a media file" in lines[0]
    assert sum("broken.wav" in line for line in listed.stdout.splitlines()) == 1


def test_one_voice_note_met_twice_under_one_name_is_one_export_set(tmp_path, no_hang):
    """A phone holds WhatsApp's voice note loose and again in an exported chat's folder, same name,
    same bytes: two identical sets came out, PTT-0001.opus.json and PTT-0001.opus-2.json, neither
    saying which copy it stood for. One set now, its manifest naming both paths."""
    phone = tmp_path / "phone"
    for folder in ("Voice Notes", "Chat export"):
        (phone / folder).mkdir(parents=True)
        shutil.copy(MEDIA / "en_voicenote.opus", phone / folder / "PTT-0001.opus")
    shutil.copy(MEDIA / "en_voicenote.opus", phone / "Voice Notes" / "copy.opus")
    out = tmp_path / "out"
    result = run_cli("transcribe", str(phone), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "PTT-0001.json", "PTT-0001.manifest.json", "copy.json", "copy.manifest.json"]
    manifest = json.loads((out / "PTT-0001.manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["source_found_at"]) == sorted(
        str(phone / f / n) for f, n in (("Chat export", "PTT-0001.opus"), ("Voice Notes", "PTT-0001.opus"),
                                        ("Voice Notes", "copy.opus")))
