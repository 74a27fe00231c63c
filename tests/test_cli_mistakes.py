"""An investigator's slips at the command line: each is one clear line, the right exit status,
and nothing queued, created or refused that should not be."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.core.store import Case
from app.core.store.jobs import JobQueue
from tests.conftest import MEDIA

VOICE_NOTE = MEDIA / "en_voicenote.mp3"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_a_missing_input_fails_alone_and_does_not_make_its_folder_evidence(capsys, tmp_path, models_dir):
    """A typo beside the case folder (`~/typo.wav --case ~/case`) used to refuse the whole command,
    `--case lies inside` the typo's folder; now the typo fails on its own line and the rest is queued."""
    case = tmp_path / "case"
    typo = tmp_path / "en_voicenot.mp3"
    code, out, err = run(capsys, "queue", "add", str(typo), str(VOICE_NOTE), "--model", "tiny.en",
                         "--case", str(case))
    assert code == 1
    assert err.splitlines() == [f"{typo}: no such file"]
    assert out.count("queued job") == 1
    opened = Case.open(case)
    try:
        assert [j.state for j in JobQueue(opened.conn).list()] == ["queued"]
    finally:
        opened.close()


@pytest.mark.parametrize("option", [["--language", "xx"], ["--languages", "en,zz"]])
def test_an_unknown_language_code_is_refused_before_anything_is_queued(capsys, tmp_path, models_dir, option):
    case = tmp_path / "case"
    code, out, err = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "tiny.en", *option,
                         "--case", str(case))
    bad = option[1].split(",")[-1]
    assert code == 1 and out == ""
    said = (f"queue: unknown language code '{bad}' (two-letter codes such as en, de, pl, ro; "
            "`python -m app translate --list-languages` lists them)")
    assert err.splitlines() == [said]
    assert not (case / "case.sqlite").exists()  # no case made, no failed job left behind


def test_a_language_code_in_capitals_is_still_a_language(capsys, tmp_path, models_dir):
    code, out, _ = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "tiny.en", "--language", "EN",
                       "--case", str(tmp_path / "case"))
    assert code == 0 and out.count("queued job") == 1


@pytest.mark.parametrize("argv", [
    ["export", "1", "--out", "{tmp}/out"],
    ["queue", "status"],
    ["queue", "run"],
    ["queue", "cancel", "1"],
    ["queue", "retry", "1"],
    ["interview", "1"],
])
def test_a_mistyped_case_folder_is_said_so_and_no_case_is_made_there(capsys, tmp_path, argv):
    wrong = tmp_path / "cse"
    code, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv], "--case", str(wrong))
    assert code == 1 and out == ""
    assert err.splitlines() == [f"{argv[0]}: {wrong}: no case here (no case.sqlite); check --case"]
    assert not wrong.exists()


def test_export_refuses_a_misspelt_task(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(["export", "--task", "transcibe", "--out", str(tmp_path / "out"), "--case", str(tmp_path)])
    assert stop.value.code == 2
    assert "invalid choice: 'transcibe'" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "said"), [
    (["", "--limit", "5"], 'the query is empty: give words, prefix* or "a phrase" to look for'),
    (["  "], 'the query is empty: give words, prefix* or "a phrase" to look for'),
    (["meet", "--limit", "0"], "--limit must be 1 or more"),
    (["meet", "--limit", "-3"], "--limit must be 1 or more"),
])
def test_search_says_what_is_wrong_with_the_query_instead_of_no_hits(capsys, tmp_path, argv, said):
    Case.open(tmp_path / "case").close()
    code, out, err = run(capsys, "search", *argv, "--case", str(tmp_path / "case"))
    assert (code, out, err) == (2, "", f"search: {said}\n")


def test_without_a_translation_model_queue_add_does_not_point_at_its_whisper_option(capsys, tmp_path,
                                                                                    models_dir):
    code, _, err = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "tiny.en", "--translate-to", "de",
                       "--case", str(tmp_path / "case"))
    if "no translation model is installed" not in err:
        pytest.skip("a translation model is installed here")
    assert code == 1 and "--model" not in err and len(err.splitlines()) == 1


def test_a_mistyped_case_is_only_refused_where_it_must_exist(capsys, tmp_path, models_dir):
    """Sanity: a fresh --case for a command that writes into it (queue add) is still made."""
    code, _, _ = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "tiny.en", "--case",
                     str(tmp_path / "new"))
    assert code == 0 and (Path(tmp_path / "new") / "case.sqlite").is_file()


def test_an_empty_case_says_so_when_listed_and_fails_to_export(capsys, tmp_path):
    case = str(tmp_path / "case")
    Case.open(case).close()
    assert run(capsys, "exhibits", "--case", case) == (
        0, "", "no exhibits in this case (--all: the files met and why not transcribed)\n")
    assert run(capsys, "export", "--out", str(tmp_path / "out"), "--case", case) == (
        1, "", "export: nothing to export: the case holds no exhibits\n")


def test_a_search_query_that_is_not_utf8_is_said_so(capsys, tmp_path):
    Case.open(tmp_path / "case").close()
    query = b"caf\xe9".decode("utf-8", "surrogateescape")  # as Python hands over a Latin-1 terminal's argv
    assert run(capsys, "search", query, "--case", str(tmp_path / "case")) == (
        2, "", "search: the query is not UTF-8 text (check the terminal's encoding)\n")


def test_export_keeps_the_proofread_text_after_an_old_json_of_it_was_taken_in(capsys, tmp_path, models_dir):
    """`translate OLD.json` takes the stale JSON in as a copy of the run it names; `export` wrote
    that copy from then on (the newest run), silently dropping the proofreader's corrections."""
    from app.core.chats.text_intake import import_transcript_json
    from app.core.editing import operations as editing

    case_dir, first, second = tmp_path / "case", tmp_path / "first", tmp_path / "second"
    code, _, _ = run(capsys, "transcribe", str(VOICE_NOTE), "--out", str(first), "--format", "json",
                     "--model", "tiny.en", "--case", str(case_dir))
    assert code == 0
    case = Case.open(case_dir)
    try:
        run_id = case.latest_run(1, "transcribe")
        editing.edit_text(case, run_id, editing.segment_ids(case, run_id)[0], "Meet me at eight.", actor="DC Jones")
        _, copy = import_transcript_json(case, first / "en_voicenote.json")  # as `translate` does
        assert copy != run_id
    finally:
        case.close()
    code, _, _ = run(capsys, "export", "1", "--task", "transcribe", "--format", "txt", "--out", str(second),
                       "--case", str(case_dir))
    text = (second / "en_voicenote.txt").read_text(encoding="utf-8")
    assert code == 0 and "Meet me at eight." in text and f"Run: {run_id}\n" in text


def test_a_language_in_capitals_is_the_same_job_as_in_lower_case(capsys, tmp_path, models_dir):
    case = str(tmp_path / "case")
    base = ["queue", "add", str(VOICE_NOTE), "--model", "tiny.en", "--case", case]
    assert run(capsys, *base, "--language", "en")[0] == 0
    assert run(capsys, *base, "--language", "EN")[0] == 0
    opened = Case.open(case)
    try:
        jobs = JobQueue(opened.conn).list()
    finally:
        opened.close()
    assert len(jobs) == 1 and jobs[0].options["language"] == "en"
