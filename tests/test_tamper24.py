"""Hostile expert, session 24: a case on a filesystem without stable inode numbers.

A case's writes are refused once its store is no longer the file at its path (tests/test_tamper22.py: a case folder
replaced or moved under an open window or worker). That was told only by the path's (device, inode) against the
pair taken when the store was opened. A filesystem that numbers a file anew while it is open (some FUSE mounts:
path-hashing, network) had every write of a healthy case refused ("another file than the one opened"), the
window's edits and a worker's results with them; one that numbers every file 0 (some FUSE and network mounts) let
a case swapped under an open window take its edits unseen. The file a connection holds is now named by the
system (/proc/self/fd) where it can be; the inode numbers only where it cannot.

Also (below): the batched decoder's encoder states of silence kept beside the model were trusted on their own
SHA-256, kept beside them.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from app.core.errors import StoreError
from app.core.store import Case
from tests.test_silence_store import _run, sources, store  # noqa: F401 - fixtures: three notes, an empty store
from tests.test_tamper22 import _edit, case_dir  # noqa: F401 - the fixture: a voice note transcribed, closed
from tests.test_verify import verify


class _Numbered:
    """An os.stat result with another inode number."""

    def __init__(self, real: os.stat_result, ino: int) -> None:
        self._real, self.st_ino = real, ino

    def __getattr__(self, name: str):
        return getattr(self._real, name)


def _numbering(monkeypatch, numbers) -> None:
    """The case stores on a filesystem numbering them `numbers()` at each look (the rest as they are)."""
    real = os.stat

    def stat(path, *args, **kwargs):
        found = real(path, *args, **kwargs)
        return _Numbered(found, numbers()) if str(path).endswith("case.sqlite") else found

    monkeypatch.setattr(os, "stat", stat)


def test_a_case_on_a_filesystem_that_numbers_files_anew_is_written_to(case_dir, monkeypatch, capsys):  # noqa: F811
    """Was: "case.sqlite is another file than the one opened (the case folder was replaced while it was open);
    nothing written: open the case again" for every edit of a case left where it was."""
    counter = itertools.count(1000)
    _numbering(monkeypatch, lambda: next(counter))
    window = Case.open(case_dir)
    try:
        assert window.replaced_since_opened() is None
        _edit(window, "at ten")
        _edit(window, "at eleven")
    finally:
        window.close()
    monkeypatch.undo()
    assert verify(capsys, case_dir) == (0, [])


@pytest.mark.parametrize("numbers", ["anew", "zero"])
def test_a_case_folder_swapped_on_such_a_filesystem_is_still_refused(case_dir, tmp_path, monkeypatch,  # noqa: F811
                                                                    numbers):
    """A backup put in place of the case under an open window: refused in one line, whatever the inode numbers say
    (numbered 0, was written into the store moved away unseen)."""
    counter = itertools.count(1000)
    _numbering(monkeypatch, (lambda: next(counter)) if numbers == "anew" else (lambda: 0))
    shutil.copytree(case_dir, tmp_path / "backup")
    window = Case.open(case_dir)
    try:
        os.rename(case_dir, tmp_path / "case.moved")
        shutil.copytree(tmp_path / "backup", case_dir)
        with pytest.raises(StoreError, match="another file than the one opened"):
            _edit(window, "at ten")
        os.rename(case_dir, tmp_path / "case.backup-gone")  # and nothing at the path at all
        with pytest.raises(StoreError, match="is gone"):
            _edit(window, "at ten")
    finally:
        window.close()
    assert not Path(case_dir).exists()


def test_a_case_folder_renamed_back_under_an_open_window_is_written_to(case_dir, tmp_path, capsys):  # noqa: F811
    """Moved away and back (a tidy-up undone): the store at the path is the one the window holds; its edit is
    taken, and said nowhere as tampering."""
    window = Case.open(case_dir)
    try:
        os.rename(case_dir, tmp_path / "away")
        with pytest.raises(StoreError, match="is gone"):
            _edit(window, "at ten")
        os.rename(tmp_path / "away", case_dir)
        _edit(window, "at eleven")
    finally:
        window.close()
    assert verify(capsys, case_dir) == (0, [])


# ------------------------------------------------------------------ the encoder states of silence kept beside the model

def test_a_silence_state_forged_beside_the_model_with_its_hash_is_not_used(models_dir, store, sources):  # noqa: F811
    """Whoever could write models/ put other states in .parley-silence with their SHA-256 beside them: every later
    command decoded its packed notes over them (only `reproduce`, encoding afresh, showed it). A state is now used
    only when this account recorded its hash when it encoded it: a forged one is encoded again, and put right."""
    import hashlib

    import numpy as np

    texts, _, _, states = _run(models_dir, sources)
    kept = sorted(store.glob("tiny.en-*/floor*.npy"))
    assert kept and len(kept) == len(states)
    for path in kept:
        forged = np.load(path) * np.float32(0.5)  # the right shape and type, other numbers
        np.save(path, forged, allow_pickle=False)
        path.with_suffix(".sha256").write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n", encoding="ascii")
    again, silence, _, states_again = _run(models_dir, sources)
    assert silence == len(states)  # was 0: every forged state read and used
    assert all(np.array_equal(states[k], states_again[k]) for k in states)
    assert again == texts
    assert all(np.array_equal(np.load(path), states_again[int(path.stem[5:])]) for path in kept)  # put right


# ------------------------------------------------------------------ an export's manifest edited, checked without the case

def _manifest_edited(path, edit) -> None:
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("fact, edit", [
    ("model.name", lambda d: d["model"].update(name="large-v3")),
    ("model.sha256", lambda d: d["model"].update(sha256="9" * 64)),
    ("settings.beam_size", lambda d: d["settings"].update(beam_size=1)),
    ("source.sha256", lambda d: d["source"].update(sha256="a" * 64)),
    ("status", lambda d: d.update(status="verified")),  # a machine draft handed on as the proofread record
    ("verified_by", lambda d: d.update(verified_by="DS Brown")),
])
def test_a_manifest_edited_to_name_another_model_is_said_by_check_export(case_dir, tmp_path, capsys, fact,  # noqa: F811
                                                                         edit):
    """The manifest handed on edited (another model, settings or recording named), its files' hashes left right: was
    "nothing found"; the set's own JSON and text, whose bytes the manifest vouches for, say otherwise."""
    from app.cli import main

    assert main(["export", "1", "--case", str(case_dir), "--out", str(tmp_path / "out"), "--format", "json,txt"]) == 0
    manifest = tmp_path / "out" / "note.manifest.json"
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0  # as written: nothing to say
    _manifest_edited(manifest, edit)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if "the manifest was edited after the export" in line]
    assert len(said) == 1 and f"gives {fact} as " in said[0], said


# ------------------------------------------------------------------ a case folder named in other letters (exFAT)

def _case_insensitive(monkeypatch, folder) -> None:
    """Names under `folder` found in any letters, as an exFAT or FAT disk finds them (listed as made)."""
    from app.core.store import spelling

    real = os.lstat

    def lstat(path, *args, **kwargs):
        path = Path(path)
        if path.parent == folder and not path.exists():
            alike = [p for p in folder.iterdir() if p.name.casefold() == path.name.casefold()]
            path = alike[0] if alike else path
        return real(path, *args, **kwargs)

    monkeypatch.setattr(spelling.os, "lstat", lstat)


def test_a_case_folder_named_in_other_letters_is_opened_as_the_disk_spells_it(case_dir, monkeypatch):  # noqa: F811
    _case_insensitive(monkeypatch, case_dir.parent)
    window = Case.open(case_dir.parent / "CASE")
    try:
        assert window.folder == case_dir and window.named == case_dir
    finally:
        window.close()
    monkeypatch.undo()
    new = Case.open(case_dir.parent / "Other")  # a folder not there: made as given, on any disk
    try:
        assert new.folder.name == "Other"
    finally:
        new.close()


@pytest.fixture()
def exfat(tmp_path):
    """A folder on an exFAT disk image mounted through exfat-fuse (skipped where it cannot be: not root, no tools)."""
    import subprocess

    image, mount = tmp_path / "usb.img", tmp_path / "usb"
    mount.mkdir()
    tools = [shutil.which(t) for t in ("mkfs.exfat", "mount.exfat-fuse", "losetup", "fusermount")]
    if os.geteuid() != 0 or not all(tools):
        pytest.skip("needs root, mkfs.exfat, exfat-fuse and losetup")
    image.write_bytes(b"")
    os.truncate(image, 32 * 1024 * 1024)
    run = lambda *args: subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    loop = run("losetup", "-f", "--show", str(image)).stdout.strip()
    if not loop or run("mkfs.exfat", loop).returncode or run("mount.exfat-fuse", loop, str(mount)).returncode:
        if loop:
            run("losetup", "-d", loop)
        pytest.skip("an exFAT image could not be mounted here")
    try:
        yield mount
    finally:
        run("fusermount", "-u", str(mount))
        run("losetup", "-d", loop)


def test_a_case_on_exfat_worked_on_under_two_spellings_keeps_one_log(exfat, case_dir, capsys):  # noqa: F811
    """exfat-fuse gives each spelling of a name its own inode and page cache: a command run with `--case USB/CASE`
    after one with `USB/case` read the store as it was before, and wrote over that stale view (the log forked)."""
    shutil.copytree(case_dir, exfat / "case")
    for spelled, text in (("CASE", "at ten"), ("case", "at eleven"), ("Case", "at noon")):
        opened = Case.open(exfat / spelled)
        try:
            _edit(opened, text)
        finally:
            opened.close()
    assert verify(capsys, exfat / "case") == (0, [])
    assert verify(capsys, exfat / "CASE") == (0, [])
    opened = Case.open(exfat / "case")
    try:
        from app.core.editing import operations as editing

        assert [s.text for s in editing.current_segments(opened, 1)] == ["meet me at the docks", "at noon"]
    finally:
        opened.close()


def test_exports_into_one_exfat_folder_named_in_two_spellings_verify_clean(exfat, case_dir, capsys):  # noqa: F811
    """`--out USB/out` then `--out USB/OUT` (one folder on exFAT, FAT or NTFS): the second set's manifest took the
    first's place, and `verify` said each file of the first "beside the export set ..., but no export wrote it"."""
    from app.cli import main

    assert main(["export", "1", "--case", str(case_dir), "--out", str(exfat / "out"), "--format", "json"]) == 0
    assert main(["export", "1", "--case", str(case_dir), "--out", str(exfat / "OUT"), "--format", "txt"]) == 0
    assert verify(capsys, case_dir) == (0, [])
    capsys.readouterr()
    assert main(["verify", "--case", str(case_dir), "--exports", str(exfat / "Out")]) == 0


def test_outputs_named_into_the_evidence_in_other_letters_are_refused(exfat):
    """`transcribe USB/evidence --out USB/EVIDENCE/out`: one folder on exFAT; the outputs were written inside the
    evidence, and `--case USB/Evidence/case` made the case there."""
    from app.core.errors import EvidenceWriteError
    from app.core.evidence.paths import check_outside_evidence
    from tests.conftest import MEDIA

    (exfat / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", exfat / "evidence" / "note.opus")
    for option, target in (("--out", exfat / "EVIDENCE" / "out"), ("--case", exfat / "Evidence" / "case")):
        with pytest.raises(EvidenceWriteError, match="refusing to write outputs beside the evidence"):
            check_outside_evidence(option, target, [str(exfat / "evidence")])
        with pytest.raises(EvidenceWriteError):
            check_outside_evidence(option, target, [str(exfat / "evidence" / "note.opus")])
    check_outside_evidence("--out", exfat / "elsewhere", [str(exfat / "evidence")])  # beside it: allowed
    assert os.listdir(exfat / "evidence") == ["note.opus"]
