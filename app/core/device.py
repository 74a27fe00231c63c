"""Where inference runs: CUDA when CTranslate2 sees a GPU, else the CPU.

The CPU and CUDA paths are the same code with different arguments, so the
tests that run here on the CPU cover the CUDA path's logic too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import ctranslate2

from app.core.errors import ParleyError

PREFERRED = {"cuda": ("float16", "int8_float16", "float32"), "cpu": ("int8", "int8_float32", "float32")}


@dataclass(frozen=True)
class Placement:
    device: str
    compute_type: str
    threads: int

    @property
    def replicas(self) -> int:
        """Batches a model runs at once (CTranslate2 inter_threads; the weights are shared).

        On a CPU, one decoder step leaves cores idle (serial parts, OpenMP
        wake-ups): two single-threaded replicas decoding two batches side by side
        do about twice the work of one two-threaded replica. A GPU runs one.
        """
        return 1 if self.device == "cuda" else max(1, self.threads // self.threads_per_replica)

    @property
    def threads_per_replica(self) -> int:
        return self.threads if self.device == "cuda" else max(1, self.threads // 4)


def cuda_available() -> bool:
    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # noqa: BLE001 - a broken driver must not stop CPU work
        return False


def choose(device: str = "auto", compute_type: str = "auto", threads: int = 0) -> Placement:
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise ParleyError("device cuda was asked for, but CTranslate2 sees no CUDA GPU")
    supported = set(ctranslate2.get_supported_compute_types(device))
    if compute_type == "auto":
        compute_type = next((c for c in PREFERRED[device] if c in supported), "default")
    elif compute_type not in supported:
        raise ParleyError(f"compute type {compute_type} is not supported on {device}")
    return Placement(device, compute_type, threads or os.cpu_count() or 1)
