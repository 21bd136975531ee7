"""A combo box of a device's inputs ("Input 1", "Input 2", …), off when there is only one."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from buzzfinder_app.audio.devices import InputDevice


class InputBox(QComboBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip("The input your guitar or microphone is plugged into")

    def show_inputs(self, dev: InputDevice | None, chosen: int = 1) -> None:
        """List the inputs of ``dev`` (None: one) and select ``chosen`` (the first if it has fewer)."""
        inputs = dev.inputs if dev is not None else 1
        self.clear()
        for number in range(1, inputs + 1):
            self.addItem(f"Input {number}", number)
        self.setCurrentIndex(max(0, min(chosen, inputs) - 1))
        self.setEnabled(inputs > 1)

    @property
    def channel(self) -> int:
        return self.currentData() or 1
