"""Looking for input devices again off the GUI thread.

PortAudio lists the devices when it starts; to see one plugged in since, it is restarted
(:func:`buzzfinder_app.audio.mic.list_input_devices` with ``rescan=True``). That takes 40-70 ms here
and can take a second or more where a system has many devices or back ends to probe, so it runs on
a thread of its own while the window keeps painting; the list comes back on the GUI thread.
"""

from __future__ import annotations

import threading
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from buzzfinder_app.audio.devices import InputDevice


def list_devices(rescan: bool = False) -> tuple[list[InputDevice], str | None]:
    """The input devices and, when PortAudio could not be asked at all, why (no device, then)."""
    try:
        from buzzfinder_app.audio.mic import list_input_devices

        return list(list_input_devices(rescan=rescan)), None
    except Exception as exc:  # no PortAudio at all counts as "no device"
        return [], str(exc) or exc.__class__.__name__


class DeviceScan(QObject):
    """One rescan at a time; ``found(devices, error)`` is called on the GUI thread when it ends, then
    each ``done`` that asked for it (a request while a scan runs is served by that scan).

    Nothing else may use PortAudio while it restarts: :attr:`running` says when to wait.
    """

    _finished = Signal(object, object)

    def __init__(self, found: Callable[[list[InputDevice], str | None], None]):
        super().__init__()
        self._found = found
        self._waiting: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._finished.connect(self._deliver)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, done: Callable[[], None]) -> None:
        if done not in self._waiting:  # asked twice (a double click): answered once
            self._waiting.append(done)
        if self._thread is None:
            # not a daemon: the interpreter waits for it before PortAudio's own exit handler runs
            self._thread = threading.Thread(target=self._scan, name="buzzfinder-device-scan")
            self._thread.start()

    def _scan(self) -> None:
        devices, error = list_devices(rescan=True)
        try:
            self._finished.emit(devices, error)
        except RuntimeError:  # the scan outlived the window (the app is closing): nobody to tell
            pass

    def _deliver(self, devices: list[InputDevice], error: str | None) -> None:
        self._thread.join()
        self._thread = None
        self._found(devices, error)
        waiting, self._waiting = self._waiting, []
        for done in waiting:
            owner = getattr(done, "__self__", None)
            if isinstance(owner, QObject) and not shiboken6.isValid(owner):
                continue  # its window was closed while the scan ran
            done()
