"""Start the desktop app: ``run(args) -> exit code``.

``args`` is the ``argparse.Namespace`` from :mod:`buzzfinder_app.cli` (``input_file``, ``loop``,
``exit_when_done``, ``model``, ``self_test``); missing attributes take their defaults.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from buzzfinder_app.practice.paths import data_dir
from buzzfinder_app.ui.fault_log import installed
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


def run(args=None) -> int:
    """Open the main window and run the event loop until it closes.

    ``--self-test`` runs :func:`buzzfinder_app.selftest.run_self_test` (model, built-in take through
    the engine, PortAudio, Qt) instead, with no window, so it also works without a display.
    """
    if getattr(args, "self_test", False):
        from buzzfinder_app.selftest import run_self_test

        return run_self_test(getattr(args, "model", None))

    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow

    input_file = getattr(args, "input_file", None)
    model = getattr(args, "model", None)
    options = LaunchOptions(
        input_file=Path(input_file) if input_file else None,
        loop=bool(getattr(args, "loop", False)),
        exit_when_done=bool(getattr(args, "exit_when_done", False)),
        model_path=Path(model) if model else None,
        event_log=Path(args.event_log) if getattr(args, "event_log", None) else None,
        stage=bool(getattr(args, "stage", False)),
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

    def file_failed(reason: str, code: int) -> None:
        if options.exit_when_done:
            print(f"buzzfinder: {reason}", file=sys.stderr, flush=True)
            app.exit(code)

    window.closed.connect(window_closed)
    window.file_failed.connect(file_failed)
    window.show()
    QTimer.singleShot(0, window.start_listening if options.input_file is not None else window.start_on_launch)
    # SIGTERM (logout, kill) and Ctrl+C close the window as the close button does: the session is
    # saved. Python runs signal handlers only when it has control, so a timer hands it some.
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)
    previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with installed(data_dir()):  # an exception in a slot: logged, and a banner in the window
            code = app.exec()
    finally:
        heartbeat.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # exit() outside a running loop would make the next event loop return at once
        window.closed.disconnect(window_closed)
        window.file_failed.disconnect(file_failed)
        window.close()
        app.setQuitOnLastWindowClosed(quit_on_last)
    return int(code)
