"""The core never imports Qt: a headless user gets every capability from the CLI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import app.core
from tests.conftest import REPO


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(app.core.__path__, "app.core."))


def test_importing_every_core_module_loads_no_qt():
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "for extra in ('app.cli', 'app.worker.supervisor', 'app.worker.process'):\n"
        "    try: importlib.import_module(extra)\n"
        "    except ModuleNotFoundError as e:\n"
        "        if not extra.startswith(e.name or '?'): raise\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"Qt loaded by the core: {result.stdout}"
    assert len(core_modules()) > 15
