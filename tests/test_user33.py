"""Session 33, a user's walk through a whole phone: what an investigator met."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import MEDIA, REPO
from tests.test_cli_mistakes import run

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"
TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


def _translate(capsys, tmp_path: Path, *inputs: str) -> tuple[int, str]:
    code, _, err = run(capsys, "translate", *inputs, "--to", "en", "--from", "ru", "--model", str(TINY_NLLB),
                       "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    return code, err


def test_translate_of_a_telegram_export_names_the_command_that_translates_its_messages(capsys, tmp_path):
    """`translate result.json --to en` on a phone's Telegram export said "not a Parley transcript JSON (no
    source or segments)": as if the investigator had given a damaged Parley file, with no word of the
    command that does translate a Telegram chat (`timeline --translate-to`)."""
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_result.json"))
    assert code == 1
    [line] = err.strip().splitlines()
    assert "not a Parley transcript JSON" not in line, line
    assert "a chat export" in line and "`timeline` on it with --translate-to" in line, line
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_malformed.json"))  # no chat: as before
    assert code == 1 and "not a Parley transcript JSON" in err, err


def test_translate_of_a_folder_holding_a_telegram_html_export_does_not_call_it_not_a_media_file(capsys, tmp_path):
    """A phone's Telegram Desktop export (messages.html, messages2.html) in a folder given to `translate` was
    "skipped ...messages.html: not a media file", then "nothing to translate": the chat went unmentioned."""
    shutil.copytree(CHATS / "telegram_html", tmp_path / "phone" / "Telegram")
    code, err = _translate(capsys, tmp_path, str(tmp_path / "phone"))
    assert code == 1
    assert "not a media file" not in err, err
    lines = [line for line in err.splitlines() if ".html" in line]
    assert len(lines) == 2, err  # both pages accounted for
    assert all("a chat export" in line and "`timeline` on it with --translate-to" in line for line in lines), err


def _timeline_cells(capsys, tmp_path: Path, out: str) -> list[str]:
    import docx
    import pypdf

    chat = tmp_path / "chat" / "WhatsApp Chat with Weekend.txt"
    code, _, err = run(capsys, "timeline", str(chat), "--out", str(tmp_path / out), "--format", "docx,pdf",
                       "--case", str(tmp_path / "case"), "--model", "tiny.en", "--diarize", "off")
    assert code == 0, err
    document = docx.Document(str(tmp_path / out / "WhatsApp Chat with Weekend.timeline.docx"))
    cells = [row.cells[-1].text for table in document.tables for row in table.rows]
    pdf = pypdf.PdfReader(str(tmp_path / out / "WhatsApp Chat with Weekend.timeline.pdf"))
    return [*cells, " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)]


def test_a_voice_note_s_machine_draft_in_a_timeline_s_docx_and_pdf_says_it_is_one(capsys, tmp_path, models_dir):
    """A chat's timeline (DOCX, PDF) showed a voice note's unchecked machine transcript as "[Voice note X,
    transcript]": a reader takes it for a transcript someone stands behind. A proofread one said ", proofread",
    a signed-off one "verified by NAME", the JSON "machine draft"; the draft, which most need the caution,
    said nothing."""
    (tmp_path / "chat").mkdir()
    shutil.copy(CHATS / "whatsapp_android_en.txt", tmp_path / "chat" / "WhatsApp Chat with Weekend.txt")
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "chat" / "PTT-20240313-WA0004.opus")
    label = "[Voice note PTT-20240313-WA0004.opus, transcript, machine draft]"
    cells = _timeline_cells(capsys, tmp_path, "draft")
    assert any(cell.startswith(label + "\n") for cell in cells[:-1]), cells
    assert label in cells[-1], cells[-1]  # the PDF
    code, _, err = run(capsys, "edit", "PTT-20240313-WA0004.opus", "--segment", "1", "--text", "Meet me at 8.",
                       "--by", "DC Shaw", "--case", str(tmp_path / "case"))
    assert code == 0, err
    cells = _timeline_cells(capsys, tmp_path, "proofread")
    assert any(cell.startswith("[Voice note PTT-20240313-WA0004.opus, transcript, proofread]\n") for cell in cells)
    assert "machine draft" not in " ".join(cells)


STOPPED_WHILE_DECODING = """
import os, signal, sys
if __name__ == "__mp_main__":  # the worker: Ctrl-C once the batch's runs are opened, before any file is stored
    from app.worker.process import Worker
    real, mark = Worker._open_runs, os.environ["PARLEY_TEST_STOPPED_ONCE"]
    def open_runs(self, *args, **kwargs):
        opened = real(self, *args, **kwargs)
        if not os.path.exists(mark):  # the first command only
            open(mark, "w").close()
            os.kill(os.getppid(), signal.SIGINT)
            assert self.shutdown.wait(60)
        return opened
    Worker._open_runs = open_runs
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _transcribe(script: Path, case: Path, out: Path, notes: list[Path], **env: str) -> subprocess.CompletedProcess:
    import os

    import signal

    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # a suite run in the background (`pytest &`)
    try:  # inherits SIGINT ignored, and the command keeps it so: its Ctrl-C then never came (as tests/test_kills.py)
        return subprocess.run(
            [sys.executable, str(script), "transcribe", *map(str, notes), "--case", str(case), "--out", str(out),
             "--model", "tiny.en", "--format", "json", "--diarize", "off"],
            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO), **env), capture_output=True, text=True, check=False,
            timeout=600)
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_a_batch_stopped_by_ctrl_c_is_decoded_again_whole_as_the_uninterrupted_run(tmp_path, models_dir):
    """Ctrl-C during `queue run` of a phone's 13 short files (all in one batch), then `queue run` again: each
    file was decoded alone, or with those stored before it (their runs kept the stopped job's run, so no other
    could join it), 130 CPU s where an uninterrupted run took 15, and 5 of 13 texts differed from the
    uninterrupted run's (a Romanian note read by tiny.en as "[inaudible]" became English words). The README
    says a stopped batch "packs the same files in the same order and gives the uninterrupted text"."""
    script = tmp_path / "stopped_while_decoding.py"
    script.write_text(STOPPED_WHILE_DECODING, encoding="utf-8")
    notes = [MEDIA / n for n in ("en_voicenote.opus", "en_voicenote.mp3", "ro_voicenote.3gp")]
    mark = str(tmp_path / "stopped_once")
    stopped = _transcribe(script, tmp_path / "case", tmp_path / "out", notes, PARLEY_TEST_STOPPED_ONCE=mark)
    assert stopped.returncode == 130 and stopped.stderr.splitlines()[-1].startswith("interrupted"), stopped.stderr
    again = _transcribe(script, tmp_path / "case", tmp_path / "out", notes, PARLEY_TEST_STOPPED_ONCE=mark)
    assert again.returncode == 0, again.stderr
    alone = _transcribe(script, tmp_path / "alone", tmp_path / "alone_out", notes, PARLEY_TEST_STOPPED_ONCE=mark)
    assert alone.returncode == 0, alone.stderr
    for note in notes:
        resumed, left_alone = (_words(tmp_path / d, note) for d in ("out", "alone_out"))
        assert resumed == left_alone, note.name
    assert _batches(tmp_path / "case") == _batches(tmp_path / "alone")  # each file packed with the same files


def _words(out: Path, note: Path) -> list[str]:
    import json

    [written] = [out / f"{name}.json" for name in (note.name, note.stem) if (out / f"{name}.json").is_file()]
    return [s["text"] for s in json.loads(written.read_text(encoding="utf-8"))["segments"]]


def _batches(case: Path) -> list[tuple[str, list[str]]]:
    """Each complete run's file and the files its speech was decoded with, as the case recorded them."""
    import json
    import sqlite3

    conn = sqlite3.connect(case / "case.sqlite")
    try:
        rows = conn.execute("SELECT e.sha256, r.state_json FROM runs r JOIN exhibits e ON e.id = r.exhibit_id"
                            " WHERE r.status = 'complete' ORDER BY e.sha256").fetchall()
    finally:
        conn.close()
    return [(sha, json.loads(state).get("packed_with")) for sha, state in rows]
