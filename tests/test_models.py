"""Model catalogue: local folders only, bundles checked against their SHA-256 sums."""

from __future__ import annotations

import pytest

from app.core.errors import ModelError
from app.core.models import bundles as model_bundles
from app.core.models import catalogue as models


def test_wheel_models_are_installed_with_manifests(models_dir):
    installed = {m.name: m for m in models.list_models(models_dir)}
    assert {"base", "tiny.en"} <= installed.keys()
    assert installed["base"].family == "whisper" and installed["base"].licence == "MIT"
    assert models.verify(models_dir / "base") == []
    info = models.model_info(models_dir / "tiny.en")
    assert info.sha256 == installed["tiny.en"].sha256


def test_a_size_name_never_reaches_a_download(models_dir):
    with pytest.raises(ModelError, match="model 'large-v3' is not installed"):
        models.resolve("large-v3", models_dir)


def test_a_missing_model_path_is_said_missing_not_uninstalled(tmp_path, models_dir):
    gone = tmp_path / "usb" / "nllb-200"
    with pytest.raises(ModelError, match=f"no model folder at {gone}"):
        models.resolve(str(gone), models_dir)


def test_incomplete_whisper_folder_is_refused(tmp_path, models_dir):
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="missing config.json, tokenizer.json"):
        models.check_whisper_folder(folder)


def test_bundle_round_trip_and_tampering_is_refused(tmp_path, models_dir):
    bundle = models.make_bundle(models_dir / "tiny.en", tmp_path / "tiny-bundle")
    target = tmp_path / "models"
    imported = model_bundles.import_bundle(bundle, target, name="tiny-copy")
    assert models.verify(imported) == []
    assert models.model_info(imported).sha256 == models.model_info(models_dir / "tiny.en").sha256
    with pytest.raises(ModelError, match="already installed"):
        model_bundles.import_bundle(bundle, target, name="tiny-copy")

    with open(bundle / "config.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    with pytest.raises(ModelError, match="config.json does not match its SHA-256"):
        model_bundles.import_bundle(bundle, target, name="tampered")
    assert not (target / "tampered").exists()


def test_verify_notices_a_changed_weights_file(tmp_path, models_dir):
    bundle = models.make_bundle(models_dir / "tiny.en", tmp_path / "b")
    imported = model_bundles.import_bundle(bundle, tmp_path / "m")
    with open(imported / "model.bin", "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01")
    assert models.verify(imported) == ["model.bin"]
