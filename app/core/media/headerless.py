"""A raw stream of samples with no header (known to ffmpeg only by its file's name): its rate.

A headerless A-law or mu-law file (.al, .ul: a telephone call, a voice logger's export) states no
sample rate, and ffmpeg reads every raw stream at 44.1 kHz: a 4 s interview recorded at 8 kHz was
heard as 0.726 s of chirps and exported as 'no speech found'. G.711, the coding these files hold,
is defined at 8 kHz, and phones and telephony record it so: it is read at 8 kHz, and the run says
the rate was assumed (a recording at another rate would be heard too fast or too slow). Raw linear
samples (.sw, .sb, .uw, .ub) follow no such standard: any rate would be a guess, so they are refused
in one line (convert them with their rate known).
"""

from __future__ import annotations

from dataclasses import dataclass

TELEPHONE_RATE = 8000
TELEPHONE = {"alaw": "A-law", "mulaw": "mu-law"}
LINEAR = {"s16le": "16-bit", "s8": "8-bit", "u16le": "unsigned 16-bit", "u8": "unsigned 8-bit"}


@dataclass(frozen=True)
class AssumedRate:
    coding: str

    @property
    def note(self) -> str:
        return (f"a headerless {self.coding} stream states no sample rate: read at {TELEPHONE_RATE:,} Hz, the telephone "
                "rate its coding (G.711) is defined at; at another rate it would be heard too fast or too slow")


def assumed(format_name: str) -> AssumedRate | None:
    """The rate assumed for a headerless telephone stream, or None for any other format."""
    return AssumedRate(TELEPHONE[format_name]) if format_name in TELEPHONE else None


def fault(format_name: str) -> str | None:
    """Why a headerless stream of linear samples is refused, or None for any other format."""
    if format_name not in LINEAR:
        return None
    return (f"a headerless stream of {LINEAR[format_name]} samples: its sample rate is not stated in the file, and "
            "no standard gives one (any rate would be a guess): convert it with its rate known")
