"""The History tab's top card: progress in a player's words (:mod:`buzzfinder_app.practice.progress`).

Today's practice toward the daily goal (a bar and a sentence), the streak with a five-week calendar
strip (Monday to Sunday, a day coloured by how much was played), and this week's spots.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from buzzfinder_app.practice.progress import Progress
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.words import plural

CELL, GAP, HEAD = 12, 3, 14


class DayStrip(QWidget):
    """Five weeks of days, a row per week (Monday on the left, this week at the bottom): empty days
    are outlined, days practised filled, brighter the nearer they came to the goal; today is ringed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.progress: Progress | None = None
        self.setFixedSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(7 * (CELL + GAP), HEAD + 5 * (CELL + GAP))

    def set_progress(self, progress: Progress) -> None:
        self.progress = progress
        days = [d for d, m in progress.days.items() if m]
        self.setToolTip(f"{len(days)} of the last {plural(len(progress.days), 'day')} practised"
                        if progress.days else "")
        self.update()

    def fill(self, minutes: float) -> float:
        """How bright a day is: 0 (none) up to 1 (the goal's minutes, or any practice for a goal of
        repetitions)."""
        if not minutes or self.progress is None:
            return 0.0
        if self.progress.goal_kind != "minutes":
            return 1.0
        return min(1.0, 0.35 + 0.65 * minutes / self.progress.goal)

    def paintEvent(self, _event) -> None:
        if self.progress is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(P.qcolor(P.TEXT_DIM))
        font = painter.font()
        font.setPixelSize(9)
        painter.setFont(font)
        for column, letter in enumerate("MTWTFSS"):
            painter.drawText(QRectF(column * (CELL + GAP), 0, CELL + 2, HEAD - 2), Qt.AlignCenter, letter)
        for i, (day, minutes) in enumerate(self.progress.days.items()):
            rect = QRectF((i % 7) * (CELL + GAP) + 1, HEAD + (i // 7) * (CELL + GAP) + 1, CELL, CELL)
            level = self.fill(minutes)
            painter.setBrush(P.qcolor(P.METER_OK, int(60 + 195 * level)) if level else Qt.NoBrush)
            ring = day == self.progress.today
            painter.setPen(QPen(P.qcolor(P.TEXT if ring else P.BORDER), 1.5 if ring else 1))
            painter.drawRoundedRect(rect, 2, 2)
        painter.end()


class ProgressCard(QFrame):
    """Goal, streak and spots, set from a :class:`~buzzfinder_app.practice.progress.Progress`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.goal_text = QLabel("")
        self.goal_text.setObjectName("h2")
        self.goal_bar = QProgressBar()
        self.goal_bar.setTextVisible(False)
        self.goal_bar.setFixedHeight(8)
        self.goal_bar.setMaximumWidth(360)
        self.streak_text = QLabel("")
        self.spots_text = QLabel("")
        self.strip = DayStrip()

        words = QVBoxLayout()
        words.setSpacing(4)
        words.addWidget(caption("PROGRESS"))
        words.addWidget(self.goal_text)
        words.addWidget(self.goal_bar)
        words.addWidget(self.streak_text)
        words.addWidget(self.spots_text)
        words.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 10, 16, 10)
        lay.setSpacing(16)
        lay.addLayout(words)
        lay.addWidget(self.strip, 0, Qt.AlignVCenter)
        lay.addStretch(1)

    def set_progress(self, progress: Progress) -> None:
        self.goal_text.setText(progress.goal_text())
        self.goal_bar.setRange(0, progress.goal)
        self.goal_bar.setValue(min(progress.done, progress.goal))
        self.streak_text.setText(progress.streak_text())
        self.spots_text.setText(progress.spots_text())
        self.strip.set_progress(progress)
