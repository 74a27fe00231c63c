"""A command's files that ended together are written out together, not one set at a time.

`transcribe` on a phone's 112 voice notes wrote the outputs of the group's last part (27-29 files)
after the worker's last store, one after the other: each set two audit transactions (the staged set,
then its files written; each a synced commit and three audit-head copies renamed into place), and a
sync of the output folder. The sets that ended together are now staged in one audit transaction, put
in place with one sync of the folder, and logged as written in one more. Each set stays whole and
logged, or absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.cli.progress import QueueRunner
from app.core.evidence import export_set
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.usecases.exporting import output_basenames
from app.worker import protocol
from tests.conftest import MEDIA, REPO

CLIPS = ("en_voicenote.m4a", "en_voicenote.opus", "pl_voicenote.opus")  # as test_kills5 (conftest: made once)


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def _copy_of(whole_batch, tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(whole_batch(CLIPS), case)
    return case


def _exports_logged(case_dir: Path) -> list[tuple[str, str]]:
    case = Case.open(case_dir)
    try:
        return [(e.action, e.subject) for e in case.audit.entries("run/") if e.action.startswith("export.")]
    finally:
        case.close()


def test_sets_that_ended_together_are_staged_put_in_place_and_logged_together(whole_batch, tmp_path, monkeypatch):
    """The command's files done before (the same bytes transcribed in this case): their three sets were
    written one by one, staged-written-staged-written with a folder sync each; now all three are staged,
    then all put in place with one sync of the folder, then all logged as written."""
    case, out = _copy_of(whole_batch, tmp_path), tmp_path / "out"
    before = len(_exports_logged(case))
    syncs: list[Path] = []
    real_sync = export_set.sync_folder
    monkeypatch.setattr(export_set, "sync_folder", lambda folder: (syncs.append(folder), real_sync(folder)))
    status = main(["transcribe", *(str(MEDIA / n) for n in CLIPS), "--out", str(out), "--case", str(case),
                   "--model", "tiny.en", "--threads", "2", "--format", "json", "--diarize", "off"])
    assert status == 0
    logged = [action for action, _ in _exports_logged(case)[before:]]
    assert logged == ["export.staged"] * 3 + ["export.written"] * 6, logged  # before: staged, written x2, ...
    assert syncs == [out.resolve()]  # before: one a set
    assert _app("verify", "--case", str(case)).returncode == 0
    whole_out = whole_batch(CLIPS).parent / "out"
    for stem in output_basenames([str(MEDIA / n) for n in CLIPS]).values():
        manifest = out / f"{stem}.manifest.json"
        assert _app("check-export", str(manifest)).returncode == 0, stem
        ours, theirs = (json.loads((o / f"{stem}.json").read_text()) for o in (out, whole_out))
        assert ours["segments"] == theirs["segments"]  # the same words and times as the command that decoded them


def test_a_rename_failing_part_way_keeps_the_sets_put_in_place_whole_and_logged(whole_batch, tmp_path, monkeypatch):
    """The second of three sets cannot be put in place (a folder of its name in the way): the first is
    whole and logged as written, the second and third absent and not logged as written, one error."""
    from app.core.usecases.exporting import (  # (on main: one set at a time only)
        ExportItem,
        export_runs,
    )

    case_dir, out = _copy_of(whole_batch, tmp_path), tmp_path / "out"
    case = Case.open(case_dir)
    try:
        runs = [j.run_id for j in JobQueue(case.conn).list() if j.run_id is not None]
        (out / "second.json").mkdir(parents=True)  # os.replace of a file onto a folder fails
        items = [ExportItem(runs[0], "first"), ExportItem(runs[1], "second"), ExportItem(runs[2], "third")]
        with pytest.raises(export_set.ExportWriteError, match="1 of its 3 sets|2 of its 3 sets"):
            export_runs(case, items, out, ["json"])
        written = {e.details["file"] for e in case.audit.entries("run/") if e.action == "export.written"
                   and e.details["file"].startswith(str(out.resolve()))}
    finally:
        case.close()
    assert sorted(p.name for p in out.iterdir()) == ["first.json", "first.manifest.json", "second.json"]
    assert (out / "second.json").is_dir()
    assert written == {str(out.resolve() / "first.json"), str(out.resolve() / "first.manifest.json")}
    assert _app("check-export", str(out / "first.manifest.json")).returncode == 0
    assert not any(p.name.startswith(export_set.STAGING_PREFIX) for p in out.iterdir())


class _OnePoll:
    """A supervisor whose worker's three jobs end in one poll of its pipe."""

    def __init__(self, events: list[protocol.Event]) -> None:
        self.events, self.gave_up = events, False

    def run_until_idle(self, on_event, until=None, poll_s=0.1, then_stop=False, after_events=None) -> None:
        for event in self.events:
            on_event(event)
        after_events()

    def stop(self, timeout: float = 5) -> None:
        pass


def test_jobs_whose_ends_came_in_together_are_handed_on_together(whole_batch, tmp_path):
    case = Case.open(_copy_of(whole_batch, tmp_path))
    try:
        jobs = JobQueue(case.conn).list()
        handed: list[list[int]] = []
        runner = QueueRunner(case, case.folder, lambda job: handed.append([job.id]), lambda job: [],
                             announce=False, on_done_together=lambda done: handed.append([j.id for j in done]))
        outcome = runner.run({j.id for j in jobs}, _OnePoll([protocol.JobDone(j.id, j.run_id) for j in jobs]))
    finally:
        case.close()
    assert handed == [[j.id for j in jobs]]  # before: one export a job, each with its own transactions
    assert outcome.done == [j.id for j in jobs]


@pytest.mark.parametrize("target", ["_stage", "_put_all_in_place"])
def test_a_command_killed_while_writing_sets_together_leaves_each_whole_and_logged_or_absent(whole_batch, tmp_path,
                                                                                              target):
    """Killed after the first set was staged (nothing in place), or after every set was put in place and before
    any was logged as written: `verify` names no changed or missing file, only what the kill left, the same
    command run again writes every set, and then `verify` and each set's `check-export` are clean."""
    from tests.test_kills2 import _killed_after

    case, out = _copy_of(whole_batch, tmp_path), tmp_path / "out"
    args = ("transcribe", *(str(MEDIA / n) for n in CLIPS), "--out", str(out), "--case", str(case),
            "--model", "tiny.en", "--threads", "2", "--format", "json", "--diarize", "off")
    _killed_after(tmp_path, "command", f"app.core.evidence.export_set:{target}", *args)
    manifests = sorted(p.name for p in out.glob("*.manifest.json"))
    assert manifests == ([] if target == "_stage" else sorted(f"{s}.manifest.json" for s in
                                                             output_basenames([str(MEDIA / n) for n in CLIPS]).values()))
    found = _app("verify", "--case", str(case))
    if target == "_stage":  # nothing logged, nothing in place: the staging folder is the next export's to remove
        assert found.returncode == 0, found.stdout
    else:  # each file of the three sets, and nothing else
        said = found.stdout + found.stderr
        assert said.count("left by an export that was stopped") == 2 * len(CLIPS), said
        assert f"{2 * len(CLIPS)} finding(s)" in said, said
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    assert _app("verify", "--case", str(case)).returncode == 0
    for manifest in out.glob("*.manifest.json"):
        assert _app("check-export", str(manifest)).returncode == 0, manifest
    assert len(list(out.glob("*.manifest.json"))) == len(CLIPS)
