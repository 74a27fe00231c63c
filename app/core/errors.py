"""Errors that reach the user as one line: `<input>: <reason>`."""

from __future__ import annotations


class ParleyError(Exception):
    """An expected failure with a message fit to show a user as it is."""


class AlreadyDone(ParleyError):
    """A step asked for again after it finished, the same way (a command killed before it could say
    it was done, run again): nothing to do. Whoever asked says so and succeeds; an attempt that
    differs from what was done is another error, never this one."""


class MediaError(ParleyError):
    """An input that cannot be used as media (missing, empty, not media, no audio...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(ParleyError):
    """A model that is missing, incomplete or does not match its recorded hash."""


class LanguageError(ParleyError):
    """A language code this model or mapping does not know."""


class StoreError(ParleyError):
    """A case store that cannot be opened or used."""


class EvidenceWriteError(ParleyError):
    """An output or a case that would be written inside the evidence."""


class ChatError(ParleyError):
    """A chat export that cannot be read: malformed, unsafe (zip) or without messages."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IntakeCut(StoreError):
    """An intake stopped part-way by a store it could no longer write: the message says how many of its
    files were queued before (kept) and that running the command again queues the rest."""
