"""Where inference runs, and how: device, compute type, threads and batch sizes.

`plan()` is pure: given a described device (`DeviceInfo`) it picks everything, so
the CPU tests exercise the CUDA branch with a described GPU. `choose()` describes
the real device from CTranslate2 (and NVML, where the driver has it) and calls it.
The CPU and CUDA paths are the same code with different arguments.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from app.core.errors import ParleyError
from app.core.models.gpu_probe import GpuFacts, probe_gpu

T = TypeVar("T")

PREFERRED = {"cuda": ("float16", "int8_float16", "float32"), "cpu": ("int8", "int8_float32", "float32")}
OLD_CUDA = ("int8_float16", "float16", "float32")  # compute capability 6.x: float16 arithmetic is slow
CPU_DECODE_BATCH = 8  # composites per beam search on a CPU (asr.BatchOptions.decode_batch)
MT_TOKENS_PER_DECODE = 256  # translation batch (tokens) per unit of decode batch: 2048 on a CPU


@dataclass(frozen=True)
class DeviceInfo:
    """What is known of a device. On CUDA, memory and capability are None when unknown."""

    kind: str  # "cpu" | "cuda"
    compute_types: frozenset[str]
    cores: int = 1
    free_memory_mb: int | None = None  # CUDA: free memory of the device (the smallest, if several)
    capability: tuple[int, int] | None = None  # CUDA compute capability, e.g. (8, 6)


@dataclass(frozen=True)
class Placement:
    device: str
    compute_type: str
    threads: int
    decode_batch: int = CPU_DECODE_BATCH  # ASR composites per beam search
    group_windows: int = 2 * CPU_DECODE_BATCH  # ASR windows encoded before their pieces are decoded
    mt_batch_tokens: int = MT_TOKENS_PER_DECODE * CPU_DECODE_BATCH  # translation batch, in tokens
    fallbacks: tuple[str, ...] = ()  # compute types to try, in order, if loading with compute_type fails

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


def compute_order(info: DeviceInfo) -> tuple[str, ...]:
    """The compute types to try on this device, best first, only those it supports."""
    order = PREFERRED[info.kind]
    if info.kind == "cuda" and info.capability is not None and info.capability < (7, 0):
        order = OLD_CUDA
    return tuple(c for c in order if c in info.compute_types)


def decode_batch_for(info: DeviceInfo) -> int:
    """ASR decode batch: today's 8 on a CPU; on CUDA scaled by free memory (16 when unknown)."""
    if info.kind != "cuda":
        return CPU_DECODE_BATCH
    memory = info.free_memory_mb
    if memory is None:
        return 16
    if memory < 3_000:
        return 8
    return 16 if memory < 8_000 else 24 if memory < 16_000 else 32


def plan(info: DeviceInfo, compute_type: str = "auto", threads: int = 0) -> Placement:
    """Everything about where and how inference runs, from what is known of the device."""
    if compute_type == "auto":
        order = compute_order(info) or ("default",)
    elif compute_type in info.compute_types:
        order = (compute_type,)
    else:
        raise ParleyError(f"compute type {compute_type} is not supported on {info.kind}")
    batch = decode_batch_for(info)
    return Placement(info.kind, order[0], threads or max(1, info.cores), decode_batch=batch,
                     group_windows=2 * batch, mt_batch_tokens=MT_TOKENS_PER_DECODE * batch,
                     fallbacks=order[1:])


def load_with_fallback(placement: Placement, load: Callable[[Placement], T]) -> tuple[T, Placement]:
    """load(placement), trying the next compute type of `placement.fallbacks` whenever
    CTranslate2 refuses one (ValueError/RuntimeError); returns the model and the placement used."""
    current = placement
    while True:
        try:
            return load(current), current
        except (ValueError, RuntimeError):
            if not current.fallbacks:
                raise
            current = replace(current, compute_type=current.fallbacks[0], fallbacks=current.fallbacks[1:])


def cuda_available() -> bool:
    import ctranslate2  # here: the CLI's parent process never loads it

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # noqa: BLE001 - a broken driver must not stop CPU work
        return False


def describe(device: str) -> DeviceInfo:
    """The real device, as far as CTranslate2 (and NVML, for a GPU) can tell."""
    import ctranslate2

    supported = frozenset(ctranslate2.get_supported_compute_types(device))
    cores = os.cpu_count() or 1
    if device != "cuda":
        return DeviceInfo("cpu", supported, cores)
    facts = probe_gpu() or GpuFacts(None, None)
    return DeviceInfo("cuda", supported, cores, facts.free_memory_mb, facts.capability)


def choose(device: str = "auto", compute_type: str = "auto", threads: int = 0) -> Placement:
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise ParleyError("device cuda was asked for, but CTranslate2 sees no CUDA GPU")
    return plan(describe(device), compute_type, threads)
