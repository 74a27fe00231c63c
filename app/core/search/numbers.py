"""What a query names besides words: a phone number typed in any form, and a chat's sender.

`entities` lists "+447700900123" for a chat's "+44 7700 900123 left"; searched as listed, or as "07700 900123",
the words index found nothing (it holds "44", "7700", "900123"). A query that is one phone number is read by
`phonenumbers` (the case's region for one written without a country code) and matched against the numbers the
entity index found in the texts, read the same way.

`search Oleg` found 1 of the 5 messages Oleg sent: a message's sender is not in its text. A query that names a
sender (every word of it a word of the sender's name, any case; or the sender's phone number, in any form) also
finds every message that sender sent. Any other query is not touched."""

from __future__ import annotations

import re

from app.core.search.entities import MIN_PHONE_DIGITS, case_entities, case_region
from app.core.search.entities import Occurrence as PhoneMention
from app.core.search.folding import fold
from app.core.store import Case, search_index

_TYPED_NUMBER = re.compile(r"\+?[\d\s().\-/]+")  # digits, spaces, brackets, dots, dashes: as a number is typed


def typed_number(query: str, region: str) -> str | None:
    """The E.164 form of a query that is one phone number ("+447700900123", "07700 900123",
    "(07700) 900-123"); None for any other query."""
    typed = query.strip().strip('"').strip()
    if not _TYPED_NUMBER.fullmatch(typed) or sum(ch.isdigit() for ch in typed) < MIN_PHONE_DIGITS:
        return None
    import phonenumbers  # only for a query that may be a number: other searches need none

    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mentions_of_number(case: Case, query: str) -> list[PhoneMention]:
    """Where the texts write the phone number the query is, in any form; [] when the query is not one."""
    wanted = typed_number(query, case_region(case))
    if wanted is None:
        return []
    return [o for e in case_entities(case, kinds=("phone",)) if e.value == wanted for o in e.occurrences]


def senders_named(case: Case, query: str) -> tuple[str, ...]:
    """The chat senders a query names: each of its words a word of the sender's name ("Dave" for "Dave
    Miller"), or the sender's phone number however typed ("07700 900123" for "+44 7700 900123")."""
    senders = search_index.chat_senders(case.conn)
    if not senders:
        return ()
    region = case_region(case)
    number = typed_number(query, region)
    if number is not None:
        return tuple(s for s in senders if typed_number(s, region) == number)
    words = set(fold(query.replace('"', " ")).casefold().split())
    return tuple(s for s in senders if words and words <= set(fold(s).casefold().split()))
