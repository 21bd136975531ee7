"""The live view repaints only what changed: a new verdict or a tick of the session clock must not
repaint the rest of the page (under ``QTabWidget`` each of them repainted the whole page: every
label, button and box, ~2 % of a core while listening)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from buzzfinder_app.constants import LABELS
from buzzfinder_app.engine.verdicts import Verdict

from tests.support.ui import make_window


class EventCounter(QObject):
    """Counts the events of one type (paints by default) that ``widget`` receives."""

    def __init__(self, widget, kind=QEvent.Paint):
        super().__init__()
        self.count = 0
        self.kind = kind
        widget.installEventFilter(self)

    def eventFilter(self, _obj, event):
        if event.type() == self.kind:
            self.count += 1
        return False


def settle(qtbot, counters, quiet_ms=200, timeout_ms=5000):
    """Wait until the window has finished its first layout passes (word-wrapped labels take a
    second one, which a loaded machine delivers late), then zero the counters."""
    waited = 0
    while waited < timeout_ms:
        before = [c.count for c in counters]
        qtbot.wait(quiet_ms)
        waited += quiet_ms
        if [c.count for c in counters] == before:
            break
    for c in counters:
        c.count = 0


def test_verdicts_and_clock_repaint_only_their_own_widgets(qtbot, ui_env, themed_app, no_devices):
    w = make_window()
    qtbot.addWidget(w)
    w.resize(1360, 860)
    w.show()
    qtbot.waitExposed(w)
    card, panel, chips = EventCounter(w.card), EventCounter(w.exercise_panel), EventCounter(w.chips)
    settle(qtbot, (card, panel, chips))
    card_height, wave_geometry = w.card.height(), w.waveform.geometry()

    w.card.show_onset(0, "A2")
    qtbot.wait(30)
    for stage in ("provisional", "final"):
        verdict = Verdict.from_probs([0.2, 0.1, 0.7], LABELS, unsure_threshold=0.7)
        w.card.show_verdict(0, verdict, stage, "A2", 110.0)
        qtbot.wait(30)
    for seconds in (9, 10, 71):
        w.counters.set_elapsed(seconds)
        w.counters.set_counts({"muted": w.counters.counts["muted"] + 1})
        qtbot.wait(30)

    assert card.count >= 3, "the verdict card should have repainted for each change"
    assert (panel.count, chips.count) == (0, 0), "the practice panel and the chips repainted for changes elsewhere"
    assert w.card.height() == card_height and w.waveform.geometry() == wave_geometry


def test_a_steady_box_keeps_a_changing_text_from_laying_the_page_out_again(qtbot, themed_app):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from buzzfinder_app.ui.widgets.labels import SteadyBox

    page = QWidget()
    qtbot.addWidget(page)
    lay = QVBoxLayout(page)
    label = QLabel("Touch the string")
    label.setWordWrap(True)
    box = SteadyBox(label, lines=2)
    lay.addWidget(box)
    lay.addWidget(QLabel("below"))
    page.resize(300, 200)
    page.show()
    qtbot.waitExposed(page)
    qtbot.wait(50)
    requests, two_lines = EventCounter(page, QEvent.LayoutRequest), box.height()
    for text in ("Press a little more", "Just enough more", "Muted — good", "12 of 15"):
        label.setText(text)
        qtbot.wait(20)
    assert requests.count == 0 and box.height() == two_lines  # one line, in the room kept for two
    assert label.geometry() == box.rect()
    label.setText("A prompt long enough to need more than the two lines kept for it in a box this narrow, "
                  "so that the box must grow and the page make room")
    qtbot.waitUntil(lambda: box.height() > two_lines, timeout=1000)
    assert requests.count >= 1 and label.geometry() == box.rect()
    assert box.height() >= label.heightForWidth(box.width())
    label.setText("Short again")
    qtbot.waitUntil(lambda: box.height() == two_lines, timeout=1000)
