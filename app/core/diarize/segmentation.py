"""Local speakers frame by frame: pyannote segmentation-3.0 run by ONNX Runtime.

The model reads 10 s of 16 kHz audio and says, for each ~17 ms frame, which of up to
three *local* speakers (numbered within that window only) are talking, two at once
included (a powerset of {}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}). Windows slide by STEP_S;
where windows overlap, a frame's speech and overlap scores are averaged (Hamming-weighted,
as pyannote does). Converted at set-up (segpackage.py): at run time only onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.diarize.onnx_model import OnnxModel, cached, read_config

SAMPLE_RATE = 16000
CONFIG = "segmentation-model.json"
STEP_S = 10.0  # windows side by side: half the cost of half-overlapping ones, DER as good (measured)
BATCH = 2  # windows run at once in all (one per call on two threads: the same bits whatever the batch);
# a call takes about 25 MB a window (8 at once: +204 MB, 2: +54 MB), and 8 saved only ~0.1 s per 120 s
# powerset class -> active local speakers (the order the model was trained with)
POWERSET = np.array(
    [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.uint8
)


@dataclass(frozen=True)
class Frames:
    """Scores on a global frame grid (frame i centred at i * step_s + centre_s)."""

    speech: np.ndarray  # (n,) float32, share of windows hearing speech
    overlap: np.ndarray  # (n,) float32, probability of two speakers at once (windows averaged)
    windows: tuple[LocalWindow, ...]
    step_s: float
    centre_s: float

    def time(self, frame: int) -> float:
        return frame * self.step_s + self.centre_s

    def frame(self, seconds: float) -> int:
        return round((seconds - self.centre_s) / self.step_s)


@dataclass(frozen=True)
class LocalWindow:
    """One 10 s window: its first global frame and (frames, 3) local speaker activity."""

    first: int
    active: np.ndarray  # uint8 (frames, 3)


class Segmenter(OnnxModel):
    """The segmentation model loaded once; frames() scores a stretch of audio."""

    def __init__(self, model_dir: Path, threads: int = 2) -> None:
        config = read_config(Path(model_dir), CONFIG, "segmentation model",
                             {"weights", "window_samples", "frame_step", "frame_start", "frame_duration"})
        super().__init__(model_dir, config, "segmentation model", threads)
        self.window = int(config["window_samples"])
        self.frame_step = float(config["frame_step"])
        self.centre = float(config["frame_start"]) + float(config["frame_duration"]) / 2

    def logits(self, windows: np.ndarray) -> np.ndarray:
        """(n, frames, 7) powerset log-probabilities of (n, window) samples."""
        return self.run_all([windows], self._feed)[0]

    def _feed(self, windows: np.ndarray) -> dict[str, np.ndarray]:
        return {"waveform": windows[:, None, :].astype(np.float32)}

    def _windows(self, audio: np.ndarray, starts: list[int]) -> dict[str, np.ndarray]:
        return self._feed(np.stack([_padded(audio[s : s + self.window], self.window) for s in starts]))

    def active(self, audio: np.ndarray, starts: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(windows, frames, 3) local speakers of the windows at `starts` (the likeliest class)
        and (windows, frames) the probability of two at once, BATCH windows at once in all, shared
        over `threads` calls (only BATCH windows of samples are held at once)."""
        active, pairs = [], []
        runs = min(self.threads, BATCH)  # more runs than BATCH would hold more than BATCH windows at once
        size = BATCH // runs
        batches = [starts[i : i + size] for i in range(0, len(starts), size)]
        for first in range(0, len(batches), runs):
            for logits in self.run_all(batches[first : first + runs], lambda batch: self._windows(audio, batch)):
                active.append(POWERSET[logits.argmax(axis=-1)])
                pairs.append(np.exp(logits[..., POWERSET.sum(axis=1) >= 2]).sum(axis=-1))
        return np.concatenate(active), np.concatenate(pairs)

    def frames(self, audio: np.ndarray, step_s: float | None = None) -> Frames:
        """Speech and overlap scores of `audio` and each window's local speakers."""
        starts = window_starts(len(audio), self.window, int((step_s or STEP_S) * SAMPLE_RATE))
        active, pairs = self.active(audio, starts)  # (n, frames, 3), (n, frames)
        count = len(audio) // int(self.frame_step * SAMPLE_RATE) + 1
        speech, overlap = np.zeros(count), np.zeros(count)
        weight = np.zeros(count)
        hamming = np.hamming(active.shape[1])
        windows = []
        for start, local, pair in zip(starts, active, pairs):
            first = round(start / SAMPLE_RATE / self.frame_step)
            span = slice(first, min(count, first + len(local)))
            used = span.stop - span.start
            talking = local[:used].sum(axis=1)
            speech[span] += hamming[:used] * (talking >= 1)
            overlap[span] += hamming[:used] * pair[:used]
            weight[span] += hamming[:used]
            windows.append(LocalWindow(first, local[:used]))
        weight = np.maximum(weight, 1e-12)
        return Frames((speech / weight).astype(np.float32), (overlap / weight).astype(np.float32),
                      tuple(windows), self.frame_step, self.centre)


def window_starts(length: int, window: int, step: int) -> list[int]:
    """Window starts every `step` samples, the last one ending at the audio's end."""
    if length <= window:
        return [0]
    starts = list(range(0, length - window + 1, step))
    if starts[-1] + window < length:
        starts.append(length - window)
    return starts


def _padded(piece: np.ndarray, size: int) -> np.ndarray:
    return piece if len(piece) == size else np.pad(piece, (0, size - len(piece)))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) frame index pairs of each run of True in `mask`."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


_SEGMENTERS: dict[tuple[str, int], Segmenter] = {}


def load_segmenter(model_dir: Path, threads: int = 2) -> Segmenter:
    """One loaded segmentation model per (folder, threads) in a process, checked against its manifest."""
    key = (str(Path(model_dir).resolve()), threads)
    return cached(_SEGMENTERS, key, lambda: Segmenter(Path(model_dir), threads))  # type: ignore[return-value]
