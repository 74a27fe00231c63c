"""Model catalogue: local folders only, never a download.

A model is a CTranslate2 folder under the models directory (or any folder the
user names). Names are looked up there and nowhere else; nothing here ever hands
a size name to a library that could fetch it. New models arrive as an offline
bundle whose files are checked against the SHA-256 sums it carries.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import app
from app.core.errors import ModelError
from app.core.hashing import sha256_file
from app.core.models.integrity import MANIFEST, file_sha256, folder_hashes, manifest_problems
from app.core.models.staging import BUNDLE_PREFIX, new_staging, sync, sync_tree
from app.core.paths import user_data_dir
from app.core.types import ModelInfo

BUNDLE_SUMS = "SHA256SUMS"
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
LICENCES = {"whisper": "MIT", "nllb": "CC-BY-NC-4.0", "m2m100": "MIT", "speaker": "Apache-2.0",
            "segmentation": "MIT"}


def default_models_dir() -> Path:
    """PARLEY_MODELS, else the checkout's models/ folder, else a per-user data folder."""
    env = os.environ.get("PARLEY_MODELS")
    if env:
        return Path(env)
    checkout = Path(app.__file__).resolve().parents[1]  # the folder holding the app package
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models"
    return user_data_dir() / "models"


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    family: str
    bytes: int
    sha256: str

    @property
    def licence(self) -> str:
        return LICENCES.get(self.family, "unknown")


def family_of(folder: Path) -> str:
    """Whisper, NLLB or M2M-100, from the files a CTranslate2 folder holds."""
    config = _read_json(folder / "config.json")
    if (folder / "tokenizer.json").exists() and "alignment_heads" in config:
        return "whisper"
    vocab = _vocabulary_sample(folder)
    if any(token.endswith(("_Latn", "_Arab", "_Cyrl")) for token in vocab):
        return "nllb"
    if any(token.startswith("__") and token.endswith("__") for token in vocab):
        return "m2m100"
    return "unknown"


MULTILINGUAL_VOCABULARY = 51865  # CTranslate2 takes a Whisper model with fewer tokens for English-only
ENGLISH_ONLY_NOTE = ("the model is English-only: the language was not detected, and speech in any other "
                     "language comes out as English-sounding words (use a multilingual model)")


def whisper_english_only(folder: Path) -> bool:
    """An English-only Whisper model (tiny.en, base.en, ...): known from its vocabulary's size,
    as CTranslate2 tells, before the model is loaded. False when the folder says nothing."""
    for name in ("vocabulary.json", "vocabulary.txt"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            size = len(json.loads(text)) if name.endswith(".json") else len(text.splitlines())
        except (OSError, ValueError):
            return False
        return size < MULTILINGUAL_VOCABULARY
    return False


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _vocabulary_sample(folder: Path) -> list[str]:
    for name in ("shared_vocabulary.json", "shared_vocabulary.txt", "vocabulary.json"):
        path = folder / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        if name.endswith(".json"):
            try:
                data = json.loads(text)
            except ValueError:
                return []
            return list(data if isinstance(data, list) else data.keys())[-400:]
        return text.splitlines()[-400:]
    return []


def resolve(name_or_path: str, models_dir: Path | None = None) -> Path:
    """A model folder from a name under models_dir or a path. Raises ModelError."""
    if not name_or_path.strip():  # Path("") is the current folder: never taken for a model
        raise ModelError("no model named (the model option is empty); give an installed model's name "
                         "(`python -m app models list`) or a model folder")
    root = models_dir or default_models_dir()
    named = root / name_or_path
    as_path = "/" in name_or_path or "\\" in name_or_path or name_or_path.startswith(("~", "."))
    if named.is_dir() and not as_path:  # an installed model's name before a folder of that name here: the default
        return named.resolve()  # `base` was refused as "incomplete" in any folder holding a folder named base
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return candidate.resolve()
    if as_path:
        raise ModelError(f"no model folder at {candidate} (a path was given, not an installed model's name)")
    installed = ", ".join(m.name for m in list_models(root)) or "none"
    raise ModelError(
        f"model '{name_or_path}' is not installed in {root} (installed: {installed}); "
        "import one with `python -m app models import BUNDLE`"
    )


def translation_model(name: str | None, models_dir: Path | None = None) -> Path:
    """A named translation model, or the first installed NLLB-200, else M2M-100, model."""
    if name:
        return resolve(name, models_dir)
    installed = list_models(models_dir)
    for family in ("nllb", "m2m100"):
        for model in installed:
            if model.family == family:
                return model.path
    raise ModelError(
        f"no translation model is installed in {models_dir or default_models_dir()}; import an "
        "NLLB-200 or M2M-100 bundle with `python -m app models import BUNDLE`, or name the model's folder"
    )


def check_whisper_folder(folder: Path) -> None:
    """A Whisper folder must be complete, or faster-whisper would reach for the network."""
    missing = [name for name in WHISPER_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"model folder {folder} is incomplete: missing {', '.join(missing)} "
                         "(not a Whisper model, or not copied whole; see `python -m app models list`)")


def weights_sha256(folder: Path) -> str:
    """SHA-256 of model.bin, remembered per file identity within a process (integrity.file_sha256)."""
    weights = folder / "model.bin"
    if not weights.is_file():
        raise ModelError(f"model folder {folder} has no model.bin")
    return file_sha256(weights)


def model_info(folder: Path) -> ModelInfo:
    family = family_of(folder)
    return ModelInfo(
        name=folder.name,
        path=str(folder),
        sha256=weights_sha256(folder),
        family=family,
        licence=LICENCES.get(family, "unknown"),
    )


def list_models(models_dir: Path | None = None) -> list[InstalledModel]:
    root = models_dir or default_models_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if _is_model_folder(p)):
        manifest = _read_json(folder / MANIFEST)
        found.append(
            InstalledModel(
                name=folder.name,
                path=folder,
                family=manifest.get("family") or family_of(folder),
                bytes=sum(f.stat().st_size for f in folder.iterdir() if f.is_file()),
                sha256=_weights_sum(folder, manifest),
            )
        )
    return found


def _is_model_folder(folder: Path) -> bool:
    """A CTranslate2 folder (model.bin), or another model with a manifest (the speaker model);
    never a hidden folder (an import's staging, left by a killed import, is not a model)."""
    if folder.name.startswith("."):
        return False
    return (folder / "model.bin").is_file() or (folder.is_dir() and (folder / MANIFEST).is_file())


def _weights_sum(folder: Path, manifest: dict) -> str:
    """The manifest's SHA-256 of model.bin, else of its largest file (the weights)."""
    files = manifest.get("files", {})
    if "model.bin" in files or not files:
        return files.get("model.bin", "")
    largest = max(files, key=lambda name: (folder / name).stat().st_size if (folder / name).is_file() else -1)
    return files[largest]


def write_manifest(folder: Path, family: str, origin: str) -> dict:
    files = {
        f.name: sha256_file(f)
        for f in sorted(folder.iterdir())
        if f.is_file() and f.name != MANIFEST
    }
    manifest = {"name": folder.name, "family": family, "origin": origin, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def verify(folder: Path) -> list[str]:
    """Files whose SHA-256 differs from the folder's manifest (empty list = intact)."""
    manifest = _read_json(folder / MANIFEST)
    if not manifest:
        raise ModelError(f"model folder {folder} has no {MANIFEST} to verify against")
    return [
        name
        for name, expected in manifest.get("files", {}).items()
        if not (folder / name).is_file() or sha256_file(folder / name) != expected
    ]


def differences(folder: Path) -> list[str]:
    """Every way the folder differs from its manifest (a file changed, missing or added), one phrase each."""
    if not (folder / MANIFEST).is_file():
        raise ModelError(f"model folder {folder} has no {MANIFEST} to verify against")
    return manifest_problems(folder, folder_hashes(folder))


def make_bundle(folder: Path, out: Path) -> Path:
    """Copy a model folder to `out` with a SHA256SUMS file, ready for `import_bundle`."""
    if not (folder / "model.bin").is_file():
        raise ModelError(f"{folder}: not a model folder (no model.bin)")
    if out.exists():
        raise ModelError(f"{out}: already exists")
    if not out.parent.is_dir():  # else the error named the hidden folder the copy is made in
        raise ModelError(f"{out.parent}: no such folder")
    changed = differences(folder) if (folder / MANIFEST).is_file() else []
    if changed:  # a half-copied or altered model: its bundle's sums would vouch for the damage
        raise ModelError(f"{folder}: not bundled, it differs from its manifest ({'; '.join(changed)}); "
                         f"`python -m app models verify {folder.name}` lists every difference")
    staging = new_staging(out.parent, BUNDLE_PREFIX)  # a killed bundle's copy is removed by the next
    try:
        lines = []
        for f in sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST):
            shutil.copy2(f, staging / f.name)
            lines.append(f"{sha256_file(staging / f.name)}  {f.name}")
        (staging / BUNDLE_SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")
        staging.chmod(0o755)
        sync_tree(staging)
        os.replace(staging, out)
        sync(out.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out
