"""What the diarisation's ONNX models share: their config file, their CPU session, their hash."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.errors import ModelError
from app.core.hashing import sha256_file


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
    """An ONNX model of a diarisation folder, loaded once on the CPU; its weights' SHA-256 on demand."""

    def __init__(self, model_dir: Path, config: dict, kind: str, threads: int) -> None:
        self.model_dir = Path(model_dir)
        self.weights = self.model_dir / config["weights"]
        if not self.weights.is_file():
            raise ModelError(f"{kind} {self.model_dir} has no {config['weights']}")
        import onnxruntime as ort  # here: a process that only lists or installs models never loads it

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # no busy-waiting between batches: the cores are shared with transcription
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.weights), options, providers=["CPUExecutionProvider"])
        self._sha256 = ""

    @property
    def sha256(self) -> str:
        if not self._sha256:
            self._sha256 = sha256_file(self.weights)
        return self._sha256
