"""Models and where they run: the catalogue of local folders, offline bundles, the worker's
cache of loaded models, development wheels, and the device plan (CPU or CUDA, NVML probe)."""
