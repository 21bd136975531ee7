"""Small label helpers shared by the views."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


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
