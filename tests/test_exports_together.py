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


# ------------------------------------------------------------------ review 7: D1, D2, D3

def _runs(case: Case) -> list[int]:
    return [j.run_id for j in JobQueue(case.conn).list() if j.run_id is not None]


def _logged_sha(case: Case, action: str, run_id: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in case.audit.entries(f"run/{run_id}"):
        if e.action == action and e.subject == f"run/{run_id}":
            files = e.details.get("files") or [e.details]
            found.update({f["file"]: f["sha256"] for f in files})
    return found


def test_two_sets_of_one_name_are_each_logged_with_their_own_bytes(whole_batch, tmp_path):
    """Two runs exported under one name together (`queue run --out` of two runs of one exhibit): the
    second replaced the first's files and run A was logged as having written run B's bytes."""
    from app.core.usecases.exporting import ExportItem, export_runs

    case = Case.open(_copy_of(whole_batch, tmp_path))
    out = tmp_path / "out"
    try:
        first, second = _runs(case)[:2]
        export_runs(case, [ExportItem(first, "same"), ExportItem(second, "same")], out, ["json"])
        staged = {run: _logged_sha(case, "export.staged", run) for run in (first, second)}
        written = {run: {f: s for f, s in _logged_sha(case, "export.written", run).items()
                         if f.startswith(str(out.resolve()))} for run in (first, second)}
    finally:
        case.close()
    for run in (first, second):
        mine = {f: s for f, s in staged[run].items() if f.startswith(str(out.resolve()))}
        assert written[run] == mine, run  # before: run A's entries named run B's SHA-256
    assert written[first] != written[second]
    assert _app("check-export", str(out / "same.manifest.json")).returncode == 0  # the later run's set, whole


def _forged_second(case_dir: Path) -> int:
    from tests.tamper_helpers import forged
    case = Case.open(case_dir)
    try:
        run = _runs(case)[1]
    finally:
        case.close()
    forged(case_dir, f"UPDATE segments SET text='bring the gun' WHERE run_id={run}")
    return run


def test_a_refused_run_is_set_aside_and_the_rest_of_its_group_written(whole_batch, tmp_path):
    """One run edited outside Parley refused the whole group: no set written. Now the others are, then
    one line names the refused run."""
    from app.core.errors import ParleyError
    from app.core.usecases.exporting import ExportItem, export_runs

    case_dir, out = _copy_of(whole_batch, tmp_path), tmp_path / "out"
    bad = _forged_second(case_dir)
    case = Case.open(case_dir)
    try:
        runs = _runs(case)
        items = [ExportItem(runs[0], "first"), ExportItem(bad, "second"), ExportItem(runs[2], "third")]
        with pytest.raises(ParleyError) as refused:  # (ExportsRefused)
            export_runs(case, items, out, ["json"])
    finally:
        case.close()
    lines = str(refused.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"run {bad}: ") and "edited outside Parley" in lines[0], lines
    assert sorted(p.name for p in out.iterdir()) == ["first.json", "first.manifest.json",
                                                     "third.json", "third.manifest.json"]
    assert [p.name for p in refused.value.kept] == ["first.json", "first.manifest.json",
                                                    "third.json", "third.manifest.json"]


def test_transcribe_writes_the_clean_runs_done_before_and_decodes_the_rest(whole_batch, tmp_path, capsys):
    """`transcribe` again with one done-before run forged and one new file: it stopped at once, nothing
    written and the new file not decoded. Now the clean sets are written, the new file decoded and
    written, one line names the refused run, and the command fails."""
    case_dir, out = _copy_of(whole_batch, tmp_path), tmp_path / "out"
    bad = _forged_second(case_dir)
    status = main(["transcribe", *(str(MEDIA / n) for n in (*CLIPS, "fr_voicenote.m4a")), "--out", str(out),
                   "--case", str(case_dir), "--model", "tiny.en", "--threads", "2", "--format", "json",
                   "--diarize", "off"])
    said = capsys.readouterr()
    assert status == 1
    assert f"run {bad}: " in next(line for line in said.err.splitlines() if "edited outside Parley" in line)
    assert len(list(out.glob("*.manifest.json"))) == len(CLIPS), said.err  # two clean done-before + the new one
    assert (out / "fr_voicenote.manifest.json").exists()


def test_a_failed_folder_sync_says_the_sets_are_in_place_and_prints_them(whole_batch, tmp_path, monkeypatch, capsys):
    """Every rename made, the folder's sync failing (EIO): "nothing of it was kept" was said of sets in place."""
    import errno

    from app.cli.export import write_exports_together
    from app.core.usecases.exporting import ExportItem

    def broken(folder: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    case = Case.open(_copy_of(whole_batch, tmp_path))
    out = tmp_path / "out"
    monkeypatch.setattr(export_set, "sync_folder", broken)
    try:
        items = [ExportItem(run, name) for run, name in zip(_runs(case), ("first", "second", "third"), strict=True)]
        with pytest.raises(export_set.ExportWriteError) as failed:
            write_exports_together(case, items, out, ["json"])
    finally:
        case.close()
    said = str(failed.value)
    assert "3 sets put in place, not confirmed on disk" in said and "verify" in said, said
    assert "nothing of it was kept" not in said
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == sorted(p.name for p in out.iterdir()) and len(printed) == 6


def test_queue_run_out_writes_the_clean_unwritten_runs_and_decodes_the_pending(tmp_path, capsys):
    """`queue run --out` with jobs done and never written out, one of them edited outside Parley, and a job
    queued: it stopped before decoding, nothing written, every rerun the same. Now the clean run and the
    queued one are written, one line names the refused run, and the command fails."""
    case_dir, out = tmp_path / "case", tmp_path / "out"
    common = ("--case", str(case_dir), "--model", "tiny.en", "--diarize", "off")
    assert main(["queue", "add", *(str(MEDIA / n) for n in CLIPS[:2]), *common]) == 0
    assert main(["queue", "run", "--case", str(case_dir)]) == 0  # done, never written out
    bad = _forged_second(case_dir)
    assert main(["queue", "add", str(MEDIA / CLIPS[2]), *common]) == 0
    capsys.readouterr()
    status = main(["queue", "run", "--case", str(case_dir), "--out", str(out), "--format", "json"])
    said = capsys.readouterr()
    assert status == 1
    refusals = [line for line in said.err.splitlines() if "edited outside Parley" in line]
    assert len(refusals) == 1 and f"run {bad}: " in refusals[0], said.err
    assert len(list(out.glob("*.manifest.json"))) == 2, said.err  # the clean unwritten run and the queued one
    assert (out / "pl_voicenote.manifest.json").exists()
