"""Evidence reached by two spellings, and a source changed while it was decoded (session 25).

An evidence folder reached through a symlink, `..`, a trailing slash, a bind mount or other letters on a
case-insensitive disk was two paths of one exhibit: the same file met twice in one command, recorded twice, and
`verify` said the path recorded through the link "original missing" once the link was gone. A folder named by a
relative path was recorded relative, so `verify` run from another folder said every original missing. A file
changed while it was decoded (a network share: its size and time kept) failed its job, but the run kept the words
decoded so far and `queue retry` resumed it once the file was right again: words of other bytes sealed as the
machine's transcript of the SHA-256 taken in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.store import Case
from tests.conftest import MEDIA, REPO
from tests.test_verify import verify


def _paths(case_dir: Path) -> list[tuple[str, ...]]:
    case = Case.open(case_dir)
    try:
        return [e.paths for e in case.exhibits()]
    finally:
        case.close()


def _intake_paths(case_dir: Path) -> list[str]:
    case = Case.open(case_dir)
    try:
        return [r[0] for r in case.conn.execute("SELECT path FROM intake_log ORDER BY id")]
    finally:
        case.close()


def _queue_add(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "queue", "add", *args, "--model", "tiny.en"], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.fixture()
def evidence(tmp_path) -> Path:
    folder = tmp_path / "evidence" / "phone"
    folder.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "note.opus")
    return folder


def test_one_folder_named_in_several_spellings_is_one_path_of_one_exhibit(tmp_path, evidence, capsys):
    (tmp_path / "link").symlink_to(evidence, target_is_directory=True)
    case = tmp_path / "case"
    named = ["evidence/phone", "link/", "evidence/phone/../phone/", str(evidence) + "//", "link/note.opus"]
    added = _queue_add(*named, "--case", str(case), cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert _paths(case) == [(str(evidence / "note.opus"),)]  # was: relative, and once more through the link
    assert _intake_paths(case) == [str(evidence / "note.opus")]  # met once
    assert _queue_add(str(tmp_path / "link"), "--case", str(case)).returncode == 0  # a later command: the same
    assert _paths(case) == [(str(evidence / "note.opus"),)]
    (tmp_path / "link").unlink()
    assert verify(capsys, case) == (0, [])  # run from another folder, the link gone: nothing "missing"


def test_a_bind_mount_of_the_evidence_is_not_a_second_path(tmp_path, evidence):
    """`mount --bind` (here in a user namespace): one file, two paths that no link resolves."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    (tmp_path / "bound").mkdir()
    case = tmp_path / "case"
    app = f"PYTHONPATH={REPO} {sys.executable} -m app queue add --model tiny.en --case {case}"
    script = (f"mount --bind {evidence} {tmp_path / 'bound'} && {app} {evidence} {tmp_path / 'bound'} "
              f"&& {app} {tmp_path / 'bound' / 'note.opus'}")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)
    if "mount" in done.stderr and done.returncode:
        pytest.skip(f"a bind mount cannot be made here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert _paths(case) == [(str(evidence / "note.opus"),)]  # was: both paths, the bound one "missing" unmounted
    # the first command met the file once (both folders named); the second met it where it was named, and says so
    assert _intake_paths(case) == [str(evidence / "note.opus"), str(tmp_path / "bound" / "note.opus")]


@pytest.fixture()
def fat(tmp_path):
    """A FAT32 disk image (2 s times, no permissions, names found in any letters) mounted through fusefat;
    skipped where it cannot be (no mkfs.vfat or fusefat, no FUSE). The kernel's vfat is not needed."""
    tools = [shutil.which(t) for t in ("mkfs.vfat", "fusefat", "fusermount")]
    if not all(tools) or not Path("/dev/fuse").exists():
        pytest.skip("needs mkfs.vfat, fusefat and FUSE")
    image, mount = tmp_path / "usb.img", tmp_path / "USB"
    mount.mkdir()
    image.write_bytes(b"")
    os.truncate(image, 48 * 1024 * 1024)
    run = lambda *args: subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    if run("mkfs.vfat", "-F", "32", str(image)).returncode or run("fusefat", "-o", "rw+", str(image),
                                                                     str(mount)).returncode:
        pytest.skip("a FAT32 image could not be mounted here")
    try:
        yield mount
    finally:
        run("fusermount", "-u", str(mount))


def test_evidence_on_fat32_named_in_other_letters_is_one_exhibit_as_the_disk_spells_it(fat, tmp_path, capsys):
    (fat / "Evidence").mkdir()
    shutil.copyfile(MEDIA / "en_voicenote.opus", fat / "Evidence" / "Note.opus")  # FAT: no chmod
    case = tmp_path / "case"
    added = _queue_add(str(fat / "EVIDENCE"), str(fat / "evidence" / "NOTE.OPUS"), "--case", str(case))
    assert added.returncode == 0, added.stderr
    assert _paths(case) == [(str(fat / "Evidence" / "Note.opus"),)]
    assert verify(capsys, case) == (0, [])


def test_evidence_and_exports_on_fat32_transcribe_and_verify_clean(fat, tmp_path, capsys, models_dir):
    """FAT32 (a police USB stick): times to 2 s, no owner or permissions, any letters: the evidence on it, the
    exports written to it. (A case store there needs SQLite's write-ahead log, which fusefat cannot hold: refused
    in one line, "disk I/O error"; the kernel's vfat can.)"""
    (fat / "Evidence").mkdir()
    shutil.copyfile(MEDIA / "en_voicenote.opus", fat / "Evidence" / "note.opus")
    case, out = tmp_path / "case", fat / "out"
    code = main(["transcribe", str(fat / "evidence"), "--case", str(case), "--out", str(out), "--model", "tiny.en",
                 "--format", "json,txt"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["note.json", "note.manifest.json", "note.txt"]
    assert verify(capsys, case) == (0, [])
    capsys.readouterr()
    assert main(["verify", "--case", str(case), "--exports", str(fat / "OUT")]) == 0
    assert main(["check-export", str(fat / "OUT" / "NOTE.manifest.json")]) == 0
    code, _, err = main(["transcribe", str(fat / "Evidence"), "--case", str(fat / "case"), "--out",
                         str(tmp_path / "o2"), "--model", "tiny.en"]), *capsys.readouterr()
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1 and "keep the case on a local disk" in err, err
    with open(out / "note.txt", "r+b") as handle:  # an exported byte changed: named, once
        handle.seek(0)
        first = handle.read(1)
        handle.seek(0)
        handle.write(b"X" if first != b"X" else b"Y")
    code, lines = verify(capsys, case)
    assert code == 1 and len(lines) == 1 and "note.txt" in lines[0], lines


def test_a_file_changed_while_decoded_is_never_resumed_as_its_intake_bytes(tmp_path, models_dir, capsys):
    """The file's content changed mid-decoding, its size and time kept (another computer on a network share):
    the job failed, but `queue retry` once the file was right again resumed the run from the words stored
    before the change was seen."""
    from app.core.asr import load_engine
    from app.core.asr.runs import run_for, transcribe_exhibit
    from app.core.errors import MediaError
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    (tmp_path / "share").mkdir()
    wav = tmp_path / "share" / "interview.wav"
    shutil.copy(MEDIA / "interview_mono.wav", wav)
    original, times = wav.read_bytes(), (wav.stat().st_atime_ns, wav.stat().st_mtime_ns)
    silenced = original[:44] + bytes(len(original) - 44)  # the same size, the speech gone

    def put(content: bytes) -> None:
        wav.write_bytes(content)
        os.utime(wav, ns=times)

    options = TranscribeOptions(model="tiny.en", threads=1)
    engine = load_engine(options, models_dir)
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(wav))
        first = run_for(case, engine, exhibit, options)
        with pytest.raises(MediaError, match="content changed since it was taken in"):
            transcribe_exhibit(case, engine, exhibit, options, run_id=first,
                               on_progress=lambda fraction, count: put(silenced))
        assert case.segment_count(first) > 0  # words stored before the change was seen
        put(original)
        second = run_for(case, engine, exhibit, options)
        assert second != first  # was: the same run, resumed
        transcribe_exhibit(case, engine, exhibit, options, run_id=second)
        assert case.run(second).status == "complete" and case.run(first).status == "running"
        assert [e.details["reason"] for e in case.audit.entries(f"run/{first}") if e.action == "run.set_aside"]
    finally:
        case.close()
    assert verify(capsys, tmp_path / "case") == (0, [])
