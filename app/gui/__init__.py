"""The PySide6 window. Everything here adapts the Qt-free core (app.core) and the
worker (app.worker) to widgets; nothing in app.core imports from here."""
