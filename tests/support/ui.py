"""Helpers for the UI tests: synthetic takes, fake engine events, an array source, a window, a filled store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from buzzfinder_app.constants import SAMPLE_RATE
from tests.support.signals import synth_pluck


def make_take(path: Path, notes=((196.0, False), (247.0, True), (330.0, False)), gap_s: float = 0.6,
              note_s: float = 1.2, lead_s: float = 0.4, sr: int = SAMPLE_RATE) -> Path:
    """Write a WAV of plucked notes separated by near-silence; returns the path."""
    import soundfile as sf

    rng = np.random.default_rng(7)
    parts = [np.zeros(int(lead_s * sr), np.float32)]
    for i, (f0, buzz) in enumerate(notes):
        parts.append(synth_pluck(f0, note_s, sr=sr, seed=i, buzz=buzz, n_harmonics=15, decay_s=0.7, inharmonicity=0.0))
        parts.append(np.zeros(int(gap_s * sr), np.float32))
    y = np.concatenate(parts)
    y += (rng.standard_normal(len(y)) * 1e-4).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype="PCM_16")
    return path


@dataclass
class FakeVerdict:
    label: str
    confidence: float
    probs: dict = field(default_factory=dict)


@dataclass
class FakeEvent:
    kind: str
    index: int
    onset_s: float
    at_s: float
    verdict: FakeVerdict | None = None
    pitch_hz: float | None = None
    note: str | None = None
    level_dbfs: float = -20.0


def verdict(label: str, confidence: float = 0.9) -> FakeVerdict:
    rest = (1 - confidence) / 2
    probs = {k: (confidence if k == label else rest) for k in ("clean", "buzzy", "muted")}
    return FakeVerdict(label, confidence, probs)


def model_path() -> Path:
    """The shipped model; skip when it is not there."""
    from buzzfinder_app.model.runtime import assets_dir

    shipped = assets_dir() / "buzzfinder.tflite"
    if shipped.is_file() and shipped.with_suffix(".json").is_file():
        return shipped
    pytest.skip("no model: assets/buzzfinder.tflite is not there")


class ArraySource:
    """A source that hands out a prepared array ``chunk`` samples per read (as fast as the timer asks)."""

    is_file = False
    sample_rate = SAMPLE_RATE
    duration_s = None
    path = None

    def __init__(self, y: np.ndarray, chunk: int = 4096, fail_after: int | None = None, name: str = "array"):
        self.y = np.asarray(y, np.float32)
        self.chunk = chunk
        self.pos = 0
        self.fail_after = fail_after
        self.overflows = 0
        self.done = False
        self.name = name
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def read(self) -> np.ndarray:
        if self.fail_after is not None and self.pos >= self.fail_after:
            from buzzfinder_app.audio.mic import MicError

            raise MicError("input device Test Interface stopped delivering audio (unplugged?)")
        out = self.y[self.pos:self.pos + self.chunk]
        self.pos += len(out)
        return out

    def stop(self) -> None:
        self.stopped = True


def make_window(options=None, **kwargs):
    """A main window that never asks for calibration (no modal dialogs in tests)."""
    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow

    options = options or LaunchOptions(**kwargs)
    options.ask_calibration = False
    return MainWindow(options)


def fill_store(days: int = 6, seed: int = 3):
    """A SessionStore (in ``$BUZZFINDER_DATA_DIR``) with sessions over ``days`` days: exercises with
    targets on even days, free play on odd days, fewer buzzy notes as the days go by."""
    import random
    from datetime import datetime, timedelta, timezone

    from buzzfinder_app.practice.sessions import SessionStore

    rnd = random.Random(seed)
    t0 = datetime(2026, 11, 14, 18, 0, tzinfo=timezone.utc)
    now = [t0]
    store = SessionStore(clock=lambda: now[0])
    targets = ["3:5", "2:3", "6:1", "4:7", "1:12", "5:2"]
    for day in range(days):
        now[0] = t0 + timedelta(days=day, minutes=rnd.randint(0, 90))
        exercise = day % 2 == 0
        settings = {"string": 3, "fret": 5, "finger": 1, "repetitions": 5} if exercise else None
        sid = store.start_session("Test Interface", "exercise" if exercise else "free", settings=settings,
                                  device="Test Interface")
        p_buzz = max(0.05, 0.45 - day * 0.06)
        for i in range(rnd.randint(18, 36)):
            now[0] += timedelta(seconds=4)
            r = rnd.random()
            label = "buzzy" if r < p_buzz else "muted" if r < p_buzz + 0.15 else "unsure" if r > 0.96 else "clean"
            store.add_note(sid, onset_s=i * 4.0, label=label, confidence=0.8,
                           probs={"clean": 0.1, "buzzy": 0.1, "muted": 0.1, label: 0.8}, pitch_hz=196.0, note="G3",
                           step=i % 3 + 1 if exercise else None, repetition=i // 3 + 1 if exercise else None,
                           target=rnd.choice(targets) if exercise else None,
                           outcome="success" if exercise and i % 3 == 2 and label == "clean" else None)
        now[0] += timedelta(seconds=20)
        store.end_session(sid)
    return store


def bulk_history(sessions: int = 1000, notes: int = 25) -> None:
    """``sessions`` ended sessions of ``notes`` judged exercise notes each, in the data folder's
    store, written in one transaction (the store commits note by note, which would take minutes)."""
    import json
    import random
    import sqlite3
    from datetime import datetime, timedelta, timezone

    from buzzfinder_app.practice.sessions import SessionStore

    with SessionStore() as store:
        path = store.path
    rnd = random.Random(0)
    t0 = datetime(2025, 1, 1, 18, tzinfo=timezone.utc)
    labels = ("clean", "buzzy", "muted", "unsure")
    with sqlite3.connect(path) as con:
        for s in range(sessions):
            start = t0 + timedelta(hours=9 * s)
            sid = con.execute(
                "INSERT INTO sessions (started_at, ended_at, input, mode, settings, device) VALUES (?, ?, ?, ?, ?, ?)",
                (start.isoformat(), (start + timedelta(seconds=4 * notes + 20)).isoformat(), "Test Interface",
                 "exercise", json.dumps({"string": 3, "fret": 5, "finger": 1, "repetitions": 5}),
                 "Test Interface")).lastrowid
            con.executemany(
                "INSERT INTO notes (session_id, created_at, onset_s, label, confidence, pitch_hz, note, step, "
                "repetition, target, outcome) VALUES (?, ?, ?, ?, 0.8, 196.0, 'G3', ?, ?, ?, ?)",
                [(sid, (start + timedelta(seconds=4 * i)).isoformat(), 4.0 * i, rnd.choice(labels), i % 3 + 1,
                  i // 3 + 1, rnd.choice(("3:5", "2:3", "6:1")), "success" if i % 3 == 2 else None)
                 for i in range(notes)])
    con.close()
