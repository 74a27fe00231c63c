"""Hostile kills, seventh round (issue: kills at random moments; tests/test_kills.py to test_kills5.py
are the earlier rounds): two exports into one folder at once, a stop while the options are read,
what killed writes left named by a process id in use again, `verify --exports` given a relative folder, and
a worker killed after it took a batch, before decoding it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.evidence.export_set import folder_held
from tests.conftest import MEDIA, REPO
from tests.test_kills2 import _killed_after
from tests.test_kills3 import _texts_and_batches

FIXTURES = Path(__file__).parent / "fixtures"

# `export` whose write of its set says when it has begun (its turn at the folder taken)
MARKED_EXPORT = """
import os, sys
from app.core.usecases import exporting
real = exporting.write_sets
def write_sets(*args, **kwargs):
    open(os.environ["PARLEY_TEST_MARK"], "w").close()
    return real(*args, **kwargs)
exporting.write_sets = write_sets
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


@pytest.fixture(scope="module")
def translated(tmp_path_factory) -> Path:
    """A case holding one text translation (the tiny NLLB: seconds)."""
    root = tmp_path_factory.mktemp("translated")
    (root / "evidence").mkdir()
    doc = root / "evidence" / "statement.txt"
    doc.write_text("Byłem w domu.\n\nNie znam tego człowieka.\n", encoding="utf-8")
    made = _app("translate", str(doc), "--from", "pl", "--to", "de", "--model", str(FIXTURES / "tiny_nllb"),
                "--case", str(root / "case"), "--out", str(root / "out"), "--format", "json", "--threads", "1")
    assert made.returncode == 0, made.stderr
    return root / "case"


def _blocked_on_a_lock(pid: int) -> bool:
    """/proc/locks lists a process waiting for a lock as `N: -> FLOCK ... PID ...`."""
    return any("->" in line and line.split()[5] == str(pid)
               for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
def test_an_export_into_a_folder_another_export_is_writing_waits_its_turn(translated, tmp_path):
    """Three `export`s into one folder at once: one removed the old manifest (a set without one is
    incomplete) between another's renames, which then failed on it ("export: ...manifest.json: No such
    file or directory", its files unlogged), or a set's manifest named the other's files. An export now
    waits while another writes sets into the folder, and then writes its own whole."""
    out, mark = tmp_path / "out", tmp_path / "began"
    (tmp_path / "export.py").write_text(MARKED_EXPORT, encoding="utf-8")
    args = ("export", "--task", "text-translate", "--format", "json,txt,docx,pdf", "--out", str(out),
            "--case", str(translated))
    out.mkdir()
    with folder_held(out):  # another process's export, part-way through its set
        second = subprocess.Popen([sys.executable, str(tmp_path / "export.py"), *args], cwd=REPO, text=True,
                                  env=dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_MARK=str(mark)),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120  # a guard only: the wait ends as soon as either is seen
        while not (mark.exists() or _blocked_on_a_lock(second.pid)) and second.poll() is None:
            assert time.monotonic() < deadline, "the second export neither waited nor wrote"
            time.sleep(0.05)
        assert not mark.exists(), "the second export wrote into the folder while another was writing there"
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    manifests = sorted(out.glob("*.manifest.json"))
    assert [p.name for p in manifests] == ["statement.manifest.json"]
    assert _app("check-export", str(manifests[0])).returncode == 0
    verified = _app("verify", "--case", str(translated), "--exports", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr



def test_verify_given_the_export_folder_as_a_relative_path_finds_its_logged_sets(translated, tmp_path):
    """`export --out out` then `verify --exports out` from the same folder: every manifest was "an export
    of this case that the audit log does not list" (the log names absolute paths; the folder named
    relative was searched as another one)."""
    def app(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app", *args, "--case", str(translated)], cwd=tmp_path,
                              env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                              check=False, timeout=300)
    exported = app("export", "--task", "text-translate", "--format", "json,txt", "--out", "out")
    assert exported.returncode == 0, exported.stderr
    verified = app("verify", "--exports", "out")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "nothing found" in verified.stdout


STOPPED_WHILE_PARSING = """
import os, signal, sys
import importlib
cli = importlib.import_module("app.cli.main")
real = cli.build_parser
def build_parser():
    parser = real()
    os.kill(os.getpid(), int(os.environ["PARLEY_TEST_SIGNAL"]))
    return parser
cli.build_parser = build_parser
sys.exit(cli.main(sys.argv[1:]))
"""


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a command started at a terminal; a suite run in the background (`cmd &`, as a CI
    runner may start it) has SIGINT ignored, and Python keeps it ignored in what it starts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_command_stopped_while_it_reads_its_options_says_so_in_one_line(tmp_path, signum):
    """`python -m app` hands its start-up handlers back before `main()` builds the parser (help texts
    of every command, a fraction of a second): Ctrl-C there was a KeyboardInterrupt traceback
    (seen in `argparse`'s terminal size look-up) with exit -2. Now the start-up's one line."""
    (tmp_path / "cmd.py").write_text(STOPPED_WHILE_PARSING, encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "cmd.py"), "models", "list", "--models-dir",
                           str(tmp_path / "models")], cwd=REPO, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_SIGNAL=str(int(signum))),
                          timeout=120, preexec_fn=_as_from_a_terminal)
    assert (done.returncode, done.stderr) == (128 + signum, "stopped while starting; nothing was done\n")


@pytest.fixture
def live_process():
    """A process of this machine, started now: its id stands for one used again after a restart."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    yield proc.pid
    proc.communicate(timeout=30)


def _left_before(folder: Path, days: int) -> Path:
    then = time.time() - days * 86400
    for path in (*folder.rglob("*"), folder):
        os.utime(path, (then, then))
    return folder


def test_what_a_killed_export_left_is_removed_though_its_process_id_is_in_use_again(translated, tmp_path,
                                                                                    live_process):
    """A kill during an export, the machine restarted: its staging folder (part of a DOCX) names a process
    id another process now has, and every later export left it in the handed-over folder as a live
    export's. One last written before that process started is now removed; a live one still stays."""
    out = tmp_path / "out"
    old = out / f".parley-export-{live_process}-k1ll3d"
    old.mkdir(parents=True)
    (old / "statement.docx").write_bytes(b"PK\x03\x04 half a document")
    _left_before(old, days=2)
    tmp = out / f".statement.json.{live_process}.x1y2.tmp"
    tmp.write_text('{"cut', encoding="utf-8")
    _left_before(tmp, days=2)
    live = out / f".parley-export-{live_process}-writing"
    live.mkdir()
    exported = _app("export", "--task", "text-translate", "--format", "json,docx", "--out", str(out),
                    "--case", str(translated))
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [live.name]


def test_what_a_killed_model_import_left_is_removed_though_its_process_id_is_in_use_again(tmp_path, live_process):
    root = tmp_path / "models"
    old = root / f".import-{live_process}-k1ll3d"
    old.mkdir(parents=True)
    (old / "model.bin").write_bytes(b"\0" * 4096)
    _left_before(old, days=2)
    live = root / f".import-{live_process}-copying"
    live.mkdir()
    bundle = tmp_path / "nllb-tiny"
    shutil.copytree(FIXTURES / "tiny_nllb", bundle)
    (bundle / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
                                               for p in sorted(bundle.iterdir())), encoding="utf-8")
    imported = _app("models", "import", str(bundle), "--models-dir", str(root))
    assert imported.returncode == 0, imported.stderr
    assert sorted(p.name for p in root.iterdir()) == [live.name, "nllb-tiny"]


def test_a_worker_killed_before_its_batch_had_runs_decodes_the_same_batch_again(tmp_path, models_dir,
                                                                                whole_batch):
    """The worker killed after it took a batch of short files and before their runs were made (while the
    model loaded, a second or two): the supervisor's new worker decoded each file alone, so each text was
    not an uninterrupted run's ("at 8" came out "atate", the Polish note words where there were none).
    Retries that never had a run are now formed into the same batch again."""
    clips = ("en_voicenote.m4a", "en_voicenote.opus", "pl_voicenote.opus")
    args = (*(str(MEDIA / name) for name in clips), "--out", str(tmp_path / "out"), "--model", "tiny.en",
            "--threads", "2", "--format", "json", "--diarize", "off")
    whole = whole_batch(clips)  # the same command uninterrupted (conftest: made once a run)
    killed = _killed_after(tmp_path, "worker", "app.worker.process:Worker._start_short", "transcribe", *args,
                           "--case", str(tmp_path / "case"))
    assert killed.returncode == 0, killed.stderr
    assert _texts_and_batches(tmp_path / "case") == _texts_and_batches(whole)
    assert _app("verify", "--case", str(tmp_path / "case")).returncode == 0


FULL_AT_THIRD = """
import os, sys
if __name__ == "__mp_main__":  # the worker: storing the batch's third file finds the disk full, once
    from app.core.errors import StoreError
    from app.worker import process
    real, calls = process.store_clip, []
    def store_clip(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3 and not os.path.exists(os.environ["PARLEY_TEST_MARK"]):
            open(os.environ["PARLEY_TEST_MARK"], "w").close()
            raise StoreError("the case store could not be written (database or disk is full); nothing of "
                             "this change was kept")
        return real(*args, **kwargs)
    process.store_clip = store_clip
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_a_file_whose_result_found_the_disk_full_is_decoded_with_its_batch_when_run_again(tmp_path, models_dir,
                                                                                          whole_batch):
    """A full disk as a batch's third file was stored: its job failed, the other two were stored. Run
    again (room made), a new job took that file's run over and decoded it alone: its text was not an
    uninterrupted run's. It now takes the failed job's place in the batch planned (the others decoded
    along, their results dropped)."""
    clips = ("en_voicenote.m4a", "en_voicenote.opus", "pl_voicenote.opus")
    args = ("transcribe", *(str(MEDIA / name) for name in clips), "--out", str(tmp_path / "out"), "--model",
            "tiny.en", "--threads", "2", "--format", "json", "--diarize", "off")
    whole = whole_batch(clips)  # the same command uninterrupted (conftest: made once a run)
    (tmp_path / "full.py").write_text(FULL_AT_THIRD, encoding="utf-8")
    full = subprocess.run([sys.executable, str(tmp_path / "full.py"), *args, "--case", str(tmp_path / "case")],
                          cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_MARK=str(tmp_path / "full")))
    assert full.returncode == 1 and "disk is full" in full.stderr, full.stderr
    again = _app(*args, "--case", str(tmp_path / "case"))
    assert again.returncode == 0, again.stderr
    assert _texts_and_batches(tmp_path / "case") == _texts_and_batches(whole)
    assert _app("verify", "--case", str(tmp_path / "case")).returncode == 0
