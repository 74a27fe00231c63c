"""Model import refuses every hostile bundle in one line and leaves nothing behind (issue 11, finding 1)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from app.core.errors import ModelError
from app.core.models import bundles as model_bundles
from app.core.models import catalogue as models
from tests.conftest import REPO

FILES = {"model.bin": b"\x00weights\x01" * 100, "config.json": b'{"x": 1}\n'}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: dict[str, bytes], star: bool = False) -> str:
    sep = " *" if star else "  "
    return "".join(f"{sha(data)}{sep}{name}\n" for name, data in files.items())


def make_folder(root: Path, files: dict[str, bytes] = FILES, sums: str | None = None) -> Path:
    root.mkdir(parents=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "SHA256SUMS").write_text(sums if sums is not None else sums_text(files), encoding="utf-8")
    return root


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def make_tar(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path


def entries(files: dict[str, bytes] = FILES, prefix: str = "") -> dict[str, bytes]:
    out = {prefix + name: data for name, data in files.items()}
    out[prefix + "SHA256SUMS"] = sums_text(files).encode()
    return out


def left_behind(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=120)


@pytest.mark.parametrize("form", ["folder", "zip", "tar.gz", "zip-in-top-folder", "gnu-star", "lists-itself"])
def test_good_bundles_install_every_listed_file(tmp_path, form):
    if form == "folder":
        bundle = make_folder(tmp_path / "m1")
    elif form == "gnu-star":
        bundle = make_folder(tmp_path / "m1", sums=sums_text(FILES, star=True))
    elif form == "lists-itself":  # `sha256sum * > SHA256SUMS` run a second time
        bundle = make_folder(tmp_path / "m1", sums=sums_text(FILES) + f"{sha(b'old list')}  SHA256SUMS\n")
    elif form == "zip":
        bundle = make_zip(tmp_path / "m1.zip", entries())
    elif form == "zip-in-top-folder":
        bundle = make_zip(tmp_path / "m1.zip", entries(prefix="m1/"))
    else:
        bundle = make_tar(tmp_path / "m1.tar.gz", entries(prefix="./"))
    target = model_bundles.import_bundle(bundle, tmp_path / "models")
    assert target == tmp_path / "models" / "m1"
    assert {n: (target / n).read_bytes() for n in FILES} == FILES
    assert models.verify(target) == []
    assert left_behind(tmp_path / "models") == ["m1"]


def test_real_model_round_trips_through_a_tar_bundle(tmp_path, models_dir):
    folder = models.make_bundle(models_dir / "tiny.en", tmp_path / "tiny")
    with tarfile.open(tmp_path / "tiny.tar", "w") as archive:
        archive.add(folder, arcname="tiny")
    imported = model_bundles.import_bundle(tmp_path / "tiny.tar", tmp_path / "models", name="tiny-copy")
    assert models.model_info(imported).sha256 == models.model_info(models_dir / "tiny.en").sha256


def _hostile(tmp_path: Path, attack: str) -> tuple[Path, str | None]:
    """A bundle recreating one attack, and the --name to use."""
    host = tmp_path / "host-secret.txt"
    host.write_bytes(b"host file content\n")
    if attack == "dotdot-in-sums":
        files = dict(FILES, **{"../../app/__main__.py": b"print('owned')\n"})
        return make_folder(tmp_path / "b", FILES, sums_text(files)), None
    if attack == "absolute-in-sums":
        return make_folder(tmp_path / "b", FILES, sums_text(FILES) + f"{sha(b'x')}  /etc/passwd\n"), None
    if attack == "name-dotdot":
        return make_folder(tmp_path / "b"), "../../x"
    if attack == "name-absolute":
        return make_folder(tmp_path / "b"), str(tmp_path / "abs")
    if attack == "name-separator":
        return make_folder(tmp_path / "b"), "a/b"
    if attack == "symlink-in-folder":
        bundle = make_folder(tmp_path / "b", FILES, sums_text(dict(FILES, secret=host.read_bytes())))
        (bundle / "secret").symlink_to(host)
        return bundle, None
    if attack == "zip-slip":
        evil = dict(entries(), **{"../../evil.txt": b"x"})
        return make_zip(tmp_path / "b.zip", evil), None
    if attack == "zip-absolute":
        return make_zip(tmp_path / "b.zip", dict(entries(), **{"/tmp/evil.txt": b"x"})), None
    if attack == "tar-symlink":
        return make_tar(tmp_path / "b.tar.gz", entries(), links={"secret": str(host)}), None
    if attack == "tar-dotdot":
        return make_tar(tmp_path / "b.tar.gz", dict(entries(), **{"../evil.txt": b"x"})), None
    if attack == "duplicate-in-sums":
        return make_folder(tmp_path / "b", FILES, sums_text(FILES) + sums_text({"config.json": FILES["config.json"]})), None
    if attack == "missing-file":
        return make_folder(tmp_path / "b", {"model.bin": FILES["model.bin"]}, sums_text(FILES)), None
    if attack == "extra-unlisted":
        bundle = make_folder(tmp_path / "b")
        (bundle / "extra.py").write_text("print('not listed')\n")
        return bundle, None
    if attack == "hash-mismatch":
        return make_folder(tmp_path / "b", dict(FILES, **{"config.json": b"{}"}), sums_text(FILES)), None
    if attack == "not-a-bundle":
        (tmp_path / "b.zip").write_bytes(b"PK\x03\x04 but not a zip at all")
        return tmp_path / "b.zip", None
    raise AssertionError(attack)


ATTACKS = {
    "dotdot-in-sums": "not a plain name",
    "absolute-in-sums": "not a plain name",
    "name-dotdot": "--name '../../x' is not a plain name",
    "name-absolute": "is not a plain name",
    "name-separator": "is not a plain name",
    "symlink-in-folder": "is a symbolic link",
    "zip-slip": "climbs out with '..'",
    "zip-absolute": "has an absolute path",
    "tar-symlink": "is a symbolic link",
    "tar-dotdot": "climbs out with '..'",
    "duplicate-in-sums": "lists config.json twice",
    "missing-file": "config.json is listed in SHA256SUMS but missing",
    "extra-unlisted": "'extra.py' is not listed in SHA256SUMS",
    "hash-mismatch": "config.json does not match its SHA-256",
    "not-a-bundle": "not a model bundle",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_bundle_is_refused_and_leaves_nothing(tmp_path, attack):
    bundle, name = _hostile(tmp_path, attack)
    target = tmp_path / "deep" / "er" / "models"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ModelError, match=ATTACKS[attack].replace("(", r"\(").replace("*", r"\*")):
        model_bundles.import_bundle(bundle, target, name=name)
    assert left_behind(target) == []
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("attack", ["dotdot-in-sums", "name-dotdot", "symlink-in-folder", "tar-symlink",
                                    "absolute-in-sums"])
def test_cli_refusal_is_one_line_exit_1(tmp_path, attack):
    bundle, name = _hostile(tmp_path, attack)
    app_code = (REPO / "app" / "__main__.py").read_bytes()
    args = ["models", "import", str(bundle), "--models-dir", str(tmp_path / "models")]
    result = run_cli(*args, *(["--name", name] if name else []))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert left_behind(tmp_path / "models") == []
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()
    assert (REPO / "app" / "__main__.py").read_bytes() == app_code


def test_cli_imports_a_zip(tmp_path):
    bundle = make_zip(tmp_path / "small.zip", entries())
    result = run_cli("models", "import", str(bundle), "--models-dir", str(tmp_path / "models"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "models" / "small")
    assert os.listdir(tmp_path / "models") == ["small"]


def _tar_with(path: Path, kind: bytes) -> Path:
    with tarfile.open(path, "w") as archive:
        for name, data in entries().items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        odd = tarfile.TarInfo("odd")
        odd.type = kind
        odd.linkname = "model.bin" if kind == tarfile.LNKTYPE else ""
        archive.addfile(odd)
    return path


@pytest.mark.parametrize(("kind", "reason"), [(tarfile.LNKTYPE, "is a hard link"),
                                              (tarfile.FIFOTYPE, "is a device or FIFO"),
                                              (tarfile.CHRTYPE, "is a device or FIFO")])
def test_tar_links_and_devices_are_refused(tmp_path, kind, reason):
    with pytest.raises(ModelError, match=reason):
        model_bundles.import_bundle(_tar_with(tmp_path / "b.tar", kind), tmp_path / "models")
    assert left_behind(tmp_path / "models") == []


def test_zip_symlink_member_and_folder_fifo_are_refused(tmp_path):
    bundle = make_zip(tmp_path / "b.zip", entries())
    with zipfile.ZipFile(bundle, "a") as archive:
        info = zipfile.ZipInfo("secret")
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(ModelError, match="is a symbolic link"):
        model_bundles.import_bundle(bundle, tmp_path / "models")
    folder = make_folder(tmp_path / "f")
    os.mkfifo(folder / "pipe")
    with pytest.raises(ModelError, match="'pipe' is not a regular file"):
        model_bundles.import_bundle(folder, tmp_path / "models")
    assert left_behind(tmp_path / "models") == []
