"""A batch of short notes killed from outside at every attempt it is decoded as a batch, as the kernel's
out-of-memory killer kills a batch too big for the machine (SIGKILL, as a user's kill), on a machine where the
kernel's count of those kills cannot be read (so the kill cannot be told from a user's): claimed again whole on its
first retry (its words as a run left alone), each note alone at its last attempt, so none is lost. Before session
33 the batch was claimed whole at every attempt, killed every time, and every note failed. Where the count can be
read, test_kills_retries33 has the batch's notes decoded alone from the attempt after the kill."""

from __future__ import annotations

import json

from app.core.processes import OOM_UNKNOWN
from app.worker.retries import ALONE_AT_LAST
from tests.test_kills14 import _args, _notes, _outcome, _query, _run

KILL_BATCHES = """
import os, signal, sys
from pathlib import Path
import app.core.processes
app.core.processes.OOM_COUNTERS = (Path(os.environ["PARLEY_TEST_KILL_MARK"] + ".unreadable"),)
if __name__ == "__mp_main__":
    from app.worker import process
    real, mark = process.transcribe_clips, os.environ["PARLEY_TEST_KILL_MARK"]
    def out_of_memory(engine, sources, *args, **kwargs):
        if len(sources) > 1:  # a batch: killed as the OOM killer would, however often it is tried
            open(mark, "a").write("x")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(engine, sources, *args, **kwargs)
    process.transcribe_clips = out_of_memory
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_a_batch_killed_at_every_attempt_is_decoded_a_note_at_a_time_at_its_last(tmp_path):
    notes = _notes(tmp_path / "phone")
    script, mark = tmp_path / "kill_batches.py", tmp_path / "killed"
    script.write_text(KILL_BATCHES, encoding="utf-8")
    done = _run(script, _args(notes, tmp_path), PARLEY_TEST_KILL_MARK=str(mark))
    assert mark.read_text() == "xx", done.stderr  # its first attempt and its first retry, as a batch
    said = done.stderr.count(f"killed by SIGKILL ({OOM_UNKNOWN}) (attempt")  # whether for memory: unknown
    assert done.returncode == 0 and said == 2 * len(notes), done.stderr
    case_dir = tmp_path / "case"
    assert _query(case_dir, "SELECT state, attempts, count(*) FROM jobs GROUP BY state, attempts") \
        == [("done", 3, len(notes))]
    # each note's run says it was decoded alone (reproduce decodes it so again), and why
    assert [(name, batch) for name, _, batch in _outcome(case_dir)] == [(n.name, n.name) for n in notes]
    exports = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("note??.json"))]
    assert len(exports) == len(notes) and all(ALONE_AT_LAST in json.dumps(e) for e in exports)
    verify = _run(None, ["verify", "--case", str(case_dir)])
    assert verify.returncode == 0, verify.stdout + verify.stderr
    (run_id,) = _query(case_dir, "SELECT min(id) FROM runs")[0]
    again = _run(None, ["reproduce", str(run_id), "--case", str(case_dir)])  # alone, as recorded
    assert again.returncode == 0 and "identical" in again.stdout, again.stdout + again.stderr
