"""An export set checked on its own, with no case: what a third party given the files can do.

A manifest (`<name>.manifest.json`) lists each file of its set with its SHA-256 and size, the
source recording's SHA-256, and the audit head of the case when the set was written. Without
the case nothing proves the manifest itself is Parley's (nothing is signed), but every file of
the set is checked against it, a file slipped in beside the set is named, the source a reader
holds can be checked against the one transcribed, and the audit head can be compared with the
one the case's `verify` printed and someone noted down off the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ParleyError
from app.core.evidence.export_set import MANIFEST_SUFFIX, TIMELINE_INFIX
from app.core.evidence.set_agreement import disagreements, unvouched
from app.core.files import read_regular_text, symlink_target, what_stands_at
from app.core.hashing import sha256_file
from app.core.names import named_as_part_of, same_name, unlike_characters


@dataclass
class SetCheck:
    """What one manifest's set gave: problems found, files that held, the manifest's facts."""

    problems: list[str] = field(default_factory=list)
    files_ok: int = 0
    source_name: str = ""
    source_sha256: str = ""
    audit_head: str = ""
    note: str | None = None  # no file of the set says what made it (an SRT alone)


def _read_manifest(manifest: Path, twice: list[str] | None = None) -> dict:
    """The manifest's JSON; `twice` is given each key an object of it holds more than once (Parley writes each
    once: a reader's eye or another tool takes the first, Python's JSON the last)."""
    own_manifest = manifest.with_name(manifest.name.rpartition(".")[0] + MANIFEST_SUFFIX)  # x.timeline.opus's set
    if TIMELINE_INFIX in manifest.name and not manifest.name.endswith(MANIFEST_SUFFIX) and not own_manifest.exists():
        raise ParleyError(f"{manifest}: a chat's timeline, written without a manifest: its files' SHA-256 are in the "
                          "case's audit log alone, so it is checked against the case (`verify --case CASE --exports "
                          "FOLDER`, FOLDER holding the timeline's files), not here")
    if not manifest.name.endswith(MANIFEST_SUFFIX):
        raise ParleyError(f"{manifest}: not an export manifest (give the set's <name>{MANIFEST_SUFFIX})")

    def pairs(items: list[tuple[str, object]]) -> dict:
        keys = [key for key, _ in items]
        if twice is not None:
            twice.extend(key for key in dict.fromkeys(keys) if keys.count(key) > 1)
        return dict(items)

    try:
        data = json.loads(read_regular_text(manifest), object_pairs_hook=pairs)
    except FileNotFoundError:
        raise ParleyError(f"{manifest}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ParleyError(f"{manifest}: not a readable export manifest ({type(exc).__name__})") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("file"), str)
                                              and isinstance(f.get("sha256"), str) for f in files):
        raise ParleyError(f"{manifest}: not a Parley export manifest (no list of files with their SHA-256)")
    return data


def _check_file(folder: Path, entry: dict) -> str | None:
    name = entry["file"]
    path = folder / name
    if Path(name).name != name:
        return f"{name}: a file name with a folder in it (a manifest Parley does not write)"
    standing = what_stands_at(path)
    if standing is not None:  # a pipe, folder or device was said "missing"
        return f"{name}: {standing} in its place (not read: it is not a file)"
    if path.is_symlink():  # was checked through the link: the set's file is wherever it leads, not here
        return f"{name}: a symbolic link to {symlink_target(path)}, not the file written (an export writes files, " \
               "never links)"
    if not path.is_file():
        return f"{name}: missing (listed in the manifest)"
    size = path.stat().st_size
    if "bytes" in entry and (not isinstance(entry["bytes"], int) or isinstance(entry["bytes"], bool)):  # NaN, "4892"
        return f"{name}: its size in the manifest, {json.dumps(entry.get('bytes'))}, is not a whole number of bytes " \
               "(a manifest Parley does not write)"
    if "bytes" in entry and size != entry["bytes"]:
        return f"{name}: {size:,} bytes, the manifest says {entry['bytes']:,}: changed since it was written"
    if sha256_file(path) != entry["sha256"].lower():
        return f"{name}: SHA-256 differs from the manifest's: changed since it was written"
    return None


def check_set(manifest: Path, source: Path | None = None) -> SetCheck:
    """Every file the manifest lists re-hashed; files named `<name>.*` beside it that it does not
    list; the given source's SHA-256 against the one transcribed. ParleyError: no manifest."""
    manifest = Path(manifest)
    twice: list[str] = []
    data = _read_manifest(manifest, twice)
    folder = manifest.parent
    result = SetCheck()
    if twice:
        result.problems.append(f"{manifest.name}: gives {', '.join(repr(k) for k in dict.fromkeys(twice))} more than "
                               "once in one place (Parley writes each once; a reader takes the first, this check the "
                               "last): not as written")
    listed, vouched = {manifest.name}, []
    for entry in data["files"]:
        if entry["file"] in listed:  # "7 file(s) as the manifest lists them" for a set of 6 was said
            result.problems.append(f"{entry['file']}: " + ("the manifest lists itself" if entry["file"] == manifest.name
                                   else "listed more than once") + " (a manifest Parley does not write)")
            continue
        listed.add(entry["file"])
        problem = _check_file(folder, entry)
        if problem:
            result.problems.append(problem)
        else:
            result.files_ok += 1
            vouched.append(entry["file"])
    notes: list[str] = []
    result.problems.extend(disagreements(manifest, data, vouched, notes))  # the manifest edited, its hashes left right
    result.note = "\n".join(filter(None, [unvouched(data, vouched), *notes])) or None
    result.problems.extend(_strays(folder, manifest.name[:-len(MANIFEST_SUFFIX)], listed))
    recorded = data.get("source") if isinstance(data.get("source"), dict) else {}
    result.source_name = str(recorded.get("name", ""))
    result.source_sha256 = str(recorded.get("sha256", ""))
    head = data.get("audit_head") if isinstance(data.get("audit_head"), dict) else {}
    result.audit_head = f"entry {head.get('entry')}, SHA-256 {head.get('hash')}" if head else ""
    if source is not None:
        result.problems.extend(_source_problems(Path(source), result.source_sha256))
    return result


def _strays(folder: Path, stem: str, listed: set[str]) -> list[str]:
    """Files named `<stem>.*` beside the set that its manifest does not list (not those of another
    set whose longer name starts the same: `a.wav.json` of set `a.wav` beside set `a`). Names are compared
    as exFAT, NTFS and macOS compare them: `Interview.pdf` beside the set `interview` is slipped in too (a
    copy to such a disk may keep it in place of `interview.pdf`), and as a reader sees them (`look_alike`:
    `іnterview.pdf` with a Cyrillic "і", a zero-width space in it), unless a set named so lists it (two sets
    `Note` and `note` an older Parley wrote apart, or `note` and `nоte` from two files of a phone)."""
    manifests = [p for p in folder.iterdir() if p.name.endswith(MANIFEST_SUFFIX) and p.name != f"{stem}{MANIFEST_SUFFIX}"]
    others = [p.name[:-len(MANIFEST_SUFFIX)] for p in manifests]
    others = [o for o in others if not same_name(o, stem) and named_as_part_of(o, stem)]
    theirs = _listed_by(p for p in manifests if same_name(p.name[:-len(MANIFEST_SUFFIX)], stem))
    strays = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if (name in listed or name in theirs or name.endswith(MANIFEST_SUFFIX) or not named_as_part_of(name, stem)
                or any(named_as_part_of(name, o) for o in others) or not path.is_file()):
            continue
        unlike = unlike_characters(name)
        strays.append(f"{name}: beside the set, not listed in its manifest"
                      + (f" (its name holds {unlike}, drawn like the set's own name)" if unlike else ""))
    return strays


def _listed_by(manifests) -> set[str]:
    names: set[str] = set()
    for manifest in manifests:
        try:
            names.update(f["file"] for f in _read_manifest(manifest)["files"])
        except (ParleyError, OSError):
            continue
    return names


def _source_problems(source: Path, recorded: str) -> list[str]:
    if not source.is_file():
        raise ParleyError(f"--source {source}: no such file")
    if not recorded:
        return [f"{source.name}: the manifest records no source SHA-256 to check it against"]
    actual = sha256_file(source)
    if actual != recorded.lower():
        return [f"{source.name}: SHA-256 {actual[:16]}... is not the transcribed source's ({recorded[:16]}...)"]
    return []
