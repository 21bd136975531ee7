"""The profiles tab: each guitar + input device with its taught notes and how much teaching helped;
a profile's notes can be heard, relabelled and deleted, its head refitted or switched off.

The player never reads the code's words (head, blend, leave-one-out): a head is "what you taught",
fitting it "tuning to your guitar", the base model "the standard model"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QMenu, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.personal.commands import profile_summary, right_count
from buzzfinder_app.personal.head import MIN_CLASSES
from buzzfinder_app.personal.profiles import ProfileError
from buzzfinder_app.ui.widgets.tables import read_only_table
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.teach_dialog import describe_fit
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.words import plural

TUNING_STATES = {"current": "up to date", "stale": "notes changed — Refit",
                 "other-model": "standard model changed — Refit", "old-fit": "tuned by an older version — Refit",
                 "none": "not tuned"}
SOURCES = {"teach": "taught", "exercise": "exercise", "file": "from a file", "unknown": "recovered"}


class NewProfileDialog(QDialog):
    """Name and guitar of a new profile (the device is the current input)."""

    def __init__(self, device: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New profile")
        self.setMinimumWidth(420)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Nylon string at home")
        self.guitar = QLineEdit()
        self.guitar.setPlaceholderText("e.g. Yamaha C40, new strings")
        hint = QLabel(f"Input device: {device or 'default input'}")
        hint.setObjectName("dim")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Guitar", self.guitar)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.Ok)
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        lay = QVBoxLayout(self)
        lay.setSpacing(12)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(buttons)


def ask_new_profile(control, parent=None):
    """Ask for a name and create the profile (chosen at once); the profile, or None."""
    dlg = NewProfileDialog(control.device, parent)
    if not dlg.exec():
        return None
    return control.create(dlg.name.text().strip(), dlg.guitar.text().strip())


def _item(text: str, data=None, colour: str | None = None, align=Qt.AlignLeft | Qt.AlignVCenter) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
    item.setTextAlignment(align)
    if data is not None:
        item.setData(Qt.UserRole, data)
    if colour:
        item.setForeground(P.qcolor(colour))
    return item


def _judged_right(s: dict) -> QTableWidgetItem:
    """The "Judged right" cell of a profile summary: with what was taught, and by the standard model."""
    if s["loo_before"] is None:
        return _item(_untuned(s["notes"]), colour=P.TEXT_DIM)
    n = s.get("fitted_notes")
    before, after, strict = (right_count(s[key], n) for key in ("loo_before", "loo_after", "loo_nested"))
    if not s.get("tunes"):
        item = _item(f"{before} — standard model kept")
        item.setToolTip(f"The standard model judged {before} of the notes right; what you taught did not "
                        "do better, so the standard model judges on its own")
        return item
    item = _item(f"{after}, was {right_count(s['loo_before'], n, of=False)}")
    item.setToolTip(f"Tuned to your guitar: {after} of the notes judged right (each note as if it had not been "
                    f"taught); the standard model judged {before} right. Counted more strictly: {strict}.")
    return item


def _untuned(notes: dict) -> str:
    """What a profile without a fitted classifier needs."""
    if not any(notes.values()):
        return "not taught"
    if sum(1 for n in notes.values() if n) < MIN_CLASSES:
        return "teach another kind of note"
    return "not tuned yet — Refit"


def _table(headers: list[str]) -> QTableWidget:
    t = read_only_table(headers)
    t.setShowGrid(False)
    t.horizontalHeader().setHighlightSections(False)
    t.horizontalHeader().setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    return t


class ProfilesView(QWidget):
    """Profiles on the left, the selected profile's notes on the right."""

    #: The player asked for the teach flow.
    teach_requested = Signal()

    def __init__(self, control, model=None, player=None, parent=None):
        super().__init__(parent)
        from buzzfinder_app.ui.recordings_view import play_audio

        self.control = control
        self.model = model
        self.player = player or play_audio
        self._profiles = []
        self._notes = []
        self._live = None  # the live profile the selection last followed
        self._asked: set[str] = set()  # profiles this tab asked to refit, until the answer comes
        self._build()
        control.changed.connect(self.refresh)
        control.fitted.connect(self._on_fitted)
        control.fit_failed.connect(self._on_fit_failed)  # other failures: the window's banner says them
        self.refresh()

    def showEvent(self, event) -> None:
        """Shown: read the profiles again, as ``buzzfinder teach`` may have changed them meanwhile."""
        super().showEvent(event)
        self.control.sync()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.head_toggle = QCheckBox("Use what you taught for live verdicts")
        self.head_toggle.setToolTip("Off: the standard model judges alone, as before any teaching")
        self.head_toggle.toggled.connect(self.control.set_head_enabled)
        self.status = QLabel()
        self.status.setObjectName("dim")
        teach = QPushButton("Teach…")
        teach.setObjectName("primary")
        teach.clicked.connect(self.teach_requested)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.head_toggle)
        top.addWidget(self.status, 1)
        top.addWidget(teach)

        self.table = _table(["Profile", "Guitar · device", "Muted", "Buzzy", "Clean", "Judged right", "Tuning"])
        self.table.horizontalHeaderItem(5).setToolTip(
            "How many of the profile's notes are judged right with what you taught (each note as if it had "
            "not been taught), and how many the standard model judged right")
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._show_notes)
        self.new_button = QPushButton("New…")
        self.new_button.clicked.connect(lambda: ask_new_profile(self.control, self))
        self.use_button = QPushButton("Use for live")
        self.use_button.clicked.connect(self.use_selected)
        self.refit_button = QPushButton("Refit")
        self.refit_button.setToolTip("Tune the profile to your guitar again, from its notes")
        self.refit_button.clicked.connect(self.refit_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        left = self._card("PROFILES", self.table,
                          [self.new_button, self.use_button, self.refit_button, None, self.delete_button])

        self.notes_table = _table(["#", "Label", "Source", "Added"])
        nh = self.notes_table.horizontalHeader()
        nh.setSectionResizeMode(QHeaderView.ResizeToContents)
        nh.setSectionResizeMode(3, QHeaderView.Stretch)
        self.notes_table.itemSelectionChanged.connect(self._refresh_buttons)
        self.notes_table.doubleClicked.connect(lambda idx: self.play_note(idx.row()))
        self.play_button = QPushButton("▶  Play")
        self.play_button.clicked.connect(lambda: self.play_note(self.notes_table.currentRow()))
        self.relabel_button = QPushButton("Relabel")
        self.relabel_menu = QMenu(self)
        for label in P.DISPLAY_ORDER:
            style = P.style_for(label)
            action = self.relabel_menu.addAction(f"{style.symbol}  {style.title}")
            action.triggered.connect(lambda _=False, label=label: self.relabel_note(self.notes_table.currentRow(),
                                                                                   label))
        self.relabel_button.setMenu(self.relabel_menu)
        self.delete_note_button = QPushButton("Delete")
        self.delete_note_button.clicked.connect(lambda: self.delete_note(self.notes_table.currentRow()))
        self.notes_caption = caption("NOTES")
        right = self._card(self.notes_caption, self.notes_table,
                           [self.play_button, self.relabel_button, None, self.delete_note_button])

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.damaged = QLabel()
        self.damaged.setWordWrap(True)
        self.damaged.setStyleSheet(f"color: {P.WARNING};")
        self.damaged.hide()

        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(left, 3)
        row.addWidget(right, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 10, 0, 0)
        lay.setSpacing(10)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(self.damaged)
        lay.addLayout(row, 1)

    def _card(self, title, table, buttons) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        lay = QVBoxLayout(card)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(8)
        lay.addWidget(caption(title) if isinstance(title, str) else title)
        lay.addWidget(table, 1)
        row = QHBoxLayout()
        row.setSpacing(8)
        for b in buttons:
            if b is None:
                row.addStretch(1)
            else:
                row.addWidget(b)
        lay.addLayout(row)
        return card

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        """Reload the profiles (keeping the selection) and the selected profile's notes."""
        self.head_toggle.blockSignals(True)
        self.head_toggle.setChecked(self.control.head_enabled)
        self.head_toggle.blockSignals(False)
        self.status.setText(self.control.status_text())
        selected = self.selected_profile()
        current = self.control.profile.slug if self.control.profile else None
        # the selection follows the live profile when that changes (at launch, once it is chosen)
        keep = selected.slug if selected is not None and current == self._live else current
        self._live = current
        self._profiles = self.control.profiles()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._profiles))
        select_row = 0
        for row, profile in enumerate(self._profiles):
            s = self._summary(profile)
            name = profile.name + ("  ● live" if profile.slug == current else "")
            what = " · ".join(x for x in (profile.guitar, profile.device) if x) or "—"
            cells = [_item(name, profile.slug, P.ACCENT if profile.slug == current else None), _item(what)]
            for label in ("muted", "buzzy", "clean"):
                n = s["notes"][label]
                cells.append(_item(str(n), colour=P.style_for(label).text_color if n else P.TEXT_DIM,
                                   align=Qt.AlignCenter))
            cells.append(_judged_right(s))
            state = s.get("head", "none")
            cells.append(_item(TUNING_STATES.get(state, state),
                               colour=P.WARNING if state in ("stale", "other-model", "old-fit") else P.TEXT_DIM))
            for col, item in enumerate(cells):
                self.table.setItem(row, col, item)
            if profile.slug == keep:
                select_row = row
        self.table.blockSignals(False)
        if self._profiles:
            self.table.selectRow(select_row)
        self._show_notes()
        damaged = self.control.store.damaged() if self.control.store is not None else []
        self.damaged.setText("Unusable profile folders (left as they are): " +
                             "; ".join(f"{folder}: {why}" for folder, why in damaged) if damaged else "")
        self.damaged.setVisible(bool(damaged))

    def _summary(self, profile) -> dict:
        try:
            return profile_summary(self.control.store, profile, self.model)
        except (ProfileError, OSError):
            return {"notes": {"muted": 0, "buzzy": 0, "clean": 0}, "loo_before": None}

    def selected_profile(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._profiles):
            return None
        return self._profiles[rows[0].row()]

    def select_profile(self, name: str) -> bool:
        for row, profile in enumerate(self._profiles):
            if profile.name == name:
                self.table.selectRow(row)
                return True
        return False

    def _show_notes(self) -> None:
        profile = self.selected_profile()
        self._notes = self.control.notes(profile) if profile else []
        self.notes_caption.setText(f"NOTES OF {profile.name.upper()}" if profile else "NOTES")
        self.notes_table.setRowCount(len(self._notes))
        for row, note in enumerate(self._notes):
            style = P.style_for(note.label)
            self.notes_table.setItem(row, 0, _item(str(row + 1), note.id, P.TEXT_DIM))
            self.notes_table.setItem(row, 1, _item(f"{style.symbol}  {style.title}", colour=style.text_color))
            self.notes_table.setItem(row, 2, _item(SOURCES.get(note.source, note.source)))
            self.notes_table.setItem(row, 3, _item(note.created_at.replace("T", " ")[:16], colour=P.TEXT_DIM))
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        profile = self.selected_profile()
        has_note = 0 <= self.notes_table.currentRow() < len(self._notes) and bool(
            self.notes_table.selectionModel().selectedRows())
        self.use_button.setEnabled(profile is not None and (self.control.profile is None
                                                            or profile.slug != self.control.profile.slug))
        self.refit_button.setEnabled(profile is not None and self.control.worker is not None)
        self.delete_button.setEnabled(profile is not None)
        self.new_button.setEnabled(self.control.available)
        for b in (self.play_button, self.relabel_button, self.delete_note_button):
            b.setEnabled(has_note)

    def _show_message(self, text: str, colour: str = P.TEXT_DIM) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ actions
    def use_selected(self) -> None:
        profile = self.selected_profile()
        if profile is not None:
            self.control.select(profile)

    def refit_selected(self) -> bool:
        profile = self.selected_profile()
        if profile is None:
            return False
        self._show_message(f"Fitting {profile.name}…")
        self._asked.add(profile.name)
        return self.control.refit(profile)

    def _on_fitted(self, name: str, result) -> None:
        if name in self._asked:
            self._asked.discard(name)
            self._show_message(f"{name}: {describe_fit(result)}", P.TEXT)
        self.refresh()

    def _on_fit_failed(self, name: str, message: str) -> None:
        if name in self._asked:
            self._asked.discard(name)
            self._show_message(f"Could not tune {name} to your guitar: {message}", P.WARNING)

    def delete_selected(self, confirm: bool = True) -> bool:
        profile = self.selected_profile()
        if profile is None:
            return False
        n = len(self._notes)
        if confirm and QMessageBox.question(
                self, "Delete profile", f"Delete the profile “{profile.name}” and its {plural(n, 'note')}? "
                "This cannot be undone.", QMessageBox.Yes | QMessageBox.No, QMessageBox.No) != QMessageBox.Yes:
            return False
        ok = self.control.delete(profile)
        if ok:
            self._show_message(f"Deleted {profile.name}.")
        return ok

    def play_note(self, row: int) -> bool:
        if not 0 <= row < len(self._notes):
            return False
        try:
            self.player(self._notes[row].read(), SAMPLE_RATE)
        except Exception as exc:  # ProfileError for a damaged WAV, PortAudio errors: shown, not fatal
            self._show_message(f"Could not play the note: {exc}", P.WARNING)
            return False
        self._show_message("")
        return True

    def relabel_note(self, row: int, label: str) -> bool:
        return self._change(row, lambda store, profile, note: store.relabel(profile, note.id, label))

    def delete_note(self, row: int) -> bool:
        return self._change(row, lambda store, profile, note: store.delete_note(profile, note.id))

    def _change(self, row: int, change) -> bool:
        profile = self.selected_profile()
        if profile is None or not 0 <= row < len(self._notes):
            return False
        try:
            change(self.control.store, profile, self._notes[row])
        except ProfileError as exc:
            self._show_message(str(exc), P.WARNING)
            return False
        self.control.notes_changed(profile)  # the head is refitted in the background
        self._show_notes()
        if row < self.notes_table.rowCount():
            self.notes_table.selectRow(row)
        return True
