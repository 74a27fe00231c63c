"""The PySide6 window. Everything here adapts the Qt-free core (app.core) and the
worker (app.worker) to widgets; nothing in app.core imports from here."""

import PySide6

from app.gui.refcount_guard import keep_singletons_alive

keep_singletons_alive(PySide6.__version__)  # before any Qt call: see refcount_guard
