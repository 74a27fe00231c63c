"""The house's arrows point one way: cli and gui -> worker -> core, and no import cycle.

Built from the source with ast, so a lazy import inside a function counts as well.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

APP = REPO / "app"
LAYER = {"core": 0, "worker": 1, "cli": 2, "gui": 2}
FORBIDDEN = {("gui", "cli")}
ENTRY_POINTS = {"app.gui.main"}  # `python -m app gui` starts the window: the CLI's only arrow into the gui


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The app modules a file imports (`from a.b import c` names a.b.c when that is a module)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("app"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            if not base.startswith("app"):
                continue
            subs = {f"{base}.{a.name}" for a in node.names} & modules
            found.update(subs or {base})
    return {m for m in found if m in modules}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in APP.rglob("*.py")}
    modules = set(files)
    return {name: imports_of(path, modules) - {name} for name, path in files.items()}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYER else None


def test_no_upward_import():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            a, b = layer(module), layer(target)
            sideways = a == "cli" and b == "gui" and target not in ENTRY_POINTS
            if a and b and (LAYER[b] > LAYER[a] or (a, b) in FORBIDDEN or sideways):
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_no_stage_of_the_core_calls_a_use_case():
    """Use cases call the stages, never the other way (chats.timeline imported usecases.exhibit_status)."""
    wrong = sorted(f"{module} -> {target}" for module, targets in graph().items()
                   if module.startswith("app.core.") and not module.startswith("app.core.usecases")
                   for target in targets if target.startswith("app.core.usecases"))
    assert not wrong, "a stage imports a use case:\n" + "\n".join(wrong)


def _cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    stack, path, on_path = [(start, iter(sorted(edges[start])))], [start], {start}
    while stack:
        _, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.discard(path.pop())
            continue
        if child in on_path:
            return path[path.index(child):] + [child]
        if child in edges:
            stack.append((child, iter(sorted(edges[child]))))
            path.append(child)
            on_path.add(child)
    return None


def test_no_import_cycle():
    edges = graph()
    # a package's __init__ re-exporting its own modules is not a cycle between modules
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    cycles = {" -> ".join(c) for m in edges if (c := _cycle_from(m, edges))}
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))


def test_the_graph_sees_real_imports():
    edges = graph()
    assert "app.core.store.case" in edges["app.core.usecases.exporting"] or \
        "app.core.store" in edges["app.core.usecases.exporting"]
    assert "app.worker.supervisor" in edges["app.cli.progress"]


SQL_CALLS = {"execute", "executemany", "executescript"}
STORE = APP / "core" / "store"
MAX_LINES = 500


def sql_calls(source: str) -> list[int]:
    """Lines of every call whose attribute is execute/executemany/executescript (an SQL statement run)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS]


def test_sql_calls_are_found():
    source = ('def f(case, conn):\n    case.conn.execute("SELECT 1")\n    conn.executemany("INSERT", [])\n'
              '    execute = 1\n    return conn.executescript\n')
    assert sql_calls(source) == [2, 3]


def test_all_sql_lives_in_the_store():
    found = [f"{path.relative_to(REPO)}:{line}"
             for path in sorted(APP.rglob("*.py")) if STORE not in path.parents
             for line in sql_calls(path.read_text(encoding="utf-8"))]
    assert not found, "SQL run outside app/core/store:\n" + "\n".join(found)


def test_no_module_over_500_lines():
    long = [f"{path.relative_to(REPO)}: {n} lines" for path in sorted(APP.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


# The CLI's parent process only parses, takes in, queues and exports; the worker it spawns
# loads the models. These libraries cost it about 65 MB (measured: 125 -> 61 MB peak RSS),
# memory that counts against a one-hour run's 1.5 GB.
WORKER_ONLY = ("ctranslate2", "faster_whisper", "onnxruntime", "sentencepiece", "fpdf", "docx", "PySide6")


def test_the_cli_parent_loads_no_model_runtime():
    """Every command's module (app/cli/commands.py imports each only when its command runs)."""
    cli = ", ".join(sorted(module_name(p) for p in (APP / "cli").glob("*.py")))
    code = (f"import sys, {cli}; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({WORKER_ONLY!r})))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    assert "fpdf" in subprocess.run(  # the check sees a real import
        [sys.executable, "-c", code.replace(cli, "app.core.export.pdf")],
        cwd=REPO, capture_output=True, text=True, check=True).stdout


# What every start of `python -m app` paid, whatever the command (measured: 1.2-1.5 CPU s each, the
# suite starts it some 160 times): each command now imports only its own module (app/cli/commands.py).
HEAVY = ("numpy", "av", "phonenumbers", "scipy", *WORKER_ONLY)
LOADED = ("import atexit, runpy, sys\n"
          "atexit.register(lambda: print('LOADED', *sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr))\n"
          "runpy.run_module('app', run_name='__main__', alter_sys=True)\n")


def loaded_by(*argv: str) -> set[str]:
    """The top-level packages `python -m app ARGV` had imported when it ended."""
    result = subprocess.run([sys.executable, "-c", LOADED, *argv], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=120)
    lines = [line.split()[1:] for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    assert len(lines) == 1, result.stderr
    return set(lines[0])


@pytest.mark.parametrize("argv", [["--help"], ["models", "list"], ["exhibits"], ["verify"], ["search", "word"],
                                  ["export", "--out", "OUT"]], ids=" ".join)
def test_a_light_command_does_not_load_numpy_pyav_or_the_chat_readers(tmp_path, argv):
    from app.core.store import Case

    Case.open(tmp_path / "case").close()
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    case = ["--case", str(tmp_path / "case")] if argv[0] not in ("--help", "models") else []
    loaded = loaded_by(*argv, *case)
    assert "app" in loaded and not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_check_sees_a_heavy_import():
    """`transcribe` takes media in (PyAV, numpy); the chat readers (phonenumbers) are loaded only once
    a chat export is met (cli/queue.py, shared with `queue add`)."""
    assert {"numpy", "av"} <= loaded_by("transcribe", "--help")
