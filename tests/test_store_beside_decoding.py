"""A group's next part is encoded while the worker stores the part decoded before it.

The worker stored each short file's result (a synced transaction, its audit rows) while the decoding
generator waited paused: the next part of the group was not encoded meanwhile and a core idled, every
part of every group. The decoding now runs on a thread of its own; the stores stay on the worker's thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from app.worker.ahead import decoded_ahead
from tests.conftest import MEDIA, REPO

# the worker's groups cut into parts of one window; its first store waits (a deadlock guard, not a timing)
# for the second part's decoding to begin, and writes down what it saw
STORE_WAITS = """
import os, sys, threading
from dataclasses import replace
if __name__ == "__mp_main__":
    from app.core.asr import clips
    from app.worker import process
    second = threading.Event()
    real_decode, calls = clips.decode_pieces, []
    def decode_pieces(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            second.set()
        return real_decode(*args, **kwargs)
    clips.decode_pieces = decode_pieces
    real_clips = process.transcribe_clips
    def transcribe_clips(engine, sources, options, **kwargs):
        return real_clips(engine, sources, options, batch=replace(engine.batch, group_windows=1), **kwargs)
    process.transcribe_clips = transcribe_clips
    real_store, stores = process.store_clip, []
    def store_clip(*args, **kwargs):
        stores.append(1)
        if len(stores) == 1:
            seen = second.wait(timeout=120)
            open(os.environ["PARLEY_TEST_MARK"], "w").write("overlapped" if seen else "waited")
        return real_store(*args, **kwargs)
    process.store_clip = store_clip
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""
NOTES = ["en_voicenote.opus", "en_voicenote.amr", "en_voicenote.m4a", "en_voicenote.mp3", "es_voicenote.ogg"]


def test_the_next_part_of_a_group_is_encoded_while_the_part_before_is_stored(tmp_path, models_dir):
    script, mark = tmp_path / "store_waits.py", tmp_path / "mark"
    script.write_text(STORE_WAITS, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_MARK=str(mark))
    done = subprocess.run([sys.executable, str(script), "transcribe", *(str(MEDIA / n) for n in NOTES), "--out",
                           str(tmp_path / "out"), "--model", "tiny.en", "--threads", "2", "--format", "json",
                           "--diarize", "off", "--case", str(tmp_path / "case")],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    assert mark.read_text() == "overlapped"  # before: "waited" (the generator paused through the store)
    assert len(list((tmp_path / "out").rglob("*.json"))) >= len(NOTES)  # every file's result still written


def test_a_failure_where_results_are_taken_stops_the_decoding_and_waits_for_it():
    halt, made = threading.Event(), []

    def produce(progress):
        for i in range(1000):
            if i == 6:
                halt.wait(timeout=120)  # a guard: set once the taking side fails
            if halt.is_set():
                return
            progress(i, 1.0)
            made.append(i)
            yield i

    seen = []
    results = decoded_ahead(produce, lambda i, f: seen.append(i), halt, poll_s=0.01)
    try:
        for item in results:
            if item == 3:
                raise KeyError("the store failed")
    except KeyError:
        results.close()
    assert halt.is_set()
    assert made == [0, 1, 2, 3, 4, 5]  # stopped where it stood, not run through its 1000
    assert not [t for t in threading.enumerate() if t.name == "decoding"]  # waited for: nothing runs on
    assert seen and seen == sorted(seen)  # its progress passed on to the taking thread, in order


def test_a_failure_of_the_decoding_is_raised_where_results_are_taken():
    def produce(progress):
        yield 1
        raise ValueError("decoder broke")

    results = decoded_ahead(produce, lambda i, f: None, threading.Event())
    assert next(results) == 1
    with pytest.raises(ValueError, match="decoder broke"):
        next(results)
