"""Intake probes two files side by side (issue #15: at a command's start no worker runs yet and the
second core idled while 112 voice notes were hashed and probed one by one), and still gives every
file met once, in the order met, each with its own result."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from app.core.media import intake
from app.core.media.intake import find_media


def _wav(path: Path, seconds: float, tone_hz: float) -> str:
    t = np.arange(int(16000 * seconds)) / 16000
    samples = (0.3 * np.sin(2 * np.pi * tone_hz * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())
    return str(path)


def test_two_files_are_probed_at_once(tmp_path, monkeypatch):
    """The first two probes meet at a barrier: probed one by one, the first waits for a second that
    never comes (the barrier breaks, the file fails); side by side, both are read."""
    files = [_wav(tmp_path / f"note{i}.wav", 1.0 + i, 300 + 100 * i) for i in range(2)]
    barrier = threading.Barrier(2, timeout=30)
    real = intake.probe

    def probe_at_barrier(path, *args, **kwargs):
        barrier.wait()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "probe", probe_at_barrier)
    met = list(find_media(files))
    assert [f.error for f in met] == [None, None]
    assert [Path(f.path).name for f in met] == ["note0.wav", "note1.wav"]


def test_files_and_folders_keep_their_order_and_results(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    inside = [_wav(folder / f"{name}.wav", 0.5 + i / 4, 200 + 50 * i) for i, name in enumerate("edcba")]
    (folder / "notes.txt").write_text("not media")
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    loose = [_wav(tmp_path / f"loose{i}.wav", 1.5 - i / 4, 500 + 40 * i) for i in range(3)]
    inputs = [loose[0], str(folder), "", loose[1], loose[0], loose[2]]
    met = list(find_media(inputs))
    one_by_one = [intake._probe(Path(p)) for p in [loose[0], *sorted(inside)]]
    names = [Path(f.path).name for f in met]
    assert names == ["loose0.wav", "a.wav", "b.wav", "broken.wav", "c.wav", "d.wav", "e.wav", "notes.txt",
                     "''", "loose1.wav", "loose2.wav"]  # loose0 named twice: met once
    by_name = {Path(f.path).name: f for f in met}
    for expected in one_by_one:
        got = by_name[Path(expected.path).name]
        assert got.source == expected.source and got.source is not None
    assert by_name["broken.wav"].source is None and by_name["broken.wav"].error
    assert by_name["notes.txt"].skipped
    assert by_name["''"].error.startswith("an empty name")


def test_a_fault_past_the_first_files_still_gives_them_first(tmp_path, monkeypatch):
    files = [_wav(tmp_path / f"n{i}.wav", 0.5, 300) for i in range(3)]
    real = intake.where_met

    def where_met(raw: str) -> str:
        if raw.endswith("n2.wav"):
            raise RuntimeError("a fault")
        return real(raw)

    monkeypatch.setattr(intake, "where_met", where_met)
    met: list = []
    with pytest.raises(RuntimeError, match="a fault"):
        met.extend(find_media(files))  # extend keeps what came before the fault
    assert [Path(f.path).name for f in met] == ["n0.wav", "n1.wav"]
    assert all(f.source is not None for f in met)


def test_a_stopped_intake_waits_for_no_probe_and_begins_none_queued(tmp_path, monkeypatch):
    """Stopped after its first file (Ctrl-C, the window closed), intake waited for every probe queued ahead to
    hash its whole file (found in review: a folder of large videos held the stop that long). Now the queued ones
    are cancelled and the ones running are not waited for."""
    files = [_wav(tmp_path / f"note{i}.wav", 1.0, 300) for i in range(8)]
    release, probed = threading.Event(), []
    real = intake.probe

    def held_probe(path, *args, **kwargs):
        probed.append(Path(path).name)
        if Path(path).name != "note0.wav":
            release.wait(60)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "probe", held_probe)
    met = find_media(files)
    assert Path(next(met).path).name == "note0.wav"
    closing = threading.Thread(target=met.close)
    closing.start()
    closing.join(30)
    stopped_at_once = not closing.is_alive()
    release.set()
    closing.join(60)
    assert stopped_at_once
    assert len(probed) <= 1 + intake.PROBES, probed  # the first and those already running, none queued after
