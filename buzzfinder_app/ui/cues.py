"""Sound cues in the window: a tick when a note's final verdict is clean, a double blip when it is buzzy.

:class:`SoundCues` listens to :attr:`LiveSession.note_changed` and plays through
:class:`~buzzfinder_app.audio.cues.CueOutput` while the Settings have cues on (they are off by
default). Without an audio output it goes quiet for the rest of the run of the app and says so once
(:attr:`SoundCues.unavailable`). :class:`CueSettingsBox` is the Settings dialog's control.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from buzzfinder_app.audio.cues import CUE_KINDS, CueOutput, CueUnavailable


class SoundCues(QObject):
    """Plays the cue of each final clean or buzzy verdict of the newest note."""

    #: the sentence to show once when cues cannot play (no audio output)
    unavailable = Signal(str)

    def __init__(self, session, settings, output: CueOutput | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.output = output or CueOutput()
        self.off_reason: str | None = None
        session.note_changed.connect(self.on_note)

    def on_note(self, update) -> None:
        note = update.note
        if not (update.latest and note.final and note.label in CUE_KINDS):
            return
        if self.off_reason is None and self.settings.cues_enabled:
            self.play(note.label)

    def play(self, kind: str) -> bool:
        """Play ``kind``'s cue at the chosen volume; False (and cues off) when nothing can play it."""
        if self.off_reason is not None:
            return False
        try:
            self.output.play(kind, self.settings.cues_volume)
        except CueUnavailable as exc:
            self.off_reason = str(exc)
            self.unavailable.emit(self.off_reason)
            return False
        return True


class CueSettingsBox(QGroupBox):
    """Cues on or off and their volume; "Try" plays both. ``apply()`` stores the choice."""

    def __init__(self, settings, output: CueOutput | None = None, parent=None):
        super().__init__("Sound cues", parent)
        self.settings = settings
        self.output = output or CueOutput()
        self.enabled = QCheckBox("A tick for a clean note, a low double blip for a buzzy one")
        self.enabled.setChecked(settings.cues_enabled)
        self.volume = QSlider(Qt.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(settings.cues_volume * 100))
        self.volume_label = QLabel()
        self.volume_label.setMinimumWidth(40)
        self.volume.valueChanged.connect(lambda v: self.volume_label.setText(f"{v} %"))
        self.volume_label.setText(f"{self.volume.value()} %")
        self.try_button = QPushButton("Try")
        self.try_button.setToolTip("Play the clean cue, then the buzzy one, at this volume")
        self.try_button.clicked.connect(self.try_cues)
        self.note = QLabel("")
        self.note.setObjectName("dim")
        self.note.setWordWrap(True)
        self.note.hide()
        for widget in (self.volume, self.volume_label, self.try_button):
            self.enabled.toggled.connect(widget.setEnabled)
            widget.setEnabled(self.enabled.isChecked())

        row = QHBoxLayout()
        row.addWidget(QLabel("Volume"))
        row.addWidget(self.volume, 1)
        row.addWidget(self.volume_label)
        row.addWidget(self.try_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.enabled)
        lay.addLayout(row)
        lay.addWidget(self.note)

    def try_cues(self) -> None:
        volume = self.volume.value() / 100
        try:
            self.output.play("clean", volume)
        except CueUnavailable as exc:
            self.note.setText(str(exc)[0].upper() + str(exc)[1:] + ".")
            self.note.show()
            return
        QTimer.singleShot(450, self, lambda: self._play_quietly("buzzy", volume))

    def _play_quietly(self, kind: str, volume: float) -> None:
        try:
            self.output.play(kind, volume)
        except CueUnavailable:
            pass

    def apply(self) -> None:
        self.settings.cues_enabled = self.enabled.isChecked()
        self.settings.cues_volume = self.volume.value() / 100
