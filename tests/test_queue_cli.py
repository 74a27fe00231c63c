"""`python -m app queue ...` and `transcribe` over the queue, as an investigator uses them."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import pytest

from app.cli import main
from app.core.store import Case
from app.core.store.jobs import JobQueue
from tests.conftest import MEDIA

BAD = {"empty.wav": "empty file (0 bytes)", "not_audio.wav": "not a media file ffmpeg can read",
       "random_bytes.m4a": "not a media file ffmpeg can read"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _failures(err: str) -> dict[str, str]:
    lines = [line for line in err.splitlines() if ": " in line and not line.startswith("skipped")]
    return {Path(line.split(": ", 1)[0]).name: line.split(": ", 1)[1] for line in lines}


def test_queue_add_walks_folders_skips_lists_failures_and_queues_each_file_once(
        capsys, tmp_path, models_dir):
    case = str(tmp_path / "case")
    code, out, err = run(capsys, "queue", "add", str(MEDIA), "--model", "tiny.en", "--case", case)
    assert code == 1
    assert f"skipped {MEDIA / 'MANIFEST.json'}: not a media file" in err
    assert {k: v for k, v in _failures(err).items() if k in BAD} == BAD
    assert out.count("queued job") == 15
    code, out, _ = run(capsys, "queue", "add", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en",
                       "--case", case)
    assert code == 0 and "already in the queue as job" in out
    code, out, _ = run(capsys, "queue", "status", "--case", case)
    assert code == 0 and "15 queued" in out and "interview_stereo.wav" in out
    assert out.splitlines()[0].split() == ["ID", "STATE", "PRI", "TRIES", "DONE", "EXHIBIT", "ERROR"]


def test_a_copy_under_another_name_is_linked_not_queued_again(capsys, tmp_path, models_dir):
    copy = tmp_path / "evidence" / "PTT-20240314-WA0001.opus"  # a case is never put beside the evidence
    copy.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", copy)
    code, out, _ = run(capsys, "queue", "add", str(MEDIA / "en_voicenote.opus"), str(copy),
                       "--model", "tiny.en", "--case", str(tmp_path / "case"))
    assert code == 0 and out.count("queued job") == 1 and "same content as" in out
    case = Case.open(tmp_path / "case")
    assert len(JobQueue(case.conn).list()) == 1 and len(case.exhibits()[0].paths) == 2
    case.close()


def test_unknown_model_is_refused_before_queueing(capsys, tmp_path):
    code, _, err = run(capsys, "queue", "add", str(MEDIA / "en_voicenote.opus"), "--model",
                       "large-v3", "--case", str(tmp_path / "case"))
    assert code == 1 and "model 'large-v3' is not installed" in err


def _unique_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(bytes(range(256)) * 200)
    return path


@pytest.mark.slow
def test_queue_run_finishes_good_files_fails_bad_ones_and_is_steerable(capsys, tmp_path, models_dir):
    case, out_dir = str(tmp_path / "case"), tmp_path / "out"
    (tmp_path / "evidence").mkdir()  # a case is never put beside the evidence
    gone = _unique_wav(tmp_path / "evidence" / "gone.wav")
    inputs = [str(MEDIA / n) for n in ("en_voicenote.opus", "truncated.mp3", *BAD)] + [str(gone)]
    code, _, err = run(capsys, "queue", "add", *inputs, "--model", "tiny.en", "--case", case)
    assert code == 1 and {k: v for k, v in _failures(err).items() if k in BAD} == BAD
    gone.unlink()  # moved away after intake: the worker must say so, not crash
    code, out, err = run(capsys, "queue", "run", "--case", case, "--out", str(out_dir),
                         "--format", "json,txt")
    assert code == 1
    assert _failures(err)["gone.wav"] == "no such file (moved or deleted since it was added)"
    assert "queue: 2 done, 1 failed" in err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "en_voicenote.json", "en_voicenote.manifest.json", "en_voicenote.txt",
        "truncated.json", "truncated.manifest.json", "truncated.txt"]
    assert str(out_dir / "en_voicenote.json") in out.splitlines()
    assert json.loads((out_dir / "truncated.json").read_text())["source"]["truncated"] is True

    _, status, _ = run(capsys, "queue", "status", "--case", case)
    failed = next(line for line in status.splitlines() if "gone.wav" in line)
    assert "failed" in failed and "no such file" in failed
    job = failed.split()[0]
    assert run(capsys, "queue", "retry", job, "--case", case)[:2] == (0, f"job {job} queued again\n")
    assert run(capsys, "queue", "retry", "1", "--case", case)[0] == 1  # done: nothing to retry
    assert run(capsys, "queue", "pause", "--all", "--case", case)[1] == "queue paused\n"
    code, _, err = run(capsys, "queue", "run", "--case", case)
    assert code == 0 and "the queue is paused" in err
    assert run(capsys, "queue", "resume", "--all", "--case", case)[1] == "queue resumed\n"
    assert run(capsys, "queue", "cancel", job, "--case", case)[1] == f"cancelled job {job}\n"
    code, _, err = run(capsys, "queue", "cancel", "99", "--case", case)
    assert code == 1 and "no job 99" in err
    assert run(capsys, "queue", "run", "--case", case)[2] == "nothing queued\n"


@pytest.mark.slow
def test_transcribe_goes_through_the_queue_and_transcribes_a_duplicate_once(capsys, tmp_path,
                                                                           models_dir):
    copy = tmp_path / "evidence" / "copy_of_note.opus"
    copy.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", copy)
    args = ["transcribe", str(MEDIA / "en_voicenote.opus"), str(copy), str(MEDIA / "empty.wav"),
            "--model", "tiny.en", "--format", "json,srt", "--case", str(tmp_path / "case")]
    code, out, err = run(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 1 and _failures(err) == {"empty.wav": "empty file (0 bytes)"}, err
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["copy_of_note.json", "copy_of_note.manifest.json", "copy_of_note.srt",
                       "en_voicenote.json", "en_voicenote.manifest.json", "en_voicenote.srt"]
    assert sorted(Path(line).name for line in out.splitlines()) == written
    first = json.loads((tmp_path / "out" / "en_voicenote.json").read_text())
    assert first["segments"] == json.loads((tmp_path / "out" / "copy_of_note.json").read_text())["segments"]
    code, _, _ = run(capsys, *args[:3], *args[4:], "--out", str(tmp_path / "again"))  # done: export only
    assert code == 0
    case = Case.open(tmp_path / "case")
    assert case.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert [j.state for j in JobQueue(case.conn).list()] == ["done"]
    case.close()


def test_transcribe_then_translate_in_one_go(tmp_path, models_dir):
    """queue add --translate-to queues a translate job behind each transcription."""
    import json
    import subprocess
    import sys

    from tests.conftest import MEDIA, REPO

    tiny_nllb = REPO / "tests" / "fixtures" / "tiny_nllb"
    case, out = tmp_path / "case", tmp_path / "out"
    base = [sys.executable, "-m", "app", "queue"]
    added = subprocess.run(base + ["add", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en",
                                   "--translate-to", "pl", "--translate-model", str(tiny_nllb),
                                   "--case", str(case)], cwd=REPO, capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    assert "translate job" in added.stdout
    ran = subprocess.run(base + ["run", "--case", str(case), "--out", str(out), "--format", "json"],
                         cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr
    transcript = json.loads((out / "en_voicenote.json").read_text())
    translation = json.loads((out / "en_voicenote.pl.json").read_text())
    assert translation["task"] == "text-translate" and translation["model"]["name"] == "tiny_nllb"
    assert [s["source_text"] for s in translation["segments"]] == [s["text"].strip() for s in transcript["segments"]]
    assert [(s["start"], s["end"]) for s in translation["segments"]] == [
        (s["start"], s["end"]) for s in transcript["segments"]]


def test_translate_to_an_unknown_language_is_refused_before_queueing(tmp_path, models_dir):
    import subprocess
    import sys

    from tests.conftest import MEDIA, REPO

    result = subprocess.run([sys.executable, "-m", "app", "queue", "add", str(MEDIA / "en_voicenote.opus"),
                             "--translate-to", "xx", "--translate-model",
                             str(REPO / "tests" / "fixtures" / "tiny_nllb"), "--case", str(tmp_path / "c")],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "unknown language code 'xx'" in result.stderr
    assert "Traceback" not in result.stderr
