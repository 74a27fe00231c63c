"""Session 25, a user's walk through the README's commands over a made-up phone extraction: what an
investigator met."""

from __future__ import annotations

import shutil

import pytest

from app.core.export.record import settings_in_words
from app.core.store import Case
from app.core.usecases.exporting import run_to_export
from tests.conftest import MEDIA
from tests.test_cli_mistakes import run


def _settings_words(case_folder, name: str) -> str:
    case = Case.open(case_folder)
    try:
        run_id = run_to_export(case, case.find_exhibit(name).id)
        assert run_id is not None
        return settings_in_words(case.transcript(run_id))
    finally:
        case.close()


def test_a_stereo_interview_split_by_channel_is_not_said_to_have_its_speakers_told_apart_by_a_voice_model(
        media_folder_run, tmp_path):
    """The record of the shared stereo interview (one speaker per channel, labelled Left and Right) said
    in its Settings row and closing statement "both channels transcribed separately (each held one
    speaker), ... speakers told apart by the speaker-campplus voice model": the voice model's turns are
    not used where the channels name the speakers, so the record told a court of a method not used."""
    root, _ = media_folder_run
    shutil.copytree(root / "case", tmp_path / "case")  # the session's case stays as transcribed
    stereo = _settings_words(tmp_path / "case", "interview_stereo.wav")
    assert "both channels transcribed separately (each held one speaker)" in stereo, stereo
    assert "voice model" not in stereo.replace("no voice model used", ""), stereo
    assert stereo.endswith("each speaker named by the channel they spoke on (no voice model used)"), stereo
    mono = _settings_words(tmp_path / "case", "interview_mono.wav")  # diarised: said as before
    assert mono.endswith("speakers told apart by the speaker-campplus voice model"), mono


def test_translate_to_english_without_a_translation_model_names_whisper_s_own_route(capsys, tmp_path, models_dir):
    """`translate VOICE_NOTE --to en` on a set-up with no NLLB/M2M model (every fresh install: none ships)
    said only to import a bundle from a connected machine, though the same recording can be put into
    English offline at once with `transcribe --task translate`."""
    code, _, err = run(capsys, "translate", str(MEDIA / "de_voicenote.opus"), "--to", "en", "--out",
                       str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert code != 0
    [line] = err.strip().splitlines()
    assert "no translation model is installed" in line
    assert "transcribe RECORDING... --task translate --out DIR" in line, line
    code, _, err = run(capsys, "translate", str(MEDIA / "de_voicenote.opus"), "--to", "pl", "--out",
                       str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert code != 0 and "--task translate" not in err  # Whisper translates into English only


@pytest.fixture(scope="module")
def packed_case(tmp_path_factory):
    """Two voice notes transcribed together in one command (their speech packed into shared windows)."""
    from app.cli import main

    root = tmp_path_factory.mktemp("user25_packed")
    assert main(["transcribe", str(MEDIA / "en_voicenote.opus"), str(MEDIA / "en_voicenote.mp3"), "--out",
                 str(root / "out"), "--case", str(root / "case"), "--model", "tiny.en", "--format", "json",
                 "--diarize", "off"]) == 0
    return root


def test_reproduce_says_before_decoding_which_recordings_it_re_runs(capsys, packed_case, tmp_path):
    """`reproduce` of a voice note packed with 20 others printed nothing for 3.5 minutes (it decodes
    them all again, as the run was made) and then "identical". It now says at once what it re-runs."""
    shutil.copytree(packed_case / "case", tmp_path / "case")
    code, out, err = run(capsys, "reproduce", str(packed_case / "out" / "en_voicenote.opus.manifest.json"),
                         "--case", str(tmp_path / "case"))
    assert code == 0, err
    assert "identical" in out
    assert "with the 1 other recording(s) it shared encoder windows with, as it was made" in err, err


def test_export_without_a_task_writes_the_transcript_not_a_speech_translation_made_since(capsys, tmp_path,
                                                                                          models_dir):
    """The Polish note transcribed, then put into English (`transcribe --task translate`, as the README's
    Translation says): `export` of the case then wrote the English machine translation, headed
    "TRANSLATION OF A RECORDING", in place of the Polish transcript a proofreader works on (the window's
    "All exhibits" wrote the transcript). A translation is written when asked for (`--task translate`)."""
    import json

    from app.cli import main

    note, case = str(MEDIA / "pl_voicenote.opus"), str(tmp_path / "case")
    common = ["--case", case, "--format", "json", "--diarize", "off"]
    assert main(["transcribe", note, "--out", str(tmp_path / "heard"), *common]) == 0
    assert main(["transcribe", note, "--task", "translate", "--out", str(tmp_path / "english"), *common]) == 0
    capsys.readouterr()
    for task, out, wanted in ((None, "default", "transcribe"), ("translate", "asked", "translate")):
        code, _, err = run(capsys, "export", "pl_voicenote.opus", "--out", str(tmp_path / out), "--format", "json",
                           "--case", case, *(["--task", task] if task else []))
        assert code == 0, err
        written = json.loads((tmp_path / out / "pl_voicenote.json").read_text(encoding="utf-8"))
        assert written["task"] == wanted, (task, written["task"])
    heard = json.loads((tmp_path / "heard" / "pl_voicenote.json").read_text(encoding="utf-8"))
    default = json.loads((tmp_path / "default" / "pl_voicenote.json").read_text(encoding="utf-8"))
    assert [s["text"] for s in default["segments"]] == [s["text"] for s in heard["segments"]]


def test_entities_gives_a_date_said_without_its_year_as_a_reader_writes_it(capsys, media_folder_run, tmp_path):
    """The shared interview's "the evening on the 14th of March" was listed by `entities` as "--03-14"
    (ISO 8601's month-day form, which the window already shows as "14 March (no year)"). The JSON and
    the CSV keep the ISO value."""
    import json

    root, _ = media_folder_run
    shutil.copytree(root / "case", tmp_path / "case")
    code, out, err = run(capsys, "entities", "--kind", "date", "--case", str(tmp_path / "case"))
    assert code == 0, err
    [line] = [line for line in out.splitlines() if "March" in line or "03-14" in line]
    assert line.startswith("date     14 March (no year)") and "interview_stereo.wav" in line, line
    code, out, _ = run(capsys, "entities", "--kind", "date", "--json", "--case", str(tmp_path / "case"))
    assert "--03-14" in [e["value"] for e in json.loads(out)]
