"""Odd arguments swept over every command (session 12, /work/notes/cli12/sweep.py): each is one clear
line and a non-zero exit, never a traceback, a silent success, a case made where none was asked for,
or a file written beside the evidence."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.core.errors import ModelError
from app.core.models import catalogue as models
from app.core.store import Case
from app.core.store.jobs import JobQueue
from tests.conftest import REPO
from tests.test_cli_mistakes import VOICE_NOTE, run

CHAT = REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt"


def evidence_with(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def queued_case(capsys, tmp_path: Path) -> tuple[Path, Path]:
    """A case holding one exhibit (queued, not transcribed) from an evidence folder of its own."""
    evidence = evidence_with(tmp_path, VOICE_NOTE)
    case = tmp_path / "case"
    code, _, _ = run(capsys, "queue", "add", str(evidence / VOICE_NOTE.name), "--model", "tiny.en", "--case", str(case))
    assert code == 0
    return evidence, case


def jobs_in(case_dir: Path) -> int:
    case = Case.open(case_dir)
    try:
        return len(JobQueue(case.conn).list())
    finally:
        case.close()


@pytest.mark.parametrize("argv", [
    ["speakers", "list"],
    ["speakers", "segments", "--exhibit", "1"],
    ["reproduce", "1"],
])
def test_a_mistyped_case_is_said_so_by_every_reading_command_and_no_case_is_made(capsys, tmp_path, argv):
    wrong = tmp_path / "cse"
    code, out, err = run(capsys, *argv, "--case", str(wrong))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"{argv[0]}: {wrong}: no case here (no case.sqlite); check --case"]
    assert not wrong.exists()


def test_entities_csv_is_never_written_beside_the_evidence_nor_over_the_case_store(capsys, tmp_path, models_dir):
    evidence, case = queued_case(capsys, tmp_path)
    for target in (evidence / "entities.csv", evidence / VOICE_NOTE.name, case / "case.sqlite"):
        before = target.read_bytes() if target.exists() else None
        code, out, err = run(capsys, "entities", "--case", str(case), "--csv", str(target))
        assert code != 0 and out == "" and len(err.splitlines()) == 1
        assert "--csv" in err
        assert (target.read_bytes() if target.exists() else None) == before
    code, _, _ = run(capsys, "entities", "--case", str(case), "--csv", str(tmp_path / "e.csv"))
    assert code == 0 and (tmp_path / "e.csv").is_file()


def test_timeline_never_makes_its_case_beside_the_chat(capsys, tmp_path):
    evidence = evidence_with(tmp_path, CHAT)
    code, out, err = run(capsys, "timeline", str(evidence / CHAT.name), "--out", str(tmp_path / "out"),
                         "--model", "tiny.en", "--case", str(evidence / "case"))
    assert (code, out) == (1, "")
    assert "refusing to write outputs beside the evidence (--case lies inside" in err
    assert sorted(p.name for p in evidence.iterdir()) == [CHAT.name]


def test_timeline_refuses_an_unusable_out_before_taking_the_chat_in(capsys, tmp_path):
    evidence = evidence_with(tmp_path, CHAT)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "timeline", str(evidence / CHAT.name), "--out", str(a_file),
                         "--model", "tiny.en", "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"timeline: {a_file}: cannot create the output folder (File exists)"]
    assert not (tmp_path / "case").exists()


@pytest.mark.parametrize("model", ["", "not_a_model", "empty"])
def test_a_model_option_naming_no_whisper_model_is_refused_before_anything_is_queued(capsys, tmp_path,
                                                                                    models_dir, model):
    if model:
        folder = tmp_path / model
        folder.mkdir()
        if model == "not_a_model":
            (folder / "readme.txt").write_text("hi", encoding="utf-8")
        model = str(folder)
    case = tmp_path / "case"
    code, out, err = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", model, "--case", str(case))
    assert (code, out) == (1, "") and len(err.splitlines()) == 1
    assert "model" in err and ("empty" in err or "is incomplete: missing model.bin" in err)
    assert not (case / "case.sqlite").exists()


def test_an_empty_model_name_is_not_the_current_folder():
    with pytest.raises(ModelError, match="the model option is empty"):
        models.resolve("  ")


def test_a_half_copied_model_is_not_bundled(capsys, tmp_path):
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\x00weights\x01" * 1000)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    models.write_manifest(folder, "whisper", "test")
    with open(folder / "model.bin", "r+b") as weights:
        weights.truncate(100)  # the copy stopped part-way
    out = tmp_path / "bundle"
    code, printed, err = run(capsys, "models", "bundle", str(folder), str(out))
    assert (code, printed) == (1, "") and len(err.splitlines()) == 1
    assert "not bundled, it differs from its manifest" in err and "model.bin" in err
    assert not out.exists()


@pytest.mark.parametrize(("typed", "hint"), [
    ("en-GB", "write 'en': regional variants are not told apart"),
    ("pt-BR", "write 'pt': regional variants are not told apart"),
    ("english", "did you mean 'en'?"),
    ("German", "did you mean 'de'?"),
])
def test_a_language_typed_as_a_locale_or_a_name_says_which_code_to_write(capsys, tmp_path, models_dir,
                                                                        typed, hint):
    code, out, err = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "base", "--language", typed,
                         "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"queue: unknown language code '{typed.lower()}' ({hint})"]
    code, out, err = run(capsys, "translate", str(CHAT), "--to", typed, "--out", str(tmp_path / "out"),
                         "--case", str(tmp_path / "case2"))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"translate: unknown language code '{typed}' ({hint})"]


@pytest.mark.parametrize(("option", "said"), [
    (["--threads", "999"], "threads must be 0 (all cores) to 256, not 999"),
    (["--beam-size", "1000"], "beam size must be 1 to 20, not 1000"),
    (["--speakers", "2", "--min-speakers", "3"], "--speakers fixes the number of speakers"),
    (["--translate-to", " "], "--translate-to is empty: give a language code (e.g. en)"),
])
def test_numbers_no_run_can_use_are_refused_before_anything_is_queued(capsys, tmp_path, models_dir, option, said):
    case = tmp_path / "case"
    code, out, err = run(capsys, "queue", "add", str(VOICE_NOTE), "--model", "tiny.en", *option, "--case", str(case))
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    assert err.startswith(f"queue: {said}")
    assert not (case / "case.sqlite").exists()


def test_translate_refuses_bad_threads_before_looking_for_a_model(capsys, tmp_path):
    code, out, err = run(capsys, "translate", str(CHAT), "--to", "de", "--threads", "-1", "--out",
                         str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert (code, out, err) == (2, "", "translate: threads must be 0 (all cores) to 256, not -1\n")


@pytest.mark.parametrize("threshold", ["5", "-0.5", "nan"])
def test_a_suggestion_threshold_that_is_no_score_is_refused(capsys, tmp_path, threshold):
    Case.open(tmp_path / "case").close()
    code, out, err = run(capsys, "speakers", "suggest", "--exhibit", "1", "--threshold", threshold,
                         "--case", str(tmp_path / "case"))
    assert (code, out) == (2, "") and err.startswith("speakers: --threshold is a score from 0 to 1")


def test_a_huge_search_limit_means_all_hits_not_a_traceback(capsys, tmp_path):
    Case.open(tmp_path / "case").close()
    code, out, err = run(capsys, "search", "meet", "--limit", "9" * 25, "--case", str(tmp_path / "case"))
    assert (code, out, err) == (0, "", "no hits for 'meet'\n")


@pytest.mark.parametrize("query", ["*", '""', "-", "%"])
def test_a_query_without_a_word_is_said_so_not_no_hits(capsys, tmp_path, query):
    Case.open(tmp_path / "case").close()
    code, out, err = run(capsys, "search", query, "--case", str(tmp_path / "case"))
    assert (code, out) == (2, "")
    assert err == f"search: the query {query!r} holds no word to look for: give words, prefix* or \"a phrase\"\n"


def test_a_query_starting_with_a_dash_says_how_to_search_for_it(capsys, tmp_path):
    Case.open(tmp_path / "case").close()
    with pytest.raises(SystemExit) as stop:
        main(["search", "-foo", "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.splitlines()[-1] == ("search: a query word starting with '-' reads as an option: put the options "
                                    "first, then -- and the query (search --case DIR -- -word)")


def test_queue_run_refuses_an_unusable_out_even_with_nothing_queued(capsys, tmp_path):
    Case.open(tmp_path / "case").close()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "queue", "run", "--out", str(a_file), "--case", str(tmp_path / "case"))
    assert (code, out, err) == (1, "", f"queue: {a_file}: cannot create the output folder (File exists)\n")


def test_queue_run_refuses_an_out_beside_the_evidence_even_with_nothing_queued(capsys, tmp_path, models_dir):
    evidence, case = queued_case(capsys, tmp_path)
    assert run(capsys, "queue", "cancel", "--all", "--case", str(case))[0] == 0
    code, out, err = run(capsys, "queue", "run", "--out", str(evidence / "out"), "--case", str(case))
    assert (code, out) == (1, "") and "refusing to write outputs beside the evidence" in err
    assert not (evidence / "out").exists()


@pytest.mark.parametrize("key", ["²", ""])
def test_an_exhibit_key_that_is_no_id_says_no_exhibit_matches(capsys, tmp_path, models_dir, key):
    _, case = queued_case(capsys, tmp_path)
    code, out, err = run(capsys, "interview", key, "--case", str(case))
    assert (code, out) == (1, "")
    assert err == (f"interview: {key!r}: no exhibit matches (give its id, name, path or SHA-256, as "
                   "`python -m app exhibits` lists them)\n")


def test_an_unexpected_error_is_one_line_not_a_traceback(capsys, tmp_path, monkeypatch):
    """The last resort behind every handler (a bug not met yet): one line, exit 1."""
    from app.cli import case as case_cli

    def broken(*_args, **_kwargs):
        raise RuntimeError("something no one foresaw")

    monkeypatch.setattr(case_cli, "open_existing_case", broken)
    monkeypatch.delenv("PARLEY_DEBUG", raising=False)
    code, out, err = run(capsys, "exhibits", "--case", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == ("exhibits: unexpected error (RuntimeError: something no one foresaw); stored work is kept; "
                   "PARLEY_DEBUG=1 shows where, for a bug report\n")


def cli(args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(["bash", "-c", f"{sys.executable} -m app {args}"], capture_output=True, text=True, check=False,
                          env=env, cwd=tmp_path, timeout=120)


def test_a_closed_stdout_is_said_so_not_a_silent_success(tmp_path):
    Case.open(tmp_path / "case").close()
    result = cli(f"exhibits --case {tmp_path / 'case'} >&-", tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("exhibits: standard output is closed: the results would be lost; send it to a file "
                             "or /dev/null instead\n")


def test_output_piped_into_a_reader_that_stops_is_one_line(tmp_path):
    result = cli("translate --list-languages | head -c0; exit ${PIPESTATUS[0]}", tmp_path)
    assert result.returncode == 1
    assert result.stderr == "translate: output closed early (broken pipe): the rest was not printed\n"


def test_the_window_without_a_display_is_one_line_not_an_abort(capsys, tmp_path, monkeypatch):
    """Qt aborted the process (SIGABRT) after a page of plugin messages."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("X11/Wayland are Linux's")
    code, out, err = run(capsys, "gui", "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    assert err.startswith("gui: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)")
    assert not (tmp_path / "case").exists()


def test_a_file_error_names_the_file_and_cuts_a_huge_name_short(capsys, tmp_path, models_dir):
    (tmp_path / "evidence").mkdir()
    huge = tmp_path / "evidence" / ("z" * 5000 + ".mp3")
    code, out, err = run(capsys, "queue", "add", str(huge), "--model", "tiny.en", "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    line, summary = err.splitlines()
    assert line.startswith(f"{str(huge)[:240]}...") and len(line) < 500
    size = len(os.fsencode(huge))  # the folder pytest gives (pytest-16, pytest-160) moves it
    assert line.endswith(f"z.mp3: unreadable (its path is too long for the system to open: {size:,} bytes, "
                         "move or copy it nearer the top)")
    assert summary.startswith("queue add: nothing to transcribe: 1 file(s) met, none usable (1 unreadable")


@pytest.mark.parametrize("argv", [["exhibits"], ["verify"], ["queue", "status"],
                                  ["queue", "add", str(VOICE_NOTE), "--model", "tiny.en"]])
def test_another_programs_database_named_case_sqlite_is_refused_and_left_as_it_was(capsys, tmp_path, argv,
                                                                                   models_dir):
    import hashlib
    import sqlite3

    folder = tmp_path / "phone"
    folder.mkdir()
    conn = sqlite3.connect(folder / "case.sqlite")
    conn.execute("CREATE TABLE messages (id INTEGER, body TEXT)")
    conn.execute("INSERT INTO messages VALUES (1, 'see you at 8')")
    conn.commit()
    conn.close()
    before = hashlib.sha256((folder / "case.sqlite").read_bytes()).hexdigest()
    code, out, err = run(capsys, *argv, "--case", str(folder))
    assert (code, out) == (1, "")
    assert err == (f"{argv[0]}: {folder}: case.sqlite is not a Parley case (another program's database, tables "
                   "messages); nothing was changed: give a case folder, or an empty one for a new case\n")
    assert hashlib.sha256((folder / "case.sqlite").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["case.sqlite"]


def test_a_case_from_a_newer_parley_says_what_to_do(capsys, tmp_path):
    import sqlite3

    from app.core.store.db import schema_version

    Case.open(tmp_path / "case").close()
    conn = sqlite3.connect(tmp_path / "case" / "case.sqlite")
    conn.execute("PRAGMA user_version=999")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "exhibits", "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    assert err == (f"exhibits: the case store is from a newer Parley (schema 999; this one reads up to "
                   f"{schema_version()}): open it with that version\n")


def test_a_terminal_that_is_not_utf8_gets_escapes_not_an_error(capsys, tmp_path, models_dir):
    _, case = queued_case(capsys, tmp_path)
    assert run(capsys, "interview", "1", "--place", "東京 Łódź", "--case", str(case))[0] == 0
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "latin-1"}
    result = subprocess.run([sys.executable, "-m", "app", "interview", "1", "--case", str(case)], env=env,
                            capture_output=True, check=False, timeout=120)
    assert result.returncode == 0 and result.stderr == b""
    assert "Place:                    \\u6771\\u4eac \\u0141ód\\u017a\n" in result.stdout.decode("latin-1")


def test_text_that_reached_parley_as_undecodable_bytes_is_said_so(capsys, tmp_path, models_dir):
    _, case = queued_case(capsys, tmp_path)
    place = b"Krak\xc3\xb3w".decode("ascii", "surrogateescape")  # as Python hands it over under LANG=C
    code, out, err = run(capsys, "interview", "1", "--place", place, "--case", str(case))
    assert (code, out) == (2, "")
    assert err == "interview: an argument is not UTF-8 text; check the terminal's encoding (LANG=...UTF-8)\n"


def test_a_case_another_program_holds_for_writing_says_it_is_busy(capsys, tmp_path, models_dir, monkeypatch):
    import sqlite3

    from app.core.store import db

    _, case = queued_case(capsys, tmp_path)
    real_connect = sqlite3.connect
    monkeypatch.setattr(db.sqlite3, "connect", lambda *a, **k: real_connect(*a, **{**k, "timeout": 0.2}))
    holder = real_connect(case / "case.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, mid-write
    try:
        code, out, err = run(capsys, "interview", "1", "--place", "Leeds", "--case", str(case))
    finally:
        holder.rollback()
        holder.close()
    assert (code, out) == (1, "")
    assert err == (f"{case}: the case is busy (another program or Parley command is writing to it); reading it "
                   "goes on, a change to it waits up to 30 s\n"  # at once
                   "interview: the case is busy (database is locked): another program has held it for writing "
                   "longer than Parley waits (30 s); what was stored is kept; try again when it has finished\n")


def test_a_case_held_for_a_moment_is_not_said_busy(capsys, tmp_path, models_dir):
    """Parley's own worker commits rows while the command opens the case: a hold of a moment is no news."""
    import sqlite3
    import threading

    _, case = queued_case(capsys, tmp_path)
    holder = sqlite3.connect(case / "case.sqlite", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    releaser = threading.Timer(0.3, holder.rollback)
    releaser.start()
    try:
        code, _out, err = run(capsys, "interview", "1", "--place", "Leeds", "--case", str(case))
    finally:
        releaser.join()
        holder.close()
    assert (code, err) == (0, "")


def test_a_case_busy_for_a_while_is_said_and_then_used(capsys, tmp_path, models_dir):
    import sqlite3
    import threading

    _, case = queued_case(capsys, tmp_path)
    holder = sqlite3.connect(case / "case.sqlite", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another program, mid-write for 3 s
    releaser = threading.Timer(3.0, holder.rollback)  # longer than the 2 s a hold goes unsaid
    releaser.start()
    try:
        code, _out, err = run(capsys, "interview", "1", "--place", "Leeds", "--case", str(case))
    finally:
        releaser.join()
        holder.close()
    assert code == 0, err
    assert err == (f"{case}: the case is busy (another program or Parley command is writing to it); reading it "
                   "goes on, a change to it waits up to 30 s\n")
    assert run(capsys, "interview", "1", "--case", str(case))[1].count("Leeds") == 1


def test_changing_a_read_only_case_says_what_to_do(capsys, tmp_path, models_dir, monkeypatch):
    from app.core.store import db

    _, case = queued_case(capsys, tmp_path)
    monkeypatch.setattr(db.os, "access", lambda *_a, **_k: False)  # as on a write-protected disk (root ignores modes)
    code, out, err = run(capsys, "interview", "1", "--place", "Leeds", "--case", str(case))
    assert (code, out) == (1, "")
    assert err == ("interview: the case is read-only (on read-only media, or not writable by this user): it can be "
                   "listed, searched and verified; copy the case folder somewhere writable to change it\n")


def test_queue_run_refuses_a_misspelt_format_without_out_too(capsys, tmp_path):
    Case.open(tmp_path / "case").close()
    code, out, err = run(capsys, "queue", "run", "--format", "xml", "--case", str(tmp_path / "case"))
    assert (code, out) == (1, "")
    assert err == "queue: unknown format xml; choose from docx, json, pdf, srt, txt, vtt\n"
