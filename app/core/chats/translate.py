"""Translating a chat's messages: only what a person wrote (captions included), never
system notes, attachment names or placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.core.chats.records import Message
from app.core.translation.engine import SentenceTranslation


class TextsTranslator(Protocol):
    def translate_texts(
        self, texts: Sequence[str], src: str, tgt: str, beam_size: int = 4
    ) -> list[SentenceTranslation]: ...


def translate_messages(messages: Sequence[Message], translator: TextsTranslator, src: str, tgt: str,
                       beam_size: int = 4) -> list[SentenceTranslation | None]:
    """One translation per message, None where the message is not sent to the translator."""
    todo = [i for i, m in enumerate(messages) if m.translatable]
    done = translator.translate_texts([messages[i].text for i in todo], src, tgt, beam_size)
    out: list[SentenceTranslation | None] = [None] * len(messages)
    for i, result in zip(todo, done):
        out[i] = result
    return out
