"""One voice saying the same phrases again and again (issue #13). make_one_voice.py's minute of
LibriSpeech reader 1272 deals 10.9 s of distinct speech 1-5 phrases to a turn, each again at 0.95-1.05
speed: on its AMR copy the voiceprints fell into two clusters by phrase, 0.851 alike, heard as one voice
46 times to 0, whose pitches (126 / 116 Hz medians) same_voice's pitch witness took for two people: two
speakers. Two clusters most of whose windows each have a twin in their own cluster (repeats.twins) are
phrases said again, their pitches not weighed: one speaker. A suspect who answers "No comment." after
each of the officer's questions is the one phrase said again, the officer is not: still two people, kept
apart by their pitches (on its Opus copy one speaker where either cluster's being a phrase said again muted
the pitch witness). An officer who asks his few questions again and again can be a phrase said again too:
three such interviews (other seeds, rounds and questions) were one speaker at a line of 0.4 or 0.5 and are
two at 0.6; another pair of voices is two whatever the rule."""

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


def _asking_again(officer: list[np.ndarray], suspect: np.ndarray, seed: int, rounds: int, folder: Path) -> np.ndarray:
    """A no-comment interview whose officer, too, says his questions (`officer`, one picked at random each time)
    again and again, the suspect his one answer after each: every turn at 0.95-1.05 speed and -4..+2 dB,
    pauses of 0.4-0.9 s, as 16-bit audio."""
    from make_varied_conversations import stretched

    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(rounds):
        for said in (officer, [suspect]):
            turn = said[int(rng.integers(len(said)))]
            speed = float(rng.uniform(0.95, 1.05))
            level = np.float32(10 ** (rng.uniform(-4, 2) / 20))
            parts += [stretched(turn, speed) * level, np.zeros(int(rng.uniform(0.4, 0.9) * RATE), np.float32)]
    mix = np.concatenate(parts)
    mix *= 0.95 / np.abs(mix).max()
    soundfile.write(folder / "asked_again.wav", mix, RATE, subtype="PCM_16")
    return read_all(str(folder / "asked_again.wav"))[0]


def _interview_turns(manifest: dict, who: str) -> list[np.ndarray]:
    audio = read_all(str(MEDIA / "interview_mono.wav"))[0]
    return [audio[int(t["start"] * RATE) : int(t["end"] * RATE)] for t in manifest["interview"]["turns"]
            if t["speaker"] == who]


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "rounds", "questions"), [
    (78, 9, (1, 2, 3)),  # one speaker at a 0.4 line (the suspect's cluster 0.45 a phrase said again)
    (4, 11, (1, 2, 3)),  # one speaker at 0.5 (the officer's cluster 0.53, the suspect's 0.82)
    (5, 9, (0, 1, 2)),  # one speaker at 0.5 (0.72 and 0.55; review of session 31's 0.5)
])
def test_an_officer_asking_his_questions_again_stays_apart_from_the_no_comment_suspect(
        speaker_model, manifest, tmp_path, monkeypatch, seed, rounds, questions):
    """The interview's two synthetic men (voiceprints 0.92 alike, heard as one voice) are told apart by their
    pitches alone; both their clusters can be phrases said again. Muting every cluster's pitch shows it is
    the pitch witness that keeps them apart."""
    officer = _interview_turns(manifest, "officer")
    answer = _interview_turns(manifest, "suspect")[2]  # "No comment."
    audio = _asking_again([officer[i] for i in questions], answer, seed, rounds, tmp_path)
    collector = _collected(audio, speaker_model)
    assert _finished(collector, len(audio)).speakers == 2
    monkeypatch.setattr(same_voice, "PHRASE_SHARE", 0.0)
    assert _finished(collector, len(audio)).speakers == 1


@pytest.mark.slow
def test_two_real_men_one_asking_again_are_two_speakers_whatever_the_phrase_rule(speaker_model, tmp_path,
                                                                               monkeypatch):
    """Another pair of voices (the eval's radio-address speaker asking three of its phrases again, LibriSpeech
    reader 1272 answering with one of his): their voiceprints keep them apart, so even with every cluster's
    pitch muted they are two speakers."""
    from make_conversations import levelled, load_clip, pieces

    rng = np.random.default_rng(5)
    bush = [levelled(p) for p in pieces(load_clip("distributed-realtime-translator__gb0.wav"), rng, True)]
    reader = [levelled(p) for p in pieces(load_clip("onnxruntime-extensions__1272-141231-0002.flac"), rng, True)]
    audio = _asking_again(bush[3:6], reader[2], 11, 9, tmp_path)
    collector = _collected(audio, speaker_model)
    assert _finished(collector, len(audio)).speakers == 2
    monkeypatch.setattr(same_voice, "PHRASE_SHARE", 0.0)
    assert _finished(collector, len(audio)).speakers == 2


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
