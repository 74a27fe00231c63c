"""What a case keeps of its audit log beside the store: the head file in the case folder, and what this
account last saw of the case in each folder it was opened from (so a log cut short, rolled back or a
case put in place of another is found by `verify`). A mixin of Case: the state is the case's."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from app.core.errors import StoreError
from app.core.evidence.head import (
    AuditHead,
    FolderHead,
    folders_seen_beginning,
    read_folder_head,
    read_head_file,
    read_seen_head,
    seen_head_file_apart,
    write_folder_head,
    write_head_file,
    write_seen_head,
)
from app.core.store import db
from app.core.store.audit import AuditLog
from app.core.store.open_file import still_named

_GONE = "is gone (the case folder was moved or removed while it was open)"
HEAD_WAIT_MS = 2000  # how long the head file's write waits for another process's write lock


class HeadKeeper:
    folder: Path
    named: Path
    conn: sqlite3.Connection
    audit: AuditLog
    _began_empty: bool
    opened: tuple[int, int] | None  # the store file this connection opened (device, inode), when it was known
    store_fd: int | None  # the descriptor its connection holds on the store, where /proc names it (`open_file`)

    def replaced_since_opened(self) -> str | None:
        """Why the store at the case's path is no longer the file this connection has open, else None: the case
        folder moved, removed, or replaced by another (a backup restored, a copy swapped in) under an open window
        or worker. Its connection still reads and writes the file it opened, wherever that is now: its work would
        go there unseen, and its head into the folder now holding another log. Told by the path's inode number
        against the one opened; where they differ, or are all 0, by the name the system gives the open file
        (`open_file`): a filesystem that numbers files anew (some FUSE mounts) never has a healthy case refused,
        one that numbers every file 0 still has a swap found."""
        if self.opened is None:
            return None
        for place in dict.fromkeys((self.folder, self.named)):
            store = place / db.STORE_NAME
            try:
                st = os.stat(store)  # first: a network mount's look-up drops the open file's stale name
            except OSError:
                return f"{store} {_GONE}"
            if st.st_ino != 0 and (st.st_dev, st.st_ino) == self.opened:
                continue
            held = still_named(self.store_fd, store)
            if held or (held is None and st.st_ino == 0 and (st.st_dev, st.st_ino) == self.opened):
                continue  # the open file is the one at the path; or nothing can tell (as before)
            return f"{store} is another file than the one opened (the case folder was replaced while it was open)"
        return None

    def refuse_if_replaced(self, gone_too: bool = True) -> None:
        """StoreError (one line) before a write to a store no longer at the case's path: nothing is written.
        `gone_too=False`: only when another store stands there (a worker ended for it is started again on that one;
        on a folder moved or removed it would make a new, empty case)."""
        why = self.replaced_since_opened()
        if why is not None and (gone_too or not why.endswith(_GONE)):
            raise StoreError(f"{why}; nothing written: open the case again")

    def write_head(self) -> None:
        """The head file, written under the store's write lock: every process appends and
        writes the head in the lock's order, so the last file written names the last entry
        (never a stale head written after a newer one by a slower process). It only moves
        forward: a head file naming an entry the chain no longer holds as it was (the log cut
        short or rewritten) is kept, so `verify` reports it every time, not only the first."""
        if self.replaced_since_opened() is not None:
            return  # this log's head never goes into a folder now holding another store (or none)
        try:
            if self.conn.in_transaction:
                self._advance_head()
                return
            # not the store's 30 s: a reading command closing while another holds the case for writing (stopped
            # with Ctrl-Z mid-commit, say) waited all of it for nothing; that one writes the head after its commit
            with db.patience(self.conn, HEAD_WAIT_MS), db.transaction(self.conn):
                self._advance_head()
        except (sqlite3.Error, StoreError):
            pass  # a closed, broken, busy or read-only store: the head file keeps its last value

    def _advance_head(self) -> None:
        kept = read_head_file(self.folder)
        in_chain = kept is not None and self.audit.hash_of(kept.entry_id) == kept.hash
        first = self.audit.hash_of(1)
        seen = [s for place in self.places() if first and (s := read_seen_head(place, first)) is not None
                and self.audit.hash_of(s.entry_id) == s.hash]  # the account's own: never the case folder's file
        head = self.audit.chained_head(max(seen, key=lambda s: s.entry_id, default=None))  # never a row that does not chain
        walked, head, appended = head, *self._past_a_fault(head)
        apart = None
        if kept == walked:
            pass  # the file already names the head: not written again (an fsync saved)
        elif kept is None or in_chain:
            write_head_file(self.folder, walked)
        else:
            apart = kept.hash  # kept: verify says it; what this account saw beside it says it was there already
        for place in self.places():
            if head and first and self.put_in_place_of(place, first, read_folder_head(place)) is not None:
                continue  # what the account saw here is kept: `verify` says so on every run
            seen = read_seen_head(place, first) if first and head else None
            held = None if seen is None else self.audit.hash_of(seen.entry_id)
            as_seen = appended and seen is not None and self.audit.hash_as_written(seen.entry_id) == seen.hash  # (revL)
            if head and (seen is None or held == seen.hash or as_seen):  # kept where rolled back
                met = apart if seen is None else (seen_head_file_apart(place, first) if apart else None)
                write_seen_head(place, first, head, met)
            if head and first and self._folder_head_moves(place, first):
                seen_here = self.audit.folder_head()
                if seen_here is not None:
                    write_folder_head(place, seen_here)

    def _past_a_fault(self, walked: AuditHead | None) -> tuple[AuditHead | None, bool]:
        """The head this account saw: the walk's, or, where the walk stopped at a fault and this connection has
        just appended the log's last entry, that entry (Parley's own, genuine by construction: a row damaged in
        place froze what the account saw, and the work done after it could be put back unseen; review revH,
        A-H1). True when it is that entry."""
        written = self.audit.appended
        if written is None or (walked is not None and walked.entry_id >= written.entry_id):
            return walked, False
        if self.audit.head() != written:
            return walked, False
        return written, True

    def places(self) -> list[Path]:
        """Where the account keeps what it saw of this case: its folder, and the path it was named by when a
        symlink leads from there (so a symlink put there to an older copy elsewhere does not escape it)."""
        return [self.folder] if self.named == self.folder else [self.folder, self.named]

    def _folder_head_moves(self, place: Path, first: str) -> bool:
        """The head kept for this folder is replaced by this log's when it is this log's own and still in its
        chain, when this case began here empty, or when this is another case (none of the kept marks in
        it): a log rewritten from its first entry never replaces it."""
        kept = read_folder_head(place)
        if kept is None or self._began_empty:
            return True
        if kept.first != first:  # another case put here (its own), or this one's log rewritten (kept)
            return not self.audit.holds_marks_of(kept)
        return self.audit.hash_of(kept.head.entry_id) == kept.head.hash

    def put_in_place_of(self, place: Path, first: str, kept: FolderHead | None) -> str | None:
        """Whether this case was put in `place` in place of another of the same evidence that this account last
        saw there (`kept`): another log (none of its marks), of exhibits it was of too, that this account never
        saw there before and did not begin there. None when not; else where it was copied from (a folder where
        this account worked on it that still holds it), or '' for a case this account never worked on. A case
        moved here from another folder this account worked on (that folder no longer holds it) was not."""
        if (kept is None or self._began_empty or kept.first == first or self.audit.holds_marks_of(kept)
                or not self.audit.shared_exhibits(kept) or read_seen_head(place, first) is not None):
            return None
        elsewhere = [Path(folder) for folder in folders_seen_beginning(first) if Path(folder) != place]
        copied = [folder for folder in elsewhere if self._holds_this_log(folder)]
        return str(copied[0]) if copied else (None if elsewhere else "")

    def _holds_this_log(self, folder: Path) -> bool:
        """Whether the case folder's head file names an entry of this log as it is (a copy of this case is there)."""
        head = read_head_file(folder)
        return head is not None and self.audit.hash_of(head.entry_id) == head.hash
