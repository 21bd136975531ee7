"""The app's current profile: which one is chosen for the input device (remembered per device),
whether its personal head judges the live notes, and the thread that fits and loads heads.

All profile logic lives in :mod:`buzzfinder_app.personal`; this only schedules it and keeps the
live engine's classifier in step with the choice.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, Signal, Slot

from buzzfinder_app.personal.adapt import fit_profile, head_info, notes_digest, profile_classifier, profile_head
from buzzfinder_app.personal.commands import right_count
from buzzfinder_app.personal.profiles import Profile, ProfileError, ProfileStore
from buzzfinder_app.ui.workers import ThreadModel, start_in_thread, stop_thread
from buzzfinder_app.words import plural


class ProfileWorker(QObject):
    """Fits and loads personal heads in its own thread, with its own model (one model per thread)."""

    head_ready = Signal(str, object)  # profile name, PersonalHead or None (too few notes)
    fitted = Signal(str, object)  # profile name, FitResult
    fit_failed = Signal(str, str)  # profile name, why a fit asked for could not be done
    failed = Signal(str, str)  # profile name, message

    def __init__(self, store: ProfileStore, model_path):
        super().__init__()
        self.store = store
        self.model = ThreadModel(model_path)

    @Slot(str)
    def load(self, name: str) -> None:
        """The profile's head (refitted when its notes changed or its file is damaged)."""
        try:
            self.head_ready.emit(name, profile_head(self.store, name, self.model.get()))
        except Exception as exc:  # ProfileError, or a damaged file the store did not wrap
            self.failed.emit(name, _message(exc, name))
            self.head_ready.emit(name, None)
            return
        self._warn_skipped(name)

    def _warn_skipped(self, name: str) -> None:
        """Say which notes the head had to leave out (their WAV files cannot be read)."""
        skipped = (head_info(self.store, name) or {}).get("skipped") or []
        if skipped:
            self.failed.emit(name, f"{plural(len(skipped), 'note')} left out of the tuning: "
                                   f"{skipped[0]}")

    @Slot(str)
    def fit(self, name: str) -> None:
        """Fit the head again and report its leave-one-out accuracy."""
        try:
            model = self.model.get()
            result = fit_profile(self.store, name, model)
            head = profile_head(self.store, name, model)
        except Exception as exc:
            self.fit_failed.emit(name, _message(exc, name))
            return
        self.fitted.emit(name, result)
        self.head_ready.emit(name, head)
        self._warn_skipped(name)


def _message(exc: Exception, name: str) -> str:
    """The problem for the player; the profile's name is said by whoever shows it."""
    if not isinstance(exc, ProfileError):
        traceback.print_exc()
    return (str(exc) or exc.__class__.__name__).removeprefix(f"profile {name!r}: ")


class ProfileControl(QObject):
    """The chosen profile and its head; the single place the UI changes profiles through."""

    #: The list of profiles, the chosen one or its head changed.
    changed = Signal()
    #: A fit asked for with :meth:`refit` finished: (profile name, FitResult).
    fitted = Signal(str, object)
    #: A fit asked for with :meth:`refit` could not be done: (profile name, why). Said by whoever
    #: asked (the profiles tab, the teach dialog), not by :attr:`failed`'s banner.
    fit_failed = Signal(str, str)
    #: Something could not be done: (profile name, message for the player).
    failed = Signal(str, str)

    _load = Signal(str)
    _fit = Signal(str)

    def __init__(self, services, live=None, parent=None):
        super().__init__(parent)
        self.services = services
        self.settings = services.settings
        self.live = live
        self.profile: Profile | None = None
        self.head = None
        self._loaded_from = None  # what the head was loaded from on disk (see :meth:`sync`)
        self.loading = False
        self.error: str | None = None
        self.device = ""
        try:
            self.store = ProfileStore()
            self.store.profiles_dir.mkdir(parents=True, exist_ok=True)
        except (OSError, ProfileError) as exc:
            self.store, self.error = None, f"profiles are unavailable: {exc}"
        self.worker = self.thread = None
        if self.store is not None and services.model is not None:
            self.worker = ProfileWorker(self.store, services.model_path)
            self.thread = start_in_thread(self.worker, "buzzfinder-profiles")
            self._load.connect(self.worker.load)
            self._fit.connect(self.worker.fit)
            self.worker.head_ready.connect(self._on_head)
            self.worker.fitted.connect(self._on_fitted)
            self.worker.fit_failed.connect(self._on_fit_failed)
            self.worker.failed.connect(self._on_failed)

    # ------------------------------------------------------------------ state
    @property
    def available(self) -> bool:
        return self.store is not None

    @property
    def head_enabled(self) -> bool:
        return self.settings.personal_head

    @property
    def tuned_live(self) -> bool:
        """The live notes are judged with what was taught, not by the standard model alone."""
        return self.head_enabled and self.head is not None and self.head.tunes

    def profiles(self) -> list[Profile]:
        return self.store.list() if self.store is not None else []

    def notes(self, profile: Profile | None = None):
        profile = profile or self.profile
        return self.store.notes(profile) if self.store is not None and profile is not None else []

    def head_info(self, profile: Profile | None = None) -> dict | None:
        profile = profile or self.profile
        return head_info(self.store, profile) if self.store is not None and profile is not None else None

    def status_text(self) -> str:
        """One line for the player about what judges the live notes."""
        if self.profile is None:
            return self.error or "no profile"
        if not self.head_enabled:
            return "judged by the standard model (what you taught is switched off)"
        if self.loading:
            return "getting what you taught ready…"
        if self.head is None:
            return "judged by the standard model: not tuned to your guitar yet (Teach… to tune it)"
        if not self.head.tunes:
            return "judged by the standard model: it already gets your notes right as often as what you taught"
        info = self.head_info() or {}
        n = info.get("n_notes")
        return (f"judged with what you taught · tuned to your guitar: {right_count(info.get('loo_after'), n)} of "
                f"your notes judged right, was {right_count(info.get('loo_before'), n, of=False)}")

    # ------------------------------------------------------------------ choosing
    def use_device(self, device: str) -> None:
        """Choose the profile remembered for ``device``, else the device's default profile."""
        self.device = device or ""
        if self.store is None:
            self.changed.emit()
            return
        name = self.settings.chosen_profiles.get(self.device)
        try:
            profile = self.store.get(name) if name else None
        except ProfileError:
            profile = None
        try:
            profile = profile or self.store.default_for(self.device)
        except ProfileError as exc:
            self.error = str(exc)
            self.failed.emit("", str(exc))
            self.changed.emit()
            return
        self.select(profile)

    def select(self, profile: Profile | str) -> None:
        """Make ``profile`` the current one (remembered for this device) and load its head."""
        if self.store is None:
            return
        try:
            profile = self.store.resolve(profile)
        except ProfileError as exc:
            self.failed.emit(str(profile), str(exc))
            return
        self.profile = profile
        chosen = self.settings.chosen_profiles
        chosen[self.device] = profile.name
        self.settings.chosen_profiles = chosen
        self.reload_head()

    def create(self, name: str, guitar: str = "") -> Profile | None:
        """A new profile for the current device, chosen at once; None (and :attr:`failed`) if refused."""
        try:
            profile = self.store.create(name, guitar=guitar, device=self.device)
        except ProfileError as exc:
            self.failed.emit(name, str(exc))
            return None
        self.select(profile)
        return profile

    def delete(self, profile: Profile) -> bool:
        """Delete a profile; the current one falls back to the device's default."""
        try:
            self.store.delete(profile)
        except ProfileError as exc:
            self.failed.emit(profile.name, str(exc))
            return False
        if self.profile is not None and self.profile.slug == profile.slug:
            self.profile = None
            self.use_device(self.device)
        else:
            self.changed.emit()
        return True

    def set_head_enabled(self, on: bool) -> None:
        self.settings.personal_head = on
        self._apply()
        self.changed.emit()

    # ------------------------------------------------------------------ notes and heads
    def add_example(self, window, label: str, source: str, reload: bool = True):
        """Store a labelled note in the current profile; the head is refitted in the background
        (unless ``reload`` is false: the caller refits once after adding several)."""
        if self.store is None or self.profile is None:
            self.failed.emit("", self.error or "no profile is chosen")
            return None
        try:
            note = self.store.add_note(self.profile, window, label, source)
        except ProfileError as exc:
            self.failed.emit(self.profile.name, str(exc))
            return None
        if reload:
            self.reload_head()
        return note

    def notes_changed(self, profile: Profile) -> None:
        """The manager changed a profile's notes: reload the head if it is the current one."""
        if self.profile is not None and profile.slug == self.profile.slug:
            self.reload_head()
        else:
            self.changed.emit()

    def reload_head(self) -> None:
        """Load (refitting if stale) the current profile's head in the worker thread."""
        if self.worker is None or self.profile is None:
            self.changed.emit()
            return
        self.loading = True
        self._load.emit(self.profile.name)
        self.changed.emit()

    def sync(self) -> None:
        """See what changed on disk since (``buzzfinder teach`` in another process): the list is read
        again by whoever redraws on :attr:`changed`, and the current profile's head is loaded again
        (fitted, if it has new notes) when its notes or its fitted head changed."""
        if (self.worker is not None and self.profile is not None and not self.loading
                and self._on_disk(self.profile) != self._loaded_from):
            self.reload_head()
        else:
            self.changed.emit()

    def _on_disk(self, profile: Profile):
        """The profile's notes and fitted head as stored now."""
        try:
            return notes_digest(self.store.notes(profile)), head_info(self.store, profile)
        except ProfileError:
            return None

    def refit(self, profile: Profile | None = None) -> bool:
        """Fit a profile's head in the worker; :attr:`fitted` or :attr:`fit_failed` follows."""
        profile = profile or self.profile
        if self.worker is None or profile is None:
            return False
        if self.profile is not None and profile.slug == self.profile.slug:
            self.loading = True
        self._fit.emit(profile.name)
        return True

    def _on_head(self, name: str, head) -> None:
        if self.profile is None or name != self.profile.name:
            return  # an answer for a profile no longer chosen
        self.head, self.loading = head, False
        self._loaded_from = self._on_disk(self.profile)
        self._apply()
        self.changed.emit()

    def _on_fitted(self, name: str, result) -> None:
        self.fitted.emit(name, result)

    def _on_fit_failed(self, name: str, message: str) -> None:
        if self.profile is not None and name == self.profile.name:
            self.loading = False
            self.changed.emit()
        self.fit_failed.emit(name, message)

    def _on_failed(self, name: str, message: str) -> None:
        if self.profile is not None and name == self.profile.name:
            self.loading = False
        self.failed.emit(name, message)

    def _apply(self) -> None:
        """Give the live engine the head's classifier, or the base model's."""
        if self.live is None:
            return
        use = self.head_enabled and self.head is not None and self.services.model is not None
        self.live.configure(classify=profile_classifier(self.services.model, self.head) if use else None)

    def shutdown(self) -> None:
        stop_thread(self.thread, answers_to=self)
