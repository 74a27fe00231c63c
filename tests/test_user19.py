"""What a user met on day one (session 19): a JSON export that did not say what was reviewed, an exhibit
list without a status, a case held by a stopped command that cost every writer 30 s and a notice that
claimed readers wait."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from app.core.editing import operations as editing
from app.core.editing import review
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import ModelInfo, Segment, Word
from app.core.usecases.exporting import export_run
from tests.conftest import MEDIA, REPO

MODEL = ModelInfo("base", "/models/base", "ab" * 32)


def _voice_note_case(folder) -> tuple[Case, int]:
    """The shared voice note in a case with its machine text; 'Kowalski' and 'money' the model was unsure of."""
    case = Case.open(folder)
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5, "vad": True}, software_info())
    first = (Word(0, 400, " Meet", 0.95), Word(500, 900, " Kowalski", 0.31), Word(1000, 1400, " behind", 0.9),
             Word(1500, 1900, " the", 0.9), Word(2000, 2600, " station.", 0.9))
    second = (Word(3000, 3500, " Bring", 0.9), Word(3600, 4000, " the", 0.9), Word(4100, 5500, " money.", 0.2))
    case.append_segments(run, (Segment(0, 2600, " Meet Kowalski behind the station.", words=first),
                               Segment(3000, 5500, " Bring the money.", words=second)), {}, "en", 0.98)
    case.finish_run(run)
    return case, run


def test_the_json_export_says_who_corrected_it_and_which_uncertain_words_were_never_reviewed(tmp_path):
    """The JSON said only "status": "verified": a sign-off of a text whose every uncertain word was heard
    again read the same as one where none was, and it named no one who changed the words (the DOCX, PDF
    and TXT say both). It now carries the review state; a JSON not made from a case says it is not known."""
    case, run = _voice_note_case(tmp_path / "case")
    try:
        editing.edit_text(case, run, editing.segment_ids(case, run)[1], "Bring the money, all of it.",
                          actor="DC Ann Harris")
        kowalski = next(s for s in review.run_spans(case, run) if s.text.strip() == "Kowalski")
        review.mark_reviewed(case, run, kowalski, actor="DS Raj Patel")
        editing.set_verified(case, run, "DS Raj Patel")
        [path, _manifest] = export_run(case, run, tmp_path / "out", ["json"])
    finally:
        case.close()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["status"] == "verified" and data["verified_by"] == "DS Raj Patel"
    reviewed = data["review"]
    assert reviewed["corrected_by"] == ["DC Ann Harris"]  # the sign-off and the word heard again change no text
    assert reviewed["uncertain_below"] == 0.5
    assert (reviewed["uncertain_words"], reviewed["uncertain_reviewed"]) == (1, 1)  # "money" edited away
    assert reviewed["uncertain_never_reviewed"] == []


def test_the_json_export_lists_the_uncertain_words_a_sign_off_left_unreviewed(tmp_path):
    case, run = _voice_note_case(tmp_path / "case")
    try:
        editing.set_verified(case, run, "DS Raj Patel")
        [path, _manifest] = export_run(case, run, tmp_path / "out", ["json"])
    finally:
        case.close()
    reviewed = json.loads(path.read_text(encoding="utf-8"))["review"]
    assert reviewed["corrected_by"] == [] and reviewed["uncertain_words"] == 2 and reviewed["uncertain_reviewed"] == 0
    assert reviewed["uncertain_never_reviewed"] == [{"start": 0.5, "word": "Kowalski"}, {"start": 4.1, "word": "money."}]


def test_exhibits_says_where_each_exhibit_stands(tmp_path, capsys):
    """`exhibits` listed id, hash, length and name only: which were transcribed, which found no speech,
    failed or were signed off could be seen only in the window. Each line now has the window's status,
    a failure's reason and why a language is in doubt."""
    from app.cli import main

    case, run = _voice_note_case(tmp_path / "case")
    try:
        editing.set_verified(case, run, "DS Raj Patel")
        silent, _ = case.add_exhibit(probe(MEDIA / "silence_30s.wav"))
        empty = case.start_run(silent.id, "transcribe", MODEL, {"beam_size": 5, "vad": True}, software_info())
        case.finish_run(empty)
        case.add_exhibit(probe(MEDIA / "noise_10s.wav"))  # taken in, never transcribed
    finally:
        case.close()
    assert main(["exhibits", "--case", str(tmp_path / "case")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3, lines
    assert "verified by DS Raj Patel" in lines[0] and lines[0].endswith("en_voicenote.opus")
    assert "no speech found" in lines[1] and lines[1].endswith("silence_30s.wav")
    assert "not transcribed" in lines[2] and lines[2].endswith("noise_10s.wav")
    assert lines[1].index("silence_30s") == lines[0].index("en_voicenote") == lines[2].index("noise_10s")


# a command whose store would wait an hour for another's write lock: a wait it need not make shows as a hang
PATIENT = """
import sys
from app.core.store import db
db.BUSY_WAIT_S = 3600
from app.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE jobs SET priority = priority")
print("held", flush=True)
time.sleep(600)
"""


def _patient(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    script = tmp_path / "patient.py"
    script.write_text(PATIENT, encoding="utf-8")
    try:
        return subprocess.run([sys.executable, str(script), *argv], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                              capture_output=True, text=True, check=False, timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"`{' '.join(argv)}` waited for the stopped command's write lock") from None


def test_a_command_stopped_holding_the_case_is_named_and_not_waited_for(tmp_path):
    """A command stopped with Ctrl+Z mid-commit holds the case's write lock until resumed. `export`,
    `entities` and `interview` waited the store's whole patience (30 s) and then said only "another program
    has held it for writing longer than Parley waits"; every reader was told "waiting up to 30 s", waiting for
    nothing. Now the stopped process is named with how to resume it, a change fails at once, reading goes on."""
    case, _run = _voice_note_case(tmp_path / "case")
    case.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "case" / "case.sqlite")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGSTOP)
        changed = _patient(tmp_path, "interview", "1", "--place", "Leeds", "--case", str(tmp_path / "case"))
        listed = _patient(tmp_path, "exhibits", "--case", str(tmp_path / "case"))
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait()
    assert changed.returncode == 1 and "Traceback" not in changed.stderr, changed.stderr
    said = changed.stderr.splitlines()[-1]
    assert said.startswith(f"interview: the case is held by process {holder.pid} (") and "stopped" in said, said
    assert f"kill -CONT {holder.pid}" in said and "longer than Parley waits" not in said, said
    assert listed.returncode == 0 and listed.stdout.rstrip().endswith("en_voicenote.opus"), listed
    assert f"held by process {holder.pid}" in listed.stderr and "reading it goes on" in listed.stderr, listed.stderr
    assert "waiting up to" not in listed.stderr
    assert _patient(tmp_path, "interview", "1", "--place", "Leeds", "--case", str(tmp_path / "case")).returncode == 0


def test_transcribing_a_chat_says_which_of_its_voice_notes_are_not_in_the_export(tmp_path, capsys, models_dir):
    """`transcribe` on a WhatsApp export listed the voice notes it transcribed and said nothing of those
    the chat names that the export left out: the investigator took the list for all of them (only the
    timeline's JSON said "missing"). Each chat now says how many are not there, and which."""
    from app.cli import main

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "WhatsApp Chat with Marek.txt").write_text(
        "12/03/2024, 21:15 - Marek: Where are you?\n"
        "12/03/2024, 21:16 - Anna: PTT-20240312-WA0001.opus (file attached)\n"
        "12/03/2024, 21:17 - Anna: IMG-20240312-WA0003.jpg (file attached)\n"
        "12/03/2024, 21:18 - Marek: VID-20240312-WA0004.mp4 (file attached)\n", encoding="utf-8")
    code = main(["transcribe", str(folder), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                 "--model", "tiny.en", "--format", "txt"])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err
    said = [line for line in err.splitlines() if "not in the export" in line]
    assert said == [(f"{folder / 'WhatsApp Chat with Marek.txt'}: 2 voice note(s) or video(s) the chat names are not "
                    "in the export, so not transcribed (PTT-20240312-WA0001.opus, VID-20240312-WA0004.mp4); the "
                    "timeline marks each \"MISSING from the export\"")], err  # the photo is no recording: not counted


def test_an_option_a_command_does_not_take_is_one_line_naming_the_option_meant(capsys):
    """`translate --translate-model` (timeline's name for it) or a typo (`--fromat`) printed the top-level
    usage of every command and "python -m app: error: unrecognized arguments", naming neither the command
    nor the option meant. It is one line now: the command, the option, the one most like it."""
    from app.cli import main

    cases = {("translate", "x.json", "--to", "de", "--translate-model", "m"):
             "translate: unknown option --translate-model (did you mean --model?); see `python -m app translate --help`",
             ("transcribe", "a.wav", "--out", "o", "--modle=base"):
             "transcribe: unknown option --modle (did you mean --model?); see `python -m app transcribe --help`",
             ("models", "list", "--bogus"): "models list: unknown option --bogus; see `python -m app models list --help`",
             ("exhibits", "stray"): "exhibits: unexpected argument 'stray'; see `python -m app exhibits --help`"}
    for argv, line in cases.items():
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        assert (code, out, err) == (2, "", line + "\n"), argv


def test_a_txt_of_no_speech_says_so_and_claims_no_detected_language(tmp_path):
    """silence_30s.wav's TXT read "language unknown (p=0.00)" (a detection claimed, with its probability) over
    nothing at all under the rule; its DOCX and PDF say "not detected" and "[no speech found in the recording]"
    since session 17. The TXT (and the VTT's notes) now say the same."""
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "silence_30s.wav"))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5, "vad": True}, software_info())
        case.append_segments(run, (), {}, None, 0.0)
        case.finish_run(run)
        txt, vtt, _manifest = export_run(case, run, tmp_path / "out", ["txt", "vtt"])
    finally:
        case.close()
    text, notes = txt.read_text(encoding="utf-8"), vtt.read_text(encoding="utf-8")
    assert "Task: transcribe; language not detected (no speech was recognised)" in text
    assert "transcribe; language not detected (no speech was recognised)" in notes
    for written in (text, notes):
        assert "p=0.00" not in written and "unknown" not in written
    assert text.rstrip().endswith("=" * 72 + "\n\n[no speech found in the recording]")


def test_exhibits_gives_lengths_as_a_clock_shows_them(capsys, tmp_path):
    """A 30-day file printed 2592006.0s and pushed its row's columns out; lengths are h:mm:ss (m:ss under an hour)."""
    from app.cli.main import main
    from app.core.media.intake import find_media
    from app.core.store import Case
    from tests.conftest import MEDIA

    case = Case.open(tmp_path / "case")
    for found in find_media([str(MEDIA / "interview_mono.wav"), str(MEDIA / "en_voicenote.opus")]):
        case.add_exhibit(found.source, found_at=found.path)
    case.close()
    capsys.readouterr()
    assert main(["exhibits", "--case", str(tmp_path / "case")]) == 0
    lengths = {line.split()[-1]: line.split()[2] for line in capsys.readouterr().out.splitlines()}
    assert lengths == {"interview_mono.wav": "0:56", "en_voicenote.opus": "0:06"}  # whole seconds, as the exports (00:00:56)
