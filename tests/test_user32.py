"""A day-one user's trial (session 32): an investigator's phone folder and an incident room's interview."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "chats"


def test_a_telegram_video_the_export_left_unnamed_is_said_by_when_it_was_sent_not_by_telegrams_note(tmp_path, capsys):
    """Telegram writes "(File not included. Change data exporting settings to download.)" where a file was left
    out: `transcribe` and `timeline` listed that sentence among the missing recordings' file names
    ("... (audio_1@01-04-2021_09-03-00.ogg, (File not included. Change data exporting settings to download.))")."""
    from app.cli.main import main

    chat = tmp_path / "Telegram" / "result.json"
    chat.parent.mkdir()
    shutil.copy(FIXTURES / "telegram_result.json", chat)
    status = main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert status == 0, err
    assert ("2 voice note(s) or video(s) the chat names are not in the export, so not transcribed "
            "(audio_1@01-04-2021_09-03-00.ogg, an unnamed video sent 2021-04-01 09:05:00)") in err
    assert "File not included" not in err


def test_a_chat_named_directly_that_holds_none_of_its_recordings_is_not_said_to_be_without_any(tmp_path, capsys):
    """`transcribe result.json` (the chat named, not met in a folder) said "a chat export without voice notes or
    videos" just above the line naming the voice note and video it lacks (review of user32, M3)."""
    from app.cli.main import main

    chat = tmp_path / "Telegram" / "result.json"
    chat.parent.mkdir()
    shutil.copy(FIXTURES / "telegram_result.json", chat)
    main(["transcribe", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert "a chat export holding none of the 2 voice note(s) or video(s) it names: nothing to transcribe" in err
    assert "without voice notes or videos" not in err


def _set_language_run_with_no_words(case_dir: Path) -> None:
    """What the pipeline stores for `transcribe ro_voicenote.3gp --language fr` packed with the French note (session
    32's trial): the language it was given at p 1.0, and the speech heard as one [inaudible] marker, no words."""
    from app.core.evidence.provenance import software_info
    from app.core.store import Case
    from app.core.types import Segment
    from tests.gui_case import MODEL, add

    case = Case.open(case_dir)
    exhibit = add(case, "ro_voicenote.3gp")
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"model": "base", "language": "fr"}, software_info())
    case.append_segments(run, (Segment(0, 6160, "", flags=("inaudible",)),), {}, "fr", 1.0)
    case.finish_run(run, warnings=("speech was detected but no words were recognised: the language may be wrong "
                                   "(re-run with --language) or the speech unintelligible",))
    case.close()


def test_a_note_given_its_language_that_gave_no_words_is_not_said_to_be_detected_100_percent_sure(tmp_path, capsys):
    """`exhibits` said "no words recognised; detected as French, 100% sure: re-run in its language" of a note the
    user had transcribed with `--language fr`: nothing was detected, and the advice read as if it had not been
    tried in French. It now says the words were looked for in the language it was set to."""
    from app.cli.main import main

    _set_language_run_with_no_words(tmp_path / "case")
    assert main(["exhibits", "--case", str(tmp_path / "case")]) == 0
    listed = next(line for line in capsys.readouterr().out.splitlines() if "ro_voicenote.3gp" in line)
    assert "language uncertain" in listed
    assert ("speech heard (6 s) but no words recognised in French, the language it was set to: if it is another, "
            "re-run in that one") in listed
    assert "detected" not in listed and "sure" not in listed


def test_the_windows_notice_on_such_a_note_says_the_language_was_set_not_detected(tmp_path):
    """The window's notice read "Language uncertain: detected as French (100% sure). Speech was heard but no words
    were recognised: choose its language and re-run." over the same run."""
    import pytest

    pytest.importorskip("PySide6.QtWidgets")
    from app.core.store import Case
    from app.core.store.views import latest_speech_run
    from app.gui.run_notice import notices

    _set_language_run_with_no_words(tmp_path / "case")
    case = Case.open(tmp_path / "case")
    run = latest_speech_run(case, case.exhibits()[0].id)
    case.close()
    assert run is not None and run.language_set
    assert notices(run, False) == ["No words were recognised in French, the language it was set to, though speech "
                                   "was heard: if it is another language, choose it and re-run."]


def test_a_phone_folder_whose_telegram_chat_lacks_its_recordings_is_not_said_to_have_none(tmp_path, capsys):
    """`transcribe PHONE/` said of the Telegram chat "a chat export without voice notes or videos" and, on the next
    line, "2 voice note(s) or video(s) the chat names are not in the export": the two lines disagreed."""
    from app.cli.main import main

    chat = tmp_path / "phone" / "Telegram" / "result.json"
    chat.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "telegram_result.json", chat)
    status = main(["transcribe", str(tmp_path / "phone"), "--out", str(tmp_path / "out"),
                   "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert status == 0, err
    assert (f"{chat}: a chat export holding none of the 2 voice note(s) or video(s) it names: taken into the case, "
            "not failed") in err
    assert "without voice notes or videos" not in err


def test_a_chat_whose_recordings_are_unreadable_or_left_out_is_counted_alike_by_both_front_ends(tmp_path, capsys):
    """Review revC M3, M4, L6: a WhatsApp zip whose one voice note is not audio, and a Telegram chat whose voice
    note is damaged and whose video was left out: `transcribe` said "a chat export without voice notes or videos"
    (and "none of the 1" of the Telegram chat, which names 2), the window's "Transcribe" said it of both."""
    import zipfile

    from app.cli.main import main
    from app.core.store import Case
    from app.core.usecases.enqueueing import recordings_to_transcribe

    archive = tmp_path / "phone" / "WhatsApp Chat with Dave.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.write(FIXTURES / "whatsapp_android_en.txt", "_chat.txt")
        z.writestr("PTT-20240313-WA0004.opus", bytes(range(256)) * 12)  # no audio ffmpeg can read
    chat = tmp_path / "phone" / "Telegram" / "result.json"
    (chat.parent / "voice_messages").mkdir(parents=True)
    shutil.copy(FIXTURES / "telegram_result.json", chat)
    (chat.parent / "voice_messages" / "audio_1@01-04-2021_09-03-00.ogg").write_bytes(b"OggS" + bytes(600))
    said = {archive: "holding none of the 1 voice note(s) or video(s) it names that can be transcribed (1 unreadable)",
            chat: "holding none of the 2 voice note(s) or video(s) it names that can be transcribed (1 not in the "
                  "export, 1 unreadable)"}
    err_of: dict[Path, str] = {}
    for given, words in said.items():
        case = tmp_path / f"case_{given.stem}"
        assert main(["transcribe", str(given), "--out", str(tmp_path / "out"), "--case", str(case)]) == 1
        err = err_of[given] = capsys.readouterr().err
        assert f"{given}: a chat export {words}: nothing to transcribe" in err, err
        assert "without voice notes or videos" not in err
        store = Case.open(case)
        try:
            notes = recordings_to_transcribe(store, [e.id for e in store.exhibits() if e.source.kind == "chat"]).notes
        finally:
            store.close()
        assert notes == (f"{given.name}: a chat export {words}: nothing to transcribe",)
    # L6: the zip's note named as the user knows it, not by the case's copy; met in a folder, the damaged note is
    # said once (by the folder scan and again as the chat's, before)
    damaged = f"{archive} → PTT-20240313-WA0004.opus: not a media file ffmpeg can read"
    assert damaged in err_of[archive] and "/exports/" not in err_of[archive], err_of[archive]
    main(["transcribe", str(tmp_path / "phone"), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "all")])
    err = capsys.readouterr().err
    assert err.count("audio_1@01-04-2021_09-03-00.ogg: ") == 1, err
    assert damaged in err, err
