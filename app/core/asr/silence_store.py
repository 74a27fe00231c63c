"""The batched decoder's encoder states of silence, kept on disk beside the model between commands.

Each packed window's pieces are decoded over the encoder states of a silent window of the
same log-mel floor (decoder.BatchDecoder.silence). Every command used to encode them afresh:
six full encoder passes on a phone's 112 clips, about a tenth of its encoder work. A state is
a pure function of the model's files, CTranslate2, the compute type and threads, the CPU
(int8 kernels differ by instruction set) and the floor, so it is stored once under a folder
named by the SHA-256 of all of these, with the SHA-256 of its bytes; a state whose bytes do
not match, or of another shape, is encoded again (and stored again), never used. A folder
that cannot be written (a read-only install) costs only the encodes it would have saved.

The SHA-256 beside a state vouches only for itself: whoever could write the models folder could
put another state there with its hash, and every later command's transcripts were decoded over
it (`reproduce`, encoding afresh, found it; `verify` could not). A state is now used only when its
SHA-256 is one this account recorded when it encoded that state itself, in its own data folder
($PARLEY_SILENCE_VOUCHED, else $XDG_DATA_HOME/parley/silence); any other is encoded again.

    store = SilenceStore.beside(model_dir, identity)
    states = store.load(key, frames)  # None: not stored (or not usable)
    store.save(key, states)
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import tempfile
from pathlib import Path

import ctranslate2
import numpy as np

from app.core.paths import user_data_dir

FOLDER = ".parley-silence"  # beside the model folders, never inside one (its manifest would refuse a file added)
ENVIRONMENT = "PARLEY_SILENCE_STORE"  # another folder for them (tests, a read-only install); "": none kept
VERSION = 1  # of the layout and of how the states are made
VOUCHED = "PARLEY_SILENCE_VOUCHED"  # where this account records the SHA-256 of each state it encoded itself


def vouched_dir() -> Path | None:
    """None: no home folder to be found (nothing vouched: every state encoded afresh)."""
    chosen = os.environ.get(VOUCHED)
    try:
        return Path(chosen) if chosen else user_data_dir() / "silence"
    except RuntimeError:
        return None


def cpu_identity() -> str:
    """What the CPU's int8 kernels depend on: its model and instruction-set flags (Linux), else the platform's word."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"{platform.machine()} {platform.processor()}"
    fields = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor is enough: the cores of one CPU are alike
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return f"{platform.machine()} {fields.get('model name', '')} {fields.get('flags', fields.get('Features', ''))}"


def identity(files_digest: str, device: str, compute_type: str, threads: int) -> str:
    """The SHA-256 naming everything an encoder state of silence depends on but its floor."""
    parts = [f"v{VERSION}", files_digest, ctranslate2.__version__, device, compute_type, str(threads), cpu_identity()]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class SilenceStore:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder  # None: nothing is kept

    @classmethod
    def beside(cls, model_dir: Path, digest: str, device: str) -> SilenceStore:
        """The store for a model loaded from `model_dir` (on a CPU only: a GPU's states are not kept):
        MODELS/.parley-silence/<model>-<identity>, or under $PARLEY_SILENCE_STORE if set ("": none kept)."""
        chosen = os.environ.get(ENVIRONMENT)
        if device != "cpu" or chosen == "":
            return cls(None)
        root = Path(chosen) if chosen else Path(model_dir).absolute().parent / FOLDER
        return cls(root / f"{Path(model_dir).name}-{digest[:32]}")

    def _paths(self, key: int) -> tuple[Path, Path]:
        assert self.folder is not None
        return self.folder / f"floor{key:+d}.npy", self.folder / f"floor{key:+d}.sha256"

    def _vouched(self, key: int) -> Path:
        """This account's record of the state it encoded for floor step `key` (its SHA-256); OSError without one."""
        assert self.folder is not None
        folder = vouched_dir()
        if folder is None:
            raise FileNotFoundError("no home folder for this account's record of silence states")
        return folder / self.folder.name / f"floor{key:+d}.sha256"

    def load(self, key: int, frames: int) -> np.ndarray | None:
        """The stored state for floor step `key`, if its bytes match the SHA-256 this account recorded when it
        encoded it (not only the one beside it) and it holds `frames` states."""
        if self.folder is None:
            return None
        data_path, _ = self._paths(key)
        try:
            expected = self._vouched(key).read_text(encoding="ascii").strip()
            data = data_path.read_bytes()
            if hashlib.sha256(data).hexdigest() != expected:
                return None
            states = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if states.ndim != 2 or states.shape[0] != frames or states.dtype != np.float32:
            return None
        return states

    def save(self, key: int, states: np.ndarray) -> None:
        """Store the state (written to a temporary name and renamed); any failure only loses the saving."""
        if self.folder is None:
            return
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(states, dtype=np.float32), allow_pickle=False)
        data = buffer.getvalue()
        data_path, hash_path = self._paths(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256(data).hexdigest().encode("ascii") + b"\n"
            _write(data_path, data)
            _write(hash_path, digest)  # beside it, as before (what an older Parley reads)
            self._vouched(key).parent.mkdir(parents=True, exist_ok=True)
            _write(self._vouched(key), digest)  # the account's own: what `load` trusts
        except OSError:
            return


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
