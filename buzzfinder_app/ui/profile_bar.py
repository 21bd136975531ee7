"""The live view's profile row: which profile judges, whether what it was taught is used, Teach…"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

NEW = "__new__"


class ProfileBar(QWidget):
    """Profile combo box (with "New profile…"), the switch for what was taught and the Teach button."""

    teach_requested = Signal()
    new_requested = Signal()

    def __init__(self, control, parent=None):
        super().__init__(parent)
        self.control = control
        label = QLabel("Profile")
        label.setObjectName("dim")
        self.combo = QComboBox()
        self.combo.setMinimumWidth(190)
        self.combo.setToolTip("The guitar and input device the verdicts are adapted to")
        self.combo.activated.connect(self._chosen)
        self.toggle = QCheckBox("Use what you taught")
        self.toggle.toggled.connect(control.set_head_enabled)
        self.teach = QPushButton("Teach…")
        self.teach.setToolTip("Play a few muted, buzzy and clean notes so the verdicts fit your guitar")
        self.teach.clicked.connect(self.teach_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        lay.addWidget(label)
        lay.addWidget(self.combo)
        lay.addWidget(self.toggle)
        lay.addWidget(self.teach)
        control.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        c = self.control
        self.combo.blockSignals(True)
        self.combo.clear()
        for profile in c.profiles():
            self.combo.addItem(profile.name, profile.name)
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem("New profile…", NEW)
        if c.profile is not None:
            self.combo.setCurrentIndex(max(0, self.combo.findData(c.profile.name)))
        self.combo.blockSignals(False)
        self.toggle.blockSignals(True)
        self.toggle.setChecked(c.head_enabled)
        self.toggle.blockSignals(False)
        status = c.status_text()
        self.toggle.setToolTip(f"On: the live notes are judged with what you taught this profile; off: by the "
                               f"standard model alone.\nNow: {status}")
        self.combo.setEnabled(c.available)
        self.toggle.setEnabled(c.available)
        self.teach.setEnabled(c.available and c.worker is not None)

    def _chosen(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data == NEW:
            self.refresh()  # back to the current profile until the new one exists
            self.new_requested.emit()
        elif data:
            self.control.select(data)
