"""Session 24, a user's walk through the README's commands: what an investigator or a typist met."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.conftest import MEDIA
from tests.test_cli_mistakes import run


def _settings_row(path: Path) -> str:
    """The record's Settings row, as the DOCX prints it."""
    rows = [[c.text for c in row.cells] for table in docx.Document(str(path)).tables for row in table.rows]
    [settings] = [cells[-1] for cells in rows if cells[0] == "Settings"]
    return settings


@pytest.fixture(scope="module")
def alone_and_together(tmp_path_factory) -> tuple[Path, Path]:
    """One voice note transcribed on its own, and two transcribed together in one command (packed)."""
    from app.cli import main

    root = tmp_path_factory.mktemp("user24_packing")
    alone, together = root / "alone", root / "together"
    common = ["--model", "tiny.en", "--format", "docx", "--diarize", "off"]
    assert main(["transcribe", str(MEDIA / "en_voicenote.opus"), "--out", str(alone), "--case",
                 str(root / "case1"), *common]) == 0
    assert main(["transcribe", str(MEDIA / "en_voicenote.opus"), str(MEDIA / "en_voicenote.mp3"),
                 "--out", str(together), "--case", str(root / "case2"), *common]) == 0
    return alone, together


def test_a_recording_transcribed_alone_is_not_said_to_share_other_files_speech(alone_and_together):
    """The record's Settings row said "decoded with other files' speech" of every recording whose
    `batch` setting was on (the default): an interview transcribed on its own, or one too long ever
    to be batched, was described to the court as decoded with other evidence's speech."""
    alone, together = alone_and_together
    assert "decoded on its own" in _settings_row(alone / "en_voicenote.docx")
    assert "other files' speech" not in _settings_row(alone / "en_voicenote.docx")
    shared = [_settings_row(together / f"en_voicenote.{ext}.docx") for ext in ("opus", "mp3")]
    assert all("decoded with other files' speech" in row for row in shared), shared


def test_queue_add_of_a_phone_folder_takes_in_its_chat_exports_voice_notes(capsys, tmp_path, models_dir):
    """`queue add PHONE_EXTRACT/` (the README's whole-phone command) said of a WhatsApp zip and of an
    unzipped chat text only "skipped ...: not a media file": the zip's voice notes were never queued,
    where `transcribe` on the same folder takes the chats in and transcribes them."""
    from app.core.store import Case
    from tests.test_timeline import VOICE, whatsapp_zip

    phone = tmp_path / "phone"
    whatsapp_zip(phone / "Download")
    (phone / "Recordings").mkdir()
    (phone / "Recordings" / "memo.m4a").write_bytes((MEDIA / "en_voicenote.m4a").read_bytes())
    code, out, err = run(capsys, "queue", "add", str(phone), "--model", "tiny.en", "--case", str(tmp_path / "case"))
    assert "not a media file" not in err, err
    assert code == 0, err
    case = Case.open(tmp_path / "case")
    try:
        names = {e.source.name: e.source.kind for e in case.exhibits()}
    finally:
        case.close()
    assert names == {"WhatsApp Chat - Ana.zip": "chat", VOICE: "media", "memo.m4a": "media"}, names
    assert out.count("queued job") == 2 and VOICE in out


def test_a_foreign_note_heard_by_an_english_only_model_says_what_can_be_done(capsys, tmp_path, models_dir):
    """tiny.en on a Spanish note recognises no word. `exhibits` said "it was read as en 100% in its packed
    window: re-run in its language" and the exports "(re-run with --language)": the model detects no
    language, and `--language es` with it is refused. Now: a multilingual model is what to re-run with."""
    import json

    out = tmp_path / "out"
    code, _, _ = run(capsys, "transcribe", str(MEDIA / "es_voicenote.ogg"), "--model", "tiny.en", "--format",
                     "json", "--out", str(out), "--case", str(tmp_path / "case"), "--diarize", "off")
    assert code == 0
    warnings = json.loads((out / "es_voicenote.json").read_text(encoding="utf-8"))["warnings"]
    assert not any("read as en" in w or "--language)" in w for w in warnings), warnings
    assert any("re-run with a multilingual model" in w for w in warnings), warnings
    code, listed, _ = run(capsys, "exhibits", "--case", str(tmp_path / "case"))
    assert code == 0 and "language uncertain" in listed
    assert "re-run with a multilingual model (--model base) in its language" in listed, listed
    assert "read as en" not in listed, listed


@pytest.mark.parametrize("command", [["search", "hello"], ["entities"]])
def test_search_and_entities_leave_an_emptied_store_as_found(capsys, tmp_path, command):
    """A 0-byte case.sqlite (the store emptied, or a first command killed while it made the case): every
    other reading command refuses it in one line; `search` and `entities` opened it as a new case, wrote
    Parley's empty schema over it and said "no hits" / "no entities found", exit 0."""
    store = tmp_path / "case" / "case.sqlite"
    store.parent.mkdir()
    store.write_bytes(b"")
    code, out, err = run(capsys, *command, "--case", str(store.parent))
    assert code == 1 and out == "", (code, out, err)
    assert "case.sqlite is empty (0 bytes)" in err and err.count("\n") == 1, err
    assert store.stat().st_size == 0


def _commands(parser, prefix=()):
    """(command words, its parser) for every command and sub-command."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from _commands(sub, (*prefix, name))


def test_every_argument_of_every_command_says_what_it_is_in_its_help():
    """`models import --help` listed `bundle`, `--name NAME` and `--models-dir MODELS_DIR` with no word
    of what they are (the same for `models verify/bundle`, `queue retry JOB`, `transcribe INPUT`,
    `--beam-size`, `--min-speakers`...): a user reading --help had to find the README."""
    import argparse

    from app.cli.commands import build_parser

    bare = [f"{' '.join(words)} {action.option_strings[-1] if action.option_strings else action.dest}"
            for words, parser in _commands(build_parser()) for action in parser._actions
            if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert bare == [], bare


def test_exporting_every_exhibit_of_a_case_holding_a_chat_is_not_a_failure(capsys, tmp_path, models_dir):
    """`export --out DIR` (every exhibit) on a phone's case exited 1 whatever happened: each chat export
    was a failure line ("a chat export, not a recording"), so a real failure could not be told from it.
    Not named, a chat is passed over and said so; named, it is still refused."""
    from tests.test_timeline import VOICE, whatsapp_zip

    chat, case = whatsapp_zip(tmp_path / "phone"), str(tmp_path / "case")
    code, _, _ = run(capsys, "transcribe", str(chat), "--model", "tiny.en", "--format", "txt", "--out",
                     str(tmp_path / "out"), "--case", case, "--diarize", "off")
    assert code == 0
    code, _, err = run(capsys, "export", "--out", str(tmp_path / "again"), "--format", "txt", "--case", case)
    assert code == 0, err
    assert (tmp_path / "again" / VOICE).with_suffix(".txt").is_file()
    [said] = err.splitlines()
    assert said.startswith("skipped ") and "a chat export, not a recording" in said and "timeline" in said
    code, _, err = run(capsys, "export", "WhatsApp Chat - Ana.zip", "--out", str(tmp_path / "named"), "--case", case)
    assert code == 1 and "a chat export, not a recording" in err


def test_translating_a_recording_with_no_speech_is_an_honest_empty_result(capsys, tmp_path, models_dir):
    """A voice note of noise has no words and no language: its translate job failed ("the transcript has no
    text to translate"), so `translate`, and `timeline --translate-to` on a chat holding one silent note,
    exited 1 with a failure line. Now the job is done with nothing to translate, and said so."""
    tiny_nllb = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"
    code, _, err = run(capsys, "translate", str(MEDIA / "noise_10s.wav"), "--to", "pl", "--model", str(tiny_nllb),
                         "--whisper-model", "tiny.en", "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert code == 0, err
    assert "noise_10s.wav: no words in its transcript (no speech was found): nothing to translate" in err
    code, listed, _ = run(capsys, "queue", "status", "--case", str(tmp_path / "case"))
    assert "failed" not in listed and "2 done" in listed, listed


def test_export_of_a_recording_whose_transcription_failed_says_why_and_what_to_run(capsys, tmp_path, models_dir):
    """`export` said "nothing transcribed yet for this exhibit" of a recording whose job had failed (its
    reason in the case) or was still queued: neither why, nor what to run."""
    import shutil

    folder, case = tmp_path / "phone", str(tmp_path / "case")
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.amr", folder / "a.amr")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "b.opus")
    assert run(capsys, "queue", "add", str(folder), "--model", "tiny.en", "--case", case)[0] == 0
    code, _, err = run(capsys, "export", "b.opus", "--out", str(tmp_path / "out"), "--case", case)
    assert code == 1 and "not transcribed yet: its job 2 is queued (`python -m app queue run`" in err, err
    assert run(capsys, "queue", "cancel", "2", "--case", case)[0] == 0
    (folder / "a.amr").unlink()  # moved away after it was queued: its job fails
    assert run(capsys, "queue", "run", "--case", case)[0] == 1
    code, _, err = run(capsys, "export", "a.amr", "--out", str(tmp_path / "out"), "--case", case)
    assert code == 1 and "not transcribed: its job 1 failed (no such file" in err, err
    assert "`python -m app queue retry 1` once that is mended" in err


def test_exhibits_names_each_unzipped_chat_not_only_its_file(capsys, tmp_path):
    """Every unzipped WhatsApp export is a file named `_chat.txt`: `exhibits` listed a phone's chats as
    so many lines of "chat: see `timeline`  _chat.txt", none telling which chat it was."""
    case = str(tmp_path / "case")
    for who in ("Ana", "Bob"):
        folder = tmp_path / "phone" / f"WhatsApp Chat with {who}"
        folder.mkdir(parents=True)
        (folder / "_chat.txt").write_text(f"[13/03/2024, 08:02:11] {who}: Where are you?\n", encoding="utf-8")
    code, _, err = run(capsys, "timeline", str(tmp_path / "phone"), "--out", str(tmp_path / "out"), "--case", case)
    assert code == 0, err
    code, listed, _ = run(capsys, "exhibits", "--case", case)
    chats = [line for line in listed.splitlines() if "chat: see `timeline`" in line]
    assert [line.split("  ")[-1] for line in chats] == ["_chat.txt: WhatsApp Chat with Ana",
                                                         "_chat.txt: WhatsApp Chat with Bob"], listed


def test_translate_prints_a_file_name_holding_a_newline_as_an_escape(capsys, tmp_path):
    """`translate FOLDER` printed a skipped file's name raw: "evil\\nname.jpg" came out as two lines, the
    second reading as a file of its own; every other command writes `\\n`."""
    tiny_nllb = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "note.txt").write_text("Meet me at the station.\n", encoding="utf-8")
    (folder / "evil\nname.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, _, err = run(capsys, "translate", str(folder), "--to", "pl", "--from", "en", "--model", str(tiny_nllb),
                       "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert code == 0, err
    skipped = [line for line in err.splitlines() if "name.jpg" in line]
    assert skipped == [f"skipped {folder}/evil\\nname.jpg: not a media file"], err


def test_timeline_names_a_phone_folder_holding_a_newline_as_an_escape(capsys, tmp_path):
    """`timeline PHONE/` counts the WhatsApp media no chat names: the folder's name was printed raw, so a
    newline in it broke the line in two, the second half reading as a line of its own."""
    phone = tmp_path / "seized\nphone"
    (phone / "chat").mkdir(parents=True)
    (phone / "chat" / "_chat.txt").write_text("[13/03/2024, 08:02:11] Ana: Where are you?\n", encoding="utf-8")
    notes = phone / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202403"
    notes.mkdir(parents=True)
    (notes / "PTT-20240313-WA0001.opus").write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    code, _, err = run(capsys, "timeline", str(phone), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert code == 0, err
    [said] = [line for line in err.splitlines() if "no chat read names" in line]
    assert said.startswith(f"{tmp_path}/seized\\nphone: 1 voice note(s)"), err
    assert not any(line.startswith("phone/") for line in err.splitlines()), err  # the chat's own line too
    assert "transcribe " + str(tmp_path) + "/seized\\nphone takes them in" in said, said


def test_translating_a_recording_transcribed_before_says_its_transcript_is_reused(capsys, tmp_path, models_dir):
    """`translate NOTE` after `transcribe NOTE` with the same Whisper model reused the stored transcript but
    said nothing of it: the output could not tell a reused transcript from a fresh one."""
    tiny_nllb = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"
    note, case = str(MEDIA / "en_voicenote.opus"), str(tmp_path / "case")
    assert run(capsys, "transcribe", note, "--model", "tiny.en", "--format", "txt", "--out", str(tmp_path / "t"),
               "--case", case)[0] == 0  # the options translate's transcribe job has: that very job is reused
    code, _, err = run(capsys, "translate", note, "--to", "pl", "--model", str(tiny_nllb), "--whisper-model", "tiny.en",
                       "--out", str(tmp_path / "out"), "--case", case)
    assert code == 0, err
    assert "en_voicenote.opus: translating the stored transcript (run 1)" in err, err
