"""User preferences in QSettings (organisation "buzzfinder"), and the settings dialog.

``$BUZZFINDER_CONFIG_DIR`` puts the settings in ``buzzfinder.ini`` there (used by tests).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox,
    QVBoxLayout,
)

from buzzfinder_app.audio.devices import find_device
from buzzfinder_app.practice.exercise import FINGER_NAMES, ExerciseSettings
from buzzfinder_app.practice.neck_drill import NeckSettings
from buzzfinder_app.practice.paths import config_dir
from buzzfinder_app.practice.tuning import MAX_FRET, STRING_NAMES, STRINGS
from buzzfinder_app.ui.cues import CueSettingsBox
from buzzfinder_app.ui.widgets.input_box import InputBox

ORGANISATION = "buzzfinder"
APPLICATION = "buzzfinder"


def make_qsettings() -> QSettings:
    """The preferences file: ``buzzfinder.ini`` in :func:`~buzzfinder_app.practice.paths.config_dir` when
    ``BUZZFINDER_CONFIG_DIR`` or ``BUZZFINDER_DATA_DIR`` says where, else Qt's place for the user."""
    if os.environ.get("BUZZFINDER_CONFIG_DIR") or os.environ.get("BUZZFINDER_DATA_DIR"):
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return QSettings(str(folder / "buzzfinder.ini"), QSettings.IniFormat)
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANISATION, APPLICATION)


class AppSettings:
    """Typed access to the stored preferences."""

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or make_qsettings()

    def _get(self, key: str, default=None):
        value = self.q.value(key, default)
        return default if value in (None, "") else value

    def _flag(self, key: str, default: bool) -> bool:
        value = self._get(key)
        return default if value is None else str(value).lower() in ("true", "1")

    def _set_flag(self, key: str, on: bool) -> None:
        self.q.setValue(key, "true" if on else "false")

    @property
    def recordings_folder(self) -> Path:
        """Where Open recording starts: the folder of the last recording opened, else the music folder,
        else home."""
        from PySide6.QtCore import QStandardPaths

        for candidate in (self._get("recordings/folder"),
                          QStandardPaths.writableLocation(QStandardPaths.MusicLocation)):
            if candidate and Path(candidate).is_dir():
                return Path(candidate)
        return Path.home()

    @recordings_folder.setter
    def recordings_folder(self, folder: Path) -> None:
        self.q.setValue("recordings/folder", str(folder))

    @property
    def device(self) -> str | None:
        """The chosen input device's name (None: the system default)."""
        return self._get("audio/device")

    @device.setter
    def device(self, name: str | None) -> None:
        self.q.setValue("audio/device", name or "")

    @property
    def channel(self) -> int:
        """The device's input the guitar is on (1 is the first)."""
        try:
            return max(1, int(self._get("audio/channel", 1)))
        except (TypeError, ValueError):
            return 1

    @channel.setter
    def channel(self, value: int) -> None:
        self.q.setValue("audio/channel", max(1, int(value)))

    @property
    def sample_rate(self) -> int | None:
        value = self._get("audio/sample_rate")
        return int(value) if value else None

    @sample_rate.setter
    def sample_rate(self, value: int | None) -> None:
        self.q.setValue("audio/sample_rate", int(value) if value else "")

    @property
    def unsure_threshold(self) -> float | None:
        """Override of the model's unsure threshold; None uses the model's own."""
        value = self._get("model/unsure_threshold")
        return float(value) if value is not None else None

    @unsure_threshold.setter
    def unsure_threshold(self, value: float | None) -> None:
        self.q.setValue("model/unsure_threshold", "" if value is None else float(value))

    @property
    def exercise_defaults(self) -> ExerciseSettings:
        string = self._get("exercise/string")
        fret = self._get("exercise/fret")
        try:
            return ExerciseSettings(
                string=int(string) if string else None,
                fret=int(fret) if string and fret else None,
                finger=int(self._get("exercise/finger", 1)),
                repetitions=int(self._get("exercise/repetitions", 5)),
            )
        except (TypeError, ValueError):
            return ExerciseSettings()

    @exercise_defaults.setter
    def exercise_defaults(self, s: ExerciseSettings) -> None:
        self.q.setValue("exercise/string", s.string or "")
        self.q.setValue("exercise/fret", s.fret or "")
        self.q.setValue("exercise/finger", s.finger)
        self.q.setValue("exercise/repetitions", s.repetitions)

    @property
    def neck_defaults(self) -> NeckSettings:
        """The neck drill's walk chosen last: its strings, frets and finger (the default walk when unreadable)."""
        d, strings = NeckSettings(), str(self._get("neck/strings", "")).split()
        try:
            return NeckSettings(strings=tuple(int(s) for s in strings) or d.strings,
                                first_fret=int(self._get("neck/first_fret", d.first_fret)),
                                last_fret=int(self._get("neck/last_fret", d.last_fret)),
                                finger=int(self._get("neck/finger", d.finger)))
        except (TypeError, ValueError):
            return NeckSettings()

    @neck_defaults.setter
    def neck_defaults(self, s: NeckSettings) -> None:
        self.q.setValue("neck/strings", " ".join(str(string) for string in s.strings))
        self.q.setValue("neck/first_fret", s.first_fret)
        self.q.setValue("neck/last_fret", s.last_fret)
        self.q.setValue("neck/finger", s.finger)

    @property
    def left_handed(self) -> bool:
        """The neck drill's map drawn for a left-handed player, the nut on the right (off by default)."""
        return self._flag("view/left_handed", False)

    @left_handed.setter
    def left_handed(self, on: bool) -> None:
        self._set_flag("view/left_handed", on)

    @property
    def last_device_seen(self) -> str | None:
        """The device the app last listened with (a change asks for calibration)."""
        return self._get("audio/last_device")

    @last_device_seen.setter
    def last_device_seen(self, name: str | None) -> None:
        self.q.setValue("audio/last_device", name or "")

    @property
    def cues_enabled(self) -> bool:
        """Sound cues on clean and buzzy final verdicts (off unless the player turns them on)."""
        return self._flag("cues/enabled", False)

    @cues_enabled.setter
    def cues_enabled(self, on: bool) -> None:
        self._set_flag("cues/enabled", on)

    @property
    def cues_volume(self) -> float:
        """The cues' peak level, 0 to 1."""
        from buzzfinder_app.audio.cues import DEFAULT_VOLUME

        try:
            return min(1.0, max(0.0, float(self._get("cues/volume", DEFAULT_VOLUME))))
        except (TypeError, ValueError):
            return DEFAULT_VOLUME

    @cues_volume.setter
    def cues_volume(self, value: float) -> None:
        self.q.setValue("cues/volume", min(1.0, max(0.0, float(value))))

    @property
    def daily_goal(self) -> tuple[str, int]:
        """The daily practice goal: ("minutes", 10) by default, or ("repetitions", n)."""
        from buzzfinder_app.practice.progress import DEFAULT_GOAL, GOAL_KINDS

        kind, _, amount = str(self._get("practice/daily_goal", "")).partition(":")
        try:
            return (kind, int(amount)) if kind in GOAL_KINDS and int(amount) > 0 else DEFAULT_GOAL
        except ValueError:
            return DEFAULT_GOAL

    @daily_goal.setter
    def daily_goal(self, goal: tuple[str, int]) -> None:
        self.q.setValue("practice/daily_goal", f"{goal[0]}:{int(goal[1])}")

    @property
    def setup_guide(self) -> str | None:
        """How the first-launch set-up guide ended: "done", "skipped", or None (never seen)."""
        value = self._get("setup/guide")
        return value if value in ("done", "skipped") else None

    @setup_guide.setter
    def setup_guide(self, outcome: str | None) -> None:
        self.q.setValue("setup/guide", outcome or "")

    @property
    def personal_head(self) -> bool:
        """Whether the chosen profile's personal head judges the notes (on unless turned off)."""
        return self._flag("profiles/personal_head", True)

    @personal_head.setter
    def personal_head(self, on: bool) -> None:
        self._set_flag("profiles/personal_head", on)

    @property
    def chosen_profiles(self) -> dict[str, str]:
        """The profile chosen for each input ({input name: profile name}); {} when unreadable."""
        try:
            value = json.loads(str(self.q.value("profiles/selected", "{}") or "{}"))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @chosen_profiles.setter
    def chosen_profiles(self, chosen: dict[str, str]) -> None:
        self.q.setValue("profiles/selected", json.dumps(chosen))

    def sync(self) -> None:
        self.q.sync()


class SettingsDialog(QDialog):
    """Device, unsure threshold override, exercise defaults and sound cues."""

    def __init__(self, settings: AppSettings, devices: list, model_threshold: float | None = None, parent=None,
                 listening: bool = False):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.setMinimumWidth(440)

        self.device_box = QComboBox()
        self.device_box.addItem("System default", "")
        for dev in devices:
            self.device_box.addItem(dev.name, dev.name)
        current = settings.device or ""
        self.device_box.setCurrentIndex(max(0, self.device_box.findData(current)))
        if not devices:
            self.device_box.setToolTip("No input device was found")
        self.devices = devices
        self.channel_box = InputBox()
        self.device_box.currentIndexChanged.connect(lambda _: self._fill_channels(1))
        self._fill_channels(settings.channel)

        self.override = QCheckBox("Override the model's unsure threshold")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.34, 0.99)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        value = settings.unsure_threshold
        self.override.setChecked(value is not None)
        self.threshold.setValue(value if value is not None else (model_threshold or 0.5))
        self.threshold.setEnabled(value is not None)
        self.override.toggled.connect(self.threshold.setEnabled)
        if model_threshold is not None:
            self.override.setToolTip(f"The model's own threshold is {model_threshold:.2f}")

        ex = settings.exercise_defaults
        self.string_box = QComboBox()
        self.string_box.addItem("Any note", None)
        for s in STRINGS:
            self.string_box.addItem(f"{STRING_NAMES[s]} string", s)
        self.string_box.setCurrentIndex(max(0, self.string_box.findData(ex.string)))
        self.fret_box = QSpinBox()
        self.fret_box.setRange(1, MAX_FRET)
        self.fret_box.setValue(ex.fret or 5)
        self.fret_box.setEnabled(ex.string is not None)
        self.string_box.currentIndexChanged.connect(lambda _: self.fret_box.setEnabled(self.string_box.currentData() is not None))
        self.finger_box = QComboBox()
        for number, name in FINGER_NAMES.items():
            self.finger_box.addItem(f"{number} · {name}", number)
        self.finger_box.setCurrentIndex(max(0, self.finger_box.findData(ex.finger)))
        self.reps_box = QSpinBox()
        self.reps_box.setRange(1, 50)
        self.reps_box.setValue(ex.repetitions)

        audio = QGroupBox("Input")
        fa = QFormLayout(audio)
        fa.addRow("Device", self.device_box)
        fa.addRow("Input", self.channel_box)
        if listening:  # the stream in use cannot change under the session
            self.device_box.setEnabled(False)
            self.channel_box.setEnabled(False)
            note = QLabel("Stop listening to change the input.")
            note.setObjectName("dim")
            fa.addRow(note)
        model = QGroupBox("Verdicts")
        fm = QFormLayout(model)
        fm.addRow(self.override)
        fm.addRow("Unsure below", self.threshold)
        exercise = QGroupBox("Exercise defaults")
        fe = QFormLayout(exercise)
        fe.addRow("Target", self.string_box)
        fe.addRow("Fret", self.fret_box)
        fe.addRow("Finger", self.finger_box)
        fe.addRow("Repetitions", self.reps_box)
        self.goal_box = QComboBox()  # the daily goal shown on the History tab; data: "kind:amount"
        goals = [("minutes", m) for m in (5, 10, 15, 20, 30, 45, 60)] + [("repetitions", r) for r in (10, 20, 30, 50)]
        if settings.daily_goal not in goals:
            goals.append(settings.daily_goal)
        for kind, amount in goals:
            self.goal_box.addItem(f"{amount} {kind} a day", f"{kind}:{amount}")
        self.goal_box.setCurrentIndex(self.goal_box.findData("%s:%d" % settings.daily_goal))
        fe.addRow("Daily goal", self.goal_box)
        self.cues = CueSettingsBox(settings)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setSpacing(12)
        lay.addWidget(audio)
        lay.addWidget(model)
        lay.addWidget(exercise)
        lay.addWidget(self.cues)
        lay.addWidget(buttons)

    def _fill_channels(self, chosen: int) -> None:
        """The inputs of the device in the box (the system default: the device listed as default)."""
        self.channel_box.show_inputs(find_device(self.devices, self.device_box.currentData()), chosen)

    def accept(self) -> None:
        self.settings.device = self.device_box.currentData() or None
        self.settings.channel = self.channel_box.channel
        self.settings.unsure_threshold = self.threshold.value() if self.override.isChecked() else None
        string = self.string_box.currentData()
        self.settings.exercise_defaults = ExerciseSettings(
            string=string, fret=self.fret_box.value() if string is not None else None,
            finger=self.finger_box.currentData(), repetitions=self.reps_box.value())
        kind, amount = self.goal_box.currentData().split(":")
        self.settings.daily_goal = (kind, int(amount))
        self.cues.apply()
        self.settings.sync()
        super().accept()
