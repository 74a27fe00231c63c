"""Hostile kills, third round (issue: kills at random moments; tests/test_kills.py and
tests/test_kills2.py are the first two): the terminal closed (SIGHUP), a finished step repeated,
a kill while an export's file is written."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.core.models.catalogue import make_bundle
from app.core.store import Case
from tests.conftest import MEDIA, MODELS, REPO, interview_repeated
from tests.test_entities import phone_case  # noqa: F401 - a fixture
from tests.test_kills import _killed_at
from tests.test_kills2 import _killed_after
from tests.test_speakers import diarised_run

FIXTURES = Path(__file__).parent / "fixtures"


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def _rows(case_dir: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(case_dir / "case.sqlite", timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _from_a_terminal(*args: str) -> list[str]:
    """The command as a terminal starts it: SIGHUP not ignored, even when these tests run under
    `nohup` (whose ignored SIGHUP the command rightly keeps); the default survives the exec."""
    start = ("import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL); "
             "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
    return [sys.executable, "-c", start, *args]


def _wait_until_decoding(case_dir: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None and time.monotonic() < deadline, "the command ended before decoding"
        try:
            rows = _rows(case_dir, "SELECT state, progress FROM jobs WHERE id = 1")
        except sqlite3.OperationalError:  # no case yet, or the schema not made yet
            rows = []
        if rows and rows[0][0] == "running" and rows[0][1] > 0:
            return
        time.sleep(0.1)


def test_the_terminal_closed_stops_the_command_as_sigterm_does_and_the_job_resumes(tmp_path, models_dir):
    """SIGHUP to the command's whole process group (its terminal closed: the worker hears it too).
    It used to end the command at once, without a word, the worker dead of the same signal."""
    (tmp_path / "evidence").mkdir()
    source = interview_repeated(tmp_path / "evidence" / "long.wav", 2)
    case_dir = tmp_path / "case"
    args = ("transcribe", str(source), "--case", str(case_dir), "--out", str(tmp_path / "out"), "--model",
            "tiny.en", "--format", "json", "--diarize", "off")
    proc = subprocess.Popen(_from_a_terminal("-m", "app", *args), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_until_decoding(case_dir, proc)
    worker = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGHUP, (proc.returncode, err)
    assert "Traceback" not in err and err.splitlines()[-1].startswith("hung up"), err
    assert "resumes on the next run" in err.splitlines()[-1]
    _, alive = psutil.wait_procs(worker, timeout=10)
    assert not alive, "the worker outlived the command"
    assert _rows(case_dir, "SELECT state, attempts FROM jobs") == [("queued", 0)]  # handed back, no attempt spent
    found = _app("verify", "--case", str(case_dir))  # a run stopped half-way is no finding
    assert found.returncode == 0, found.stdout


def test_the_terminal_closed_while_the_command_starts_says_so_in_one_line(tmp_path):
    """SIGHUP while Python still imports the program (as tests/test_kills.py sends SIGINT and SIGTERM)."""
    proc = subprocess.Popen(_from_a_terminal("-X", "importtime", "-m", "app", "transcribe",
                                             str(MEDIA / "en_voicenote.opus"), "--case", str(tmp_path / "case"),
                                             "--out", str(tmp_path / "out"), "--model", "tiny.en"),
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.split("|")[-1].strip() == "app.core" or not line.startswith("import time:"):
            break
    proc.send_signal(signal.SIGHUP)
    _, rest = proc.communicate(timeout=60)
    err = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert proc.returncode == 128 + signal.SIGHUP, (proc.returncode, err)
    assert err == ["stopped while starting; nothing was done"], err


def test_a_model_import_repeated_after_it_finished_says_so_and_succeeds(tmp_path, models_dir):
    """`models import` killed just after the model was put in place (before it could say so), run
    again: the same files are installed already, so it is done (exit 0, the path on stdout as before).
    It said "already installed" and failed. Another bundle under that name is still refused."""
    bundle = make_bundle(FIXTURES / "tiny_nllb", tmp_path / "nllb-tiny")
    root = tmp_path / "models"
    args = ("models", "import", str(bundle), "--models-dir", str(root))
    _killed_after(tmp_path, "command", "app.core.models.bundles:install_bundle", *args)
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(root / "nllb-tiny")
    assert "already installed" in again.stderr and "nothing to do" in again.stderr, again.stderr
    assert sorted(p.name for p in root.iterdir()) == ["nllb-tiny"]
    other = make_bundle(models_dir / "tiny.en", tmp_path / "other")
    clash = _app("models", "import", str(other), "--name", "nllb-tiny", "--models-dir", str(root))
    assert clash.returncode == 1 and "already installed" in clash.stderr, clash.stderr
    assert "different" in clash.stderr and "Traceback" not in clash.stderr


@pytest.fixture(scope="module")
def diarised(tmp_path_factory) -> Path:
    if not (MODELS / "speaker-campplus" / "campplus.onnx").is_file():
        pytest.skip("speaker model not installed")
    folder = tmp_path_factory.mktemp("speakers") / "case"
    case = Case.open(folder)
    diarised_run(case, "two_lj_bush")
    case.close()
    return folder


def test_an_enrolment_repeated_after_it_finished_says_so_and_succeeds(diarised, tmp_path):
    """`speakers enrol` killed just after the profile was stored, run again with the same segments:
    already enrolled (exit 0), one profile, one audit entry. It said "already exists" and failed.
    The same name from other segments is still refused."""
    shutil.copytree(diarised, tmp_path / "case")
    case_dir = tmp_path / "case"
    args = ("speakers", "enrol", "--case", str(case_dir), "--exhibit", "1", "--segments", "1,3", "--name",
            "Linda Johnson", "--by", "DC Test")
    _killed_after(tmp_path, "command", "app.core.usecases.speakers:save_profile", *args)
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("'Linda Johnson' is already enrolled (profile 1) from these segments"), \
        again.stdout
    assert _rows(case_dir, "SELECT id, name FROM speaker_profiles") == [(1, "Linda Johnson")]
    assert _rows(case_dir, "SELECT count(*) FROM audit_log WHERE action='speaker.enrol'") == [(1,)]
    other = _app(*args[:-5], "1,5", *args[-4:])
    assert other.returncode == 1 and "already exists" in other.stderr, other.stderr


CLIPS = ("en_voicenote.opus", "en_voicenote.m4a", "en_voicenote.mp3")


def _texts_and_batches(case_dir: Path) -> list[tuple[str, str, str]]:
    """Each exhibit's name, its transcript's text and the files its run was decoded with."""
    rows = _rows(case_dir, "SELECT r.id, e.path, r.state_json FROM runs r JOIN exhibits e ON e.id = r.exhibit_id"
                           " WHERE r.status='complete' ORDER BY e.path")
    out = []
    for run_id, path, state in rows:
        text = " ".join(t for (t,) in _rows(case_dir, f"SELECT text FROM segments WHERE run_id={run_id} ORDER BY id"))
        out.append((Path(path).name, text, str(json.loads(state).get("batch"))))
    return out


def test_a_batch_killed_part_way_is_decoded_again_with_the_same_files(tmp_path, models_dir):
    """The worker killed while a batch of short files is decoded: the retry decodes the same files
    together again, so each text and its record are those of an uninterrupted run. The files were
    retried one by one, each text then decoded without the speech it had shared windows with."""
    args = (*(str(MEDIA / name) for name in CLIPS), "--out", str(tmp_path / "out"), "--model", "tiny.en",
            "--format", "json", "--diarize", "off")
    whole = _app("transcribe", *args, "--case", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    killed = _killed_after(tmp_path, "worker", "app.worker.tracking:Tracker.progress", "transcribe", *args,
                           "--case", str(tmp_path / "case"))
    assert killed.returncode == 0, killed.stderr
    expected = _texts_and_batches(tmp_path / "whole")
    assert len(expected) == 3 and all(len(json.loads(b.replace("'", '"'))) == 3 for _, _, b in expected)
    assert _texts_and_batches(tmp_path / "case") == expected
    assert _rows(tmp_path / "case", "SELECT state, attempts FROM jobs") == [("done", 2)] * 3
    assert _app("verify", "--case", str(tmp_path / "case")).returncode == 0


def test_a_timeline_written_again_and_killed_is_named_stopped_by_verify_not_changed(tmp_path):
    """`timeline` run again (its DOCX differs each time: it carries the moment it was made) killed
    after one file was replaced, before that was logged: verify said the file had "changed since
    it was written", as if someone had altered it. Now it names an export stopped part-way, and
    the next run clears it."""
    chat = FIXTURES / "chats" / "whatsapp_android_en.txt"
    case_dir, out = tmp_path / "case", tmp_path / "out"
    args = ("timeline", str(chat), "--case", str(case_dir), "--out", str(out), "--format", "json,docx")
    first = _app(*args)
    assert first.returncode == 0, first.stderr
    _killed_at(out, 2, *args)  # the DOCX of the second run put in place, not yet logged
    found = _app("verify", "--case", str(case_dir))
    assert found.returncode == 1, found.stdout
    lines = [line for line in (found.stdout + found.stderr).splitlines() if str(out) in line]
    assert lines and all("stopped before it finished" in line for line in lines), found.stdout
    assert not any("changed since it was written" in line for line in lines), found.stdout
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    clean = _app("verify", "--case", str(case_dir))
    assert clean.returncode == 0, clean.stdout


def test_a_commit_is_on_disk_before_the_audit_head_file_names_it(tmp_path):
    """A power cut: with the store's writes synchronous=NORMAL (WAL) the last commits can be undone
    while the head file written after them survives, and verify then reports the log cut short
    (tampering) where there was only a power cut. Each commit is made durable (FULL) first."""
    case = Case.open(tmp_path / "case")
    try:
        assert case.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert case.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        case.close()


def test_an_entities_csv_stopped_mid_write_leaves_the_last_whole_one(case, phone_case, tmp_path, monkeypatch):  # noqa: F811
    """`entities --csv FILE` (or the window's export) stopped by a signal (SIGTERM and Ctrl-C raise in
    the middle of whatever runs) while the rows were being written: FILE held a header and half the
    rows, passed off as the whole list. It is written whole or not at all (the last one kept)."""
    from app.core.search import entities as ent

    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "entities.csv"
    found = ent.case_entities(case)
    ent.write_csv(found, path)
    whole = path.read_bytes()
    real = csv.DictWriter.writerows

    def stopped_half_way(self, rows):  # type: ignore[no-untyped-def]
        rows = list(rows)
        real(self, rows[: len(rows) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(csv.DictWriter, "writerows", stopped_half_way)
    with pytest.raises(KeyboardInterrupt):
        ent.write_csv(found, path)
    assert path.read_bytes() == whole
    assert [p.name for p in path.parent.iterdir()] == ["entities.csv"]
