"""Which software made an output: Parley's version and its engines' versions."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

from app import SOFTWARE_NAME, __version__
from app.core.types import SoftwareInfo

COMPONENTS = ("faster-whisper", "ctranslate2", "av", "sentencepiece", "numpy", "onnxruntime")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=1)
def software_info() -> SoftwareInfo:
    components = {name: _version(name) for name in COMPONENTS}
    components["python"] = platform.python_version()
    return SoftwareInfo(SOFTWARE_NAME, __version__, components)
