"""Where the diarisation models are found: beside the Whisper model, else in the default models folder.

Apart from the pipeline (numpy, PyAV, onnxruntime) so that `verify`, which only compares the
models runs recorded with those installed now, loads none of them."""

from __future__ import annotations

from pathlib import Path

from app.core.models.catalogue import default_models_dir

SPEAKER_MODEL = "speaker-campplus"  # the folder package.py installs (package.NAME)
MODEL_FILE = "campplus.onnx"
SEGMENTATION_MODEL = "segmentation-3.0"  # its folder beside the speaker model
SEGMENTATION_FILE = "segmentation.onnx"


def speaker_model_dir(whisper_dir: Path | None = None) -> Path | None:
    """The speaker model beside the Whisper model, else in the default models folder."""
    return _model_dir(whisper_dir, SPEAKER_MODEL, MODEL_FILE)


def segmentation_model_dir(whisper_dir: Path | None = None) -> Path | None:
    """The segmentation model (overlaps, speaker changes) found the same way, or None."""
    return _model_dir(whisper_dir, SEGMENTATION_MODEL, SEGMENTATION_FILE)


def _model_dir(whisper_dir: Path | None, name: str, weights: str) -> Path | None:
    for root in (whisper_dir.parent if whisper_dir else None, default_models_dir()):
        if root is not None and (root / name / weights).is_file():
            return root / name
    return None
