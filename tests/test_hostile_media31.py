"""Hostile media, round 31: session 30's leftovers and the classes session 31's sweep
(bench/hostile_media_sweep.py) found.

- A CAF or W64 whose chunk size points past the largest offset the filesystem allows was refused in
  one line, but PyAV printed "PyAV library exception being dropped: Traceback ..." on stderr above
  it (ffmpeg went on after the first failed seek; the second failure dropped the first).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe, read_all
from tests.test_hostile_media import ffmpeg


def _refused_or_heard_quietly(path: Path, capfd) -> None:
    """Intake and decoding hear the file or refuse it in one line, and print nothing on stderr."""
    try:
        source = probe(path)
        read_all(str(path), expected_ms=source.duration_ms)
    except MediaError as refused:
        assert "\n" not in str(refused)
    assert capfd.readouterr().err == ""


def _seeks_past_the_filesystem(path: Path) -> bool:
    """Whether a seek to 2^48 fails where the test's files are (ext4: yes; tmpfs: no, and then no
    seek of these files fails and nothing is dropped)."""
    with open(path, "rb") as handle:
        try:
            handle.seek(1 << 48)
        except OSError:
            return True
    return False


def _w64_data_size_of_billions_of_hours(data: bytes) -> bytes:
    at = data.index(b"data") + 16  # the data chunk's 16-byte GUID, then its 8-byte little-endian size
    return data[:at] + struct.pack("<Q", struct.unpack("<Q", data[at:at + 8])[0] | 1 << 62) + data[at + 8:]


def _caf_data_size_past_any_file(data: bytes) -> bytes:
    at = data.index(b"data") + 4  # the data chunk's 8-byte big-endian size
    return data[:at] + struct.pack(">q", struct.unpack(">q", data[at:at + 8])[0] | 1 << 48) + data[at + 8:]


@pytest.mark.parametrize("container, damage", [("caf", _caf_data_size_past_any_file),
                                               ("w64", _w64_data_size_of_billions_of_hours)])
def test_a_file_whose_every_seek_fails_prints_nothing_but_its_refusal(tmp_path, capfd, container, damage):
    note = tmp_path / f"note.{container}"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=3:sample_rate=16000", "-c:a", "pcm_s16le", str(note))
    path = tmp_path / f"damaged.{container}"
    path.write_bytes(damage(note.read_bytes()))
    if not _seeks_past_the_filesystem(path):
        pytest.skip("this filesystem lets a file seek to 2^48: no seek fails")
    capfd.readouterr()
    _refused_or_heard_quietly(path, capfd)
