"""One voice saying the same phrases again and again (issue #13). make_one_voice.py's minute of
LibriSpeech reader 1272 deals 10.9 s of distinct speech 1-5 phrases to a turn, each again at 0.95-1.05
speed: on its AMR copy the voiceprints fell into two clusters by phrase, 0.851 alike, heard as one voice
46 times to 0, whose pitches (126 / 116 Hz medians) same_voice's pitch witness took for two people: two
speakers. Two clusters most of whose windows each have a twin in their own cluster (repeats.twins) are
phrases said again, their pitches not weighed: one speaker. A suspect who answers "No comment." after
each of the officer's questions is the one phrase said again, the officer is not: still two people, kept
apart by their pitches (on its Opus copy one speaker where either cluster's being a phrase said again muted
the pitch witness)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from conftest import MEDIA
from test_diarize_phone_band import as_amr

from app.core.diarize import same_voice
from app.core.diarize.engine import Collector, load_embedder, scan, segmenter_for, settings_of
from app.core.diarize.records import DiarResult
from app.core.diarize.repeats import twins
from app.core.diarize.same_voice import phrases_said_again
from app.core.media.decode import read_all

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
RATE = 16000


def _collected(audio: np.ndarray, model: Path) -> Collector:
    """What diarize() gathers from `audio` before deciding who spoke when (read once, finished twice)."""
    collector = Collector(load_embedder(model), segmenter_for(model))
    regions, frames = scan(audio, collector.segmenter)
    collector.take(audio, 0, regions, frames)
    return collector


def _finished(collector: Collector, length: int) -> DiarResult:
    return collector.finish(length, None, None, None, settings_of(None, None, None))


@pytest.mark.slow
def test_one_voice_saying_its_phrases_again_is_one_speaker(speaker_model, tmp_path, monkeypatch):
    from make_one_voice import recording

    audio = as_amr(recording("r1272wb", 1), tmp_path)  # 72 s, 10.9 s of it distinct, as a phone records it
    collector = _collected(audio, speaker_model)
    assert _finished(collector, len(audio)).speakers == 1
    monkeypatch.setattr(same_voice, "PHRASE_SHARE", 1.01)  # no cluster a phrase said again: as before
    assert _finished(collector, len(audio)).speakers == 2


def _no_comment_after_each_question(manifest: dict, folder: Path) -> np.ndarray:
    """The shared interview's turns 0.7 s apart, the suspect's "No comment." after each officer turn, as
    a 16 kbit/s Opus voice note."""
    audio = read_all(str(MEDIA / "interview_mono.wav"))[0]
    turns = manifest["interview"]["turns"]
    pause = np.zeros(int(0.7 * RATE), np.float32)
    answer = next(audio[int(t["start"] * RATE) : int(t["end"] * RATE)] for t in turns if t["text"] == "No comment.")
    parts = []
    for turn in turns:
        parts += [audio[int(turn["start"] * RATE) : int(turn["end"] * RATE)], pause]
        parts += [answer, pause] if turn["speaker"] == "officer" else []
    wav, note = folder / "no_comment.wav", folder / "no_comment.opus"
    soundfile.write(wav, np.concatenate(parts), RATE, subtype="PCM_16")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                    "-ac", "1", "-c:a", "libopus", "-b:a", "16k", str(note)], check=True)
    return read_all(str(note))[0]


@pytest.mark.slow
def test_a_suspect_saying_no_comment_again_and_again_stays_apart_from_the_officer(speaker_model, manifest,
                                                                                  tmp_path, monkeypatch):
    audio = _no_comment_after_each_question(manifest, tmp_path)  # 67 s; synthetic men of 96 and 110 Hz
    collector = _collected(audio, speaker_model)
    assert _finished(collector, len(audio)).speakers == 2
    monkeypatch.setattr(same_voice, "PHRASE_SHARE", 0.0)  # every cluster's pitch muted: the two men joined
    assert _finished(collector, len(audio)).speakers == 1


def _officer_asking_again(manifest: dict, folder: Path) -> np.ndarray:
    """A no-comment interview whose officer, too, says his questions 1-3 again and again (9 rounds), each turn at
    0.95-1.05 speed and -4..+2 dB, pauses of 0.4-0.9 s: both men's clusters phrases said again."""
    from make_varied_conversations import stretched

    audio = read_all(str(MEDIA / "interview_mono.wav"))[0]
    turns = manifest["interview"]["turns"]
    said = {who: [audio[int(t["start"] * RATE) : int(t["end"] * RATE)] for t in turns if t["speaker"] == who]
            for who in ("officer", "suspect")}
    rng = np.random.default_rng(78)
    parts = []
    for _ in range(9):
        for who, used in (("officer", [1, 2, 3]), ("suspect", [2])):  # the suspect's third turn: "No comment."
            turn = said[who][used[int(rng.integers(len(used)))]]
            speed = float(rng.uniform(0.95, 1.05))
            level = np.float32(10 ** (rng.uniform(-4, 2) / 20))
            parts += [stretched(turn, speed) * level, np.zeros(int(rng.uniform(0.4, 0.9) * RATE), np.float32)]
    mix = np.concatenate(parts)
    mix *= 0.95 / np.abs(mix).max()
    soundfile.write(folder / "asked_again.wav", mix, RATE, subtype="PCM_16")
    return read_all(str(folder / "asked_again.wav"))[0]


@pytest.mark.slow
def test_an_officer_asking_his_questions_again_stays_apart_from_the_no_comment_suspect(speaker_model, manifest,
                                                                                      tmp_path, monkeypatch):
    """Both clusters phrases said again (the suspect's at 0.40-0.45): at a 0.4 line the pitch witness, the one
    thing keeping these two 0.92-alike men apart, was muted and the interview was one speaker (review of
    onevoice31)."""
    audio = _officer_asking_again(manifest, tmp_path)
    collector = _collected(audio, speaker_model)
    assert _finished(collector, len(audio)).speakers == 2
    monkeypatch.setattr(same_voice, "PHRASE_SHARE", 0.4)
    assert _finished(collector, len(audio)).speakers == 1


def test_twins_are_alike_windows_apart_in_time_and_no_copy_of_one_sound():
    phrase, other = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    emb = np.array([phrase, phrase, other, phrase, phrase])
    spans = np.array([(0, 24000), (16000, 40000), (48000, 72000), (96000, 120000), (160000, 184000)])
    copies = np.array([0, 1, 2, 3, 3])  # the last window a copy of the one before (one sound heard again)
    pairs = {tuple(p) for p in twins(emb, spans, copies).tolist()}
    assert pairs == {(0, 3), (0, 4), (1, 3), (1, 4)}  # 0 and 1 overlap; 3 and 4 are one sound


def test_a_cluster_is_a_phrase_said_again_when_most_of_its_windows_have_a_twin_in_it():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    pairs = np.array([(0, 1), (2, 3), (4, 0), (5, 6)])  # (4, 0): a twin in the other cluster does not count
    # cluster 0: 4 windows of 4 with a twin in it; cluster 1: 2 of 6, under PHRASE_SHARE
    assert phrases_said_again(labels, pairs) == frozenset({0})
    assert phrases_said_again(labels, np.zeros((0, 2), dtype=np.int64)) == frozenset()
