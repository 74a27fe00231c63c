"""Hostile kills, sixth round (issue: kills at random moments; tests/test_kills.py to test_kills4.py are the
first rounds, session 13's the fifth): a batch killed after one of its files was stored, and a model
import cut short by a power loss."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.models import bundles as model_bundles
from app.core.models import catalogue as models
from tests.conftest import MEDIA, REPO
from tests.test_kills2 import KILL_AFTER, _killed_after, _rows
from tests.test_kills3 import _texts_and_batches

FIXTURES = Path(__file__).parent / "fixtures"
# decoded without the first, the second's text changes ("at eight, bring" for "at 8. Bring")
CLIPS = ("en_voicenote.m4a", "en_voicenote.opus", "pl_voicenote.opus")


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def test_a_batch_killed_after_its_first_file_was_stored_decodes_the_rest_with_it_again(tmp_path, models_dir,
                                                                                      whole_batch):
    """The worker killed once the first file of a batch of short files was stored (its diarisation, or its
    job's end, cut off): the retry finished that file from the store and decoded the other two as a batch
    of two, so their text was not the uninterrupted run's. The stored file is now decoded along again
    (its result dropped: nothing stored twice) and the record names the same batch."""
    args = (*(str(MEDIA / name) for name in CLIPS), "--out", str(tmp_path / "out"), "--model", "tiny.en",
            "--threads", "2", "--format", "json", "--diarize", "off")
    whole = whole_batch(CLIPS)  # the same command uninterrupted (conftest: made once a run)
    killed = _killed_after(tmp_path, "worker", "app.worker.process:store_clip", "transcribe", *args,
                           "--case", str(tmp_path / "case"))
    assert killed.returncode == 0, killed.stderr
    assert _texts_and_batches(tmp_path / "case") == _texts_and_batches(whole)
    assert _app("verify", "--case", str(tmp_path / "case")).returncode == 0


def _bundle(folder: Path) -> Path:
    shutil.copytree(FIXTURES / "tiny_nllb", folder)
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(folder.iterdir())]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _cut(model: Path, how: str) -> None:
    """A power cut after the import: the newest file (its record, written last) or a weight file short."""
    name, _, size = how.partition(":")
    os.truncate(model / name, int(size)) if size else (model / name).unlink()


@pytest.mark.parametrize("how", ["parley-model.json:0", "parley-model.json:40", "model.bin:1000", "config.json"])
def test_a_model_import_cut_short_by_a_power_loss_is_put_right_by_importing_again(tmp_path, how):
    """`models import` again after a power cut left the model's files or its record short: it said "a model
    named 'nllb-tiny' is already installed, with different files; give this one another name" and the damaged
    copy stayed listed. It is now installed again from the bundle."""
    bundle, root = _bundle(tmp_path / "nllb-tiny"), tmp_path / "models"
    target = model_bundles.import_bundle(bundle, root)
    _cut(target, how)
    assert model_bundles.install_bundle(bundle, root) == (target, True)
    assert models.differences(target) == [] and sorted(p.name for p in root.iterdir()) == ["nllb-tiny"]
    with pytest.raises(model_bundles.AlreadyInstalled):  # and, whole again, a repeat is "already done"
        model_bundles.import_bundle(bundle, root)


def test_the_import_run_again_after_a_power_loss_says_what_it_put_right(tmp_path):
    bundle, root = _bundle(tmp_path / "nllb-tiny"), tmp_path / "models"
    target = model_bundles.import_bundle(bundle, root)
    _cut(target, "parley-model.json:0")
    again = _app("models", "import", str(bundle), "--models-dir", str(root))
    assert again.returncode == 0, again.stderr
    assert "was installed from this bundle but cut short" in again.stderr and again.stdout.strip() == str(target)
    assert models.differences(target) == []


def test_a_model_changed_otherwise_is_still_refused_not_replaced(tmp_path):
    """Only a copy of this bundle cut short is put right: a byte changed is a different model, refused."""
    bundle, root = _bundle(tmp_path / "nllb-tiny"), tmp_path / "models"
    target = model_bundles.import_bundle(bundle, root)
    weights = bytearray((target / "model.bin").read_bytes())
    weights[100] ^= 1
    (target / "model.bin").write_bytes(bytes(weights))
    with pytest.raises(model_bundles.ModelError, match="since changed"):
        model_bundles.import_bundle(bundle, root)
    assert models.differences(target) == ["model.bin does not match its recorded SHA-256"]


def test_an_import_is_on_disk_before_its_folder_is_put_in_place(tmp_path, monkeypatch):
    """Each file copied and the record are flushed to disk before the folder is renamed into place,
    so a power cut leaves the import whole or absent (without it, renamed files could come back empty)."""
    bundle, root = _bundle(tmp_path / "nllb-tiny"), tmp_path / "models"
    events: list[str] = []
    real_fsync, real_rename = os.fsync, os.rename
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "rename", lambda a, b: (events.append(f"rename {Path(b).name}"), real_rename(a, b))[1])
    model_bundles.import_bundle(bundle, root)
    put = events.index("rename nllb-tiny")
    expected = {p.name for p in bundle.iterdir() if p.name != "SHA256SUMS"} | {"parley-model.json"}
    assert expected <= set(events[:put]) and events[put + 1:] == ["models"]


def test_a_job_left_queued_with_other_settings_is_not_started_by_the_next_command(tmp_path, models_dir):
    """A command killed, run again with other settings (`--model base` for tiny.en, say): the killed one's
    job stays queued. The new command's worker claimed it as soon as its own job was done (or while the
    command still queued its own): it printed "attempt 2, resuming" for a file it was not asked for,
    loaded the other model and kept the command waiting for the decode to reach a window. A command's
    worker now claims only the command's own jobs; the other stays queued, never started, for `queue run`."""
    case = str(tmp_path / "case")
    left = _app("queue", "add", str(MEDIA / "en_voicenote.m4a"), "--model", "base", "--case", case)
    assert left.returncode == 0, left.stderr
    done = _app("transcribe", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en", "--threads", "2",
                "--format", "json", "--out", str(tmp_path / "out"), "--case", case)
    assert done.returncode == 0, done.stderr
    assert "en_voicenote.m4a" not in done.stderr and (tmp_path / "out" / "en_voicenote.json").is_file()
    jobs = _rows(Path(case), "SELECT id, state, attempts FROM jobs ORDER BY id")
    assert jobs == [(1, "queued", 0), (2, "done", 1)]
    assert _rows(Path(case), "SELECT subject FROM audit_log WHERE action='job.started'") == [("job/2",)]


def _killed_after_term(tmp_path: Path, target: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m app ARGS` sent SIGTERM by itself once, right after `target` returns (tests/test_kills2.py's way)."""
    script, mark = tmp_path / "term_after.py", tmp_path / "stopped"
    script.write_text(KILL_AFTER.replace("signal.SIGKILL", "signal.SIGTERM"), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_KILL_IN="command", PARLEY_TEST_KILL_AFTER=target,
               PARLEY_TEST_KILL_MARK=str(mark))
    result = subprocess.run([sys.executable, str(script), *args], cwd=REPO, env=env, capture_output=True, text=True,
                            check=False, timeout=300)
    assert mark.exists(), result.stderr
    return result


def test_a_model_import_stopped_says_to_run_it_again_not_that_work_resumes(tmp_path):
    """SIGTERM during `models import`: it said "stored work is kept and resumes on the next run", as a
    transcription does, though nothing of an import is kept or resumed (its staging folder is removed)."""
    bundle, root = _bundle(tmp_path / "nllb-tiny"), tmp_path / "models"
    stopped = _killed_after_term(tmp_path, "app.core.models.bundles:_copy_verified", "models", "import", str(bundle),
                                 "--models-dir", str(root))
    assert stopped.returncode == 143 and "Traceback" not in stopped.stderr, stopped.stderr
    assert stopped.stderr == "terminated; run the command again to finish it\n"
    assert not root.exists() or list(root.iterdir()) == []
