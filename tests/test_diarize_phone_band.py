"""Diarisation of phone-band recordings (AMR-NB): told from wideband speech by their energy
above 4 kHz; different people's voiceprints come more alike there, so four women on an
AMR copy were three speakers; one voice on an AMR copy still stays one."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from conftest import MEDIA, SHARED

from app.core.diarize import diarize
from app.core.diarize.band import band_energy, is_narrowband
from app.core.media.decode import read_all

DIAR = SHARED / "eval" / "diar"
SPEECH = SHARED / "eval" / "speech"
RATE = 16000


def audio_of(path) -> np.ndarray:
    return read_all(str(path))[0]


@pytest.mark.parametrize(("path", "narrow"), [
    (DIAR / "two_lj_bush.amr", True),
    (DIAR / "three_lj_bush_osr.amr", True),
    (SPEECH / "onnxruntime-extensions__1272-128104-0004-8k.wav", True),  # an 8 kHz recording
    (DIAR / "two_lj_bush.wav", False),
    (DIAR / "two_lj_bush.opus", False),  # 16 kbit/s Opus keeps its band
    (MEDIA / "interview_mono.wav", False),
])
def test_phone_band_is_told_from_wideband(path, narrow):
    assert is_narrowband(*band_energy(audio_of(path))) is narrow


def test_band_of_nothing_is_not_phone_band():
    assert band_energy(np.zeros(100, dtype=np.float32)) == (0.0, 0.0)
    assert not is_narrowband(0.0, 0.0)


def halves(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A FLEURS clip levelled to one peak and cut in two at its quietest 10 ms near the middle."""
    audio = audio_of(SPEECH / f"cuttledoc__fleurs-{name}.ogg")
    audio = audio / max(1e-6, float(np.abs(audio).max())) * 0.5
    frames = np.abs(audio[: len(audio) // 160 * 160]).reshape(-1, 160).mean(axis=1)
    low, high = len(frames) // 2 - len(frames) // 5, len(frames) // 2 + len(frames) // 5
    cut = (low + int(np.argmin(frames[low:high]))) * 160
    return audio[:cut], audio[cut:]


def as_amr(audio: np.ndarray, folder) -> np.ndarray:
    """`audio` through AMR-NB 12.2 kbit/s at 8 kHz, as a recorded call, decoded back."""
    wav, amr = folder / "talk.wav", folder / "talk.amr"
    soundfile.write(wav, audio, RATE, subtype="PCM_16")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                    "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k", str(amr)], check=True)
    return audio_of(amr)


@pytest.mark.slow
def test_four_women_on_a_phone_copy_are_four(speaker_model, tmp_path):
    """Four women (FLEURS readers of four languages) taking turns twice each: four speakers on
    the WAV, three on its AMR copy (two of them at centroid cosine 0.72-0.77, over the 0.72
    taken as two people), each woman's second turn hers."""
    parts = [halves(name) for name in ("en-009", "fr-004", "pt-002", "es-007")]
    pause = np.zeros(RATE // 2, dtype=np.float32)
    audio = np.concatenate([piece for half in (0, 1) for p in parts for piece in (p[half], pause)])
    phone = as_amr(audio.astype(np.float32), tmp_path)
    assert is_narrowband(*band_energy(phone))
    result = diarize(phone, speaker_model)
    assert result.speakers == 4
    assert diarize(audio.astype(np.float32), speaker_model).speakers == 4


def one_voice(name: str, extension: str, who: str) -> np.ndarray:
    audio = audio_of(DIAR / f"{name}.{extension}")
    rows = [line.split() for line in (DIAR / f"{name}.rttm").read_text().splitlines()]
    return np.concatenate([audio[int(float(r[3]) * RATE) : int((float(r[3]) + float(r[4])) * RATE)]
                           for r in rows if r[7] == who])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "who"), [("three_lj_bush_osr", "bush"), ("two_lj_bush", "lj")])
def test_one_voice_on_a_phone_copy_stays_one_though_people_sound_alike_there(speaker_model, name, who):
    """Bush's turns cut from an AMR copy: with a small cluster kept at the phone band's looser
    cosine too, two of his windows (0.68 to the rest) became a speaker, then three."""
    assert diarize(one_voice(name, "amr", who), speaker_model).speakers == 1
