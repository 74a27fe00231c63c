"""Translating a chat's messages: only what a person wrote (captions included), never
system notes, attachment names or placeholders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from app.core.chats.records import Message
from app.core.translation.engine import SentenceTranslation
from app.core.translation.sentences import has_words
from app.core.types import FLAG_NOT_TRANSLATED

# A web address: never words to translate (a model would rewrite it into an address that is not the one sent)
_LINK_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


class TextsTranslator(Protocol):
    def translate_texts(
        self, texts: Sequence[str], src: str, tgt: str, beam_size: int = 4
    ) -> list[SentenceTranslation]: ...


def translate_messages(messages: Sequence[Message], translator: TextsTranslator, src: str, tgt: str,
                       beam_size: int = 4) -> list[SentenceTranslation | None]:
    """One translation per message, None where the message is not sent to the translator."""
    out: list[SentenceTranslation | None] = [None] * len(messages)
    todo = []
    for i, m in enumerate(messages):
        if m.translatable and not has_words(_LINK_RE.sub(" ", m.text)):  # links (and emoji) only: copied as sent
            out[i] = SentenceTranslation(m.text, m.text, (FLAG_NOT_TRANSLATED,))
        elif m.translatable:
            todo.append(i)
    done = translator.translate_texts([messages[i].text for i in todo], src, tgt, beam_size)
    for i, result in zip(todo, done):
        out[i] = result
    return out
