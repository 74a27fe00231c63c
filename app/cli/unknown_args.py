"""An option mistyped or borrowed from another command, said in one line with the option meant.

argparse reports what a sub-command does not know from the top-level parser: the whole list of
commands as "usage", then "python -m app: error: unrecognized arguments: --fromat x", naming neither the
command nor the option meant (`translate --translate-model`, which is `timeline`'s; `translate` calls it
`--model`).
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence

SIMILAR = 0.5  # how alike a typed option and a real one must be to be offered


def innermost(parser: argparse.ArgumentParser, words: Sequence[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The (sub-)parser the words reach (`models import ...`: models' import), and the command's words."""
    names: list[str] = []
    for word in words:
        choices = _subcommands(parser)
        if word in choices:
            parser = choices[word]
            names.append(word)
        elif not word.startswith("-") and choices:
            break
    return parser, names


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its sub-parsers here and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def said(parser: argparse.ArgumentParser, words: Sequence[str], extra: Sequence[str]) -> str:
    """One line: which command, what it does not take, the option most like it, where to look."""
    inner, names = innermost(parser, words)
    command = " ".join(names) or "python -m app"
    options = [o for o in inner._option_string_actions if o.startswith("--")]
    first = extra[0]
    if first.startswith("-"):
        typed = first.split("=", 1)[0]
        near = [o for o in options if typed.endswith(o[1:]) and len(o) > 4][:1]  # --translate-model: --model
        near += difflib.get_close_matches(typed, options, n=1, cutoff=SIMILAR)
        what = f"unknown option {typed}" + (f" (did you mean {near[0]}?)" if near else "")
    else:
        what = f"unexpected argument {first!r}"
    return f"{command}: {what}; see `python -m app {' '.join(names)} --help`".replace("app  --", "app --")
