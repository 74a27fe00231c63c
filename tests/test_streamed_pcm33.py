"""Bare MP3/ADTS frames looked for inside a WAV written as it went (sizes -1): three frame headers in a row lie about
in real stereo speech (a sample of -1 reads as 0xFF 0xFF), and the shared stereo interview with its sizes unwritten
was heard for 9.8 s of 56.6 s with a false 'another file follows' (review revK, H1). Frames are taken for a joined
file only when they run on to the file's end."""

from __future__ import annotations

import struct

import numpy as np

from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA


def _streamed(path, samples: np.ndarray, channels: int):
    block = 2 * channels
    fmt = struct.pack("<HHIIHH", 1, channels, 16000, 16000 * block, block, 16)
    path.write_bytes(b"RIFF" + b"\xff" * 4 + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + b"\xff" * 4
                     + samples.astype("<i2").tobytes())
    return path


def _heard(path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return len(audio) / 16000, reader.notes


def test_the_shared_stereo_interview_with_its_sizes_unwritten_is_heard_whole(tmp_path):
    data = bytearray((MEDIA / "interview_stereo.wav").read_bytes())
    data[4:8] = b"\xff" * 4
    at = data.find(b"data")
    data[at + 4:at + 8] = b"\xff" * 4
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(bytes(data))
    seconds, notes = _heard(streamed)
    assert seconds > 56 and not any("another file" in note for note in notes), (seconds, notes)


def test_speech_beside_an_idle_channel_of_minus_one_is_heard_whole(tmp_path):
    source = probe(MEDIA / "interview_mono.wav")
    mono, _ = read_all(str(MEDIA / "interview_mono.wav"), expected_ms=source.duration_ms)
    speech = np.clip(mono[: 16000 * 20] * 32767, -32768, 32767).astype(np.int16)
    stereo = np.stack([speech, np.full_like(speech, -1)], axis=1).reshape(-1)
    seconds, notes = _heard(_streamed(tmp_path / "idle.wav", stereo, 2))
    assert seconds > 19.9 and not any("another file" in note for note in notes), (seconds, notes)
