"""Small label helpers shared by the views."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def prompt(point_size: float, min_height: int = 0) -> QLabel:
    """A wrapped, demi-bold label for what the player is asked to do or is told now."""
    lab = QLabel()
    lab.setWordWrap(True)
    lab.setMinimumHeight(min_height)
    font = lab.font()
    font.setPointSizeF(point_size)
    font.setWeight(font.Weight.DemiBold)
    lab.setFont(font)
    return lab


def caption(text: str) -> QLabel:
    """A small, dim, upper-case section caption (style sheet: ``QLabel#caption``)."""
    lab = QLabel(text)
    lab.setObjectName("caption")
    return lab


class SteadyBox(QWidget):
    """Holds one label whose text changes at every note (the ladder's prompt, feedback, counts) so
    that a new text does not make Qt work out the whole panel's layout again: the box keeps its
    height, ``lines`` of the label's text or as many as the text needs, and places the label in it
    itself: the layout runs again only when the text needs a line more or less.

    ``fill``: the label takes the whole box; else it keeps its own width at the box's left (a pill).
    """

    def __init__(self, label: QLabel, lines: int = 1, fill: bool = True, parent=None):
        super().__init__(parent)
        self.label = label
        self._fill = fill
        label.setParent(self)
        label.ensurePolished()
        text = label.text()
        label.setText("<br>".join(["Xg"] * lines) if label.textFormat() == Qt.RichText else "\n".join(["Xg"] * lines))
        self._reserved = max(label.sizeHint().height(), label.minimumHeight())
        label.setText(text)
        self.setFixedHeight(self._reserved)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(self.label.minimumSizeHint().width() if self._fill else 0, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.height())

    def event(self, ev) -> bool:
        if ev.type() == QEvent.LayoutRequest:  # the label's text changed: only the box looks again
            self._place()
        return super().event(ev)

    def resizeEvent(self, ev) -> None:
        self._place()
        super().resizeEvent(ev)

    def _place(self) -> None:
        width = self.width()
        needed = self.label.heightForWidth(width) if self.label.wordWrap() else self.label.sizeHint().height()
        height = max(self._reserved, needed)
        if height != self.height():  # a line more or less: only then does the layout run
            self.setFixedHeight(height)
        if self._fill:
            self.label.setGeometry(0, 0, width, self.height())
        else:
            self.label.setGeometry(0, 0, min(width, self.label.sizeHint().width()), self.height())
