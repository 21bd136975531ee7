"""The set-up guide: shown on the first launch, and again from Help ▸ Set-up guide….

Four steps, each skippable, the whole guide too ("Skip set-up"): choose the input (the device list
and input box of the settings, with a level meter to show that the guitar is heard), calibrate (the
calibration wizard), tune the guitar (the tuner), and one repetition of the pressure ladder, drawn
and then judged as the player plays it. :attr:`AppSettings.setup_guide` remembers that it was done or
skipped, so it opens by itself only once; never for ``--input-file`` or with
``LaunchOptions.ask_calibration=False`` (what the tests use), nor where an input has been calibrated
already (someone who used the app before).

The window stops listening before the guide opens. The guide listens to the input itself (an
:class:`~buzzfinder_app.ui.tuner.InputListener`) on the input and tuner pages; on the ladder page
the window listens again (its :class:`~buzzfinder_app.ui.live_session.LiveSession`, calibrated, with
the model) and the page judges the final verdicts it hears. Leaving the page stops that run; closing
the guide there leaves the window listening.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFormLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea,
    QStackedWidget, QVBoxLayout, QWidget,
)

from buzzfinder_app.ui import palette as P
from buzzfinder_app.audio.devices import input_name
from buzzfinder_app.ui.ladder_picture import LadderPicture
from buzzfinder_app.ui.ladder_trial import LadderTrial
from buzzfinder_app.ui.tuner import InputListener, TunerView, listen_to_chosen_input
from buzzfinder_app.ui.widgets.input_box import InputBox
from buzzfinder_app.ui.widgets.level_meter import LevelMeter
from buzzfinder_app.words import plural

STEP_TITLES = ("Input", "Calibrate", "Tune", "The ladder")
#: The largest the guide grows to, and how much of the screen it leaves free around it.
MAX_SIZE = QSize(980, 720)
SCREEN_MARGIN = QSize(80, 60)


def _text(text: str, name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.RichText)
    label.setOpenExternalLinks(False)
    if name:
        label.setObjectName(name)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("h1")
    return label


def _card() -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    return frame


class _Page(QScrollArea):
    """A page that scrolls rather than squeezes on a small screen."""

    title = ""

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.lay = QVBoxLayout(self.body)
        self.lay.setContentsMargins(4, 4, 12, 4)
        self.lay.setSpacing(14)
        self.lay.addWidget(_heading(self.title))
        self.setWidget(self.body)


class InputPage(_Page):
    title = "Choose your input"

    def __init__(self, guide: "SetupGuide"):
        super().__init__()
        self.guide = guide
        services, settings = guide.services, guide.settings
        self.lay.addWidget(_text(
            "Welcome to buzzfinder. It listens to your guitar, finds each note you play and tells you "
            "whether it rang <b>clean</b>, <b>buzzed</b> against a fret or was <b>muted</b>. Four short steps "
            "get you ready. Skip any of them; this guide stays under <b>Help ▸ Set-up guide…</b>"))
        self.device_box = QComboBox()
        self.channel_box = InputBox()
        for dev in services.devices:
            self.device_box.addItem(dev.name, dev)
        current = services.device_name(settings.device)
        self.device_box.setCurrentIndex(max(0, self.device_box.findText(current)))
        self.channel_box.show_inputs(self.device_box.currentData(), services.channel(settings))
        self.device_box.currentIndexChanged.connect(self._device_changed)
        self.channel_box.currentIndexChanged.connect(lambda _: self.guide.listen_for_page())
        self.meter = LevelMeter()
        self.meter.setMinimumHeight(150)
        self.meter.set_gate(None)
        self.message = _text("")

        card = _card()
        row = QHBoxLayout(card)
        row.setContentsMargins(18, 14, 18, 14)
        row.setSpacing(24)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(_text("Which microphone or audio interface hears your guitar?", "h2"))
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.addRow("Device", self.device_box)
        form.addRow("Input", self.channel_box)
        left.addLayout(form)
        left.addWidget(_text("Play a few notes: the bar on the right should jump. If it stays still, choose "
                             "another device or input.", "dim"))
        left.addWidget(self.message)
        left.addStretch(1)
        row.addLayout(left, 1)
        row.addWidget(self.meter, 0, Qt.AlignRight)
        self.lay.addWidget(card)
        self.lay.addWidget(_text(
            "<b>Tips.</b> A laptop's or phone's built-in microphone works: put the guitar about an arm's length "
            "away, facing the sound hole, in a quiet room. An electric guitar is best plugged into an audio "
            "interface; choose the input its cable is in.", "dim"))
        self.lay.addStretch(1)
        if not services.devices:
            self.device_box.setEnabled(False)
            self.channel_box.setEnabled(False)
            self.show_problem("No microphone or audio interface was found. Connect one and open this guide again "
                              "from Help ▸ Set-up guide…, or skip this step for now.")

    def _device_changed(self, _index: int) -> None:
        self.channel_box.show_inputs(self.device_box.currentData(), 1)
        self.guide.listen_for_page()

    def show_problem(self, text: str) -> None:
        self.message.setText(f"<span style='color:{P.WARNING}'>{text}</span>" if text else "")

    @property
    def device_name(self) -> str:
        return self.device_box.currentText()

    @property
    def channel(self) -> int:
        return self.channel_box.channel

    def listen(self, listener: InputListener) -> None:
        dev = self.device_box.currentData()
        if dev is None:
            return
        settings = self.guide.settings
        rate = settings.sample_rate if self.device_name == self.guide.services.device_name(settings.device) else None
        if listener.start(dev.index, rate, input_name(self.device_name, self.channel), self.channel):
            self.show_problem("")

    def save(self) -> None:
        """The input chosen becomes the app's."""
        if self.device_box.count() == 0:
            return
        settings = self.guide.settings
        if self.device_name != self.guide.services.device_name(settings.device):
            settings.sample_rate = None  # the old device's rate may not suit the new one
        settings.device = self.device_name
        settings.channel = self.channel


class CalibratePage(_Page):
    title = "Calibrate"

    def __init__(self, guide: "SetupGuide"):
        super().__init__()
        self.guide = guide
        self.lay.addWidget(_text(
            "buzzfinder measures how quiet your room is and how loud your notes are, so that it hears every "
            "note you play and nothing else. It takes about 20 seconds: 3 seconds of silence, then five single "
            "notes at your normal strength, each left to ring."))
        card = _card()
        lay = QVBoxLayout(card)
        lay.setContentsMargins(18, 16, 18, 16)
        lay.setSpacing(12)
        self.button = QPushButton("Calibrate now…")
        self.button.setObjectName("primary")
        self.button.setMinimumWidth(200)
        self.button.clicked.connect(self.calibrate)
        self.status = _text("")
        lay.addWidget(_text("<b>1.</b> Keep the room quiet and the strings still for 3 seconds.<br>"
                            "<b>2.</b> Play five single notes, one at a time, as you normally would."))
        lay.addWidget(self.button, 0, Qt.AlignLeft)
        lay.addWidget(self.status)
        self.lay.addWidget(card)
        self.lay.addWidget(_text("You can calibrate again at any time from Practice ▸ Calibrate input…, for "
                                 "instance after moving the microphone.", "dim"))
        self.lay.addStretch(1)

    @property
    def calibration(self):
        return self.guide.services.calibration_for(self.guide.settings)

    def refresh(self) -> None:
        cal = self.calibration
        has_input = bool(self.guide.services.devices)
        self.button.setEnabled(has_input)
        self.button.setText("Calibrate again…" if cal is not None else "Calibrate now…")
        if not has_input:
            self.status.setText("There is no input to calibrate: connect one first.")
        elif cal is None:
            self.status.setText(f"“{self.guide.services.input_name(self.guide.settings)}” is not calibrated yet.")
        else:
            colour = P.CLASS_STYLES["clean"].color
            advice = "".join(f"<br>⚠ {w.message}" for w in cal.warnings)
            self.status.setText(f"<span style='color:{colour}'><b>✓ Calibrated</b></span>: gain "
                                f"{cal.gain_db:+.1f} dB, note gate {cal.gate_dbfs:.0f} dBFS, "
                                f"{plural(cal.notes_detected, 'note')} heard."
                                f"<span style='color:{P.WARNING}'>{advice}</span>")

    def calibrate(self) -> None:
        self.guide.listener.stop()  # the wizard needs the input to itself
        self.guide.calibrate()
        self.refresh()
        self.guide.update_buttons()


class TunePage(_Page):
    title = "Tune your guitar"

    def __init__(self, guide: "SetupGuide"):
        super().__init__()
        self.guide = guide
        self.lay.addWidget(_text(
            "A string out of tune sounds wrong however well you press it. Pluck one <b>open</b> string at a "
            "time, let it ring, and turn its tuning peg slowly until the needle rests in the green band. "
            "Standard tuning, thickest string to thinnest: <b>E A D G B E</b>."))
        self.tuner = TunerView()
        self.tuner.setMinimumHeight(330)
        self.status = _text("", "dim")
        self.lay.addWidget(self.tuner, 1)
        self.lay.addWidget(self.status)

    def listen(self, listener: InputListener) -> None:
        self.tuner.reset()
        services, settings = self.guide.services, self.guide.settings
        if listen_to_chosen_input(listener, services, settings):
            self.status.setText(f"Listening to {services.input_name(settings)}.")


class LadderPage(_Page):
    """The ladder drawn, and one repetition of it judged from the notes the window's session hears."""

    title = "The pressure ladder"

    def __init__(self, guide: "SetupGuide"):
        super().__init__()
        self.guide = guide
        self._waiting = False  # the last run is still ending: listen once it has
        self.lay.addWidget(_text(
            "This is the exercise buzzfinder is built around. Choose a string and a fret (the G string at "
            "fret 5 is a good start) and play the same note three times, pressing a little more each time:"))
        self.picture = LadderPicture()
        self.picture.setMinimumHeight(260)
        self.picture.setMaximumHeight(360)
        self.lay.addWidget(self.picture, 4)  # it takes the room there is, up to its largest
        self.status = _text("", "dim")
        self.trial = LadderTrial()
        self.trial.completed.connect(lambda: self.picture.set_step(None))
        self.trial.setVisible(guide.session is not None)  # without a window's session: the picture only
        self.lay.addWidget(self.status)
        self.lay.addWidget(self.trial)
        self.lay.addWidget(_text(
            "The third pressure is your <b>lightest clean pressure</b>: anything harder only tires your hand. "
            "On the Live page, the Practice panel runs this ladder on the string and fret you choose and "
            "judges every note."))
        self.lay.addStretch(1)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.picture.play()

    @property
    def current(self) -> bool:
        return self.guide.page() is self

    def listen(self) -> None:
        """A new repetition, judged from what the window hears: its listening starts (once the last run
        has ended, if one is ending)."""
        self.trial.restart()
        session = self.guide.session
        if session is None:
            return
        self._waiting = session.stopping
        if self._waiting:
            self.status.setText("Getting ready to listen…")
        elif session.running or self.guide.listen():
            self.show_listening()
        else:
            why = (f"buzzfinder cannot judge notes: {self.guide.services.model_error}" if session.live is None else
                   "no input could be opened. Check the input (step 1), or play the ladder on the Live page later")
            self.status.setText(f"<span style='color:{P.WARNING}'>Not listening, so nothing is judged here: "
                                f"{why}.</span>")

    def show_listening(self) -> None:
        if self.current:
            self.status.setText("Listening: play the three notes, one at a time, and let each ring.")

    def run_stopped(self, _reason: str) -> None:
        if self._waiting and self.current:
            self.listen()

    def on_final(self, event, _window=None) -> None:
        """A final verdict of the window's session: judged while this page is shown."""
        if not self.current or self.trial.complete:
            return
        self.trial.judge(event.verdict.label, float(event.verdict.confidence), event.pitch_hz)
        if not self.trial.complete:
            self.picture.set_step(self.trial.step)  # the step to play next, lit

    def stop(self) -> None:
        """Another page: the window stops listening (the window was not listening when the guide opened;
        the guide's other pages need the input)."""
        self._waiting = False
        session = self.guide.session
        if session is not None and session.running:
            session.stop()


class SetupGuide(QDialog):
    """``calibrate()`` runs the calibration (the window's wizard); ``source_factory`` makes the input
    the guide listens to (the microphone by default); ``session`` (the window's ``LiveSession``) is
    what the ladder page judges notes from, once ``listen()`` (the window's Start listening) has
    started it."""

    def __init__(self, services, settings, parent=None, calibrate=None, source_factory=None, session=None,
                 listen=None):
        super().__init__(parent)
        self.services = services
        self.settings = settings
        self.session = session
        self._calibrate = calibrate
        self._listen = listen
        self.outcome: str | None = None
        self.setWindowTitle("Set up buzzfinder")
        self.setMinimumSize(760, 560)
        self.listener = InputListener(source_factory, self)
        self.listener.failed.connect(self._on_input_failed)

        self.input_page = InputPage(self)
        self.calibrate_page = CalibratePage(self)
        self.tune_page = TunePage(self)
        self.ladder_page = LadderPage(self)
        self._followed = [] if session is None else [
            (session.final_note, self.ladder_page.on_final), (session.run_started, self.ladder_page.show_listening),
            (session.run_stopped, self.ladder_page.run_stopped)]
        for signal, slot in self._followed:
            signal.connect(slot)
        self.listener.level.connect(self.input_page.meter.set_level)
        self.listener.samples.connect(self.tune_page.tuner.feed)
        self.pages = QStackedWidget()
        for page in (self.input_page, self.calibrate_page, self.tune_page, self.ladder_page):
            self.pages.addWidget(page)

        self.steps = QLabel()
        self.steps.setTextFormat(Qt.RichText)
        self.skip_button = QPushButton("Skip set-up")
        self.skip_button.setToolTip("Close the guide; Help ▸ Set-up guide… opens it again")
        self.skip_button.clicked.connect(self.reject)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("primary")
        self.next_button.setMinimumWidth(150)
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)

        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        line = QFrame()
        line.setFrameShape(QFrame.HLine)
        line.setStyleSheet(f"color: {P.BORDER};")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 16)
        lay.setSpacing(12)
        lay.addWidget(self.steps)
        lay.addWidget(line)
        lay.addWidget(self.pages, 1)
        lay.addLayout(buttons)
        self.fit_to_screen()
        self.go(0)

    # ------------------------------------------------------------------ navigation
    @property
    def index(self) -> int:
        return self.pages.currentIndex()

    def page(self):
        return self.pages.currentWidget()

    def go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        if self.page() is self.calibrate_page:
            self.calibrate_page.refresh()
        self.listen_for_page()
        self.update_buttons()

    def next(self) -> None:
        if self.page() is self.input_page:
            self.input_page.save()
        if self.index == self.pages.count() - 1:
            self.accept()
        else:
            self.go(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def update_buttons(self) -> None:
        last = self.index == self.pages.count() - 1
        self.back_button.setEnabled(self.index > 0)
        if last:
            self.next_button.setText("Finish")
        elif self.page() is self.calibrate_page and self.calibrate_page.calibration is None:
            self.next_button.setText("Skip this step")
        else:
            self.next_button.setText("Next")
        self.steps.setText(self._steps_text())

    def _steps_text(self) -> str:
        parts = []
        for i, title in enumerate(STEP_TITLES):
            if i == self.index:
                parts.append(f"<span style='color:{P.TEXT}'><b>{i + 1}&nbsp;&nbsp;{title}</b></span>")
            elif i < self.index:
                parts.append(f"<span style='color:{P.CLASS_STYLES['clean'].color}'>✓&nbsp;{title}</span>")
            else:
                parts.append(f"<span style='color:{P.TEXT_DIM}'>{i + 1}&nbsp;&nbsp;{title}</span>")
        arrow = f"<span style='color:{P.BORDER}'>&nbsp;&nbsp;—&nbsp;&nbsp;</span>"
        return f"<span style='font-size:12pt'>{arrow.join(parts)}</span>"

    # ------------------------------------------------------------------ listening
    def listen_for_page(self) -> None:
        """Listen on the pages that show the input (the meter, the tuner) with the guide's listener, on
        the ladder page through the window's session; not on the calibration page."""
        page = self.page()
        if page is not self.ladder_page:
            self.ladder_page.stop()
        if page in (self.input_page, self.tune_page):
            page.listen(self.listener)
            return
        self.listener.stop()
        if page is self.ladder_page:
            page.listen()

    def listen(self) -> bool:
        """Start the window's listening (False: it could not, or there is no window)."""
        return self._listen is not None and bool(self._listen())

    def _on_input_failed(self, why: str) -> None:
        text = f"Could not listen to the input: {why}"
        if self.page() is self.input_page:
            self.input_page.show_problem(text)
        elif self.page() is self.tune_page:
            self.tune_page.status.setText(text)

    def calibrate(self) -> None:
        if self._calibrate is not None:
            self._calibrate()

    # ------------------------------------------------------------------ size and ending
    def fit_to_screen(self, available: QSize | None = None) -> None:
        """As large as :data:`MAX_SIZE`, leaving a margin of the screen (``available``: its free area)."""
        if available is None:
            screen = (self.parent().screen() if self.parent() is not None else None) or QGuiApplication.primaryScreen()
            available = screen.availableGeometry().size() if screen is not None else MAX_SIZE + SCREEN_MARGIN
        size = (available - SCREEN_MARGIN).boundedTo(MAX_SIZE).expandedTo(self.minimumSize())
        self.resize(size)

    def accept(self) -> None:
        self.outcome = "done"
        self.settings.setup_guide = "done"
        super().accept()

    def reject(self) -> None:
        if self.outcome is None:
            self.outcome = "skipped"
            if self.settings.setup_guide != "done":  # skipping it again later does not undo a finished set-up
                self.settings.setup_guide = "skipped"
        super().reject()

    def done(self, result: int) -> None:
        self.listener.stop()
        self.ladder_page.picture.stop()
        for signal, slot in self._followed:  # the window's session goes on without the guide
            signal.disconnect(slot)
        self._followed = []
        self.settings.sync()
        super().done(result)


# ---------------------------------------------------------------------- the window's side
def is_first_launch(window) -> bool:
    """The guide opens by itself: microphone mode, not told otherwise, never finished or skipped, and
    no input calibrated yet (someone who has used the app before)."""
    options = window.options
    if options.input_file is not None or not options.ask_calibration:
        return False
    if window.settings.setup_guide is not None:
        return False
    store = window.services.calibrations
    return not (store is not None and store.devices())


def open_setup_guide(window, source_factory=None) -> SetupGuide:
    """The guide over ``window`` (listening stops: the guide needs the input); the window then
    follows the input and calibration chosen."""
    if window.listening:
        window.stop_listening()
    guide = SetupGuide(window.services, window.settings, window, calibrate=window.open_calibration,
                       source_factory=source_factory, session=window.session, listen=window.start_listening)
    guide.exec()
    window._apply_calibration()
    window._update_device_label()
    window.profiles.use_device(window._profile_device())
    window._update_listen_state()
    return guide


def show_on_first_launch(window) -> bool:
    """Open the guide if this is the first launch; True when it was shown."""
    if not is_first_launch(window):
        return False
    open_setup_guide(window)
    return True
