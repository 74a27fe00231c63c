"""Exported files against the log: wherever they are now, what was added to a set, and
manifests the log does not know (the log cut short, or the store rolled back).

- each file the log lists is re-hashed where it was written or, when its folder was moved
  and named (`verify --exports DIR`), under the same name there; missing or changed is a finding,
  and a missing one says how to name a moved folder;
- a file in an export folder that claims a set's name (`<name>.*` beside `<name>.manifest.json`)
  but that no export wrote (neither the log nor the manifest lists it) is a finding;
- a manifest of one of this case's exhibits that the log does not list, beside the logged exports or
  in a folder named with `verify --exports` (an export made after the copy a store was put back to,
  into a folder that copy's log never knew): after a cut it can
  no longer be checked; otherwise it is a finding: naming an audit entry past the chain's end,
  the store is older than the export (replaced by an older copy); naming an entry the chain
  holds, either that or an export stopped between writing its set and logging it; naming an entry the
  chain holds otherwise, another case's export of the same recording passed off among this one's (or
  this case's from before it was put back to an older copy and worked on since).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.core.evidence.export_set import MANIFEST_SUFFIX, TIMELINE_INFIX
from app.core.evidence.finding import Finding
from app.core.evidence.head import read_head_file
from app.core.files import SMALL_FILE_LIMIT, read_regular_text, symlink_target, what_stands_at
from app.core.hashing import sha256_file
from app.core.names import named_as_part_of, unlike_characters
from app.core.store import Case
from app.core.store.spelling import as_listed


def export_findings(case: Case, exports: dict[str, str], moved_to: Sequence[Path] = (),
                    unfinished: dict[str, tuple[int, str]] | None = None) -> Iterator[Finding]:
    """`unfinished`: files exports staged and were stopped before logging (`unfinished_exports`)."""
    unfinished = unfinished or {}
    # `--exports out` from where the export ran: the logged paths are absolute, and the same folder
    # named relative was searched as another, each manifest in it "not listed by the log"
    moved_to = [as_listed(Path(folder).expanduser().resolve()) for folder in moved_to]
    located = {path: _locate(Path(path), moved_to, sha) for path, sha in exports.items()}
    sizes, history = _sizes(exports, located), _written(case)
    for path, sha in exports.items():
        if located[path] is not None and str(located[path]) != path and str(located[path]) in exports:
            continue  # its folder moved and exported into again: a later export's own file, checked as that one
        yield from _export_file(case, path, located[path], sha, moved_to, unfinished.get(path), sizes,
                                history.get(path, set()) - {sha})
    stopped = {path for path, staged in unfinished.items() if path not in exports and _put_in_place(path, staged)}
    whole = {unfinished[path][0] for path in stopped if path.endswith(MANIFEST_SUFFIX)}  # manifest last: all in place
    yield from (_stopped(Path(path), unfinished[path][0], unfinished[path][0] in whole) for path in sorted(stopped))
    folders = sorted({p.parent for p in located.values() if p is not None}
                     | {Path(p).parent for p in exports if Path(p).parent.is_dir()}
                     | {folder for folder in moved_to if folder.is_dir()})  # named: searched for manifests too
    found = {p for p in located.values() if p is not None} | {Path(p) for p in stopped}
    copies = dict(_copies(case, moved_to, found, history))  # the set copied to a folder named, the logged one still in place
    yield from (finding for finding in copies.values() if finding is not None)
    found |= set(copies)
    for folder in folders:
        yield from _strays(folder, {p.name for p in found if p.parent == folder})
    yield from _unlogged_manifests(case, folders, found)


def _written(case: Case) -> dict[str, set[str]]:
    """Every SHA-256 the log lists as written at each path (an export written there again keeps its earlier ones)."""
    written: dict[str, set[str]] = {}
    for entry in [*case.audit.entries("run/"), *case.audit.entries("exhibit/")]:
        if entry.action in ("export.written", "export.timeline_written") and isinstance(entry.details.get("file"), str):
            written.setdefault(entry.details["file"], set()).add(str(entry.details.get("sha256", "")))
    return written


def _copies(case: Case, moved_to: Sequence[Path], found: set[Path],
            history: dict[str, set[str]]) -> Iterator[tuple[Path, Finding | None]]:
    """Sets in a folder named with `verify --exports` that copy one this case's log lists, other than those checked
    as the logged files (the set handed on a USB stick, still where it was written too): a set whose manifest is
    one the log lists, or names the audit entry an export of its name was made at (`_copied_export`). Each file of
    it under a name the exports wrote: bytes some export of that name logged (None: quiet), else changed since it
    was written (the manifest's hashes recomputed to match or not). Was: each such manifest said "an export the
    audit log does not list: the store is older than this export", its files unchecked."""
    written: dict[str, set[str]] = {}
    for logged, digests in history.items():
        written.setdefault(Path(logged).name, set()).update(digests)
    ours = {e.source.sha256 for e in case.exhibits()}
    for folder in dict.fromkeys(moved_to):
        if not folder.is_dir():
            continue
        copied = [m for m in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")) if m not in found and m.name in written
                  and (_copied_export(case, m, written[m.name], ours) or _whose_unknown(m))]
        for manifest in copied:
            stem, listed = manifest.name[:-len(MANIFEST_SUFFIX)], _listed(manifest, written[manifest.name])
            for path in sorted(folder.iterdir()):
                if (path in found or path.name not in written or not named_as_part_of(path.name, stem)
                        or path.is_symlink() or not path.is_file()):
                    continue
                found.add(path)
                digest = sha256_file(path)
                if digest not in written[path.name]:
                    yield path, Finding(str(path), f"a copy of {path.name}, which this case's exports wrote, changed "
                                                   "since it was written (SHA-256 differs from every one the audit log "
                                                   "lists for it)")
                elif path.name in listed and digest != listed[path.name]:  # an older or later export's, put in
                    yield path, Finding(str(path), f"not the {path.name} its manifest beside it lists (another export's "
                                                   "of that name, put with this set): changed since it was written")
                else:
                    yield path, None
        yield from _loose_copies(folder, found, written, ours)


def _loose_copies(folder: Path, found: set[Path], written: dict[str, set[str]],
                     ours: set[str]) -> Iterator[tuple[Path, Finding | None]]:
    """Files copied to a folder named with `verify --exports` under a name this case's exports wrote, outside any
    copied set with its manifest (the logged ones still in place): a chat's timeline (`<chat>.timeline.*`, written
    without a manifest), or a transcript's set copied without its manifest. Each is bytes some export of that name
    logged (None: quiet), else changed since it was written. Skipped: a stem whose `.timeline.json` or manifest
    beside it is another case's (naming other evidence). Was: never looked at, so a copy handed on with its text
    rewritten verified clean."""
    for path in sorted(folder.iterdir()):
        name = path.name
        if (path in found or name not in written or name.endswith(MANIFEST_SUFFIX) or path.is_symlink()
                or not path.is_file()):
            continue  # a manifest not taken as a copy of one is said by `_unlogged_manifests`, or is another case's
        timeline = TIMELINE_INFIX in name
        its_json = folder / f"{name.partition(TIMELINE_INFIX)[0]}{TIMELINE_INFIX}json"  # read for a timeline only
        if timeline and not _our_timeline(its_json, written, ours):
            continue
        if not timeline and (folder / f"{name.rsplit('.', 1)[0]}{MANIFEST_SUFFIX}").exists():
            continue  # beside a manifest not taken as a copy of this case's: another case's set of that name
        found.add(path)
        if sha256_file(path) in written[name]:
            yield path, None
        else:
            wrote = "this case's timeline" if timeline else "this case's exports"
            yield path, Finding(str(path), f"a copy of {name}, which {wrote} wrote, changed since it was written "
                                           "(SHA-256 differs from every one the audit log lists for it)")


def _our_timeline(json_file: Path, written: dict[str, set[str]], ours: set[str]) -> bool:
    """Whether a timeline's JSON beside a copy is this case's: logged, or naming one of this case's exhibits (or
    gone: its other files then answer for themselves)."""
    if not json_file.is_file() or json_file.is_symlink():
        return True
    try:
        if json_file.stat().st_size > SMALL_FILE_LIMIT or sha256_file(json_file) in written.get(json_file.name, ()):
            return True
        return json.loads(read_regular_text(json_file))["source"]["sha256"] in ours
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return True  # not JSON any timeline wrote: judged as a copy changed


def _whose_unknown(manifest: Path) -> bool:
    """A manifest under the name of one this case's exports wrote that does not say whose recording it is (not
    JSON, a byte of it changed): judged as this case's copy, changed (was: its set skipped, every file unchecked)."""
    try:
        return not isinstance(json.loads(read_regular_text(manifest))["source"]["sha256"], str)
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return True


def _listed(manifest: Path, logged: set[str]) -> dict[str, str]:
    """What a manifest as the log lists it says of its set's files (name -> SHA-256); empty for one changed."""
    try:
        if sha256_file(manifest) not in logged:
            return {}
        files = json.loads(read_regular_text(manifest)).get("files", [])
        return {f["file"]: f["sha256"] for f in files if isinstance(f, dict) and isinstance(f.get("file"), str)}
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        return {}


def _copied_export(case: Case, manifest: Path, logged: set[str], ours: set[str]) -> bool:
    """A manifest the log lists, or one of this case's evidence naming the audit entry (held as it was) an export
    of its name was staged after: a copy of that export's, changed since (an export made by an older copy
    of the store, into a folder its log never knew, is followed by no such entry: `_unlogged_manifests` says it)."""
    if sha256_file(manifest) in logged:
        return True
    named = _entry_of(manifest, ours)
    if named is None or case.audit.hash_of(named[0]) != named[1]:
        return False
    return any(isinstance(f, dict) and Path(str(f.get("file", ""))).name == manifest.name  # (another run's between)
               for entry in case.audit.entries_after(named[0], "export.staged") for f in entry.details.get("files", []))


def unfinished_exports(case: Case) -> dict[str, tuple[int, str]]:
    """Files an export or a timeline staged (`export.staged`) and was stopped before logging as written:
    path -> (the staging entry, the SHA-256 it was to have)."""
    staged: dict[str, tuple[int, str]] = {}
    entries = sorted([*case.audit.entries("run/"), *case.audit.entries("exhibit/")], key=lambda e: e.id)
    for entry in entries:  # a transcript's set, or a chat's timeline
        if entry.action == "export.staged":
            staged.update((f["file"], (entry.id, f["sha256"])) for f in entry.details.get("files", []))
        elif entry.action in ("export.written", "export.timeline_written") and "file" in entry.details:
            staged.pop(entry.details["file"], None)
    return staged


def _stopped(path: Path, entry: int, whole: bool = False) -> Finding:
    """`whole`: the set is all in place, its manifest too; only its logging is missing, which is
    also what removing the log's last entries (and mending the head file) leaves."""
    if whole:
        return Finding(str(path), f"left by an export that was stopped before it finished (audit entry {entry}), "
                                  "its whole set in place but never logged as written: export it again, unless no "
                                  "export was stopped here (then the log's last entries were removed: `verify "
                                  "--head` with a head noted earlier shows it)")
    return Finding(str(path), f"left by an export that was stopped before it finished (audit entry {entry}): "
                              "its set may be incomplete; export it again")


def _put_in_place(path: str, staged: tuple[int, str]) -> bool:
    """A file of a first export into a folder, put in place by it and never logged as written."""
    return Path(path).is_file() and sha256_file(Path(path)) == staged[1]


def _locate(path: Path, moved_to: Sequence[Path], sha256: str = "") -> Path | None:
    """Where it was written, else in a folder named: of several holding its name (a transcript's and a
    translation's `<name>.json` in two folders), the one with the bytes logged, else the one named as its
    own folder was, else the first."""
    if path.is_file():
        return path
    found = [folder / path.name for folder in moved_to if (folder / path.name).is_file()]
    if len(found) > 1:
        same = [p for p in found if sha256_file(p) == sha256] or [p for p in found if p.parent.name == path.parent.name]
        found = same or found
    return found[0] if found else None


def _sizes(exports: dict[str, str], located: dict[str, Path | None]) -> dict[str, int]:
    """SHA-256 -> size of each file the logged manifests list (those still as logged): a file of another size
    has changed, and is not hashed (a sparse file of terabytes in its place kept verify hashing for hours)."""
    sizes: dict[str, int] = {}
    for logged, sha in exports.items():
        path = located.get(logged)
        if path is None or not logged.endswith(MANIFEST_SUFFIX):
            continue
        try:
            if path.stat().st_size > SMALL_FILE_LIMIT or sha256_file(path) != sha:
                continue
            for listed in json.loads(read_regular_text(path)).get("files", []):
                if isinstance(listed, dict) and isinstance(listed.get("sha256"), str) and type(listed.get("bytes")) is int:
                    sizes[listed["sha256"]] = listed["bytes"]
        except (OSError, ValueError, AttributeError, TypeError, RecursionError):
            continue
    return sizes


def _size_changed(path: Path, sha256: str, sizes: dict[str, int]) -> bool:
    """Whether the file's size shows it is not the one logged: not the size its manifest lists, or a manifest
    larger than any Parley writes (False: only its hash can tell)."""
    size = path.stat().st_size
    if sha256 in sizes:
        return size != sizes[sha256]
    return path.name.endswith(MANIFEST_SUFFIX) and size > SMALL_FILE_LIMIT


def _small(path: Path) -> bool:
    return path.stat().st_size <= SMALL_FILE_LIMIT


def _export_file(case: Case, logged: str, path: Path | None, sha256: str, moved_to: Sequence[Path],
                 staged: tuple[int, str] | None = None, sizes: dict[str, int] | None = None,
                 earlier: set[str] | frozenset[str] = frozenset()) -> Iterator[Finding]:
    """`earlier`: what earlier exports wrote at that path (a copy of one found in a folder named, or put back)."""
    standing = what_stands_at(logged) if path is None else None
    if standing is not None and not staged:  # was "missing": a pipe, folder or device put in its place
        yield Finding(logged, f"exported file replaced by {standing} (not read: it is not a file)")
        return
    if path is None:
        hint = "" if moved_to else " (if its folder was moved, name the folder: verify --exports DIR)"
        # a later export removes the manifest first: a kill then leaves the set without one
        yield _stopped(Path(logged), staged[0]) if staged else Finding(logged, f"exported file missing{hint}")
        return
    subject = logged if str(path) == logged else f"{logged} (found at {path})"
    if path.is_symlink():  # was quiet while its target held the bytes: the file is wherever the link leads
        yield Finding(subject, f"exported file replaced by a symbolic link to {symlink_target(path)} (an export "
                               "writes files, never links)")
        return
    if staged is None and _size_changed(path, sha256, sizes or {}) and not (earlier and _small(path)):
        yield Finding(subject, "exported file changed since it was written (SHA-256 differs)")  # not hashed
        return
    if (digest := sha256_file(path)) != sha256:
        if staged and digest == staged[1]:  # put in place by a later export, never logged
            yield _stopped(path, staged[0])
            return
        yield Finding(subject, "holds an earlier export's bytes, not those last written there (put back, or copied "
                               "before it was exported again)" if digest in earlier else
                      "exported file changed since it was written (SHA-256 differs)")
        return
    if path.name.endswith(MANIFEST_SUFFIX):
        head = json.loads(read_regular_text(path)).get("audit_head") or {}
        if head and case.audit.hash_of(int(head["entry"])) != head.get("hash"):
            yield Finding(subject, f"the audit entry {head['entry']} it names is not in the chain as it was")


def _strays(folder: Path, logged: set[str]) -> Iterator[Finding]:
    """Files named as part of a logged set that no export wrote: a transcript's (`<name>.*` beside its
    manifest) or a chat's timeline (`<chat>.timeline.*`, written without a manifest); names compared with
    case and Unicode composition folded, and as a reader sees them (`look_alike`)."""
    stems = {name[: -len(MANIFEST_SUFFIX)]: name for name in logged if name.endswith(MANIFEST_SUFFIX)}
    stems.update({name[: name.index(TIMELINE_INFIX)]: f"{name[: name.index(TIMELINE_INFIX)]}{TIMELINE_INFIX}*"
                  for name in logged if TIMELINE_INFIX in name})
    if not stems:
        return
    for path in sorted(folder.iterdir()):
        name = path.name
        if name in logged or name.endswith(MANIFEST_SUFFIX) or not path.is_file():
            continue
        # compared as exFAT, NTFS and macOS compare names (Parley names its sets so): `Interview.pdf` beside the
        # set `interview` is slipped in too, and a copy to such a disk may keep it in place of `interview.pdf`;
        # and as a reader sees them: `іnterview.pdf` (a Cyrillic "і") or `interview\u200b.pdf` passes for the set's
        owner = next((stem for stem in stems if named_as_part_of(name, stem)), None)
        if owner is not None:
            yield Finding(str(path), f"beside the export set {stems[owner]}, but no export wrote it "
                                     f"(neither the audit log nor the manifest lists it){_disguise(name)}")


def _disguise(name: str) -> str:
    """What makes a file's name pass for a set's own, said (the name printed shows none of it)."""
    if unlike := unlike_characters(name):
        return f"; its name holds {unlike}, drawn like the set's own name"
    return "; its name ends in a dot or space, which Windows drops" if name != name.rstrip(". ") else ""


def _unlogged_manifests(case: Case, folders: list[Path], logged: set[Path]) -> Iterator[Finding]:
    kept, head = read_head_file(case.folder), case.audit.head()
    end = head.entry_id if head else 0
    cut = kept is not None and case.audit.hash_of(kept.entry_id) is None
    ours = {e.source.sha256 for e in case.exhibits()}
    for folder in folders:
        for manifest in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
            if manifest in logged:
                continue
            named = _entry_of(manifest, ours)
            if named is None:
                continue
            entry, digest = named
            if cut:
                yield Finding(str(manifest), "its export's entries went with the log cut short: it can no longer "
                                             "be checked against the log")
            elif entry > end:
                yield Finding(str(manifest), f"names audit entry {entry}, past the end of this case's chain "
                                             f"({end}): the store is older than this export (replaced by an older "
                                             "copy?), or the export is another case's")
            elif case.audit.hash_of(entry) == digest:
                yield Finding(str(manifest), f"an export of this case (at audit entry {entry}) that the audit log "
                                             "does not list: the store is older than this export (replaced by an "
                                             "older copy?), or the export was stopped before it was logged")
            else:  # was silent: another case's set passed off among this one's, or a later log's put back and worked on
                yield Finding(str(manifest), f"an export of this case's evidence naming audit entry {entry}, which "
                                             "this case's log holds otherwise: another case's export (of the same "
                                             "recording), or this case's from before its store was put back to an "
                                             "older copy or its log rewritten; not an export this log made")


def _entry_of(manifest: Path, sources: set[str]) -> tuple[int, str] | None:
    """The audit head (entry, hash) a manifest of one of this case's exhibits names; None otherwise (another
    recording's, or not a manifest)."""
    try:
        data = json.loads(read_regular_text(manifest))
        entry, digest = int(data["audit_head"]["entry"]), data["audit_head"]["hash"]
        return (entry, str(digest)) if data["source"]["sha256"] in sources and entry > 0 else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError):
        return None
