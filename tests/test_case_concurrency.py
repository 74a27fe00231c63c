"""Several processes opening a brand-new case folder at once: every one succeeds, the
schema is migrated once, and the audit chain and its head file stay whole."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from app.core.evidence.head import read_head_file
from app.core.evidence.verify import verify_case
from app.core.store import Case
from app.core.store.db import schema_version
from tests.conftest import MEDIA

PROCESSES = 4
ROUNDS = 3
LINKS = 5  # further audited writes per process after its first, interleaved with the others'
FILES = ("en_voicenote.opus", "de_voicenote.opus", "es_voicenote.ogg", "pl_voicenote.opus")


def _open_and_add(folder: str, media: str, copies: list[str], barrier, errors) -> None:
    """A process of its own: open the case the moment the others do, add one exhibit, then
    link it at its copies' paths (each an audited write of its own)."""
    from app.core.media.decode import probe

    source = probe(media)
    barrier.wait(timeout=60)
    try:
        case = Case.open(Path(folder))
        try:
            case.add_exhibit(source)
            for copy in copies:
                case.add_exhibit(source, found_at=copy)
        finally:
            case.close()
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        errors.put(f"{type(exc).__name__}: {exc}")
        raise SystemExit(1) from None


def _copies(evidence: Path, name: str) -> list[str]:
    evidence.mkdir(exist_ok=True)
    data = (MEDIA / name).read_bytes()
    paths = [evidence / f"copy{k}_{name}" for k in range(LINKS)]
    for path in paths:
        path.write_bytes(data)
    return [str(p) for p in paths]


def _race(folder: Path, evidence: Path) -> list[str]:
    ctx = mp.get_context("spawn")
    barrier, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_open_and_add, args=(
        str(folder), str(MEDIA / FILES[i]), _copies(evidence, FILES[i]), barrier, errors)) for i in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    found = []
    while not errors.empty():
        found.append(errors.get())
    found += [f"process exited {p.exitcode}" for p in procs if p.exitcode != 0]
    return found


def test_processes_creating_one_case_together_all_succeed(tmp_path):
    for round_ in range(ROUNDS):
        folder = tmp_path / f"case{round_}"
        assert _race(folder, tmp_path / "evidence") == []
        case = Case.open(folder)
        try:
            assert case.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
            assert sorted(e.source.name for e in case.exhibits()) == sorted(FILES[:PROCESSES])
            report = verify_case(case)
            assert [f.line() for f in report.findings] == []
            actions = [e.action for e in case.audit.entries()]
            assert sorted(set(actions)) == ["exhibit.added", "exhibit.duplicate_linked"]
            assert actions.count("exhibit.added") == PROCESSES
            assert actions.count("exhibit.duplicate_linked") == PROCESSES * LINKS
            assert read_head_file(folder) == case.audit.head()  # the head file names the chain's last entry
        finally:
            case.close()
