"""An English-only Whisper model (tiny.en) cannot detect or transcribe another language: a
request for one is refused before anything is queued, and a transcript made with it says the
language was not detected instead of claiming English at p=1.00."""

from __future__ import annotations

import pytest

from app.core.models import catalogue
from tests.conftest import MEDIA
from tests.test_cli_mistakes import run

GERMAN_NOTE = MEDIA / "de_voicenote.opus"


def test_the_vocabulary_tells_an_english_only_model_from_a_multilingual_one(models_dir):
    assert catalogue.whisper_english_only(models_dir / "tiny.en")
    assert not catalogue.whisper_english_only(models_dir / "base")


@pytest.mark.parametrize("option", [["--language", "de"], ["--languages", "en,de"], ["--task", "translate"]])
def test_another_language_with_an_english_only_model_is_refused_before_anything_is_queued(
        capsys, tmp_path, models_dir, option):
    case = tmp_path / "case"
    code, out, err = run(capsys, "queue", "add", str(GERMAN_NOTE), "--model", "tiny.en", *option,
                         "--case", str(case))
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line.startswith("queue: model tiny.en is English-only; it cannot ")
    assert "--model base" in line
    assert not (case / "case.sqlite").exists()


def test_english_with_an_english_only_model_is_still_taken(capsys, tmp_path, models_dir):
    code, out, _ = run(capsys, "queue", "add", str(GERMAN_NOTE), "--model", "tiny.en", "--language", "en",
                       "--case", str(tmp_path / "case"))
    assert code == 0 and out.count("queued job") == 1


def test_a_transcript_from_an_english_only_model_says_its_language_was_not_detected(capsys, tmp_path, models_dir):
    out = tmp_path / "out"
    code, _, _ = run(capsys, "transcribe", str(GERMAN_NOTE), "--model", "tiny.en", "--format", "txt",
                     "--out", str(out), "--case", str(tmp_path / "case"), "--diarize", "off")
    assert code == 0
    text = (out / "de_voicenote.txt").read_text(encoding="utf-8")
    assert "Task: transcribe; language en (not detected: English-only model)" in text
    assert "p=1.00" not in text
    assert f"Warning: {catalogue.ENGLISH_ONLY_NOTE}" in text


def test_a_language_set_by_the_user_is_said_so_not_given_a_probability(capsys, tmp_path, models_dir):
    out = tmp_path / "out"
    code, _, _ = run(capsys, "transcribe", str(MEDIA / "en_voicenote.mp3"), "--model", "tiny.en",
                     "--language", "en", "--format", "txt", "--out", str(out), "--case", str(tmp_path / "case"))
    assert code == 0
    text = (out / "en_voicenote.txt").read_text(encoding="utf-8")
    assert "Task: transcribe; language en (set by the user)" in text
    assert "English-only" not in text


def test_the_window_says_a_run_was_made_with_an_english_only_model():
    from app.core.store.views import RunSummary
    from app.gui.run_notice import notices

    def summary(warnings: tuple[str, ...]) -> RunSummary:
        return RunSummary(1, "transcribe", "complete", "en", 1.0, "tiny.en", "2026-12-02T00:00:00", False, 3,
                          warnings, worded_count=3)

    [said] = notices(summary((catalogue.ENGLISH_ONLY_NOTE,)), False)
    assert said.startswith("Made with an English-only model: the language was not detected")
    assert notices(summary(()), False) == []


def test_the_record_of_interview_does_not_claim_english_was_detected(capsys, tmp_path, models_dir):
    """The TXT said "not detected", but the PDF's and DOCX's Language row still said "English (detected
    automatically, p=1.00)" two rows above the warning that it was not."""
    from app.core.export import load_transcript_json
    from app.core.export.record import source_rows  # the rows the PDF and DOCX print

    out = tmp_path / "out"
    code, _, _ = run(capsys, "transcribe", str(MEDIA / "en_voicenote.mp3"), "--model", "tiny.en", "--format", "json",
                     "--out", str(out), "--case", str(tmp_path / "case"), "--diarize", "off")
    assert code == 0
    transcript = load_transcript_json(out / "en_voicenote.json")
    language = dict(source_rows(transcript))["Language"]
    assert language == "English (not detected: the model is English-only)"
