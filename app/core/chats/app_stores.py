"""An app's own message store given where a chat export was expected: said in one line, never read.

Parley reads the chat exports its README lists. A phone's or computer's extraction also holds the apps' own
databases and encrypted backups (`msgstore.db.crypt14`, `chat.db`, `signal-….backup`): given alone, each was
"no recognisable chat message (not a WhatsApp, …)", which said nothing of what the file is (and msgstore.db is
WhatsApp's). Now the line names what it is, that it is not read, and which export of it is read where there is one;
met in a folder, such files are named among the folder's other files.
"""

from __future__ import annotations

import re
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
NOT_READ = "an app's own database, not a chat export: not read"
_EXPORT_READ = "the app's own Export chat is read"
_IMESSAGE_READ = "imessage-exporter's text or HTML export is read"
# An app's database by its file name (lower case), as the app names it: what it is, and the export of it read.
_DATABASES = {
    "chat.db": ("the Messages (iMessage and SMS) database of a Mac", _IMESSAGE_READ),
    "sms.db": ("the Messages (iMessage and SMS) database of an iPhone", _IMESSAGE_READ),
    "msgstore.db": ("WhatsApp's message database (Android)", _EXPORT_READ),
    "wa.db": ("WhatsApp's contacts database (Android)", _EXPORT_READ),
    "chatstorage.sqlite": ("WhatsApp's message database (iPhone)", _EXPORT_READ),
    "mmssms.db": ("Android's SMS and MMS database", "an SMS Backup & Restore XML is read"),
    "signal.db": ("Signal's message database (Android, encrypted)", ""),
}
_SIGNAL_DESKTOP = ("Signal Desktop's message database (encrypted)", "signal-export's or sigtop's export is read")
_CRYPT = ("WhatsApp's encrypted backup (.cryptNN)", ("it needs the key from the phone's extraction, and decrypted it "
                                                   "is the app's database, not a chat export (the app's own Export "
                                                   "chat is read)"))
_SIGNAL_BACKUP = ("Signal's encrypted backup (Android)", "it needs the backup's 30-digit passphrase")
_SIGNAL_BACKUP_RE = re.compile(r"^signal-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.backup$", re.IGNORECASE)
_CRYPT_RE = re.compile(r"\.crypt\d+$", re.IGNORECASE)
_DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".sqlitedb", ".db3")  # looked inside when met in a folder


def store_reason(path: Path) -> str | None:
    """Why the file is not read, when it is an app's own store (by its name, or an SQLite database by its first
    bytes); None for any other file."""
    found = _store(path, look_inside=True)
    if found is None:
        return None
    (what, why), encrypted = found
    if encrypted:
        return f"{what}: not read: {why}"
    return f"{what}: {NOT_READ}" + (f" ({why})" if why else "")


def store_kind(path: Path) -> str | None:
    """What the file is, when it is an app's own store: by its name, or by its first bytes for a database's name
    (a folder's other files are not all opened)."""
    found = _store(path, look_inside=path.suffix.lower() in _DATABASE_SUFFIXES)
    return found[0][0] if found else None


def _store(path: Path, look_inside: bool) -> tuple[tuple[str, str], bool] | None:
    """((what it is, why not read or which export is read), whether it is an encrypted backup)."""
    name = path.name.lower()
    if _CRYPT_RE.search(name):
        return _CRYPT, True
    if _SIGNAL_BACKUP_RE.match(name):
        return _SIGNAL_BACKUP, True
    known = _SIGNAL_DESKTOP if name == "db.sqlite" and path.parent.name.lower() == "sql" else _DATABASES.get(name)
    if known is None and not (look_inside and _starts_as_sqlite(path)):
        return None
    return known or ("an SQLite database", ""), False


def _starts_as_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False
