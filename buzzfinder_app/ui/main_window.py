"""The main window: it assembles the pages (live view, recordings, history, profiles), the menus, the
status bar and the fault banners. The live view's state lives in :class:`LiveSession`; its widgets draw it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QFrame, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton,
    QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.ui.event_log import EventLog
from buzzfinder_app.ui.exercise_panel import ExercisePanel
from buzzfinder_app.ui.fault_log import relay
from buzzfinder_app.ui.live_session import LiveSession
from buzzfinder_app.ui.profile_bar import ProfileBar
from buzzfinder_app.ui.profile_control import ProfileControl
from buzzfinder_app.ui.services import Services
from buzzfinder_app.ui.settings import SettingsDialog
from buzzfinder_app.ui.stage_view import StageMode
from buzzfinder_app.audio.sources import FilePlaybackSource, MicInput
from buzzfinder_app.ui.widgets.banner import BannerArea
from buzzfinder_app.ui.widgets.chips import ChipStrip
from buzzfinder_app.ui.widgets.counters import SessionCounters
from buzzfinder_app.ui.widgets.level_meter import LevelMeter
from buzzfinder_app.ui.widgets.pages import TabbedPages
from buzzfinder_app.ui.widgets.verdict_card import VerdictCard
from buzzfinder_app.ui.widgets.waveform import ScrollingWaveform
from buzzfinder_app.words import plural


@dataclass
class LaunchOptions:
    """What the command line asked for."""

    input_file: Path | None = None
    loop: bool = False
    exit_when_done: bool = False
    model_path: Path | None = None
    ask_calibration: bool = True
    #: Playback speed of ``input_file`` (1.0 = real time; tests play faster).
    speed: float = 1.0
    #: Append every note event to this file as a JSON line (``--event-log``).
    event_log: Path | None = None
    #: Open in the full-screen stage view (``--stage``).
    stage: bool = False



PREFERRED_SIZE = (1360, 860)
#: Small enough for a 1366 x 768 laptop screen less its panel and the title bar.
MINIMUM_SIZE = (1180, 680)
#: Room left for the window's title bar and frame, which the window's own size does not include.
FRAME_ALLOWANCE = (16, 48)


def fit_window(preferred: tuple[int, int], minimum: tuple[int, int],
               available: tuple[int, int] | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """(size, minimum size) of a window on a screen whose free area is ``available`` (None: unknown).

    >>> fit_window((1360, 860), (1180, 680), (1366, 738))
    ((1350, 690), (1180, 680))
    >>> fit_window((1360, 860), (1180, 680), (1920, 1050))
    ((1360, 860), (1180, 680))
    """
    if available is None:
        return preferred, minimum
    room = (available[0] - FRAME_ALLOWANCE[0], available[1] - FRAME_ALLOWANCE[1])
    size = tuple(min(p, r) for p, r in zip(preferred, room))
    return size, tuple(min(m, s) for m, s in zip(minimum, size))


NO_DEVICE = ("No microphone or other input device was found. Connect one and press Start listening (Space); "
             "recordings and history still work.")


class _FillingPage(QWidget):
    """A page that its scroll area shrinks to its minimum before it scrolls (the waveform gives way
    first): the area would otherwise keep it at its preferred size and scroll."""

    def sizeHint(self):
        return self.minimumSizeHint()

    def heightForWidth(self, width: int) -> int:  # asked instead of sizeHint: its layout wraps text
        return self.minimumSizeHint().height()


class MainWindow(QMainWindow):
    """Everything the player sees; the services (model, store, devices) are opened by :class:`Services`."""

    #: Emitted once a ``--input-file`` run has ended and its last verdict is stored.
    file_done = Signal()
    #: A ``--input-file`` run could not start or failed: the reason and an exit status (2: no model, 1:
    #: the file or the analysis); ``--exit-when-done`` exits with them.
    file_failed = Signal(str, int)
    #: The window was closed (the app quits).
    closed = Signal()

    def __init__(self, options: LaunchOptions | None = None, services: Services | None = None):
        super().__init__()
        self.options = options or LaunchOptions()
        self.event_log = EventLog(self.options.event_log) if self.options.event_log else None
        self.services = services or Services.open(self.options.model_path)
        self.settings = self.services.settings
        self.setWindowTitle("buzzfinder")
        self._fit_to_screen()
        self.setAcceptDrops(True)

        self.banner = BannerArea()
        self.session = LiveSession(self.services.model, self.services.store, self.settings.exercise_defaults,
                                   self.settings.unsure_threshold, self.event_log, self)
        self.live = self.session.live  # None without a model
        self.profiles = ProfileControl(self.services, self.live, self)
        self.profiles.failed.connect(self._on_profile_failed)
        self.session.store_failed.connect(self._on_store_failed)
        relay().raised.connect(self._on_fault)
        self._device_lost = False  # the device vanished: look for devices again before listening

        self.tabs = TabbedPages()
        self.tabs.addTab(self._build_live_tab(), "Live")
        self.recordings_view = self._make_recordings_view()
        self.tabs.addTab(self.recordings_view, "Recordings")
        self.history_view = self._make_history_view()
        self.tabs.addTab(self.history_view, "History")
        self.profiles_view = self._make_profiles_view()
        self.tabs.addTab(self.profiles_view, "Profiles")
        self.tabs.currentChanged.connect(self._tab_changed)

        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(16, 12, 16, 8)
        lay.setSpacing(10)
        lay.addLayout(self._build_header())
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self._build_status_bar()
        self._build_actions()
        self.stage = StageMode(self)  # the stage view (F11, the button, --stage) and the sound cues
        self._draw_left_handed(self.settings.left_handed)

        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()

        for view in (self.card, self.chips, self.waveform):
            self.session.note_changed.connect(view.show_note)
        self.session.counts_changed.connect(self.counters.set_counts)
        self.session.run_started.connect(self._on_run_started)
        self.session.run_stopped.connect(self._on_stopped)
        self.session.saved.connect(self._on_session_saved)
        if self.live is not None:
            self.live.level.connect(self.meter.set_level)
            self.live.samples.connect(self.waveform.append)
            self.meter.follow(self.waveform.timer)
            self.live.source_failed.connect(self._on_source_failed)
            self.live.engine_failed.connect(self._on_engine_failed)
            self.live.dropped.connect(self._on_dropped)
            self.live.lag.connect(self._on_lag)
        self._apply_calibration()
        self.profiles.use_device(self._profile_device())
        self._show_service_faults()
        self._update_listen_state()
        QApplication.instance().aboutToQuit.connect(self._shutdown)

    def _fit_to_screen(self) -> None:
        """Open at the preferred size where the screen has room, never larger than its free area."""
        screen = self.screen() or QApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        size, minimum = fit_window(PREFERRED_SIZE, MINIMUM_SIZE,
                                   (available.width(), available.height()) if available is not None else None)
        self.setMinimumSize(*minimum)
        self.resize(*size)

    # ------------------------------------------------------------------------------ building
    def _build_header(self) -> QHBoxLayout:
        title = QLabel("buzzfinder")
        title.setObjectName("h1")
        subtitle = QLabel("find the lightest pressure that sounds clean")
        subtitle.setObjectName("dim")
        self.listen_button = QPushButton("●  Start listening")
        self.listen_button.setObjectName("primary")
        self.listen_button.setCheckable(True)
        self.listen_button.setMinimumWidth(180)
        self.listen_button.setToolTip("Start or stop listening (Space)")
        self.listen_button.clicked.connect(self.toggle_listening)
        self.source_label = QLabel()
        self.source_label.setObjectName("dim")
        self.calibrate_button = QPushButton("Calibrate…")
        self.calibrate_button.clicked.connect(self.open_calibration)
        self.settings_button = QPushButton("Settings…")
        self.settings_button.clicked.connect(self.open_settings)
        self.stage_button = QPushButton("Stage view")
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(title)
        row.addWidget(subtitle, 0, Qt.AlignBottom)
        row.addStretch(1)
        row.addWidget(self.source_label)
        row.addWidget(self.calibrate_button)
        row.addWidget(self.settings_button)
        row.addWidget(self.stage_button)
        row.addWidget(self.listen_button)
        return row

    def _build_live_tab(self) -> QWidget:
        self.card = VerdictCard()
        self.meter = LevelMeter()
        self.waveform = ScrollingWaveform()
        self.chips = ChipStrip()
        self.counters = SessionCounters()
        self.exercise_panel = ExercisePanel(self.session, self.settings.exercise_defaults,
                                            self.settings.neck_defaults, self.settings.left_handed)
        self.exercise_panel.settings_chosen.connect(self._remember_exercise)
        self.exercise_panel.neck_chosen.connect(self._remember_neck)
        self.exercise_panel.left_handed_changed.connect(self._remember_left_handed)
        practice = QScrollArea()  # the panel scrolls rather than squeezes in a small window
        practice.setWidget(self.exercise_panel)
        practice.setWidgetResizable(True)
        practice.setFixedWidth(412)
        practice.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

        wave_card = QFrame()
        wave_card.setObjectName("card")
        wave_card.setMinimumHeight(140)
        wl = QVBoxLayout(wave_card)
        wl.setContentsMargins(14, 10, 14, 10)
        head = QHBoxLayout()
        head.addWidget(caption("INPUT"))
        head.addStretch(1)
        self.gate_label = QLabel("gate: default")
        self.gate_label.setObjectName("dim")
        head.addWidget(self.gate_label)
        wl.addLayout(head)
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.waveform, 1)
        row.addWidget(self.meter)
        wl.addLayout(row, 1)

        chip_card = QFrame()
        chip_card.setObjectName("card")
        cl = QVBoxLayout(chip_card)
        cl.setContentsMargins(14, 8, 14, 8)
        self.profile_bar = ProfileBar(self.profiles)
        self.profile_bar.teach_requested.connect(self.open_teach)
        self.profile_bar.new_requested.connect(self.new_profile)
        self.chips.confirming = self.profiles.available
        self.chips.confirm_requested.connect(self.keep_example)
        chip_head = QHBoxLayout()
        chip_head.addWidget(caption("RECENT NOTES"))
        chip_head.addStretch(1)
        chip_head.addWidget(self.profile_bar)
        cl.addLayout(chip_head)
        cl.addWidget(self.chips)

        for fixed in (self.card, chip_card, self.counters):  # in a small window only the waveform shrinks
            fixed.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.card)
        left.addWidget(wave_card, 1)
        left.addWidget(chip_card)
        left.addWidget(self.counters)

        page = _FillingPage()
        lay = QHBoxLayout(page)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.setSpacing(12)
        lay.addLayout(left, 1)
        lay.addWidget(practice)
        scroller = QScrollArea()  # too little height (a small screen, a banner): scroll, never overlap
        scroller.setWidget(page)
        scroller.setWidgetResizable(True)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        return scroller

    def _make_recordings_view(self) -> QWidget:
        from buzzfinder_app.ui.recordings_view import RecordingsView

        view = RecordingsView(self.services.model_path if self.services.model is not None else None,
                              unsure_threshold=self.settings.unsure_threshold, settings=self.settings)
        if self.services.model is None:
            view.set_unavailable(f"Recordings cannot be analysed: {self.services.model_error}")
        return view

    def _make_history_view(self) -> QWidget:
        from buzzfinder_app.ui.history_view import HistoryView

        return HistoryView(self.services.store, settings=self.settings)

    def _make_profiles_view(self) -> QWidget:
        from buzzfinder_app.ui.profiles_view import ProfilesView

        view = ProfilesView(self.profiles, self.services.model)
        view.teach_requested.connect(self.open_teach)
        return view

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_status = QLabel()
        self.overflow_status = QLabel("dropped audio: 0")
        self.overflow_status.setToolTip("Blocks of audio lost because the computer was busy (never fatal)")
        self.lag_status = QLabel()
        self.lag_status.setToolTip("Audio heard but not judged yet; beyond 1 s it is dropped, so verdicts "
                                   "never fall behind your playing")
        self.model_status = QLabel()
        self.store_status = QLabel()
        bar.addWidget(self.device_status)
        bar.addWidget(self.overflow_status)
        bar.addWidget(self.lag_status)
        bar.addPermanentWidget(self.store_status)
        bar.addPermanentWidget(self.model_status)

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = QAction("&Open recording…", self)
        self.open_action.setShortcut(QKeySequence.Open)
        self.open_action.triggered.connect(self.open_recording)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        practice = menu.addMenu("&Practice")
        self.listen_action = QAction("Start/stop &listening", self)
        self.listen_action.setShortcut(QKeySequence(Qt.Key_Space))
        self.listen_action.setShortcutContext(Qt.WindowShortcut)
        self.listen_action.triggered.connect(self.toggle_listening)
        practice.addAction(self.listen_action)
        self.next_action = QAction("&Next repetition", self)
        self.next_action.setShortcut(QKeySequence(Qt.Key_N))
        self.next_action.triggered.connect(self.session.next_repetition)
        practice.addAction(self.next_action)
        practice.addSeparator()
        self.calibrate_action = QAction("&Calibrate input…", self)
        self.calibrate_action.triggered.connect(self.open_calibration)
        practice.addAction(self.calibrate_action)
        self.tuner_action = QAction("&Tuner…", self)
        self.tuner_action.triggered.connect(self.open_tuner)
        practice.addAction(self.tuner_action)
        settings = QAction("&Settings…", self)
        settings.setShortcut(QKeySequence.Preferences)
        settings.triggered.connect(self.open_settings)
        practice.addAction(settings)
        practice.addSeparator()
        self.teach_action = QAction("&Teach it your guitar…", self)
        self.teach_action.triggered.connect(self.open_teach)
        practice.addAction(self.teach_action)

        help_menu = menu.addMenu("&Help")
        self.setup_action = QAction("&Set-up guide…", self)
        self.setup_action.triggered.connect(self.open_setup_guide)
        help_menu.addAction(self.setup_action)
        self.about_action = QAction("&About buzzfinder", self)
        self.about_action.setShortcut(QKeySequence(Qt.Key_F1))
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        for action in (self.listen_action, self.next_action, self.about_action, self.open_action):
            self.addAction(action)

    # ------------------------------------------------------------------------------ state
    def _show_service_faults(self) -> None:
        s = self.services
        if s.model_error:
            self.banner.show_message("model", f"The model could not be loaded: {s.model_error}. Live verdicts "
                                     "and recording analysis are off; history still works.", "error")
            self.model_status.setText("model: none")
        else:
            meta = s.model.metadata
            self.model_status.setText(f"model: {meta.name} {meta.version}")
        if s.store_error:
            self.banner.show_message("store", f"Practice history cannot be saved: {s.store_error}. "
                                     "Listening still works, but sessions are not stored.", "warning")
            self.store_status.setText("history: not saving")
        else:
            self.store_status.setText("history: saving")
        if s.calibration_error:
            self.banner.show_message("calibration", s.calibration_error, "info")
        if not s.devices and self.options.input_file is None:
            self.banner.show_message("device", NO_DEVICE, "warning")
        self._update_device_label()

    def _update_device_label(self) -> None:
        if self.options.input_file is not None:
            self.device_status.setText(f"input: {Path(self.options.input_file).name} (file)")
        elif not self.services.devices:
            self.device_status.setText("input: no device")
        else:
            self.device_status.setText(f"input: {self.services.input_name(self.settings)}")

    def _update_listen_state(self) -> None:
        can = self.live is not None  # without a device, starting looks for one again
        running = self.live is not None and self.live.running
        self.listen_button.setEnabled(can or running)
        self.listen_button.setChecked(running)
        self.listen_button.setText("■  Stop listening" if running else "●  Start listening")
        can_calibrate = bool(self.services.devices) and not self.listening
        why = "" if can_calibrate else ("Stop listening to calibrate" if self.listening else
                                        "No input device to calibrate")
        for control in (self.calibrate_button, self.calibrate_action):  # the button and the menu agree
            control.setEnabled(can_calibrate)
            control.setToolTip(why or "Measure the room's noise and your level (about 20 s)")
        if self.options.input_file is not None:
            self.source_label.setText(f"playing {Path(self.options.input_file).name}" if running else "")
        else:
            self.source_label.setText("listening" if running else "")

    def _apply_calibration(self) -> None:
        """Gain and gate of the current device's stored calibration, if any."""
        cal = None if self.options.input_file is not None else self.services.calibration_for(self.settings)
        gain = float(cal.linear_gain) if cal else 1.0
        gate = float(cal.gate_dbfs) if cal else None
        if self.live is not None:
            self.live.gain = gain
            self.live.configure(gate_db=gate)
        self.meter.set_gate(gate if gate is not None else self.services.default_gate_dbfs)
        levelled = cal.warning("levelled") if cal else None  # (no calibration applies to a file)
        if self.options.input_file is not None:
            self.gate_label.setText("file input: played as recorded")
        else:
            self.gate_label.setText((f"gain {cal.gain_db:+.1f} dB · gate {gate:.0f} dBFS" if cal else
                                     "not calibrated — Practice ▸ Calibrate input")
                                    + (" · ⚠ the input levels the sound: buzz may be missed" if levelled else ""))
        # The calibration's advice stays at hand: an input that levels the sound hides buzz.
        self.gate_label.setToolTip(levelled.message if levelled else "")

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history_view:
            self.history_view.refresh()

    def _tick(self) -> None:
        if self.session.running:
            self.counters.set_elapsed(self.waveform.now_s)  # audio time heard in this session

    # ------------------------------------------------------------------------------ listening
    def toggle_listening(self) -> None:
        if self.live is None:
            self._update_listen_state()
            return
        if self.live.stopping:
            return  # the last verdicts of the run that just stopped are still coming
        if self.live.running:
            self.stop_listening()
        else:
            self.start_listening()

    def start_listening(self) -> bool:
        if self.live is None:
            if self.options.input_file is not None:
                self.file_failed.emit(f"the model could not be loaded: {self.services.model_error}", 2)
            return False
        if self.session.busy:
            return False
        device = None
        try:
            if self.options.input_file is not None:
                source = FilePlaybackSource(self.options.input_file, loop=self.options.loop,
                                            speed=self.options.speed)
            else:
                if not self.services.devices or self._device_lost or self.services.scanning:
                    self._look_for_devices()  # off the GUI thread: listening starts once a device is found
                    return False
                device = self.services.input_name(self.settings)
                source = MicInput(self.services.device_id(self.settings.device), self.settings.sample_rate,
                                  device_name=device, channel=self.services.channel(self.settings))
            self._apply_calibration()
            started = self.session.start(source, device)
        except Exception as exc:
            self.banner.show_message("device", f"Could not start listening: {exc}", "error")
            self._update_listen_state()
            if self.options.input_file is not None:
                self.file_failed.emit(str(exc), 1)
            return False
        if started:
            self.banner.clear("device")
            if device:
                self.settings.last_device_seen = device
        self._update_device_label()
        self._update_listen_state()
        return started

    def _remember_exercise(self, chosen) -> None:
        """The target, finger and count chosen last are the next launch's."""
        self.settings.exercise_defaults = chosen

    def _remember_neck(self, chosen) -> None:
        """So is the neck drill's walk."""
        self.settings.neck_defaults = chosen

    def _remember_left_handed(self, left: bool) -> None:
        """And whether the necks are drawn for a left-handed player: the drill's map (which asked),
        the stage's fretboard and the History's."""
        self.settings.left_handed = left
        self._draw_left_handed(left)

    def _draw_left_handed(self, left: bool) -> None:
        self.stage.view.set_left_handed(left)
        fretboard = getattr(self.history_view, "fretboard", None)
        if fretboard is not None:
            fretboard.set_left_handed(left)

    def _on_run_started(self) -> None:
        if self.services.store is not None:
            self.store_status.setText("history: saving")
        self.card.clear()
        self.chips.clear()
        self.waveform.reset()
        self.meter.reset()
        self._on_dropped(0, 0)

    def _look_for_devices(self) -> None:
        """Ask PortAudio again, off the GUI thread, for the input devices (one plugged in, or back in,
        since it looked); then listen, or say in the banner that there is still none."""
        self._device_lost = False
        self.services.refresh_devices_async(self._devices_found)

    def _devices_found(self) -> None:
        self._update_device_label()
        self._update_listen_state()
        if not self.services.devices:
            self.banner.show_message("device", NO_DEVICE, "warning")
            return
        self.profiles.use_device(self._profile_device())
        self.maybe_ask_calibration()
        self.start_listening()

    def stop_listening(self) -> None:
        if self.live is not None and self.live.running:
            self.live.stop("user")
            self._update_listen_state()

    def start_on_launch(self) -> None:
        """Microphone mode: the set-up guide on the first launch, else offer calibration if this device
        has none; then listen straight away."""
        from buzzfinder_app.ui.setup_guide import show_on_first_launch

        if not show_on_first_launch(self):
            self.maybe_ask_calibration()
        if self.services.devices:
            self.start_listening()

    def _on_stopped(self, reason: str) -> None:
        self._update_listen_state()
        self.source_label.setText("file finished" if reason == "ended" else "")

    def _on_session_saved(self, notes: int, reason: str) -> None:
        if notes:
            counts = self.session.practice.counts
            text = ", ".join(f"{counts[k]} {k}" for k in ("clean", "buzzy", "muted", "unsure") if counts.get(k))
            self.statusBar().showMessage(f"Session saved: {plural(notes, 'note')} ({text}). "
                                         "The History tab has it.", 10000)
        if self.tabs.currentWidget() is self.history_view:
            self.history_view.refresh()
        if reason == "ended":
            self.file_done.emit()
            if self.options.exit_when_done:
                QTimer.singleShot(0, lambda: QApplication.instance().exit(0))

    def _on_source_failed(self, message: str) -> None:
        if self.options.input_file is not None:
            self.banner.show_message("device", f"The input file could not be played: {message}", "error")
            self.file_failed.emit(message, 1)
            return
        self._device_lost = True  # the next start looks for devices again
        self.banner.show_message(
            "device", f"Microphone disconnected ({message}). Listening stopped and the session was saved. "
            "Reconnect it and press Space to go on.", "error")

    def _on_store_failed(self, message: str) -> None:
        self.banner.show_message("store", message, "warning")
        self.store_status.setText("history: not saving")

    def _on_fault(self, what: str, log_path: str) -> None:
        """Something raised that nothing caught: say what, where the details are, and stop listening
        (the session so far is saved) rather than go on showing verdicts that may be wrong."""
        self.banner.show_message(
            "fault", f"Something went wrong inside buzzfinder: {what}. Listening was stopped and the session "
            f"so far was saved. Details: {log_path}", "error")
        if self.event_log is not None:
            self.event_log.write("fault", what=what, log=log_path)
        self.session.stop("error")
        self._update_listen_state()

    def _on_engine_failed(self, message: str) -> None:
        self.banner.show_message("engine", message, "error")
        if self.options.input_file is not None:
            self.file_failed.emit(message, 1)

    def _on_dropped(self, by_input: int, by_engine: int) -> None:
        total = by_input + by_engine
        self.overflow_status.setText(f"dropped audio: {total}" + (f" ({by_engine} while the judge caught up)"
                                                                  if by_engine else ""))
        self.overflow_status.setStyleSheet(f"color: {P.WARNING};" if total else "")

    def _on_lag(self, seconds: float) -> None:
        text = f"judge lag: {seconds:.1f} s" if seconds >= 0.25 else ""
        if self.lag_status.text() != text:
            self.lag_status.setText(text)

    # ------------------------------------------------------------------------------ dialogs
    def open_recording(self, path: str | None = None) -> None:
        """Analyse ``path`` (asked for when None) in the recordings tab; files dropped anywhere come here."""
        self.tabs.setCurrentWidget(self.recordings_view)
        self.recordings_view.open_file(path)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_recording(urls[0])

    @property
    def listening(self) -> bool:
        """A run is on (or still giving its last verdicts): its input is in use."""
        return self.session.busy

    def open_settings(self) -> None:
        if self.listening:
            self._open_settings_dialog()
        else:  # list a device plugged in since: PortAudio restarts off the GUI thread, then the dialog opens
            self.services.refresh_devices_async(self._open_settings_dialog)

    def _open_settings_dialog(self) -> None:
        if not self.listening:
            if self.services.devices and self.banner.messages().get("device") == NO_DEVICE:
                self.banner.clear("device")
            self._update_device_label()
            self._update_listen_state()
        thr = self.services.model.unsure_threshold if self.services.model is not None else None
        dlg = SettingsDialog(self.settings, self.services.devices, thr, self, listening=self.listening)
        if dlg.exec():
            self.exercise_panel.apply_settings(self.settings.exercise_defaults)
            if self.live is not None:
                self.live.configure(unsure_threshold=self.settings.unsure_threshold)
            self.recordings_view.unsure_threshold = self.settings.unsure_threshold
            self._apply_calibration()
            self._update_device_label()
            self.profiles.use_device(self._profile_device())
            self.maybe_ask_calibration()

    def open_calibration(self) -> bool:
        from buzzfinder_app.ui.calibration_wizard import CalibrationWizard

        if self.listening or not self.services.devices:
            self._update_listen_state()
            return False
        if self.services.scanning:  # PortAudio is restarting: the wizard opens once it has
            self.services.refresh_devices_async(self.open_calibration)
            return False
        wizard = CalibrationWizard(self.services, self.settings, self)
        accepted = bool(wizard.exec())
        if wizard.error:
            self.banner.show_message("calibration", wizard.error, "warning")
        self._apply_calibration()
        self._update_device_label()
        return accepted

    def maybe_ask_calibration(self) -> None:
        """Ask for calibration on first run and when the device changed (never in file mode)."""
        if self.options.input_file is not None or not self.options.ask_calibration or not self.services.devices:
            return
        if self.listening:
            return  # calibration needs the input to itself: asked again when listening stops and starts
        if self.services.calibration_for(self.settings) is not None:
            return
        name = self.services.input_name(self.settings)
        answer = QMessageBox.question(
            self, "Calibrate the input?",
            f"“{name}” has not been calibrated yet. Calibration takes about 20 seconds: 3 s of silence "
            "and five normal notes, so the note detector knows your room and your level.\n\nCalibrate now?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer == QMessageBox.Yes:
            self.open_calibration()

    # ------------------------------------------------------------------------------ profiles
    def _profile_device(self) -> str:
        """The input device profiles are chosen for ("" when there is none)."""
        return self.services.input_name(self.settings) if self.services.devices else ""

    def _on_profile_failed(self, name: str, message: str) -> None:
        self.banner.show_message("profiles", f"Profile {name}: {message}" if name else message, "warning")

    def keep_example(self, index: int, label: str) -> bool:
        """A chip the player confirmed becomes a labelled example of the current profile."""
        window = self.session.window_for(index)
        if window is None:
            self.banner.show_message("profiles", "That note is too old to keep: confirm one of the last "
                                     "notes played.", "info")
            return False
        if self.profiles.add_example(window, label, "exercise") is None:
            return False
        self.chips.mark_kept(index, label)
        self.statusBar().showMessage(f"Kept note {index + 1} as a {label} example for "
                                     f"{self.profiles.profile.name}", 4000)
        return True

    def new_profile(self) -> None:
        from buzzfinder_app.ui.profiles_view import ask_new_profile

        ask_new_profile(self.profiles, self)

    def open_teach(self, modal: bool = True):
        """The teach flow for the current profile; starts listening when it can."""
        from buzzfinder_app.ui.teach_dialog import TeachDialog

        if not self.profiles.available or self.profiles.profile is None:
            self.banner.show_message("profiles", self.profiles.error or "No profile is chosen.", "warning")
            return None
        dlg = TeachDialog(self.profiles, self.session, listen=self.start_listening, parent=self)
        self.session.set_paused(True)
        dlg.finished.connect(lambda _result: self.session.set_paused(False))
        if self.live is not None and not self.session.running and self.listen_button.isEnabled():
            self.start_listening()
        if modal:
            dlg.exec()
            return dlg
        dlg.show()
        return dlg

    def open_setup_guide(self) -> None:
        from buzzfinder_app.ui.setup_guide import open_setup_guide

        open_setup_guide(self)

    def open_tuner(self) -> None:
        from buzzfinder_app.ui.tuner import open_tuner

        open_tuner(self)

    def show_about(self) -> None:
        from buzzfinder_app.ui.about import show_about

        show_about(self, self.services)

    def _shutdown(self) -> None:
        """Stop the threads (the engine, the store writer, the analysis); idempotent."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        self.stage.view.hide()  # a stage view left open (its own full-screen window) must not outlive the window
        relay().raised.disconnect(self._on_fault)
        self.session.shutdown()
        if self.event_log is not None:
            self.event_log.close()
        self.recordings_view.shutdown()
        self.profiles.shutdown()
        self.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.event_log is not None and not getattr(self, "_shown", False):
            self._shown = True
            self.event_log.write("window_shown")

    def closeEvent(self, event) -> None:
        self._shutdown()
        super().closeEvent(event)
        self.closed.emit()
