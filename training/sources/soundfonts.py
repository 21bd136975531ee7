"""Sampled guitars as a second source of notes of every class: General-MIDI soundfonts via fluidsynth.

Notes are rendered in batches — one small MIDI file per (soundfont, program) with every note in its
own time slot — and cut out of the render. Renders are cached by their parameters.

Classes:

* **clean** — GM programs 24-27 (nylon, steel, jazz, clean electric), released at a random time
  from 0.2 s to 2.5 s: a note the hand damps early is still a clean note.
* **muted** — GM program 28 (muted electric guitar), recorded from a really muted string.
  Staccato notes of programs 24/25 are *not* used as muted: a sample cut short after tens of
  milliseconds still starts with the full, bright ring of a free string, which is the clean
  signature; labelling it muted would teach the model to judge by duration, and a short clean
  note would then be called muted.
* **buzzy** — clean notes of programs 24-27 whose string strikes a modelled fret
  (:mod:`training.sources.sampled_buzz`): no soundfont holds fret buzz, and without buzzy notes of real
  instruments the model could learn that a sampled (real) timbre is never buzzy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.practice.tuning import midi_to_hz
from training.sources import synth_noise as noise
from training.sources.sampled_buzz import add_fret_buzz
from training.sources.synth import MAX_MUTED_DECAY_S, SynthNote, add_extras, decay_time, draw_extras, is_audible

#: Installed General-MIDI soundfonts that may be used (Debian packages fluid-soundfont-gm,
#: timgm6mb-soundfont, musescore-general-soundfont).
SOUNDFONT_PATHS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/usr/share/sounds/sf3/MuseScore_General_Full.sf3"),
)
PROGRAMS = {24: "nylon", 25: "steel", 26: "jazz", 27: "electric", 28: "muted-electric"}
CLEAN_PROGRAMS = (24, 25, 26, 27)
MUTED_PROGRAMS = (28,)
MIDI_RANGE = (40, 88)  # E2..E6
SLOT_S = 5.0  # time between notes in a batch: the longest hold (2.5 s) plus a release tail
NOTE_AT_S = 0.5  # where in its slot a note starts
DURATION_S = 2.5
ONSET_THRESHOLD = 1e-3  # of the slot's peak: the first sample above it is the onset
MUTED_SPARE = 3  # muted candidates drawn per muted note wanted (see :func:`_really_muted`)
BUZZY_SPARE = 3  # buzzy candidates drawn per buzzy note wanted (some decay before they reach the fret)
DEFAULT_CACHE = Path.home() / ".cache" / "buzzfinder" / "soundfonts"


def available_soundfonts() -> list[Path]:
    """The soundfonts of :data:`SOUNDFONT_PATHS` that are installed (links to one file counted once)."""
    seen, found = set(), []
    for path in SOUNDFONT_PATHS:
        if path.is_file() and path.resolve() not in seen:
            seen.add(path.resolve())
            found.append(path)
    return found


def soundfont_name(path: Path) -> str:
    """Short name used in a note's source, e.g. ``FluidR3`` for FluidR3_GM.sf2."""
    stem = path.stem
    for suffix in ("_GM", "_General_Full", "_General"):
        stem = stem.removesuffix(suffix)
    return stem + ("-Full" if path.stem.endswith("_Full") else "")


def _var_len(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_file(program: int, notes: list[tuple[float, int, int, float]]) -> bytes:
    """A format-0 MIDI file: one program change, then (start_s, key, velocity, hold_s) notes on channel 0.

    Time unit: 1 ms (1000 ticks per quarter note at 60 bpm). Notes must not overlap.
    """
    events = [(0, bytes([0xC0, program]))]
    for start, key, velocity, hold in notes:
        events.append((int(round(start * 1000)), bytes([0x90, key, velocity])))
        events.append((int(round((start + hold) * 1000)), bytes([0x80, key, 0])))
    events.sort(key=lambda e: e[0])
    track = bytearray(b"\x00\xff\x51\x03" + (1_000_000).to_bytes(3, "big"))  # tempo: 1 s per quarter
    now = 0
    for tick, data in events:
        track += _var_len(tick - now) + data
        now = tick
    track += b"\x00\xff\x2f\x00"  # end of track
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1000)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def _render_batch(soundfont: Path, program: int, notes, sample_rate: int, cache_dir: Path) -> np.ndarray | None:
    """Audio of one batch (cached), or None when fluidsynth fails."""
    stat = soundfont.stat()
    key = json.dumps([str(soundfont), stat.st_size, program, notes, sample_rate, SLOT_S], sort_keys=True)
    cached = cache_dir / f"{soundfont_name(soundfont)}-{program}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.wav"
    if cached.is_file():
        return sf.read(cached, dtype="float32")[0]
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "batch.mid", Path(tmp) / "batch.wav"
        mid.write_bytes(midi_file(program, notes))
        cmd = ["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-O", "float", "-F", str(wav),
               "-r", str(sample_rate), str(soundfont), str(mid)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0 or not wav.is_file():
            warnings.warn(f"fluidsynth failed on {soundfont.name} program {program}: {result.stderr.strip()[:200]}")
            return None
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    if rate != sample_rate:
        warnings.warn(f"fluidsynth rendered at {rate} Hz instead of {sample_rate} Hz")
        return None
    audio = audio.mean(axis=1)
    cache_dir.mkdir(parents=True, exist_ok=True)
    sf.write(cached, audio, sample_rate, subtype="FLOAT")
    return audio


def _draw_notes(label: str, n: int, rng: np.random.Generator, soundfonts: list[Path]) -> list[dict]:
    """Random note specifications of one class."""
    programs = MUTED_PROGRAMS if label == "muted" else CLEAN_PROGRAMS
    specs = []
    for _ in range(n):
        specs.append({
            "label": label,
            "soundfont": int(rng.integers(len(soundfonts))),
            "program": int(rng.choice(programs)),
            "midi": int(rng.integers(MIDI_RANGE[0], MIDI_RANGE[1] + 1)),
            "velocity": int(rng.integers(50, 121)),
            "hold_s": float(rng.uniform(0.2, DURATION_S)),
            "lead_in_s": float(rng.uniform(0.1, 0.5)),
            "room_db": float(rng.uniform(-80, -55)),
            "level": float(rng.uniform(0.1, 0.9)),
            "noise_seed": int(rng.integers(2**31)),
        })
    return specs


def _cut_note(slot: np.ndarray, spec: dict, sample_rate: int) -> tuple[np.ndarray, int, dict] | None:
    """The note window of one slot: lead-in of room noise, onset, then the rest; None if silent.

    A buzzy spec's note gets its fret rattle, then every note the hard negatives of its class
    (hiss, pick scrape, squeak, fret-hand noise, as the modelled notes get them), then room noise;
    the third item holds the rattle's parameters and the hard negatives."""
    search = int((NOTE_AT_S - 0.05) * sample_rate)  # ignore what is left of the previous note
    slot = slot[search:]
    peak = float(np.max(np.abs(slot))) if len(slot) else 0.0
    if peak < 1e-6:
        return None
    start = int(np.argmax(np.abs(slot) > ONSET_THRESHOLD * peak))
    lead = int(round(spec["lead_in_s"] * sample_rate))
    total = int(round(DURATION_S * sample_rate))
    y = np.zeros(total)
    body = slot[start : start + total - lead]
    y[lead : lead + len(body)] = body / peak
    rng = np.random.default_rng(spec["noise_seed"])
    buzz = {}
    if spec["label"] == "buzzy":
        y, buzz = add_fret_buzz(y, lead, midi_to_hz(spec["midi"]), rng, sample_rate, length_s=spec["hold_s"])
    extras = {"extras": draw_extras(rng, spec["label"])}
    note_rms = float(np.sqrt(np.mean(y[lead : lead + int(0.5 * sample_rate)] ** 2)))
    add_extras(y, lead, note_rms, extras, sample_rate, rng)
    room = noise.one_pole_lowpass(noise.pink_noise(total, rng), 3000.0, sample_rate)
    y += 10 ** (spec["room_db"] / 20) * room / (np.std(room) + 1e-12)
    y *= spec["level"] / np.max(np.abs(y))
    return y.astype(np.float32), lead, buzz | extras


def render_set(n_per_class: int, seed: int, *, sample_rate: int = SAMPLE_RATE, cache_dir: Path | None = None,
               progress: bool = False, soundfonts: list[Path] | None = None) -> list[SynthNote]:
    """``n_per_class`` clean, buzzy and (up to) ``n_per_class`` muted sampled notes, interleaved
    (buzzy, clean, muted, ...). A buzzy note whose rattle cannot be heard (the note decayed before
    it reached the fret, see :func:`training.sources.synth.is_audible`) is left out.

    Deterministic for a seed and set of ``soundfonts`` (default: all of :func:`available_soundfonts`).
    Returns [] with a warning when fluidsynth or the soundfonts are absent.
    """
    soundfonts = available_soundfonts() if soundfonts is None else [Path(p) for p in soundfonts if Path(p).is_file()]
    if shutil.which("fluidsynth") is None or not soundfonts:
        warnings.warn("soundfont notes skipped: " + ("fluidsynth is not installed" if shutil.which("fluidsynth") is None
                                                     else "no General-MIDI soundfont is installed"))
        return []
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    rng = np.random.default_rng(seed)
    specs = (_draw_notes("clean", n_per_class, rng, soundfonts) + _draw_notes("muted", MUTED_SPARE * n_per_class, rng, soundfonts)
             + _draw_notes("buzzy", BUZZY_SPARE * n_per_class, rng, soundfonts))
    notes = [note for note in _render_specs(specs, soundfonts, sample_rate, cache_dir, progress) if note is not None]
    clean = [note for note in notes if note.label == "clean"]
    muted = [note for note in notes if note.label == "muted" and _really_muted(note)][:n_per_class]
    buzzy = [note for note in notes if note.label == "buzzy" and is_audible(note.params)][:n_per_class]
    for label, kept in (("muted", muted), ("buzzy", buzzy)):
        if len(kept) < n_per_class:
            warnings.warn(f"only {len(kept)} of {n_per_class} {label} soundfont notes qualify")
    by_class = [buzzy, clean, muted]
    longest = max(len(c) for c in by_class)
    return [c[i] for i in range(longest) for c in by_class if i < len(c)]


def _really_muted(note: SynthNote) -> bool:
    """A "muted" sample qualifies only if it loses 30 dB within :data:`MAX_MUTED_DECAY_S`, while
    its key is still held.

    Some soundfonts' muted guitar is a clean sample with a short envelope, and a held key lets
    others loop; those would teach the model that a ringing note is muted. A key released early
    ends any sample quickly: that note is a clean one damped by the hand, not a muted one.
    """
    dead_s = decay_time(note.audio[note.onset :].astype(np.float64), note.params["sample_rate"])
    return dead_s <= min(MAX_MUTED_DECAY_S, note.params["hold_s"])


def _render_specs(specs: list[dict], soundfonts: list[Path], sample_rate: int, cache_dir: Path, progress: bool):
    """Render every spec, batched by (soundfont, program); a list aligned with ``specs`` (None: failed)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault((spec["soundfont"], spec["program"]), []).append(i)
    notes: list[SynthNote | None] = [None] * len(specs)
    for done, ((sf_index, program), members) in enumerate(sorted(groups.items())):
        soundfont = soundfonts[sf_index]
        batch = [(k * SLOT_S + NOTE_AT_S, specs[i]["midi"], specs[i]["velocity"], specs[i]["hold_s"]) for k, i in enumerate(members)]
        audio = _render_batch(soundfont, program, batch, sample_rate, cache_dir)
        if audio is None:
            continue
        for k, i in enumerate(members):
            a = int(k * SLOT_S * sample_rate)
            cut = _cut_note(audio[a : a + int(SLOT_S * sample_rate)], specs[i], sample_rate)
            if cut is None:
                continue
            params = dict(specs[i], soundfont=soundfont_name(soundfont), f0=midi_to_hz(specs[i]["midi"]),
                          sample_rate=sample_rate, **cut[2])
            notes[i] = SynthNote(cut[0], params["label"], cut[1], f"sf-{params['soundfont']}-{PROGRAMS[program]}", params)
        if progress:
            print(f"soundfonts: {done + 1}/{len(groups)} batches", flush=True)
    return notes
