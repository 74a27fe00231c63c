"""Nothing is written inside the evidence: --out and --case refused there (issue 11, finding 7)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.errors import EvidenceWriteError
from app.core.evidence.paths import check_outside_evidence
from tests.conftest import MEDIA, REPO


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=600)


@pytest.fixture()
def ev(tmp_path) -> Path:
    folder = tmp_path / "ev"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "sub" / "note.opus")
    (folder / "sub" / "message.txt").write_text("Bring the money tomorrow.\n", encoding="utf-8")
    return folder


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def assert_refused(result: subprocess.CompletedProcess, option: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("skipped ")]
    assert len(lines) == 1 and "beside the evidence" in lines[0] and f"({option} lies inside" in lines[0]


def test_core_check_catches_inside_below_and_through_links(ev, tmp_path):
    note = ev / "sub" / "note.opus"
    check_outside_evidence("--out", tmp_path / "out", [str(note)])
    check_outside_evidence("--out", tmp_path / "ev2", [str(ev)])  # a sibling sharing a prefix is fine
    for target, inputs in ((ev / "sub", [note]), (ev / "sub" / "o" / "deeper", [note]), (ev / "out", [ev])):
        with pytest.raises(EvidenceWriteError):
            check_outside_evidence("--out", target, inputs)
    (tmp_path / "link").symlink_to(ev / "sub")
    with pytest.raises(EvidenceWriteError):
        check_outside_evidence("--case", tmp_path / "link" / "case", [note])
    (tmp_path / "file-link.opus").symlink_to(note)  # an input reached through a link: its target's folder too
    with pytest.raises(EvidenceWriteError):
        check_outside_evidence("--out", ev / "sub" / "out", [tmp_path / "file-link.opus"])
    check_outside_evidence("--case", None, [note])
    (tmp_path / "folder-link").symlink_to(ev)  # a folder input named through a link: its target is walked
    with pytest.raises(EvidenceWriteError):
        check_outside_evidence("--out", ev / "out", [tmp_path / "folder-link"])


@pytest.mark.parametrize("where", ["out-in-file-folder", "out-in-walked-folder", "case-in-evidence",
                                   "out-through-link"])
def test_transcribe_refuses_to_write_inside_the_evidence(ev, tmp_path, where):
    before = tree(ev)
    (tmp_path / "link").symlink_to(ev / "sub")
    inputs, out, case = [str(ev / "sub" / "note.opus")], tmp_path / "out", tmp_path / "case"
    if where == "out-in-file-folder":
        out = ev / "sub" / "transcripts"
    elif where == "out-in-walked-folder":
        inputs, out = [str(ev)], ev / "out"
    elif where == "case-in-evidence":
        case = ev / "sub" / "case"
    else:
        out = tmp_path / "link" / "out"
    result = run_cli("transcribe", *inputs, "--out", str(out), "--case", str(case), "--model", "tiny.en")
    assert_refused(result, "--case" if where == "case-in-evidence" else "--out")
    assert tree(ev) == before
    assert not case.exists() or where != "case-in-evidence"


def test_queue_add_refuses_a_case_inside_the_evidence(ev):
    before = tree(ev)
    result = run_cli("queue", "add", str(ev), "--case", str(ev / "sub" / "case"), "--model", "tiny.en")
    assert_refused(result, "--case")
    assert tree(ev) == before


def test_translate_refuses_an_out_inside_the_evidence(ev, tmp_path):
    before = tree(ev)
    result = run_cli("translate", str(ev / "sub" / "message.txt"), "--to", "de", "--out", str(ev / "sub" / "de"),
                     "--case", str(tmp_path / "case"))
    assert_refused(result, "--out")
    assert tree(ev) == before


@pytest.mark.slow
def test_export_and_queue_run_refuse_an_out_inside_the_evidence(ev, tmp_path):
    case = str(tmp_path / "case")
    done = run_cli("transcribe", str(ev / "sub" / "note.opus"), "--out", str(tmp_path / "o"), "--case", case,
                   "--model", "tiny.en", "--format", "txt")
    assert done.returncode == 0, done.stderr
    before = tree(ev)
    assert_refused(run_cli("export", "--out", str(ev / "sub" / "x"), "--case", case), "--out")
    queued = run_cli("queue", "add", str(ev / "sub" / "note.opus"), "--case", case, "--model", "tiny.en",
                     "--beam-size", "1")
    assert queued.returncode == 0, queued.stderr
    assert_refused(run_cli("queue", "run", "--out", str(ev / "sub"), "--case", case), "--out")
    assert tree(ev) == before


def test_a_broken_link_named_as_input_does_not_make_its_missing_target_s_folder_evidence(ev, tmp_path):
    """A link to /nonexistent once made "/" evidence, refusing every --out and --case anywhere."""
    (ev / "sub" / "dangling.opus").symlink_to("/nonexistent-target.opus")
    check_outside_evidence("--out", tmp_path / "out", [ev / "sub" / "dangling.opus", ev / "sub" / "note.opus"])
    with pytest.raises(EvidenceWriteError):  # the link's own folder is still evidence
        check_outside_evidence("--out", ev / "sub" / "out", [ev / "sub" / "dangling.opus"])
