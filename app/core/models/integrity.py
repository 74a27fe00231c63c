"""A model folder checked against its manifest before it is loaded, and the digest of what was loaded.

An installed model carries `parley-model.json`: the SHA-256 of every file it was
installed with. Before a model is loaded every file of its folder is hashed (each
hash remembered per file identity, so a long-lived worker hashes once) and compared
with the manifest: a byte changed, a file gone, a file added, a symbolic link pointed
elsewhere (its target is what is hashed) or a manifest that cannot be read refuses
the model in one line. A folder the user picks without a manifest has nothing to be
compared with; it is loaded, and what was loaded is recorded all the same: the
digest of every file (`files_digest`) goes into the run's settings beside the weights'
hash, so a tokenizer or configuration edited together with the manifest still shows.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from app.core.errors import ModelError
from app.core.hashing import sha256_file

MANIFEST = "parley-model.json"

_CACHE: dict[tuple[str, int, int, int, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime, ctime, inode, device) within a process:
    a file rewritten with its old size and mtime put back still has a new ctime, so is hashed again."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
    if key not in _CACHE:
        _CACHE[key] = sha256_file(path)
    return _CACHE[key]


def folder_hashes(folder: Path) -> dict[str, str]:
    """name -> SHA-256 of every file in the folder (links followed), its manifest aside."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise ModelError(f"model folder {folder} cannot be read ({exc.strerror or exc})") from None
    return {p.name: file_sha256(p) for p in entries if p.name != MANIFEST and p.is_file()}


def files_digest(hashes: dict[str, str]) -> str:
    """One SHA-256 over every file's name and hash (the `sha256sum` listing, sorted by name)."""
    listing = "".join(f"{sha}  {name}\n" for name, sha in sorted(hashes.items()))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def manifest_problems(folder: Path, hashes: dict[str, str]) -> list[str]:
    """How the folder differs from its manifest, one phrase each; empty if it matches or has none."""
    path = folder / MANIFEST
    if not path.exists() and not path.is_symlink():
        return []
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{MANIFEST} cannot be read"]
    found = []
    for name, expected in sorted(files.items()):
        if name not in hashes:
            found.append(f"{name} is missing")
        elif hashes[name] != expected.lower():
            found.append(f"{name} does not match its recorded SHA-256")
    found += [f"{name} was added (not in {MANIFEST})" for name in sorted(hashes.keys() - files.keys())]
    return found


def check_model(folder: Path) -> str:
    """Refuse (ModelError, one line) a model folder that differs from its manifest;
    return the digest of every file it holds, for the run's record."""
    hashes = folder_hashes(folder)
    found = manifest_problems(folder, hashes)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ModelError(f"model {folder.name} changed since it was installed: {found[0]}{more}; not loaded "
                         f"(`python -m app models verify {folder.name}` lists every difference)")
    return files_digest(hashes)
