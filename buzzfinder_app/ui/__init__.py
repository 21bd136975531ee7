"""The Qt desktop app; the only package that imports Qt."""

from buzzfinder_app.ui import qt_fixes  # noqa: F401  (must run before the app makes many Qt calls)
