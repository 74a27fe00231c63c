"""A batch of short notes whose attempts end in kills and errors mixed (review revA of b0e32de, R-H1 to R-H4, R-M1):
the worker (and its command) SIGKILLed at exact points, never by a timer, and a decoder fault on one note made by
raising in `transcribe_clips` whenever that note is decoded. Every note comes out transcribed: killed from outside
(the worker, or the whole command as a power-off), a batch keeps the uninterrupted run's words; after an error each
note is decoded really alone, and only the note at fault goes on to the long-file path; a batch killed by the kernel's
out-of-memory killer (its count of kills rises: read from a file the test writes) is decoded a note at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.processes import OUT_OF_MEMORY
from app.worker.retries import ALONE_FOR_MEMORY, ALONE_FROM_PLAN
from tests.test_kills14 import _args, _notes, _outcome, _query, _run

INJECT = """
import json, os, signal, sys
from pathlib import Path
import app.core.processes
app.core.processes.OOM_COUNTERS = (Path(os.environ["PARLEY_TEST_OOM_COUNTER"]),)
mode, mark = os.environ["PARLEY_TEST_MODE"], Path(os.environ["PARLEY_TEST_KILL_MARK"])
def kill(times=1, command=False):
    if (len(mark.read_text()) if mark.exists() else 0) < times:
        with mark.open("a") as out:
            out.write("x")
        if command:  # a power-off, or a kill -9 of the command: its worker left running alone is killed too
            os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
if __name__ == "__mp_main__":
    from app.worker import process
    real_decode, real_start = process.transcribe_clips, process.Worker._start_short
    def decode(engine, sources, *args, **kwargs):
        names = [Path(s.path).name for s in sources]
        with open(os.environ["PARLEY_TEST_CALLS"], "a") as calls:
            calls.write(json.dumps(names) + "\\n")
        if mode == "kill_then_error":
            kill()
        if mode == "error_then_kill" and names != ["note01.wav"] and len(names) == 1:
            kill()
        if mode == "oom" and len(names) > 1:  # the batch does not fit: the kernel kills it, counting the kill
            counter = Path(os.environ["PARLEY_TEST_OOM_COUNTER"])
            counter.write_text("oom_kill %d\\n" % (int(counter.read_text().split()[1]) + 1))
            kill(times=9)
        if mode.startswith(("error", "kill_then")) and "note01.wav" in names:
            raise RuntimeError("decoder fault on note01")
        return real_decode(engine, sources, *args, **kwargs)
    starts = []
    def start(self, job):
        started = real_start(self, job)
        starts.append(job.id)
        if mode == "poweroff" and len(starts) == 2:
            kill(times=2, command=True)
        return started
    process.transcribe_clips, process.Worker._start_short = decode, start
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> list[Path]:
    return _notes(tmp_path_factory.mktemp("notes") / "phone")


def _transcribe(tmp_path: Path, notes: list[Path], mode: str) -> list[str]:
    """The notes transcribed by INJECT's `mode`, the command run again while killed; each run's stderr."""
    script, counter = tmp_path / "inject.py", tmp_path / "vmstat"
    script.write_text(INJECT, encoding="utf-8")
    counter.write_text("oom_kill 0\n")
    env = {"PARLEY_TEST_MODE": mode, "PARLEY_TEST_KILL_MARK": str(tmp_path / "killed"),
           "PARLEY_TEST_CALLS": str(tmp_path / "calls"), "PARLEY_TEST_OOM_COUNTER": str(counter)}
    runs = []
    for _ in range(3):
        done = _run(script, _args(notes, tmp_path), **env)
        runs.append(done.stderr)
        if done.returncode == 0:
            return runs
    raise AssertionError(runs)


def _calls(tmp_path: Path) -> list[list[str]]:
    return [json.loads(line) for line in (tmp_path / "calls").read_text().splitlines()]


def _jobs(case_dir: Path) -> list[tuple]:
    return _query(case_dir, "SELECT state, error FROM jobs ORDER BY id")


def test_a_command_killed_twice_as_a_power_off_keeps_the_uninterrupted_runs_words(notes, tmp_path):
    """R-H1: it had the notes decoded alone at their third attempt, "state" read "take", "Daniel" "Tom Yule"."""
    whole = _run(None, _args(notes, tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    runs = _transcribe(tmp_path, notes, "poweroff")
    assert len(runs) == 3 and (tmp_path / "killed").read_text() == "xx", runs
    assert _jobs(tmp_path / "case") == [("done", None)] * len(notes)
    assert _outcome(tmp_path / "case") == _outcome(tmp_path / "whole" / "case")
    verify = _run(None, ["verify", "--case", str(tmp_path / "case")])  # the recovered jobs' rows as logged
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_an_error_then_a_kill_fails_no_innocent_note(notes, tmp_path):
    """R-H2: the faulty batch was formed again at the killed note's last attempt, which failed it for good."""
    runs = _transcribe(tmp_path, notes, "error_then_kill")
    assert _jobs(tmp_path / "case") == [("done", None)] * len(notes), runs
    assert [c for c in _calls(tmp_path) if len(c) > 1] == [[n.name for n in notes]]  # the batch formed once
    outcome = _outcome(tmp_path / "case")
    assert [(name, batch) for name, _, batch in outcome] == [("note00.wav", "note00.wav"), ("note01.wav", ""),
                                                             ("note02.wav", "note02.wav")]  # note01: the long path


def test_a_kill_then_an_error_takes_the_note_at_fault_to_the_long_file_path(notes, tmp_path):
    """R-H3: its last attempt was alone on the short path, where it raised again and failed."""
    runs = _transcribe(tmp_path, notes, "kill_then_error")
    assert _jobs(tmp_path / "case") == [("done", None)] * len(notes), runs
    assert ("note01.wav", "") in [(name, batch) for name, _, batch in _outcome(tmp_path / "case")]


def test_a_note_retried_alone_after_an_error_is_decoded_alone(notes, tmp_path):
    """R-H4: its stored batch-mates were decoded along, the note at fault among them, and an innocent note went to
    the long-file path, its error saying it raised 'decoding it alone'."""
    runs = _transcribe(tmp_path, notes, "error")
    names = [n.name for n in notes]
    assert _calls(tmp_path) == [names, ["note00.wav"], ["note01.wav"], ["note02.wav"]], runs
    assert _jobs(tmp_path / "case") == [("done", None)] * len(notes)
    assert [(name, batch) for name, _, batch in _outcome(tmp_path / "case")] \
        == [("note00.wav", "note00.wav"), ("note01.wav", ""), ("note02.wav", "note02.wav")]
    said = _query(tmp_path / "case", "SELECT subject, details_json FROM audit_log WHERE action='job.retry_scheduled'")
    assert all("decoding it alone" not in details for subject, details in said if subject != "job/2"), said
    noted = [name for name, state in _query(tmp_path / "case", "SELECT e.name, r.warnings_json FROM runs r JOIN exhibits e"
                                          " ON e.id = r.exhibit_id WHERE r.status = 'complete' ORDER BY e.name")
             if ALONE_FROM_PLAN in state]
    assert noted == ["note00.wav", "note02.wav"], noted  # its words can differ from its batch's: said (revJ, M3)


def test_a_batch_the_out_of_memory_killer_kills_is_decoded_a_note_at_a_time(notes, tmp_path):
    """R-M1, told apart from any other kill by the kernel's count of out-of-memory kills: claimed whole again, the
    batch was killed at every attempt and every note failed."""
    runs = _transcribe(tmp_path, notes, "oom")
    assert (tmp_path / "killed").read_text() == "x" and runs[0].count(OUT_OF_MEMORY) == len(notes), runs
    assert _query(tmp_path / "case", "SELECT state, attempts FROM jobs") == [("done", 2)] * len(notes)
    assert [(name, batch) for name, _, batch in _outcome(tmp_path / "case")] == [(n.name, n.name) for n in notes]
    exports = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("note??.json"))]
    assert len(exports) == len(notes) and all(ALONE_FOR_MEMORY in json.dumps(e) for e in exports)
