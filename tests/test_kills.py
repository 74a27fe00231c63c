"""Hostile kills: a command killed at a bad moment leaves nothing that passes for complete,
and the next run finishes the work (issue: kills at random moments)."""

from __future__ import annotations

import hashlib
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

from app.core.errors import ModelError
from app.core.models import bundles as model_bundles
from app.core.models import catalogue as models
from tests.conftest import MEDIA, REPO, interview_repeated

FIXTURES = Path(__file__).parent / "fixtures"


def _app(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _slow_nllb_bundle(folder: Path) -> Path:
    """The tiny NLLB model as a bundle whose last listed file is big, so an import is
    caught with the model's own files staged and the rest still copying."""
    shutil.copytree(FIXTURES / "tiny_nllb", folder)
    (folder / "padding.bin").write_bytes(os.urandom(1 << 20) * 160)
    names = sorted(p.name for p in folder.iterdir() if p.name != "padding.bin") + ["padding.bin"]
    lines = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}" for n in names]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _kill_once_staged(proc: subprocess.Popen, models_dir: Path) -> bool:
    """SIGKILL the import once its staging folder holds the whole model and the padding is being
    copied (the worst moment: it looks complete); False if it finished first."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        staged = [p for p in models_dir.glob(".import-*/padding.bin")] if models_dir.is_dir() else []
        if staged:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait()
    return False


def test_a_model_import_killed_half_way_is_never_listed_nor_loaded(tmp_path):
    bundle = _slow_nllb_bundle(tmp_path / "nllb-tiny")
    models_dir = tmp_path / "models"
    for _ in range(3):  # the copy is fast: try again if the kill came too late
        shutil.rmtree(models_dir, ignore_errors=True)
        proc = subprocess.Popen(_app("models", "import", str(bundle), "--models-dir", str(models_dir)),
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _kill_once_staged(proc, models_dir):
            break
    else:
        pytest.skip("the import always finished before it could be killed")
    assert not (models_dir / "nllb-tiny").exists()
    staged = next(models_dir.glob(".import-*"))
    assert models.family_of(staged) == "nllb"  # it looks like a translation model...
    assert models.list_models(models_dir) == []  # ...but the half-import is not a model
    with pytest.raises(ModelError):
        models.translation_model(None, models_dir)  # and is never picked for translation
    listed = subprocess.run(_app("models", "list", "--models-dir", str(models_dir)), cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and ".import" not in listed.stdout, listed.stdout
    target = model_bundles.import_bundle(bundle, models_dir)  # the next import finishes, and tidies up
    assert sorted(p.name for p in models_dir.iterdir()) == ["nllb-tiny"]
    assert models.verify(target) == [] and models.translation_model(None, models_dir) == target.resolve()


def _long_evidence(folder: Path) -> Path:
    """interview_mono.wav twice over: long enough (over a minute: not batched) to be caught decoding."""
    folder.mkdir()
    return interview_repeated(folder / "long.wav", 2)


def _wait_until_running(case_dir: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None and time.monotonic() < deadline, "the command ended before decoding"
        if (case_dir / "case.sqlite").is_file():
            conn = sqlite3.connect(case_dir / "case.sqlite", timeout=10)
            try:
                row = conn.execute("SELECT state, progress FROM jobs WHERE id = 1").fetchone()
            except sqlite3.OperationalError:  # the schema not made yet
                row = None
            finally:
                conn.close()
            if row and row[0] == "running" and row[1] > 0:
                return
        time.sleep(0.2)


def test_sigterm_stops_the_command_cleanly_in_one_line_and_the_job_resumes(tmp_path, models_dir):
    source = _long_evidence(tmp_path / "evidence")
    case_dir, out = tmp_path / "case", tmp_path / "out"
    args = _app("transcribe", str(source), "--case", str(case_dir), "--out", str(out), "--model", "tiny.en",
                "--format", "json", "--diarize", "off")
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_running(case_dir, proc)
    worker = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (proc.returncode, err)
    assert "Traceback" not in err and err.splitlines()[-1].startswith("terminated"), err
    _, alive = psutil.wait_procs(worker, timeout=10)
    assert not alive, "the worker outlived the command"
    conn = sqlite3.connect(case_dir / "case.sqlite")
    try:
        state, attempts, error = conn.execute("SELECT state, attempts, error FROM jobs WHERE id = 1").fetchone()
    finally:
        conn.close()
    assert (state, attempts) == ("queued", 0), (state, attempts, error, err)  # handed back, the attempt not counted


def test_a_relative_out_is_logged_where_it_is_so_verify_finds_it_from_anywhere(tmp_path, models_dir, monkeypatch):
    from app.cli.main import main

    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    case_dir = str(tmp_path / "case")
    assert main(["transcribe", str(MEDIA / "en_voicenote.opus"), "--case", case_dir, "--out", "out",
                 "--model", "tiny.en", "--format", "json"]) == 0
    assert main(["export", "--case", case_dir, "--out", "again", "--format", "txt"]) == 0
    monkeypatch.chdir(tmp_path)  # another day, another folder
    result = subprocess.run(_app("verify", "--case", case_dir), cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 export file(s)" in result.stdout  # json + manifest, txt + manifest


# Runs `python -m app ARGS...` and SIGKILLs it right after its Nth os.replace into OUT (or, N
# negative, right before its |N|th): a real kill at an exact point of an export (N counts the
# files of the set put in place, the manifest last).
KILL_AT_REPLACE = """
import os, signal, sys
out, nth = sys.argv[1], int(sys.argv[2])
real, seen = os.replace, [0]
def replace(src, dst, *a, **k):
    if os.path.dirname(os.path.abspath(dst)) == out:
        seen[0] += 1
        if seen[0] == -nth:
            os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst, *a, **k)
    if seen[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from app.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _killed_at(out: Path, nth: int, *args: str) -> None:
    result = subprocess.run([sys.executable, "-c", KILL_AT_REPLACE, str(out), str(nth), *args], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == -signal.SIGKILL, result.stderr


def _export_killed_at(case_dir: str, out: Path, nth: int) -> None:
    _killed_at(out, nth, "export", "--case", case_dir, "--out", str(out), "--format", "json,txt")


def _verify(case_dir: str) -> subprocess.CompletedProcess:
    return subprocess.run(_app("verify", "--case", case_dir), cwd=REPO, capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, models_dir):
    """A case with a transcribed voice note, exported once (json, txt and the manifest)."""
    root = tmp_path_factory.mktemp("exported")
    case_dir, out = str(root / "case"), root / "out"
    done = subprocess.run(_app("transcribe", str(MEDIA / "en_voicenote.opus"), "--case", case_dir, "--out",
                               str(out), "--model", "tiny.en", "--format", "json,txt"), cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return root


@pytest.mark.parametrize(("again", "nth"), [(True, 1), (True, 3), (False, 3)],
                         ids=["re-export, one file replaced", "re-export, all in place, not logged",
                              "first export, all in place, not logged"])
def test_an_export_killed_mid_set_is_named_as_such_by_verify_and_the_next_export_clears_it(
        exported, tmp_path, again, nth):
    root = tmp_path / "copy"
    shutil.copytree(exported, root)
    case_dir = str(root / "case")
    out = root / "out" if again else root / "fresh"
    if again:  # the copied case's log lists the set at its old place: export it here first
        assert subprocess.run(_app("export", "--case", case_dir, "--out", str(out), "--format", "json,txt"),
                              cwd=REPO, capture_output=True, check=False).returncode == 0
    _export_killed_at(case_dir, out, nth)
    found = _verify(case_dir)
    assert found.returncode == 1, found.stdout
    lines = [line for line in (found.stdout + found.stderr).splitlines() if str(out) in line]
    assert lines and all("stopped before it finished" in line and "export it again" in line for line in lines), \
        found.stdout + found.stderr
    assert not any("changed since it was written" in line for line in lines)
    redo = subprocess.run(_app("export", "--case", case_dir, "--out", str(out), "--format", "json,txt"), cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert redo.returncode == 0, redo.stderr
    clean = _verify(case_dir)
    assert clean.returncode == 0, clean.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("module", ["app.core", "app.cli.queue"])
def test_a_command_stopped_while_it_starts_says_so_in_one_line(tmp_path, signum, module):
    """Ctrl-C or SIGTERM while Python still imports the program: one line, never a traceback.
    (`-X importtime` reports each import as it ends: the signal goes once `module` is in.)
    A suite run in the background (`pytest &` in a script) inherits SIGINT ignored, and the command
    keeps an inherited SIG_IGN, as a background job should: it is started with a terminal's."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # see below
    try:
        proc = subprocess.Popen([sys.executable, "-X", "importtime", *_app(
            "transcribe", str(MEDIA / "en_voicenote.opus"), "--case", str(tmp_path / "case"),
            "--out", str(tmp_path / "out"), "--model", "tiny.en")[1:]],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.split("|")[-1].strip() == module or not line.startswith("import time:"):
            break
    proc.send_signal(signum)
    _, rest = proc.communicate(timeout=60)
    err = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert proc.returncode in (128 + signum, 130), (proc.returncode, err)
    assert "Traceback" not in rest and len(err) == 1, err


def test_an_export_removes_what_killed_exports_left_but_never_a_live_one(exported, tmp_path):
    """Two exports into one folder at once (the window and a command): each clears the staging
    a killed export left, never the other's, which is still being written."""
    case_dir, out = str(exported / "case"), tmp_path / "out"
    out.mkdir()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        planted = {name: out / name for name in (
            f".parley-export-{live.pid}-busy", f".parley-export-{dead.pid}-killed",
            f".other.json.{live.pid}.busy.tmp", f".other.json.{dead.pid}.killed.tmp")}
        for path in planted.values():
            if path.name.endswith(".tmp"):
                path.write_bytes(b"half")
            else:
                path.mkdir()
                (path / "other.json").write_bytes(b"half")
        result = subprocess.run(_app("export", "--case", case_dir, "--out", str(out), "--format", "json"),
                                cwd=REPO, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        left = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
        assert left == sorted(n for n in planted if str(live.pid) in n)
    finally:
        live.kill()
        live.wait()


def test_a_timeline_killed_while_writing_leaves_nothing_after_the_next_run(tmp_path):
    chat = FIXTURES / "chats" / "whatsapp_android_en.txt"
    case_dir, out = str(tmp_path / "case"), tmp_path / "out"
    args = ("timeline", str(chat), "--case", case_dir, "--out", str(out), "--format", "json,docx")
    _killed_at(out, -2, *args)  # the JSON in place, the DOCX's temporary file written, not renamed
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    again = subprocess.run(_app(*args), cwd=REPO, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["whatsapp_android_en.timeline.docx",
                                                     "whatsapp_android_en.timeline.json"]
