"""A model tampered with after import (session 10, hostile expert): refused at load in one line,
what was loaded recorded in full, and `verify` says honestly when a run's model has changed since."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from app.cli import main
from app.core.asr import load_engine
from app.core.asr.runs import settings_for
from app.core.errors import ModelError
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.models import bundles as model_bundles
from app.core.models import catalogue as models
from app.core.options import TranscribeOptions
from app.core.store import Case
from app.core.types import Segment
from app.core.usecases.reproduce import reproduce_run
from tests.conftest import MEDIA

OPTIONS = TranscribeOptions(model="tiny.en", threads=1)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, models_dir) -> Path:
    """tiny.en imported from a bundle, as a user would: it carries parley-model.json."""
    root = tmp_path_factory.mktemp("pristine")
    bundle = models.make_bundle(models_dir / "tiny.en", root / "bundle")
    return model_bundles.import_bundle(bundle, root / "models", name="tiny.en")


@pytest.fixture()
def installed(pristine, tmp_path) -> Path:
    """A fresh copy of the imported model, in its own models folder, to tamper with."""
    folder = tmp_path / "models" / "tiny.en"
    shutil.copytree(pristine, folder)
    return folder


def flip_byte(path: Path, offset: int = 1000) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def swap_for_link(folder: Path, tmp_path: Path) -> None:
    """model.bin swapped for a symbolic link to other weights (a copy with one byte changed)."""
    other = tmp_path / "elsewhere.bin"
    shutil.copy(folder / "model.bin", other)
    flip_byte(other, 5000)
    (folder / "model.bin").unlink()
    (folder / "model.bin").symlink_to(other)


TAMPERINGS = {
    "model.bin byte": (lambda f, t: flip_byte(f / "model.bin", 40_000_000), "model.bin does not match"),
    "tokenizer byte": (lambda f, t: flip_byte(f / "tokenizer.json"), "tokenizer.json does not match"),
    "config byte": (lambda f, t: flip_byte(f / "config.json", 10), "config.json does not match"),
    "vocabulary byte": (lambda f, t: flip_byte(f / "vocabulary.txt"), "vocabulary.txt does not match"),
    "file added": (lambda f, t: (f / "vocabulary.json").write_text('["a"]'), "vocabulary.json was added"),
    "file removed": (lambda f, t: (f / "vocabulary.txt").unlink(), "vocabulary.txt is missing"),
    "link swapped": (swap_for_link, "model.bin does not match"),
    "manifest garbled": (lambda f, t: (f / "parley-model.json").write_text("{not json"), "cannot be read"),
}


@pytest.mark.parametrize("how", TAMPERINGS)
def test_a_model_tampered_after_import_is_refused_in_one_line(installed, tmp_path, how):
    tamper, said = TAMPERINGS[how]
    tamper(installed, tmp_path)
    with pytest.raises(ModelError, match=said) as caught:
        load_engine(OPTIONS, installed.parent)
    assert "\n" not in str(caught.value) and "tiny.en" in str(caught.value)


def test_models_verify_lists_every_difference(installed, capsys):
    (installed / "vocabulary.txt").unlink()
    (installed / "extra.bin").write_bytes(b"rider")
    code = main(["models", "verify", "tiny.en", "--models-dir", str(installed.parent)])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == ["tiny.en: vocabulary.txt is missing", "tiny.en: extra.bin was added (not in parley-model.json)"]


def _digest_of_files(folder: Path) -> str:
    """Computed here from the files themselves, the way the record describes it."""
    listing = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
                      for p in sorted(folder.iterdir()) if p.name != "parley-model.json")
    return hashlib.sha256(listing.encode()).hexdigest()


def test_the_run_records_every_file_loaded_even_with_the_manifest_edited_too(installed):
    """The tokenizer changed and the manifest rewritten to match: it loads (nothing to compare it
    with), but the run's record shows it is not the model the weights' hash alone suggests."""
    untouched = settings_for(OPTIONS, load_engine(OPTIONS, installed.parent))["model_files_sha256"]
    assert untouched == _digest_of_files(installed)
    with open(installed / "tokenizer.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    _manifest_follows(installed, "tokenizer.json")
    engine = load_engine(OPTIONS, installed.parent)
    recorded = settings_for(OPTIONS, engine)["model_files_sha256"]
    assert recorded == _digest_of_files(installed) and recorded != untouched
    assert engine.info.sha256 == hashlib.sha256((installed / "model.bin").read_bytes()).hexdigest()


def _manifest_follows(folder: Path, name: str) -> None:
    manifest = json.loads((folder / "parley-model.json").read_text())
    manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "parley-model.json").write_text(json.dumps(manifest))


def test_a_broken_tokenizer_with_its_manifest_edited_is_one_line(installed):
    """tokenizers raises a bare Exception on a damaged tokenizer.json: it must still be one line."""
    (installed / "tokenizer.json").write_text('{"version": "1.0", "model": {"vocab": {"a\u0001', encoding="utf-8")
    _manifest_follows(installed, "tokenizer.json")
    with pytest.raises(ModelError, match="could not be loaded") as caught:
        load_engine(OPTIONS, installed.parent)
    assert "\n" not in str(caught.value)


def test_weights_rewritten_with_their_old_mtime_are_hashed_again(installed):
    weights = installed / "model.bin"
    before = models.weights_sha256(installed)
    stat = weights.stat()
    flip_byte(weights, 123_456)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # size and mtime as they were
    assert models.weights_sha256(installed) == hashlib.sha256(weights.read_bytes()).hexdigest() != before


def test_an_import_killed_midway_leaves_nothing_loadable(installed):
    """A killed import leaves its hidden staging folder in models/: never listed, never loaded."""
    staging = installed.parent / ".import-k1ll3d"
    shutil.copytree(installed, staging)
    (staging / "parley-model.json").unlink()  # killed before the manifest was written
    assert [m.name for m in models.list_models(installed.parent)] == ["tiny.en"]
    with pytest.raises(ModelError):
        models.resolve(".import-k1ll3d", installed.parent)


def _bad_deflate_zip(path: Path) -> Path:
    """A bundle whose model.bin's compressed stream is broken (invalid deflate block type), CRCs intact."""
    data = b"weights" * 5000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.bin", data)
        archive.writestr("SHA256SUMS", f"{hashlib.sha256(data).hexdigest()}  model.bin\n")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model.bin")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + int.from_bytes(
        raw[info.header_offset + 28: info.header_offset + 30], "little")
    raw[start] = 0xFF  # BFINAL 1, BTYPE 11: a reserved block type, which zlib rejects
    path.write_bytes(bytes(raw))
    return path


def test_a_bundle_with_a_broken_compressed_stream_fails_in_one_line(tmp_path, capsys):
    bundle = _bad_deflate_zip(tmp_path / "tiny.zip")
    target = tmp_path / "models"
    code = main(["models", "import", str(bundle), "--models-dir", str(target)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in err and "damaged archive" in err
    assert not target.exists() or list(target.iterdir()) == []


@pytest.fixture()
def case_with_run(installed, tmp_path) -> Path:
    """A case whose one run records the imported model as it was loaded."""
    original = tmp_path / "evidence" / "note.opus"
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    engine = load_engine(OPTIONS, installed.parent)
    case = Case.open(tmp_path / "case")
    exhibit, _ = case.add_exhibit(probe(original))
    run = case.start_run(exhibit.id, "transcribe", engine.info, settings_for(OPTIONS, engine), software_info())
    case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
    case.finish_run(run)
    case.close()
    return tmp_path / "case"


def _verify(capsys, folder: Path) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = main(["verify", "--case", str(folder)])
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if line.startswith("note:")], err.splitlines()


@pytest.mark.parametrize(("how", "said"), [
    ("weights", "now has other weights"),
    ("tokenizer", "same weights but other files"),
    ("removed", "no longer at"),
])
def test_verify_says_when_a_run_s_model_has_changed_without_failing_the_case(case_with_run, installed, capsys,
                                                                             monkeypatch, how, said):
    monkeypatch.setenv("PARLEY_MODELS", str(installed.parent))  # where verify looks for a model moved away
    assert _verify(capsys, case_with_run) == (0, [], [])
    if how == "weights":
        flip_byte(installed / "model.bin", 2_000_000)
    elif how == "tokenizer":
        flip_byte(installed / "tokenizer.json")
    else:
        shutil.rmtree(installed)
    code, notes, err = _verify(capsys, case_with_run)
    assert code == 0 and err == []
    assert len(notes) == 1 and notes[0].startswith("note: model tiny.en: run(s) 1 used it") and said in notes[0]


def test_reproduce_refuses_a_model_whose_other_files_differ_from_the_run_s(case_with_run, installed):
    """The tokenizer changed with the manifest to match: the weights' hash agrees, the run's record does not."""
    with open(installed / "tokenizer.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    _manifest_follows(installed, "tokenizer.json")
    case = Case.open(case_with_run)
    try:
        with pytest.raises(ModelError, match="not the other files the run loaded"):
            reproduce_run(case, 1, installed.parent)
    finally:
        case.close()


@pytest.mark.parametrize("how", ["changed", "removed"])
def test_verify_says_when_a_run_s_speaker_model_has_changed_without_failing_the_case(
        installed, models_dir, tmp_path, capsys, monkeypatch, how):
    """The speaker model a run's diarisation used is noted like its Whisper model (it was not)."""
    from app.core.diarize.pipeline import SPEAKER_MODEL
    from app.core.models.integrity import check_model

    speaker = installed.parent / SPEAKER_MODEL
    shutil.copytree(models_dir / SPEAKER_MODEL, speaker)
    monkeypatch.setenv("PARLEY_MODELS", str(installed.parent))
    engine = load_engine(OPTIONS, installed.parent)
    case = Case.open(tmp_path / "case")
    exhibit, _ = case.add_exhibit(probe(MEDIA / "interview_mono.wav"))
    settings = {**settings_for(OPTIONS, engine), "diarization_model_files_sha256": check_model(speaker)}
    run = case.start_run(exhibit.id, "transcribe", engine.info, settings, software_info())
    case.append_segments(run, (Segment(0, 1500, "take your full name", speaker="Speaker 1"),), {}, "en", None)
    case.finish_run(run)
    case.close()
    assert _verify(capsys, tmp_path / "case") == (0, [], [])
    if how == "changed":
        flip_byte(next(p for p in speaker.iterdir() if p.suffix == ".onnx"))
    else:
        shutil.rmtree(speaker)
    code, notes, err = _verify(capsys, tmp_path / "case")
    assert code == 0 and err == []
    said = "now holds other files" if how == "changed" else "it is not installed now"
    assert len(notes) == 1 and notes[0].startswith(f"note: model {SPEAKER_MODEL}: run(s) 1 found their speakers")
    assert said in notes[0]
