"""Start the desktop app: ``run(args) -> exit code``.

``args`` is the ``argparse.Namespace`` from :mod:`buzzfinder_app.cli` (``input_file``, ``loop``,
``exit_when_done``, ``model``, ``self_test``); missing attributes take their defaults.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from buzzfinder_app.ui.palette import apply_theme


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), themed, named for QSettings."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("buzzfinder")
    app.setApplicationName("buzzfinder")
    app.setApplicationDisplayName("buzzfinder")
    if not app.property("buzzfinder_themed"):  # re-styling a live application is slow and risky
        apply_theme(app)
        app.setProperty("buzzfinder_themed", True)
    return app


def self_test(window) -> int:
    """Hook for the bundle's smoke test: 0 when the window, the model and the store came up.

    Prints one line per check; the bundle runs ``buzzfinder --self-test`` under a virtual display.
    """
    s = window.services
    checks = {
        "window": window.isVisible() or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal"),
        "model": s.model is not None,
        "store": s.store is not None,
    }
    for name, ok in checks.items():
        print(f"self-test {name}: {'ok' if ok else 'FAILED'}", flush=True)
    if s.model_error:
        print(f"self-test model error: {s.model_error}", flush=True)
    if s.store_error:
        print(f"self-test store error: {s.store_error}", flush=True)
    return 0 if all(checks.values()) else 1


def run(args=None) -> int:
    """Open the main window and run the event loop until it closes."""
    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow

    input_file = getattr(args, "input_file", None)
    model = getattr(args, "model", None)
    options = LaunchOptions(
        input_file=Path(input_file) if input_file else None,
        loop=bool(getattr(args, "loop", False)),
        exit_when_done=bool(getattr(args, "exit_when_done", False)),
        model_path=Path(model) if model else None,
        ask_calibration=not getattr(args, "self_test", False),
    )
    if options.input_file is not None and not options.input_file.is_file():
        print(f"buzzfinder: input file {options.input_file} not found", file=sys.stderr)
        return 2
    app = make_application()
    # Quit when the main window closes (not on Qt's "last window closed", whose posted Quit event
    # would also close windows opened later in the same process, e.g. in tests).
    quit_on_last = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    window = MainWindow(options)

    def window_closed() -> None:
        app.exit(0)

    window.closed.connect(window_closed)
    window.show()
    if getattr(args, "self_test", False):
        QTimer.singleShot(300, lambda: app.exit(self_test(window)))
    elif options.input_file is not None:
        QTimer.singleShot(0, window.start_listening)
    else:
        QTimer.singleShot(0, window.maybe_ask_calibration)
    try:
        code = app.exec()
    finally:
        # exit() outside a running loop would make the next event loop return at once
        window.closed.disconnect(window_closed)
        window.close()
        app.setQuitOnLastWindowClosed(quit_on_last)
    return int(code)
