"""Tabbed pages: a tab bar over a stack of pages, laid out by a plain layout.

It stands in for ``QTabWidget``, which repaints itself and the whole current page on every layout
request, that is whenever any label on the page changes its text: in the live view that meant a
full-window repaint for each verdict and each tick of the session clock. Here a relayout that moves
nothing repaints nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QTabBar, QVBoxLayout, QWidget


class TabbedPages(QWidget):
    """The part of ``QTabWidget``'s interface the main window uses."""

    currentChanged = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = QTabBar()
        self.bar.setDocumentMode(True)
        self.bar.setExpanding(False)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.bar)
        lay.addWidget(self.stack, 1)
        self.bar.currentChanged.connect(self.stack.setCurrentIndex)
        self.bar.currentChanged.connect(self.currentChanged)

    def addTab(self, page: QWidget, title: str) -> int:
        self.stack.addWidget(page)
        return self.bar.addTab(title)

    def widget(self, index: int) -> QWidget | None:
        return self.stack.widget(index)

    def currentWidget(self) -> QWidget | None:
        return self.stack.currentWidget()

    def setCurrentIndex(self, index: int) -> None:
        self.bar.setCurrentIndex(index)

    def setCurrentWidget(self, page: QWidget) -> None:
        self.bar.setCurrentIndex(self.stack.indexOf(page))
