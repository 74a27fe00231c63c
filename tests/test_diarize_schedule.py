"""When the speakers of a recording are searched: beside its decoding whenever it is decoded as one track
(issue #13's cost of diarisation). A stereo recording whose channels are not one speaker each (most phone
videos: two microphones, one room) is mixed down and decoded as one track, but its speakers were searched
only after the decoding, the whole search's time added to the run's."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from app.core.asr.pipeline import plan_tracks
from app.core.asr.runs import _speaker_search
from app.core.diarize.pipeline import Background, speaker_model_dir
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


def _both_channels(path):
    """interview_mono.wav on both channels, as two microphones of a phone hear one room."""
    with wave.open(str(MEDIA / "interview_mono.wav"), "rb") as src:
        params, frames = src.getparams(), src.readframes(src.getnframes())
    mono = np.frombuffer(frames, dtype="<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(params.framerate)
        out.writeframes(np.repeat(mono, 2).tobytes())
    return path


def test_a_stereo_recording_decoded_as_one_track_has_its_speakers_searched_beside_the_decoding(tmp_path, models_dir):
    whisper = models_dir / "tiny.en"
    if speaker_model_dir(whisper) is None:
        pytest.skip("no speaker model installed")
    source, options = probe(str(_both_channels(tmp_path / "room.wav"))), TranscribeOptions(diarize="on")
    assert source.channels == 2 and len(plan_tracks(source, options.channels)) == 1  # mixed down
    search = _speaker_search(source, options, whisper)
    assert isinstance(search, Background), "searched only once the decoding was over"
    assert search.result().speakers == 2


def test_a_stereo_recording_split_by_channel_is_not_searched(tmp_path, models_dir):
    whisper = models_dir / "tiny.en"
    source = probe(str(MEDIA / "interview_stereo.wav"))  # one speaker per channel: the channels name them
    assert len(plan_tracks(source, "auto")) == 2
    assert _speaker_search(source, TranscribeOptions(diarize="on"), whisper) is None


def test_a_recording_split_by_channel_records_no_voice_model_and_is_given_no_speaker_stage(tmp_path, models_dir):
    """The run recorded the speaker and segmentation models' hashes (which `reproduce` then required) and
    showed "finding speakers" though each channel named its speaker and no voice model was used."""
    from app.core.diarize.pipeline import diarize_settings, wanted
    whisper = models_dir / "tiny.en"
    split = probe(str(MEDIA / "interview_stereo.wav"))
    for mode in ("auto", "on"):
        options = TranscribeOptions(diarize=mode)
        assert not wanted(options, split)
        assert diarize_settings(options, split, whisper) == {"diarization": "not used: each channel names its speaker"}
    room = probe(str(_both_channels(tmp_path / "room.wav")))  # mixed down: the voice model tells them apart
    assert wanted(TranscribeOptions(diarize="on"), room)
    if speaker_model_dir(whisper) is not None:
        assert diarize_settings(TranscribeOptions(diarize="on"), room, whisper)["diarization"] == "speaker-campplus"
