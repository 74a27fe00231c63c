"""The attempt a command says failed is the one the queue records as failed: the worker claims the job again as
soon as it has failed it, and the command read the attempt from the store after that, so an error in the worker
was said as "attempt 2 of 3" when the queue's row says attempt 1 failed (review revI, L1). A retry of a file
whose run stored nothing was said to resume from the stored segments."""

from __future__ import annotations

import json
import re

from tests.test_kills14 import _args, _notes, _query, _run

RAISE_ONCE = """
import os, sys
if __name__ == "__mp_main__":
    from app.worker import process
    real, mark = process.transcribe_clips, os.environ["PARLEY_TEST_RAISE_MARK"]
    def faulty(*args, **kwargs):
        if not os.path.exists(mark):  # its first attempt
            open(mark, "a").write("x")
            raise RuntimeError("a decoder fault")
        return real(*args, **kwargs)
    process.transcribe_clips = faulty
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_the_attempt_said_failed_is_the_one_the_queue_failed(tmp_path):
    note = _notes(tmp_path / "phone")[:1]
    script, mark = tmp_path / "raise_once.py", tmp_path / "raised"
    script.write_text(RAISE_ONCE, encoding="utf-8")
    done = _run(script, _args(note, tmp_path), PARLEY_TEST_RAISE_MARK=str(mark))
    assert mark.read_text() == "x" and done.returncode == 0, done.stderr
    said = [int(n) for n in re.findall(r"a decoder fault \(attempt (\d) of 3; will retry\)", done.stderr)]
    failed = [json.loads(details)["attempt"] for (details,) in _query(
        tmp_path / "case", "SELECT details_json FROM audit_log WHERE action='job.retry_scheduled' ORDER BY id")]
    assert said == failed == [1], done.stderr
    # nothing of it was stored: its retry starts from the start (it was said to resume from stored segments)
    assert "note00.wav: attempt 2, from the start" in done.stderr, done.stderr
