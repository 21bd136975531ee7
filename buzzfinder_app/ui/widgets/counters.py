"""Session counters: notes played and how many of each class."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from buzzfinder_app.ui import palette as P


class _Stat(QVBoxLayout):
    def __init__(self, caption: str, colour: str | None = None):
        super().__init__()
        self.setSpacing(0)
        self.value = QLabel("0")
        self.value.setObjectName("stat")
        if colour:
            self.value.setStyleSheet(f"color: {colour};")
        cap = QLabel(caption)
        cap.setObjectName("caption")
        self.addWidget(self.value)
        self.addWidget(cap)


class SessionCounters(QFrame):
    """Notes, clean, buzzy, muted, unsure and the clean share of the current session."""

    KEYS = ("clean", "buzzy", "muted", "unsure")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.counts = dict.fromkeys(self.KEYS, 0)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(20, 10, 20, 10)
        lay.setSpacing(28)
        self.total = _Stat("NOTES")
        lay.addLayout(self.total)
        self.stats = {}
        for key in self.KEYS:
            style = P.style_for(key)
            stat = _Stat(f"{style.symbol} {style.title.upper()}", style.text_color)
            self.stats[key] = stat
            lay.addLayout(stat)
        self.share = _Stat("CLEAN SHARE")
        lay.addLayout(self.share)
        lay.addStretch(1)
        self.elapsed = _Stat("SESSION")
        self.elapsed.value.setText("–")
        lay.addLayout(self.elapsed)
        self.set_counts({})

    @property
    def total_notes(self) -> int:
        return sum(self.counts.values())

    def set_counts(self, counts: dict[str, int]) -> None:
        """Draw the run's counts (the live session keeps them)."""
        self.counts = {key: int(counts.get(key, 0)) for key in self.KEYS}
        self._refresh()

    def set_elapsed(self, seconds: float | None) -> None:
        if seconds is None:
            self.elapsed.value.setText("–")
        else:
            m, s = divmod(int(seconds), 60)
            self.elapsed.value.setText(f"{m}:{s:02d}")

    def _refresh(self) -> None:
        self.total.value.setText(str(self.total_notes))
        for key, stat in self.stats.items():
            stat.value.setText(str(self.counts[key]))
        judged = sum(self.counts[k] for k in ("clean", "buzzy", "muted"))
        self.share.value.setText(f"{self.counts['clean'] / judged:.0%}" if judged else "–")
