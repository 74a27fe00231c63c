"""A GPU's free memory and compute capability, read from NVML (the NVIDIA driver's own
library, libnvidia-ml) through ctypes: no new dependency, nothing loaded without a driver.

Anything that goes wrong gives None: the caller then picks conservative values.
With several GPUs the smallest free memory and the lowest capability are reported,
since NVML numbers devices by PCI bus and CUDA, by default, fastest first.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

NVML_LIBRARIES = ("libnvidia-ml.so.1", "libnvidia-ml.so", "nvml.dll")


@dataclass(frozen=True)
class GpuFacts:
    free_memory_mb: int | None
    capability: tuple[int, int] | None


class _Memory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


def _library() -> ctypes.CDLL | None:
    for name in NVML_LIBRARIES:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _device_facts(nvml: ctypes.CDLL, index: int) -> tuple[int, tuple[int, int]] | None:
    handle = ctypes.c_void_p()
    if nvml.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(index), ctypes.byref(handle)) != 0:
        return None
    memory, major, minor = _Memory(), ctypes.c_int(), ctypes.c_int()
    if nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) != 0:
        return None
    if nvml.nvmlDeviceGetCudaComputeCapability(handle, ctypes.byref(major), ctypes.byref(minor)) != 0:
        return None
    return memory.free // (1024 * 1024), (major.value, minor.value)


def probe_gpu() -> GpuFacts | None:
    """Free memory (MB) and compute capability of the GPUs NVML sees, or None."""
    nvml = _library()
    if nvml is None:
        return None
    try:
        if nvml.nvmlInit_v2() != 0:
            return None
        try:
            count = ctypes.c_uint()
            if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) != 0 or count.value == 0:
                return None
            found = [_device_facts(nvml, i) for i in range(count.value)]
        finally:
            nvml.nvmlShutdown()
    except (AttributeError, OSError):  # an old driver without these entry points
        return None
    if not found or any(f is None for f in found):
        return None
    return GpuFacts(min(f[0] for f in found if f), min(f[1] for f in found if f))
