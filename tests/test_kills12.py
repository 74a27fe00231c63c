"""Hostile kills, twelfth round (session 20; tests/test_kills.py to test_kills11.py are the earlier ones):
`models bundle` and `models install-dev` killed while they copy a model. Each builds its copy in a hidden
folder and renames it into place: a kill used to leave that folder for good (the model's size each time,
on the stick the bundle was carried on, or hidden in models/); the next run now removes it, never a live
writer's."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.errors import ModelError
from app.core.models import catalogue as models
from app.core.models.staging import remove_stale
from tests.conftest import MEDIA, REPO
from tests.test_kills2 import _killed_after


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def _sums_hold(bundle: Path) -> bool:
    """Every file of the bundle listed in its SHA256SUMS with its own SHA-256, and nothing else there."""
    listed = dict(reversed(line.split("  ", 1)) for line in (bundle / "SHA256SUMS").read_text().splitlines())
    files = {p.name for p in bundle.iterdir()} - {"SHA256SUMS"}
    return set(listed) == files and all(
        hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest for name, digest in listed.items())


def test_a_model_bundle_killed_while_it_copies_leaves_no_bundle_and_the_next_clears_its_copy(tmp_path, models_dir):
    stick = tmp_path / "stick"
    stick.mkdir()
    out = stick / "tiny.en"
    args = ("models", "bundle", "tiny.en", str(out), "--models-dir", str(models_dir))
    _killed_after(tmp_path, "command", "app.core.models.catalogue:sha256_file", *args)  # after its first file
    assert not out.exists()  # nothing passes for a bundle
    assert [p.name for p in stick.iterdir() if p.name.startswith(".bundle-")], "the kill left no copy to clear"
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in stick.iterdir()) == ["tiny.en"]  # the killed copy is gone
    assert _sums_hold(out)


def test_a_bundle_being_written_by_a_live_command_is_never_removed(tmp_path):
    live = tmp_path / f".bundle-{os.getpid()}-abcd1234"  # this process: alive, and started before it
    live.mkdir()
    (live / "model.bin").write_bytes(b"half")
    gone = tmp_path / ".bundle-abcd1234"  # an older Parley's name, with no process id
    gone.mkdir()
    assert remove_stale(tmp_path, ".bundle-") == [gone]
    assert live.is_dir() and not gone.exists()


def test_an_install_dev_killed_with_its_copy_whole_installs_nothing_and_the_next_clears_it(tmp_path, models_dir):
    target = tmp_path / "models"
    target.mkdir()
    for name in ("base", "speaker-campplus", "segmentation-3.0"):  # there already: only tiny.en is copied
        (target / name).symlink_to(models_dir / name)
    args = ("models", "install-dev", "--models-dir", str(target))
    _killed_after(tmp_path, "command", "app.core.models.devmodels:write_manifest", *args)  # the worst moment
    assert not (target / "tiny.en").exists()
    assert [p.name for p in target.iterdir() if p.name.startswith(".tiny.en-")], "the kill left no copy"
    assert "tiny.en" not in [m.name for m in models.list_models(target)]
    again = _app(*args)
    assert again.returncode == 0 and "tiny.en: installed" in again.stdout, again.stdout + again.stderr
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]  # the killed copy is gone
    assert models.verify(target / "tiny.en") == []


def test_a_bundle_into_a_folder_that_is_not_there_names_that_folder_not_its_hidden_copy(tmp_path, models_dir):
    missing = tmp_path / "stick-not-mounted"
    with pytest.raises(ModelError) as refused:
        models.make_bundle(models_dir / "tiny.en", missing / "tiny.en")
    assert str(refused.value) == f"{missing}: no such folder"
    assert not missing.exists()


CTRL_C_AS_THE_WORKER_STARTS = """
import os, signal, sys
if __name__ == "__mp_main__":  # the spawned worker, as it starts: Ctrl-C in the terminal reaches the whole group
    os.killpg(0, signal.SIGINT)
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _ctrl_c_as_a_terminal_gives_it() -> None:
    """SIGINT at its default and unblocked in the command, as a shell starts it: an earlier test in this
    pytest worker can leave SIGINT ignored, which a child inherits (then Ctrl-C never reaches it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_while_the_worker_starts_is_one_line_with_no_traceback_from_the_worker(tmp_path, models_dir):
    """The first worker of a command used to be born with Ctrl-C open (multiprocessing's resource tracker,
    started at the first spawn, unblocks SIGINT), and printed a KeyboardInterrupt traceback."""
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_AS_THE_WORKER_STARTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "transcribe", str(MEDIA / "en_voicenote.opus"), "--case", str(tmp_path / "case"),
         "--out", str(tmp_path / "out"), "--model", "tiny.en"],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, check=False,
        timeout=300, start_new_session=True,  # its own process group, as a terminal gives a command
        preexec_fn=_ctrl_c_as_a_terminal_gives_it)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr, result.stderr
    said = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("[")]
    assert len(said) == 1 and said[0].startswith(("interrupted; ", "stopped while starting")), result.stderr
