"""Parley's core: no Qt here, ever (tests/test_core_is_qt_free.py checks it)."""
