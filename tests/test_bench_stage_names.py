"""bench/hour_timeline.py wraps app functions by name: a renamed or moved function broke the bench at start-up
(session 29: `write_exports_together` had moved from app.cli.transcribe to app.cli.export). Every name it traces
must resolve in the code as it is."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stages() -> dict[str, list[str]]:
    spec = importlib.util.spec_from_file_location("hour_timeline", ROOT / "bench" / "hour_timeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STAGES


def test_every_traced_stage_names_a_function_that_exists() -> None:
    missing = []
    for module_name, names in _stages().items():
        module = importlib.import_module(module_name)
        for dotted in names:
            holder = module
            for part in dotted.split("."):
                holder = getattr(holder, part, None)
            if not callable(holder):
                missing.append(f"{module_name}:{dotted}")
    assert missing == []
