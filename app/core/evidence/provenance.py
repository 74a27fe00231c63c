"""Which software made an output: Parley's version, the digest of its own code, and its
engines' versions. The version number alone does not say which code ran (it changes less often
than the code does); `parley-source` is one SHA-256 over every file of the `app` package (its
`sha256sum` listing, sorted by path), so a third party can tell whether their copy is the one."""

from __future__ import annotations

import hashlib
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from app import SOFTWARE_NAME, __version__
from app.core.types import SoftwareInfo

COMPONENTS = ("faster-whisper", "ctranslate2", "av", "sentencepiece", "numpy", "onnxruntime")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


SOURCE_SUFFIXES = (".py", ".json", ".sql")
APP_DIR = Path(__file__).resolve().parents[2]  # the `app` package


@lru_cache(maxsize=1)
def source_sha256(root: Path = APP_DIR) -> str:
    """SHA-256 of the package's code: its files' `sha256sum` listing, sorted by relative path."""
    files = sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file()
                   and "__pycache__" not in p.parts)
    listing = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n"
                      for p in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def software_info() -> SoftwareInfo:
    components = {name: _version(name) for name in COMPONENTS}
    components["python"] = platform.python_version()
    components["parley-source"] = source_sha256()
    return SoftwareInfo(SOFTWARE_NAME, __version__, components)
