"""Drawing once and blitting: the transparent pixmap a widget draws a costly part into."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap


def clear_pixmap(width: float, height: float, ratio: float) -> QPixmap:
    """A transparent pixmap of ``width`` x ``height`` device-independent pixels at pixel ratio ``ratio``."""
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    return pixmap
