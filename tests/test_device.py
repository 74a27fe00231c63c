"""Placement: compute type, threads and batch sizes from a described device (CPU and CUDA
alike, through the same pure function), and the fallback when a compute type is refused."""

from __future__ import annotations

from pathlib import Path

import ctranslate2
import pytest

from app.core.asr import load_engine
from app.core.asr.engine import WhisperEngine
from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.runs import batch_settings, recorded_batch, settings_for
from app.core.errors import ModelError, ParleyError
from app.core.models.device import DeviceInfo, Placement, choose, load_with_fallback, plan
from app.core.options import TranscribeOptions, to_dict
from app.core.translation.engine import _load_ctranslate2, find_model_files, load_translator

CPU_TYPES = frozenset({"int8", "int8_float32", "float32"})
AMPERE_TYPES = frozenset({"float32", "float16", "bfloat16", "int8", "int8_float32", "int8_float16", "int8_bfloat16"})
PASCAL_TYPES = frozenset({"float32", "float16", "int8", "int8_float32", "int8_float16"})
TINY_NLLB = Path(__file__).parent / "fixtures" / "tiny_nllb"


def _unsupported_on_cpu() -> str:
    supported = set(ctranslate2.get_supported_compute_types("cpu"))
    refused = [c for c in ("float16", "int8_float16", "bfloat16", "int8_bfloat16") if c not in supported]
    if not refused:
        pytest.skip("this CPU build of CTranslate2 supports every compute type tried")
    return refused[0]


def test_cpu_with_two_cores_keeps_todays_placement():
    p = plan(DeviceInfo("cpu", CPU_TYPES, cores=2))
    assert (p.device, p.compute_type, p.threads) == ("cpu", "int8", 2)
    assert (p.replicas, p.threads_per_replica) == (2, 1)
    assert (p.decode_batch, p.group_windows, p.mt_batch_tokens) == (8, 16, 2048)
    assert (p.decode_batch, p.group_windows) == (DEFAULT_BATCH.decode_batch, DEFAULT_BATCH.group_windows)
    assert p.fallbacks == ("int8_float32", "float32")


def test_cpu_with_eight_cores_runs_four_two_threaded_replicas():
    p = plan(DeviceInfo("cpu", CPU_TYPES, cores=8))
    assert (p.compute_type, p.threads, p.replicas, p.threads_per_replica) == ("int8", 8, 4, 2)
    assert (p.decode_batch, p.group_windows, p.mt_batch_tokens) == (8, 16, 2048)
    assert plan(DeviceInfo("cpu", CPU_TYPES, cores=8), threads=2).replicas == 2


def test_ampere_with_24_gb_uses_float16_and_large_batches():
    p = plan(DeviceInfo("cuda", AMPERE_TYPES, cores=8, free_memory_mb=23_500, capability=(8, 6)))
    assert (p.device, p.compute_type, p.fallbacks) == ("cuda", "float16", ("int8_float16", "float32"))
    assert (p.replicas, p.threads_per_replica) == (1, 8)
    assert (p.decode_batch, p.group_windows, p.mt_batch_tokens) == (32, 64, 8192)


def test_pascal_with_8_gb_prefers_int8_float16():
    p = plan(DeviceInfo("cuda", PASCAL_TYPES, cores=4, free_memory_mb=7_600, capability=(6, 1)))
    assert (p.compute_type, p.fallbacks) == ("int8_float16", ("float16", "float32"))
    assert (p.decode_batch, p.group_windows, p.mt_batch_tokens) == (16, 32, 4096)
    assert p.replicas == 1


def test_card_with_only_float32():
    p = plan(DeviceInfo("cuda", frozenset({"float32"}), cores=4, free_memory_mb=3_900, capability=(5, 0)))
    assert (p.compute_type, p.fallbacks) == ("float32", ())
    assert p.decode_batch == 16


def test_gpu_batches_scale_with_free_memory_and_stay_conservative_when_unknown():
    def batch(memory: int | None) -> int:
        return plan(DeviceInfo("cuda", AMPERE_TYPES, free_memory_mb=memory, capability=(8, 0))).decode_batch

    assert [batch(m) for m in (2_000, 5_000, 12_000, 40_000)] == [8, 16, 24, 32]
    unknown = plan(DeviceInfo("cuda", AMPERE_TYPES))  # neither memory nor capability known
    assert (unknown.compute_type, unknown.decode_batch) == ("float16", 16)


def test_a_compute_type_asked_for_is_used_alone_or_refused():
    p = plan(DeviceInfo("cuda", PASCAL_TYPES, capability=(6, 1)), compute_type="float32")
    assert (p.compute_type, p.fallbacks) == ("float32", ())
    with pytest.raises(ParleyError, match="float16 is not supported on cpu"):
        plan(DeviceInfo("cpu", CPU_TYPES, cores=2), compute_type="float16")


def test_choose_on_this_machine_is_the_planned_cpu_placement():
    p = choose("cpu", threads=2)
    assert (p.device, p.threads, p.decode_batch, p.group_windows, p.mt_batch_tokens) == ("cpu", 2, 8, 16, 2048)
    assert p.compute_type in ctranslate2.get_supported_compute_types("cpu")


def test_whisper_load_falls_back_when_the_device_refuses_a_compute_type(models_dir):
    refused = _unsupported_on_cpu()
    wanted = Placement("cpu", refused, threads=1, fallbacks=("int8", "float32"))
    engine = WhisperEngine(models_dir / "tiny.en", wanted)
    assert engine.placement.compute_type == "int8"  # the one actually used, which settings record
    assert settings_for(TranscribeOptions(model="tiny.en"), engine)["compute_type"] == "int8"
    with pytest.raises(ModelError, match="could not be loaded"):
        WhisperEngine(models_dir / "tiny.en", Placement("cpu", refused, threads=1))


def test_translator_load_falls_back_when_the_device_refuses_a_compute_type():
    refused = _unsupported_on_cpu()
    translator, used = _load_ctranslate2(find_model_files(TINY_NLLB),
                                         Placement("cpu", refused, threads=1, fallbacks=("float32",)))
    assert used.compute_type == "float32"
    assert translator.compute_type == "float32"


def test_translator_takes_its_batch_from_the_placement_unless_given():
    assert load_translator(TINY_NLLB, device="cpu", threads=1).max_batch_tokens == 2048  # a CPU's, as before
    assert load_translator(TINY_NLLB, device="cpu", threads=1, max_batch_tokens=512).max_batch_tokens == 512


def test_fallback_gives_up_with_the_last_error():
    tried: list[str] = []

    def load(p: Placement) -> str:
        tried.append(p.compute_type)
        raise ValueError(f"{p.compute_type} refused")

    with pytest.raises(ValueError, match="float32 refused"):
        load_with_fallback(Placement("cuda", "float16", 1, fallbacks=("int8_float16", "float32")), load)
    assert tried == ["float16", "int8_float16", "float32"]


def test_cpu_run_records_the_packing_gap_and_no_batch_sizes(models_dir):
    options = TranscribeOptions(model="tiny.en", threads=2)
    engine = load_engine(options, models_dir)
    assert engine.batch == DEFAULT_BATCH
    settings = settings_for(options, engine)
    assert set(settings) == set(to_dict(options)) | {"device", "compute_type", "threads", "replicas",
                                                     "model_files_sha256", "pack_gap_s", "even_groups",
                                                     "reread_min_language"}
    assert {k: settings[k] for k in ("device", "compute_type", "threads", "replicas")} == {
        "device": "cpu", "compute_type": "int8", "threads": 2, "replicas": 2}
    assert recorded_batch(settings) == DEFAULT_BATCH
    earlier = {k: v for k, v in settings.items() if k != "pack_gap_s"}  # a run made before session 12
    assert recorded_batch(earlier).gap_s == 1.5 and settings["pack_gap_s"] == 3.0
    before_17 = {k: v for k, v in settings.items() if k != "even_groups"}  # groups cut as they filled
    assert recorded_batch(before_17).even_groups is False and settings["even_groups"] is True
    rule = {**settings, "reread_min_language": 0.9}  # how sure a packed piece's language is to be read again alone
    assert recorded_batch(rule).reread_min_language == 0.9 and settings["reread_min_language"] == 0.8


def test_gpu_batch_sizes_are_recorded_and_read_back():
    from app.core.asr.packing import batch_for

    gpu = batch_for(plan(DeviceInfo("cuda", AMPERE_TYPES, free_memory_mb=23_500, capability=(8, 6))))
    recorded = batch_settings(gpu)
    assert recorded == {"pack_gap_s": 3.0, "even_groups": True, "reread_min_language": 0.8, "decode_batch": 32,
                        "group_windows": 64}
    assert recorded_batch({"device": "cuda", **recorded}) == gpu
