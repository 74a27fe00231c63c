"""What the diarisation's ONNX models share: their config file, their CPU session, their hash.

Like a Whisper model, a diarisation model's folder is checked against its manifest
(`parley-model.json`) before it is loaded (integrity.check_model): a changed byte, a file
gone or added refuses it in one line. `cached` hands out a loaded model only while its
folder still holds the files it was loaded from."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

from app.core.errors import ModelError
from app.core.models.integrity import check_model, file_sha256

T = TypeVar("T")
RUN_THREAD = "speaker-run"  # the models' pool threads, as Python names them (a thread dump tells them apart)


def read_config(model_dir: Path, config_name: str, kind: str, required: set[str]) -> dict:
    """The model folder's JSON config, with every `required` key, or a one-line ModelError."""
    path = model_dir / config_name
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelError(
            f"{model_dir} is not a {kind} (no readable {config_name}); "
            "install it with `python -m app models install-dev`"
        ) from None
    missing = required - set(config)
    if missing:
        raise ModelError(f"{path} lacks {', '.join(sorted(missing))}")
    return config


class OnnxModel:
    """An ONNX model of a diarisation folder, loaded once on the CPU; its weights' SHA-256 on demand.

    Each run is on one thread, and `threads` runs go at once (run_all): both models gave the same
    bits on one intra-op thread as on two for 20-25% less CPU (segmentation-3.0's LSTM and CAM++
    share little out between two threads), and the search after decoding ran 39 of its 54 CPU s
    on one thread, the other core mostly idle."""

    def __init__(self, model_dir: Path, config: dict, kind: str, threads: int) -> None:
        self.model_dir = Path(model_dir)
        self.threads = max(1, threads)
        self.weights = self.model_dir / config["weights"]
        if not self.weights.is_file():
            raise ModelError(f"{kind} {self.model_dir} has no {config['weights']}")
        self.files_sha256 = check_model(self.model_dir)  # refuses a folder changed since it was installed
        import onnxruntime as ort  # here: a process that only lists or installs models never loads it

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the runs are shared over `threads` (run_all), not each run
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # no busy-waiting between batches: the cores are shared with transcription
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # no memory arena: ONNX Runtime's kept the most any run had needed until the worker ended (91 MB
        # after 16 windows and 40 s of segmentation; on 11.7 min 391 -> 340 MB peak, the same CPU and bits)
        options.enable_cpu_mem_arena = False
        self._session = ort.InferenceSession(str(self.weights), options, providers=["CPUExecutionProvider"])
        self.sha256 = file_sha256(self.weights)  # hashed by check_model: the bytes that were checked
        if check_model(self.model_dir) != self.files_sha256:
            raise ModelError(f"{kind} {self.model_dir.name} changed while it was being loaded; not used")


    def run_all(self, items: Sequence[T], make_feed: Callable[[T], dict[str, np.ndarray]]) -> list[np.ndarray]:
        """The first output of a run on each item's feed, in order, up to `threads` runs at once, each
        on a pool thread ("speaker-run") while the caller waits. The threads are made here, so they take
        the calling thread's priority (the search's nice); each feed is made on the thread that runs it,
        so no more than `threads` feeds are held at once."""
        def run(item: T) -> np.ndarray:
            return self._session.run(None, make_feed(item))[0]

        if self.threads == 1 or len(items) < 2:
            return [run(item) for item in items]
        with ThreadPoolExecutor(min(self.threads, len(items)), thread_name_prefix=RUN_THREAD) as pool:
            return list(pool.map(run, items))


def cached(loaded: dict[tuple[str, int], OnnxModel], key: tuple[str, int], load: Callable[[], OnnxModel]) -> OnnxModel:
    """The model loaded under `key`, loaded again if its folder changed since (checked again on loading)."""
    model = loaded.get(key)
    if model is None or check_model(model.model_dir) != model.files_sha256:
        loaded[key] = model = load()
    return model
