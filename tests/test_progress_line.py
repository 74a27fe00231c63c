"""The CLI's progress line counts files as they are done, a batch's too: it read "0/9 files"
until the very end of a batch of nine voice notes, and never showed a file finished."""

from __future__ import annotations

from app.cli.progress import QueueProgress
from app.worker.tracking import DECODED


def last_line(text: str) -> str:
    return [part for part in text.replace("\r", "\n").split("\n") if part.strip()][-1]


def test_a_batch_counts_each_file_once_its_speech_is_decoded(capsys):
    progress = QueueProgress({1: ("a.opus", 4000, 0.0), 2: ("b.opus", 4000, 0.0), 3: ("c.opus", 4000, 0.0)})
    for job, name in ((1, "a.opus"), (2, "b.opus"), (3, "c.opus")):
        progress.start(job, name, 4000)
    progress.advance(1, DECODED, None)  # the worker's mark: a.opus's speech is all decoded
    progress.advance(2, DECODED / 2, None)
    progress.render(force=True)
    line = last_line(capsys.readouterr().err)
    assert "1/3 files" in line and "2 short files decoding together, 1 decoded, being stored" in line, line


def test_a_batch_never_says_files_counted_done_are_decoding(capsys):
    # "12/12 files | 9 short files decoding together": nine files counted done and said to be decoding
    progress = QueueProgress({j: (f"{j}.opus", 4000, 0.0) for j in range(1, 13)})
    for job in range(1, 13):
        progress.start(job, f"{job}.opus", 4000)
    for job in range(1, 4):
        progress.advance(job, DECODED, None)
        progress.finish(job)
    for job in range(4, 13):
        progress.advance(job, DECODED, None)
    progress.render(force=True)
    line = last_line(capsys.readouterr().err)
    assert "12/12 files" in line and "decoding" not in line and "9 decoded, being stored" in line, line


def test_a_long_file_at_95_percent_is_not_counted_done(capsys):
    progress = QueueProgress({1: ("interview.wav", 3_600_000, 0.0), 2: ("b.opus", 4000, 0.0)})
    progress.start(1, "interview.wav", 3_600_000)
    progress.advance(1, DECODED, None)
    progress.render(force=True)
    assert "0/2 files" in last_line(capsys.readouterr().err)


def test_the_line_moves_as_each_file_finishes_on_a_terminal(capsys):
    progress = QueueProgress({1: ("a.opus", 4000, 0.0), 2: ("b.opus", 4000, 0.0)})
    progress.tty = True
    progress.start(1, "a.opus", 4000)
    progress.start(2, "b.opus", 4000)
    capsys.readouterr()
    progress.finish(1)
    assert "1/2 files" in last_line(capsys.readouterr().err)
    progress.finish(2)
    assert "2/2 files" in last_line(capsys.readouterr().err)


def test_finding_speakers_replaces_a_stale_eta(capsys):
    # an hour's bar sat at "97% ETA 0:42" for minutes while the speakers were found after decoding
    progress = QueueProgress({1: ("interview.wav", 3_600_000, 0.0)})
    progress.start(1, "interview.wav", 3_600_000)
    progress.advance(1, 0.5, 60.0)
    progress.advance(1, 0.97, 42.0)
    capsys.readouterr()
    progress.advance(1, 0.97, None, "finding speakers")
    line = last_line(capsys.readouterr().err)
    assert "interview.wav  97% finding speakers..." in line and "ETA" not in line, line


def test_a_stage_keeps_the_overall_eta_while_other_files_wait(capsys):
    progress = QueueProgress({1: ("a.wav", 600_000, 0.0), 2: ("b.wav", 600_000, 0.0)})
    progress.start(1, "a.wav", 600_000)
    progress.advance(1, 0.5, 30.0)
    progress.advance(1, 0.99, None, "finding speakers")
    line = last_line(capsys.readouterr().err)
    assert "a.wav  99% finding speakers..." in line and "ETA" in line.split("|")[0], line
    progress.finish(1)
    progress.start(2, "b.wav", 600_000)
    assert "finding speakers" not in last_line(capsys.readouterr().err)


def test_a_batch_mate_finishing_first_does_not_take_the_count_back(capsys):
    progress = QueueProgress({1: ("a.opus", 4000, 0.0), 2: ("b.wav", 50_000, 0.0)})
    progress.start(1, "a.opus", 4000)
    progress.start(2, "b.wav", 50_000)
    progress.advance(1, DECODED, None)
    progress.advance(2, DECODED, None)
    progress.finish(1)  # b.wav's speakers are still being found: its speech is decoded all the same
    progress.advance(2, DECODED, None, "finding speakers")
    line = last_line(capsys.readouterr().err)
    assert "2/2 files" in line and "b.wav  95% finding speakers..." in line, line
