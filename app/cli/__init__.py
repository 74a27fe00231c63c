"""`python -m app`: argument parsing and printing over the core's use cases."""

from app.cli.commands import preload
from app.cli.main import main

__all__ = ["main", "preload"]
