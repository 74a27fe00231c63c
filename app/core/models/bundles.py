"""Safe import of an offline model bundle: a folder, a .zip or a .tar(.gz/.bz2/.xz).

A bundle holds a SHA256SUMS file (`HASH  name` or GNU `HASH *name` lines) and
exactly the files it lists. The rules, each refusal one line (ModelError) with
nothing left behind:

- every listed name is a plain file name: no folder part, no `..`, not absolute,
  no control characters, listed once;
- every member is a regular file: symbolic links, hard links, devices and FIFOs
  are refused, never followed or opened; an archive may wrap everything in one
  top folder;
- a file the list does not name is refused too (decided: a bundle is exactly its
  checksum list, so nothing unverified can ride along);
- each file is streamed into a temporary folder inside models/ while it is
  hashed; only when every hash matches is that folder renamed into place. The
  folder is hidden (`.import-PID-...`), so a killed import is never listed or
  loaded as a model; the next import removes it once its process is gone.
- `--name` (and a name taken from the bundle) is a plain name, never a path;
- SHA256SUMS travels with the bundle, so it shows the copy whole, not who made it: the weights
  of a model Parley knows (`known.py`) with another of its files changed are refused, and
  `models import` says whether the bundle is a known model or vouches only for itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import NoReturn

from app.core.errors import AlreadyDone, ModelError
from app.core.models import known
from app.core.models.bundle_members import Member, check_plain_name, open_bundle
from app.core.models.catalogue import (
    BUNDLE_SUMS,
    default_models_dir,
    differences,
    family_of,
    write_manifest,
)
from app.core.models.integrity import MANIFEST
from app.core.processes import last_written, left_by_gone_process

ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip")
SUMS_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
MAX_SUMS_BYTES = 1 << 20
CHUNK = 1 << 20
STAGING_PREFIX = ".import-"  # then the importing process's id: `.import-PID-XXXX`


def parse_sums(text: str, origin: str) -> dict[str, str]:
    """name -> lower-case SHA-256 from `HASH  name` / `HASH *name` lines."""
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = SUMS_LINE.match(line.rstrip("\r"))
        if not match:
            raise ModelError(f"{origin}: {BUNDLE_SUMS} line {number} is not `HASH  name`")
        digest, name = match.group(1).lower(), match.group(2)
        check_plain_name(name, f"{BUNDLE_SUMS} line {number}: file")
        if name == BUNDLE_SUMS:  # `sha256sum * > SHA256SUMS` run twice lists the list itself
            continue
        if name in sums:
            raise ModelError(f"{origin}: {BUNDLE_SUMS} lists {name} twice")
        sums[name] = digest
    if "model.bin" not in sums:
        raise ModelError(f"{origin}: {BUNDLE_SUMS} lists no model.bin")
    return sums


def default_name(bundle: Path, members: dict[str, Member], sums: dict[str, str],
                 root: Path) -> tuple[str, bool | None]:
    """The name a bundle is installed under without --name: the model Parley knows its files to be (a copy of
    tiny.en is `tiny.en`, whatever its folder is called) unless another model is installed under that name
    (then its folder's or archive's name, as before); else its folder's or archive's name. Its own copy cut
    short by a power cut (no record: written last) keeps the name, so a repeated import repairs it. With the
    name: True when that check found the copy under it cut short (None: not run), so it is not run twice."""
    model = _known_or_none(sums)  # refused, with its reason, by the import itself
    installed = None if model is None else root / model.name
    if installed is not None and (not installed.exists() or _recorded_model(installed) == model):
        return installed.name, None
    if installed is not None and cut_short_copy(members, sums, installed):
        return installed.name, True
    name = bundle.resolve().name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], None
    return name, None


def _recorded(target: Path) -> dict[str, str] | None:
    try:
        return json.loads((target / MANIFEST).read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        return None


def _recorded_model(target: Path) -> known.KnownModel | None:
    """The known model an installed folder's recorded files are, else None."""
    return _known_or_none(_recorded(target) or {})


def _read_sums(members: dict[str, Member], origin: str) -> dict[str, str]:
    if BUNDLE_SUMS not in members:
        raise ModelError(f"{origin}: not a model bundle (no {BUNDLE_SUMS} file)")
    with members[BUNDLE_SUMS].open() as handle:
        raw = handle.read(MAX_SUMS_BYTES + 1)
    if len(raw) > MAX_SUMS_BYTES:
        raise ModelError(f"{origin}: {BUNDLE_SUMS} is implausibly large; bundle refused")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"{origin}: {BUNDLE_SUMS} is not UTF-8 text; bundle refused") from None
    return parse_sums(text, origin)


def _check_listing(members: dict[str, Member], sums: dict[str, str], origin: str) -> None:
    missing = sorted(set(sums) - set(members))
    if missing:
        raise ModelError(f"{origin}: {missing[0]} is listed in {BUNDLE_SUMS} but missing; bundle refused")
    extra = sorted(set(members) - set(sums) - {BUNDLE_SUMS})
    if extra:
        raise ModelError(f"{origin}: {extra[0]!r} is not listed in {BUNDLE_SUMS}; bundle refused")


def _not_a_known_model_altered(sums: dict[str, str], origin: str, name: str) -> None:
    """Refuse the weights of a model Parley knows with another of its files changed (SHA256SUMS
    rewritten to match): the bundle's own list cannot show it, the catalogue shipped with Parley can. Refuse
    other weights going by a known model's name too: `models verify` would find them an impostor every time."""
    try:
        model = known.recognise(sums)
    except ModelError as exc:
        raise ModelError(f"{origin}: {exc}") from None
    claimed = known.by_name(name) if model is None else None
    if claimed is not None:
        raise ModelError(f"{origin}: its weights are not those of the known model {claimed.name} ({claimed.origin}) "
                         f"it would be named as; give it another name (--name); nothing installed")


def _copy_verified(member: Member, dest: Path, expected: str, origin: str) -> None:
    digest = hashlib.sha256()
    with member.open() as source, open(dest, "xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())  # on disk before the folder is renamed into place (a power cut)
    if digest.hexdigest() != expected:
        raise ModelError(f"{origin}: {member.name} does not match its SHA-256; bundle refused")


class AlreadyInstalled(AlreadyDone, ModelError):
    """The bundle's very files (or the very known model) are installed under its name already (an import
    repeated); `target`: where."""

    def __init__(self, message: str, target: Path) -> None:
        super().__init__(message)
        self.target = target


def _installed_already(sums: dict[str, str], target: Path) -> NoReturn:
    """A model is installed under the bundle's name: AlreadyInstalled when its recorded files are the
    bundle's (name and SHA-256, every one), or are the same known model (a bundle of tiny.en with a README
    beside it), otherwise an error saying it is another model."""
    recorded = _recorded(target)
    same = recorded == sums or (recorded is not None and (model := _recorded_model(target)) is not None
                                and model == _known_or_none(sums))
    if same and not target.is_symlink():
        changed = differences(target)  # re-hashed: a copy changed since is not "done"
        if changed:
            raise ModelError(f"a model named '{target.name}' is installed from this bundle, but since changed "
                             f"({'; '.join(changed)}); see models verify {target.name}")
        what = "these very files" if recorded == sums else f"the known model {target.name}'s files"
        raise AlreadyInstalled(f"'{target.name}' is already installed from {what} (each re-hashed); nothing to do",
                               target)
    raise ModelError(f"a model named '{target.name}' is already installed, with different files; "
                     "give this one another name (--name)")


def _known_or_none(sums: dict[str, str]) -> known.KnownModel | None:
    try:
        return known.recognise(sums)
    except ModelError:
        return None


def import_bundle(bundle: Path, models_dir: Path | None = None, name: str | None = None) -> Path:
    """Install a bundle as models_dir/<name> only if every file is listed, regular and verified."""
    return install_bundle(bundle, models_dir, name)[0]


def install_bundle(bundle: Path, models_dir: Path | None = None, name: str | None = None) -> tuple[Path, bool]:
    """import_bundle, and whether it put the bundle in place of a copy of it cut short under the name
    (a power cut after an import: files or their record truncated or missing); any other is refused."""
    bundle = Path(bundle)
    if name is not None:
        check_plain_name(name, "--name")
    root = models_dir or default_models_dir()
    origin = str(bundle)
    staging: Path | None = None
    made = _missing_folders(root)
    try:
        with open_bundle(bundle) as members:  # once: a .tar.gz is read through to list it (the 2.4 GB NLLB)
            sums = _read_sums(members, origin)
            cut = None
            if name is None:
                name, cut = default_name(bundle, members, sums, root)
                check_plain_name(name, "bundle name")
            target = root / name
            target_name = target.name
            replacing = cut if cut is not None else (
                (target.exists() or target.is_symlink()) and cut_short_copy(members, sums, target))
            if (target.exists() or target.is_symlink()) and not replacing:
                _installed_already(sums, target)
            _check_listing(members, sums, origin)
            _not_a_known_model_altered(sums, origin, target_name)
            root.mkdir(parents=True, exist_ok=True)
            remove_stale_imports(root)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=root))
            for rel, expected in sums.items():
                _copy_verified(members[rel], staging / rel, expected, origin)
        write_manifest(staging, family_of(staging), origin=f"bundle {bundle.name}")
        staging.chmod(0o755)
        _sync(staging / MANIFEST, staging)
        if replacing:
            _put_in_place_of(staging, target)
        else:
            os.rename(staging, target)
        with suppress(OSError):
            _sync(root)  # the name on disk too; the model is in place whatever this says
    except OSError as exc:
        raise ModelError(f"{origin}: cannot import ({exc.strerror or exc}); nothing installed") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
            _remove_empty(made)
    return target, replacing


def remove_stale_imports(root: Path) -> None:
    """Staging folders of imports that were killed (their process is gone): never a model, only waste."""
    for stale in root.glob(f"{STAGING_PREFIX}*"):
        pid = stale.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if stale.is_dir() and not stale.is_symlink() and left_by_gone_process(pid, last_written(stale)):
            shutil.rmtree(stale, ignore_errors=True)


def _missing_folders(root: Path) -> list[Path]:
    """root and those of its parents that do not exist yet, deepest first."""
    missing = []
    for folder in (root, *root.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def cut_short_copy(members: dict[str, Member], sums: dict[str, str], target: Path) -> bool:
    """Whether `target` is this bundle's copy cut short: its record (written last) unreadable or the
    bundle's list, every other file there one of the bundle's, whole or its first bytes only, and
    something missing or short."""
    if target.is_symlink() or not target.is_dir():
        return False
    recorded = _recorded(target)
    if recorded not in (None, sums):
        return False
    try:
        present = [p for p in target.iterdir() if p.name != MANIFEST]
        if any(p.name not in sums or p.is_symlink() or not p.is_file() for p in present):
            return False
        held = [_held_of(p, members[p.name]) for p in present]
    except (OSError, ModelError, KeyError):
        return False
    if "other" in held:
        return False
    return recorded is None or "start" in held or len(present) < len(sums)


def _held_of(path: Path, member: Member) -> str:
    """"whole" when the file holds the member's bytes, "start" when only its first ones, else "other"."""
    with open(path, "rb") as held, member.open() as source:
        while chunk := held.read(CHUNK):
            if source.read(len(chunk)) != chunk:
                return "other"
        return "start" if source.read(1) else "whole"


def _put_in_place_of(staging: Path, target: Path) -> None:
    """The verified copy in place of the cut-short one, which is moved aside under a staging name
    first (a kill in between leaves it to the next import's tidying, and no model under the name)."""
    aside = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target.parent))
    os.rename(target, aside / target.name)
    os.rename(staging, target)
    shutil.rmtree(aside, ignore_errors=True)


def _sync(*paths: Path) -> None:
    """Each file's or folder's contents on disk (a folder: the names in it)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
