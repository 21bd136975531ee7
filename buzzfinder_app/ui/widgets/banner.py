"""Fault banners shown on top of the window: one line per problem, with advice, closable."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from buzzfinder_app.ui import palette as P

LEVELS = {
    "error": (P.ERROR, "✖"),
    "warning": (P.WARNING, "⚠"),
    "info": (P.ACCENT, "ℹ"),
}


class _Banner(QFrame):
    closed = Signal(str)

    def __init__(self, key: str, text: str, level: str, parent=None):
        super().__init__(parent)
        colour, icon = LEVELS.get(level, LEVELS["info"])
        self.key, self.level = key, level
        self.setObjectName("banner")
        self.setStyleSheet(
            f"QFrame#banner {{ background: {P.rgba(colour, 40)}; border: 1px solid {colour}; border-radius: 8px; }}"
        )
        self.icon = QLabel(icon)
        self.icon.setStyleSheet(f"color: {colour}; font-size: 14pt;")
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextFormat(self.text.textFormat().PlainText)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setFixedWidth(32)
        close.setToolTip("Dismiss")
        close.setStyleSheet("QPushButton { border: none; background: transparent; padding: 2px; }")
        close.clicked.connect(lambda: self.closed.emit(self.key))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 6, 6)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(close)


class BannerArea(QWidget):
    """Holds the current banners by key; showing a key again replaces its text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._banners: dict[str, _Banner] = {}
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(6)
        self.setVisible(False)

    def show_message(self, key: str, text: str, level: str = "warning") -> None:
        self.clear(key)
        banner = _Banner(key, text, level, self)
        banner.closed.connect(self.clear)
        self._banners[key] = banner
        self._lay.addWidget(banner)
        self.setVisible(True)

    def clear(self, key: str) -> None:
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self._banners))

    def messages(self) -> dict[str, str]:
        """Current banners, key → text."""
        return {k: b.text.text() for k, b in self._banners.items()}
