"""Small label helpers shared by the views."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def caption(text: str) -> QLabel:
    """A small, dim, upper-case section caption (style sheet: ``QLabel#caption``)."""
    lab = QLabel(text)
    lab.setObjectName("caption")
    return lab
