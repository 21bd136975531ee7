"""What the window needs from the rest of the app, opened once, each failure kept as a message.

Nothing here raises: a missing model, an unwritable data folder or no input device each leave a
``None`` and a readable reason, and the window shows a banner instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from buzzfinder_app.audio.devices import InputDevice, chosen_input_name, find_device, input_channel
from buzzfinder_app.engine.onsets import DEFAULT_GATE_DBFS
from buzzfinder_app.ui.device_scan import DeviceScan, list_devices
from buzzfinder_app.ui.settings import AppSettings


@dataclass
class Services:
    settings: AppSettings
    model: object | None = None
    model_path: Path | None = None
    model_error: str | None = None
    store: object | None = None
    store_error: str | None = None
    devices: list[InputDevice] = field(default_factory=list)
    device_error: str | None = None
    calibrations: object | None = None
    calibration_error: str | None = None
    #: The onset gate shown on the meter when the input is not calibrated (the detector's own).
    default_gate_dbfs: float = DEFAULT_GATE_DBFS
    _scan: DeviceScan | None = field(default=None, repr=False)

    @classmethod
    def open(cls, model_path: Path | None = None, settings: AppSettings | None = None) -> "Services":
        s = cls(settings or AppSettings())
        s.load_model(model_path)
        s.open_store()
        s.refresh_devices()
        s.open_calibrations()
        return s

    def load_model(self, model_path: Path | None = None) -> None:
        from buzzfinder_app.model.runtime import Model, default_model_path
        from buzzfinder_app.model.metadata import ModelError

        self.model_path = Path(model_path) if model_path else default_model_path()
        try:
            self.model = Model.load(self.model_path)
            self.model_error = None
        except ModelError as exc:
            self.model, self.model_error = None, str(exc)
        except Exception as exc:  # a broken runtime must not stop the window from opening
            self.model, self.model_error = None, f"{exc.__class__.__name__}: {exc}"

    def open_store(self) -> None:
        try:
            from buzzfinder_app.practice.sessions import SessionStore

            self.store = SessionStore()
            self.store_error = None
        except Exception as exc:  # StoreError, or sqlite3 / OS errors it did not wrap
            self.store, self.store_error = None, str(exc) or exc.__class__.__name__

    def refresh_devices(self, rescan: bool = False) -> None:
        """The input devices (``rescan``: look again for devices plugged in since; stops any stream)."""
        self.devices, self.device_error = list_devices(rescan=rescan)

    def refresh_devices_async(self, done: Callable[[], None]) -> None:
        """Look again for devices plugged in since, off the GUI thread (stops any stream); ``done()``
        is called on the GUI thread once :attr:`devices` is the new list. A scan already under way
        serves this request too."""
        if self._scan is None:
            self._scan = DeviceScan(self._scanned)
        self._scan.start(done)

    def _scanned(self, devices: list[InputDevice], error: str | None) -> None:
        self.devices, self.device_error = devices, error

    @property
    def scanning(self) -> bool:
        """PortAudio is restarting to list the devices: no stream may be opened until it has."""
        return self._scan is not None and self._scan.running

    def open_calibrations(self) -> None:
        try:
            from buzzfinder_app.practice.calibration import CalibrationStore

            self.calibrations = CalibrationStore()
            self.calibration_error = self.calibrations.warning
        except Exception as exc:
            self.calibrations, self.calibration_error = None, str(exc)

    # ------------------------------------------------------------------ devices
    def find_device(self, name: str | None) -> InputDevice | None:
        """The device called ``name``, else the default (first flagged default, else the first)."""
        return find_device(self.devices, name)

    def device_name(self, name: str | None) -> str:
        dev = self.find_device(name)
        return dev.name if dev is not None else (name or "no device")

    def device_id(self, name: str | None) -> int | None:
        dev = self.find_device(name)
        return dev.index if dev is not None else None

    def channel(self, settings) -> int:
        """The chosen input of the chosen device (1 when the device has fewer inputs than chosen)."""
        return input_channel(self.find_device(settings.device), settings.channel)

    def input_name(self, settings) -> str:
        """The chosen device and input, as :func:`~buzzfinder_app.audio.devices.input_name` names them."""
        return chosen_input_name(self.devices, settings.device, settings.channel)

    def calibration_for(self, settings):
        """The stored calibration of the chosen input, or None."""
        if self.calibrations is None or not self.devices:
            return None
        try:
            return self.calibrations.get(self.input_name(settings))
        except Exception:
            return None
