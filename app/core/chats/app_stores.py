"""An app's own message store given where a chat export was expected: said in one line, never read.

Parley reads the chat exports its README lists. A phone's or computer's extraction also holds the apps' own
databases and encrypted backups (`msgstore.db.crypt14`, `chat.db`, `signal-….backup`): given alone, each was
"no recognisable chat message (not a WhatsApp, …)", which said nothing of what the file is (and msgstore.db is
WhatsApp's). Now the line names what it is, that it is not read, and which export of it is read where there is one.
"""

from __future__ import annotations

import re
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
NOT_READ = "an app's own database, not a chat export: not read"
# An app's database by its file name (lower case), as the app names it: what it is, and the export of it read.
_DATABASES = {
    "chat.db": ("the Messages (iMessage and SMS) database of a Mac", "imessage-exporter's text or HTML export is read"),
    "sms.db": ("the Messages (iMessage and SMS) database of an iPhone",
               "imessage-exporter's text or HTML export is read"),
    "msgstore.db": ("WhatsApp's message database (Android)", "the app's own Export chat is read"),
    "wa.db": ("WhatsApp's contacts database (Android)", "the app's own Export chat is read"),
    "chatstorage.sqlite": ("WhatsApp's message database (iPhone)", "the app's own Export chat is read"),
    "mmssms.db": ("Android's SMS and MMS database", "an SMS Backup & Restore XML is read"),
    "signal.db": ("Signal's message database (Android, encrypted)", ""),
}
_SIGNAL_DESKTOP = ("Signal Desktop's message database (encrypted)", "signal-export's or sigtop's export is read")
_SIGNAL_BACKUP_RE = re.compile(r"^signal-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.backup$", re.IGNORECASE)
_CRYPT_RE = re.compile(r"\.crypt\d+$", re.IGNORECASE)


def store_reason(path: Path) -> str | None:
    """Why the file is not read, when it is an app's own store (by its name, or an SQLite database by its first
    bytes); None for any other file."""
    name = path.name.lower()
    if _CRYPT_RE.search(name):
        return ("WhatsApp's encrypted backup (.cryptNN): not read: it needs the key from the phone's extraction, and "
                "decrypted it is the app's database, not a chat export (the app's own Export chat is read)")
    if _SIGNAL_BACKUP_RE.match(name):
        return "Signal's encrypted backup (Android): not read: it needs the backup's 30-digit passphrase"
    known = _SIGNAL_DESKTOP if name == "db.sqlite" and path.parent.name.lower() == "sql" else _DATABASES.get(name)
    if known is None and not _starts_as_sqlite(path):
        return None
    what, read = known or ("an SQLite database", "")
    return f"{what}: {NOT_READ}" + (f" ({read})" if read else "")


def _starts_as_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False
