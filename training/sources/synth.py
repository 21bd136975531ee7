"""Physically modelled guitar notes for the three classes: clean, buzzy and muted.

Each note is a waveguide string (:mod:`training.sources.synth_string`) in two vibration planes, heard
through a random guitar body with a pluck knock and attack noise (:mod:`training.sources.synth_noise`):

* **clean** — the string rings freely; some notes are damped by the hand after 0.2 s or more;
* **buzzy** — a fret under the string: the string collides with it while its swing is larger than
  the gap, so the rattle is strongest in the attack and stops as the note decays below the gap;
  the note still rings (a collision that chokes it within 0.3 s is a muted note, not a buzzy one);
* **muted** — a finger lies on the string (not pressing it to the fret): most partials die within
  0.1-0.4 s and the pluck thud remains.

Clean (and some muted) notes get hard negatives — hiss, pick scrape, string squeak, fret-hand
noise — so that noise alone never means "buzzy"; some buzzy notes get hiss too, so that hiss
does not mean "not buzzy" either (see :data:`EXTRA_PROBS`). Every random choice is recorded in
``SynthNote.params``; passing a parameter as an override to :func:`generate_note` fixes it, e.g.
``barrier_gap=None`` gives the clean twin of a buzzy note (same pitch, same pluck, same body).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from buzzfinder_app.constants import LABELS, SAMPLE_RATE
from training.sources import synth_noise as noise
from training.sources.synth_string import design_loop, loss_pole_for, pluck_shape, ring_impacts, simulate

#: Ranges (low, high) of the string parameters of each character. They overlap, as guitars do:
#: nylon plucked with nails is bright and sharp, old steel strings are dull, fingers on steel soft.
CHARACTERS = {
    "nylon": {
        "t60_f0": (2.5, 8.0),  # s, decay of the fundamental at 110 Hz
        "t60_high": (0.03, 0.4),  # s, decay at 4 kHz
        "n_disp": (0, 1),
        "disp_coef": (-0.15, -0.02),
        "pluck_position": (0.08, 0.35),  # fraction of the string from the bridge
        "pluck_width": (0.0, 0.12),  # fraction of the string: fingertip, or nail when plucked hard
        "attack_centre": (800.0, 5000.0),
    },
    "steel": {
        "t60_f0": (4.0, 14.0),
        "t60_high": (0.08, 1.2),
        "n_disp": (1, 3),
        "disp_coef": (-0.45, -0.1),
        "pluck_position": (0.05, 0.3),
        "pluck_width": (0.0, 0.08),  # pick or nail, or a fingertip when plucked softly
        "attack_centre": (1200.0, 6000.0),
    },
}

MIDI_RANGE = (40, 88)  # E2..E6
HF_CUTOFF_HZ = 3000.0
ATTACK_S = 0.3
#: A buzzy note's string must carry at least this much more energy above 3 kHz in its attack than
#: its free twin; otherwise the gap is narrowed (the buzz would be inaudible).
MIN_BUZZ_DB = 3.0
#: ... and the rattle's own energy above 3 kHz must be at least this share of the attack's energy
#: (dB): fainter, it hides under any microphone's hiss and is label noise, not subtle buzz. Real
#: buzzy notes carry -20 to -30 dB between 2 and 5 kHz, clean ones below -35 dB.
MIN_RATTLE_DB = -32.0
#: A buzzy note whose rattle stays inaudible gets its fret drawn anew up to this many times.
MAX_REDRAWS = 6
#: A muted string has lost 30 dB within this time (the touch is made firmer until it has).
MAX_MUTED_DECAY_S = 0.4
#: A buzzy note still sounds its pitch: it takes at least this long to lose 30 dB (real buzzy notes
#: take 0.3-1.7 s). A fret so close that the collisions choke the note within this time gives a
#: dead thud with a click, which players hear as muted: such gaps are not kept.
MIN_BUZZY_DECAY_S = 0.3
#: Share of buzzy notes whose rattle is kept just above audible.
SUBTLE_SHARE = 0.15
#: Share of buzzy notes whose rattle starts only after the attack, when the fretting finger eases
#: off (as a player searching for the lightest pressure does) or the string's swing turns towards the
#: fret; it starts this many seconds after the pluck. Real buzzy notes do this: a clean attack, then a
#: rattle that grows while the note rings.
LATE_SHARE = 0.2
LATE_START_S = (0.15, 0.7)
#: ... and it goes on for at least this long (a single slap of the string as a hand stops it is not a rattle).
LATE_MIN_S = 0.3
#: Probability of each hard negative per class.
EXTRA_PROBS = {
    "clean": {"hiss": 0.5, "scrape": 0.25, "squeak": 0.2, "fret-hand": 0.25},
    "muted": {"hiss": 0.3, "scrape": 0.1, "squeak": 0.1, "fret-hand": 0.15},
    "buzzy": {"hiss": 0.15, "scrape": 0.0, "squeak": 0.0, "fret-hand": 0.0},
}


@dataclass
class SynthNote:
    """One synthetic note and how it was made."""

    audio: np.ndarray  # float32 mono at sample_rate, peak in [0.1, 0.9]
    label: str  # "buzzy" | "clean" | "muted"
    onset: int  # sample index of the pluck
    source: str  # "model-nylon" or "model-steel"
    params: dict  # the drawn parameters (JSON-serialisable)


def _uniform(rng: np.random.Generator, lo_hi) -> float:
    return float(rng.uniform(*lo_hi))


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _draw_string(rng: np.random.Generator, character: str, duration_s: float) -> dict:
    """Pitch, string, pluck, second plane, body and levels: everything the classes share."""
    ch = CHARACTERS[character]
    midi = int(rng.integers(MIDI_RANGE[0], MIDI_RANGE[1] + 1))
    f0 = 440.0 * 2 ** ((midi - 69 + rng.uniform(-0.12, 0.12)) / 12)
    # the string is linear but for the fret, whose gap is set relative to the swing, so a pluck's
    # strength shows in its sharpness and its noise
    strength = float(rng.uniform(0.0, 1.0))
    width_lo, width_hi = ch["pluck_width"]
    return {
        "character": character,
        "midi": midi,
        "f0": float(f0),
        "lead_in_s": float(rng.uniform(0.1, 0.5)),
        "duration_s": float(duration_s),
        # higher (shorter) strings decay faster
        "t60_f0": _uniform(rng, ch["t60_f0"]) * float(np.clip((f0 / 110.0) ** -0.4, 0.4, 1.2)),
        "t60_high": _uniform(rng, ch["t60_high"]),
        "n_disp": int(rng.integers(ch["n_disp"][0], ch["n_disp"][1] + 1)),
        "disp_coef": _uniform(rng, ch["disp_coef"]),
        "pluck_position": _uniform(rng, ch["pluck_position"]),
        "pluck_width": width_lo + (width_hi - width_lo) * (1.0 - strength),  # a hard pluck is sharp
        "plane2_weight": float(rng.uniform(0.1, 0.5)),
        "plane2_cents": float(rng.uniform(-3, 3)),
        "plane2_t60_ratio": float(rng.uniform(0.7, 1.4)),
        "body": noise.draw_body(rng),
        "knock_level": float(rng.uniform(0.03, 0.25)),
        "pluck_strength": strength,
        "attack_level": 0.01 * 15.0**strength,  # and loud: 0.01 to 0.15 of the note's peak
        "attack_centre": _uniform(rng, ch["attack_centre"]),
        "attack_s": float(rng.uniform(0.002, 0.015)),
        "room_db": float(rng.uniform(-80, -55)),
        "level": float(rng.uniform(0.1, 0.9)),
    }


def _draw_buzz(rng: np.random.Generator, note_s: float) -> dict:
    """The fret barrier: where it is, how long the string keeps reaching it, how it hits."""
    subtle = rng.random() < SUBTLE_SHARE
    # the fret is usually below the vertical plane; a faint rattle often comes from the weaker plane only
    planes = ["vertical", "both", "horizontal", "horizontal", "horizontal"] if subtle else ["vertical", "both", "both", "horizontal"]
    return {
        "barrier_position": float(rng.uniform(0.01, 0.12)),  # fraction from the fretted end
        "buzz_s": _log_uniform(rng, 0.1, note_s),  # how long the string keeps striking the fret
        # subtle notes: the rattle's share of the attack's energy stays below this (dB)
        "rattle_ceiling_db": float(rng.uniform(MIN_RATTLE_DB, -24.0)) if subtle else None,
        "buzz_planes": str(rng.choice(planes)),
        "gap_ratio_2": float(rng.uniform(0.8, 3.0)),  # plane-2 gap / plane-1 gap when both hit
        "impact_loss": float(rng.uniform(0.0, 0.05)),
        # 1 = hard bounce off the fret, 0.5 = stopped by it, lower = a soft grazing contact
        "contact_stiffness": float(rng.uniform(0.1, 0.5) if subtle else rng.uniform(0.5, 1.0)),
        # each impact rings the fret and neck: a click of 2-3 short, bright modes
        "fret_modes": [(float(rng.uniform(1500, 8000)), float(rng.uniform(0.2, 2.0)), float(rng.uniform(0.3, 1.0)))
                       for _ in range(rng.integers(2, 4))],
        "rattle_gain": _log_uniform(rng, 0.03, 0.5),
        "gap_wander": float(rng.uniform(0.0, 0.3)) if rng.random() < 0.4 else 0.0,
        "gap_wander_hz": float(rng.uniform(0.5, 6.0)),
        "gap_wander_phase": float(rng.uniform(0, 2 * np.pi)),
        # 0: the string strikes the fret from the pluck on; else the fret comes within reach this
        # late, over the ramp before it (drawn last so that the draws above stay the same)
        "buzz_start_s": _uniform(rng, LATE_START_S) if rng.random() < LATE_SHARE else 0.0,
        "buzz_start_ramp_s": float(rng.uniform(0.05, 0.3)),
    }


def _draw_mute(rng: np.random.Generator) -> dict:
    """A finger resting on the string (fretting hand) or the palm near the bridge."""
    palm = rng.random() < 0.3
    return {
        "damp_position": float(rng.uniform(0.85, 0.97) if palm else rng.uniform(0.1, 0.5)),
        "damp_width": float(rng.uniform(0.01, 0.05)),
        "damp_strength": float(rng.uniform(0.005, 0.08)),
        "damp_ramp_s": float(rng.uniform(0.0, 0.01)),
        "kill_s": float(rng.uniform(0.15, 0.5)),  # about the 30-dB decay time of the string's own losses
    }


def _draw_release(rng: np.random.Generator, note_s: float) -> dict:
    """A clean note the hand damps after it has rung (or not, most of the time)."""
    if rng.random() >= 0.3:
        return {"release_s": None}
    return {
        "release_s": float(rng.uniform(0.2, min(1.8, note_s))),
        "damp_position": float(rng.uniform(0.1, 0.5)),
        "damp_width": float(rng.uniform(0.01, 0.05)),
        "damp_strength": float(rng.uniform(0.1, 0.4)),
        "damp_ramp_s": float(rng.uniform(0.01, 0.05)),
    }


def draw_extras(rng: np.random.Generator, label: str) -> list[str]:
    return [name for name, p in EXTRA_PROBS[label].items() if rng.random() < p]


def draw_params(label: str, seed: int, character: str | None, duration_s: float, redraw: int = 0) -> dict:
    """All random choices of a note. The shared part does not depend on the label.

    ``redraw`` > 0 draws the class-specific part anew (for a fret whose buzz cannot be heard);
    from :data:`MAX_REDRAWS` // 2 on, the string and pitch too.
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, not {label!r}")
    shared_seq, class_seq, extras_seq = np.random.SeedSequence(seed).spawn(3)
    if redraw:
        class_seq = np.random.SeedSequence([seed, redraw])
    if redraw > MAX_REDRAWS // 2:
        shared_seq = np.random.SeedSequence([seed, redraw, 1])
    shared_rng, class_rng, extras_rng = (np.random.default_rng(s) for s in (shared_seq, class_seq, extras_seq))
    if character is None:
        character = str(shared_rng.choice(list(CHARACTERS)))
    params = _draw_string(shared_rng, character, duration_s)
    note_s = duration_s - params["lead_in_s"]
    params["label"] = label
    params["redraw"] = redraw
    if label == "buzzy":
        params.update(_draw_buzz(class_rng, note_s))
    elif label == "muted":
        params.update(_draw_mute(class_rng))
    else:
        params.update(_draw_release(class_rng, note_s))
    params["extras"] = draw_extras(extras_rng, label)
    return params


# ---------------------------------------------------------------------------------------------
# rendering


def _plane_designs(p: dict, sample_rate: int):
    """Loop designs of the two vibration planes (plane 2 slightly detuned, own decay)."""
    t60_f0, t60_high = p["t60_f0"], p["t60_high"]
    if p["label"] == "muted":  # the resting finger's loss, on top of the point damper
        t60_f0 = min(t60_f0, 2.5 * p["kill_s"])
        t60_high = min(t60_high, 0.5 * p["kill_s"])
    designs = []
    for f0, scale in ((p["f0"], 1.0), (p["f0"] * 2 ** (p["plane2_cents"] / 1200), p["plane2_t60_ratio"])):
        gain, pole = loss_pole_for(f0, t60_f0 * scale, t60_high * scale, 4000.0, sample_rate)
        designs.append(design_loop(f0, sample_rate, gain, pole, p["disp_coef"], p["n_disp"]))
    return designs


def _damping(p: dict, n: int, m: int, sample_rate: int):
    """(index, width, per-sample strength) of the damping finger, or None."""
    if p["label"] == "muted":
        start = 0
    elif p.get("release_s") is not None:
        start = int(p["release_s"] * sample_rate)
    else:
        return None
    ramp = max(1, int(p["damp_ramp_s"] * sample_rate))
    strength = p["damp_strength"] * np.clip((np.arange(n) - start) / ramp, 0.0, 1.0)
    idx = int(np.clip(round(p["damp_position"] * m), 1, m - 2))
    width = max(1, int(round(p["damp_width"] * m)))
    return idx, width, strength


def _gap_curve(gap: float | None, p: dict, n: int, sample_rate: int):
    """Per-sample barrier gap (slowly wandering when the string or fret moves), or None.

    A late rattle (``p['buzz_start_s']`` > 0): the gap is out of the string's reach (``p['late_lift']``,
    its largest swing, above the gap) until the ramp before the start brings it down.
    """
    if gap is None:
        return None
    t = np.arange(n) / sample_rate
    curve = np.full(n, gap)
    if p.get("gap_wander", 0.0):
        curve *= 1.0 + p["gap_wander"] * np.sin(2 * np.pi * p["gap_wander_hz"] * t + p["gap_wander_phase"])
    start = p.get("buzz_start_s", 0.0)
    if start:
        curve += p["late_lift"] * np.clip((start - t) / p["buzz_start_ramp_s"], 0.0, 1.0)
    return curve


def buzz_start(p: dict, sample_rate: int) -> int:
    """Sample (after the pluck) from which a buzzy note's rattle is measured: its attack, or a late rattle's start."""
    return int(p.get("buzz_start_s", 0.0) * sample_rate)


def _run_plane(design, p: dict, n: int, sample_rate: int, gap: float | None):
    """Sound of one plane, the displacement at the barrier point and the impacts on the fret.

    The sound is the bridge output (a force-like first difference) plus the click of every impact
    on the fret, proportional to the speed at which the string strikes it.
    """
    m = design.m
    y0 = pluck_shape(m, 1.0 - p["pluck_position"], int(round(p["pluck_width"] * m)))
    barrier_idx = int(np.clip(round(p.get("barrier_position", 0.05) * m), 1, m - 2))
    damping = _damping(p, n, m, sample_rate)
    kwargs = {}
    if damping is not None:
        kwargs = {"damp_idx": damping[0], "damp_width": damping[1], "damp": damping[2]}
    out, probe, impacts = simulate(design, y0, n, barrier_idx=barrier_idx, gap=_gap_curve(gap, p, n, sample_rate),
                                   stiffness=p.get("contact_stiffness", 1.0), impact_loss=p.get("impact_loss", 0.0),
                                   **kwargs)
    sound = np.diff(out, prepend=0.0)
    if gap is not None and impacts.any():
        speed = impacts * (sample_rate / p["sample_rate"])  # per output sample, whatever the oversampling
        sound += p["rattle_gain"] * ring_impacts(speed, fret_click(p["fret_modes"], sample_rate))
    return sound, probe, impacts


def fret_click(modes, sample_rate: int) -> np.ndarray:
    """Impulse response of the fret and neck struck by the string: decaying bright modes, peak 1."""
    t = np.arange(int(0.01 * sample_rate)) / sample_rate
    click = sum(a * np.exp(-t / (tau_ms * 1e-3)) * np.sin(2 * np.pi * f * t) for f, tau_ms, a in modes)
    return click / np.max(np.abs(click))


def hf_fraction(x: np.ndarray, sample_rate: int, f0: float = 0.0, start: int = 0, seconds: float = ATTACK_S) -> float:
    """Share of the energy above max(:data:`HF_CUTOFF_HZ`, 4 f0) in ``seconds`` from ``start``.

    Level-independent; the cutoff rises for high notes so their own 3rd and 4th partials do not
    count as rattle.
    """
    seg = x[start : start + int(seconds * sample_rate)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
    freqs = np.fft.rfftfreq(len(seg), 1.0 / sample_rate)
    return float(spec[freqs >= max(HF_CUTOFF_HZ, 4.0 * f0)].sum() / max(spec.sum(), 1e-30))


def oversampling(f0: float, sample_rate: int) -> int:
    """Simulation rate factor that keeps at least 24 points on a delay line (fine collisions on high notes)."""
    return max(1, int(np.ceil(48.0 * f0 / sample_rate)))


def _buzzing_string(p: dict, designs, n: int, sample_rate: int, factor: int, voice) -> np.ndarray:
    """Choose the barrier gaps, then simulate the buzzing string.

    Gaps from 70 % of the free string's largest swing at the fret down to 1/10 000 of it are tried,
    widest first; the narrower the gap, the longer the string keeps striking the fret. A gap is
    audible when the note's share of energy above 3 kHz in the attack is :data:`MIN_BUZZ_DB` above
    its clean twin's and the rattle's own share is at least :data:`MIN_RATTLE_DB`; it is kept only
    if the note still takes :data:`MIN_BUZZY_DECAY_S` to decay 30 dB (narrower gaps choke it more,
    so the search stops there). For a subtle note the rattle's own share must also stay below
    ``p['rattle_ceiling_db']`` (else the faintest audible gap is kept). Among these the gap is kept
    whose last impact comes nearest ``p['buzz_s']`` after the rattle's start (the pluck, or a late
    rattle's ``p['buzz_start_s']``, where its levels are measured instead of in the attack). When no gap is audible (a
    bright note whose partials hide the rattle) the fret rings louder, and a rattle of the weaker
    plane alone gets the vertical plane's too. Levels are measured on the note as heard,
    ``voice(string)`` (body, knock and attack noise). ``p`` records the planes, gaps, rattle gain,
    the buzz and rattle levels and the time of the last impact. The string runs at
    ``factor`` times ``sample_rate``; ``n`` counts output samples. Gaps are tried on the first
    twice the rattle's end only (the simulation is causal); the chosen one is then run in full.
    """
    rate = sample_rate * factor
    late_s = p.get("buzz_start_s", 0.0)
    n_try = min(n, int(max(late_s + 1.5 * ATTACK_S, 2 * (late_s + max(p["buzz_s"], LATE_MIN_S))) * sample_rate))
    free = [_run_plane(d, p, n_try * factor, rate, None) for d in designs]
    free_voice = voice(_decimate(free[0][0] + p["plane2_weight"] * free[1][0], factor, n_try))
    if late_s:  # while the note still sounds: a rattle after it has died is a click, not a buzzy note
        p["buzz_start_s"] = late_s = min(late_s, 0.5 * decay_time(free_voice, sample_rate))
    start = buzz_start(p, sample_rate)
    until_s = late_s + max(p["buzz_s"], LATE_MIN_S) if late_s else p["buzz_s"]  # the last strike's aim
    attack = start + int(1.5 * ATTACK_S * sample_rate)
    free_hf = hf_fraction(free_voice[:attack], sample_rate, p["f0"], start)
    swings = [max(-f[1].min(), 1e-6) for f in free]  # largest downward swing of each plane at the fret
    p["late_lift"] = max(swings)

    def attempt(fraction: float) -> dict:
        g1, g2 = fraction * swings[0], fraction * swings[1]
        gaps = {"vertical": (g1, None), "both": (g1, g1 * p["gap_ratio_2"]), "horizontal": (None, g2)}[p["buzz_planes"]]
        mix, last_impact_s = _mix_planes(p, designs, n_try * factor, rate, gaps, [f[0] for f in free])
        heard = voice(_decimate(mix, factor, n_try))
        hf = hf_fraction(heard[:attack], sample_rate, p["f0"], start)
        return {"buzz_db": float(10 * np.log10(hf / max(free_hf, 1e-30))), "rattle_db": float(10 * np.log10(max(hf - free_hf, 1e-12))),
                "last_impact_s": last_impact_s, "gaps": gaps, "sustain_s": decay_time(heard, sample_rate),
                "buzz_planes": p["buzz_planes"], "rattle_gain": p["rattle_gain"]}

    base_gain, planes = p["rattle_gain"], p["buzz_planes"]
    plan = [(planes, boost) for boost in (1.0, 4.0, 16.0)]
    if planes == "horizontal":  # the weaker plane alone may be drowned: then the vertical one hits too
        plan[1:] = [("both", boost) for boost in (1.0, 4.0, 16.0)]
    loudest = None
    for p["buzz_planes"], boost in plan:
        p["rattle_gain"] = base_gain * boost
        tried = []
        for fraction in np.geomspace(0.7, 1e-4, 13):
            t = attempt(fraction)
            if t["sustain_s"] < MIN_BUZZY_DECAY_S:
                break
            tried.append(t)
            if is_audible(t) and t["last_impact_s"] > 1.5 * until_s:
                break
        loudest = max(tried + ([loudest] if loudest else []), key=lambda t: t["buzz_db"], default=None)
        audible = [t for t in tried if is_audible(t)]
        if audible:
            break
    if not audible:
        chosen = loudest or attempt(0.7)
    else:
        if p["rattle_ceiling_db"] is not None:
            audible = [t for t in audible if t["rattle_db"] <= p["rattle_ceiling_db"]] or [min(audible, key=lambda t: t["rattle_db"])]
        chosen = min(audible, key=lambda t: abs(np.log(max(t["last_impact_s"], 1e-3) / until_s)))
    p["barrier_gap"], p["barrier_gap_2"] = (None if g is None else float(g) for g in chosen["gaps"])
    p.update({k: chosen[k] for k in ("buzz_planes", "rattle_gain")})
    p.update({k: float(chosen[k]) for k in ("buzz_db", "rattle_db", "sustain_s")})
    mix, p["last_impact_s"] = _mix_planes(p, designs, n * factor, rate, chosen["gaps"])
    return _decimate(mix, factor, n)


def is_audible(t: dict) -> bool:
    """Whether a rattle (``buzz_db`` over the clean twin, own share ``rattle_db``) can be heard."""
    return t["buzz_db"] >= MIN_BUZZ_DB and t["rattle_db"] >= MIN_RATTLE_DB


def _mix_planes(p: dict, designs, n: int, rate: int, gaps, free_sounds=(None, None)) -> tuple[np.ndarray, float]:
    """Sound of both vibration planes (plane 2 weighted) and the time of the last impact (0 if none).

    A plane without a fret whose free sound is given is not simulated again.
    """
    mix, last = np.zeros(n), 0.0
    for weight, design, gap, free in zip((1.0, p["plane2_weight"]), designs, gaps, free_sounds):
        if gap is None and free is not None:
            mix += weight * free
            continue
        sound, _, impacts = _run_plane(design, p, n, rate, gap)
        mix += weight * sound
        hits = np.flatnonzero(impacts)
        last = max(last, hits[-1] / rate if len(hits) else 0.0)
    return mix, last


def _decimate(x: np.ndarray, factor: int, n: int) -> np.ndarray:
    """From the simulation rate to the output rate (anti-aliased)."""
    return resample_poly(x, 1, factor)[:n] if factor > 1 else x


def _string_sound(p: dict, n: int, sample_rate: int, voice=None) -> np.ndarray:
    """Both planes mixed, simulated oversampled and brought to ``sample_rate``.

    Given ``voice``, a buzzy note's gaps are chosen first (see :func:`_buzzing_string`).
    """
    factor = oversampling(p["f0"], sample_rate)
    designs = _plane_designs(p, sample_rate * factor)
    if voice is not None:
        return _buzzing_string(p, designs, n, sample_rate, factor, voice)
    gaps = (p.get("barrier_gap"), p.get("barrier_gap_2"))
    return _decimate(_mix_planes(p, designs, n * factor, sample_rate * factor, gaps)[0], factor, n)


def decay_time(x: np.ndarray, sample_rate: int, drop_db: float = 30.0, frame_s: float = 0.01) -> float:
    """Seconds until the RMS envelope stays ``drop_db`` below its peak (the length of ``x`` if never)."""
    hop = int(frame_s * sample_rate)
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    env = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-20)
    loud = np.nonzero(env > env.max() - drop_db)[0]
    return (loud[-1] + 1) * frame_s


def add_extras(y: np.ndarray, onset: int, note_rms: float, p: dict, sample_rate: int, rng) -> None:
    """Mix the hard negatives listed in ``p['extras']`` into ``y`` (in place); record their levels."""
    n = len(y)
    levels = {}
    for name in p["extras"]:
        if name == "hiss":
            x, kind = noise.hiss(n, rng)
            snr = float(rng.uniform(20, 50))
            y += note_rms * 10 ** (-snr / 20) * x
            levels[kind] = snr
        elif name == "scrape":
            start = onset + int(rng.uniform(-0.01, 0.02) * sample_rate)
            level = float(rng.uniform(0.05, 0.4))
            y += level * note_rms * noise.pick_scrape(n, max(0, start), sample_rate, rng)
            levels[name] = level
        elif name == "squeak":
            before = rng.random() < 0.5 and onset > 0.06 * sample_rate
            start = int(rng.uniform(0, onset - 0.05 * sample_rate)) if before else int(rng.uniform(onset + 0.3 * sample_rate, 0.8 * n))
            level = float(rng.uniform(0.1, 0.6))
            y += level * note_rms * noise.squeak(n, start, sample_rate, rng)
            levels[name] = level
        elif name == "fret-hand":
            starts = [int(rng.uniform(0, n - 0.05 * sample_rate)) for _ in range(rng.integers(1, 4))]
            level = float(rng.uniform(0.05, 0.5))
            y += level * note_rms * noise.fret_hand_noise(n, starts, sample_rate, rng)
            levels[name] = level
    p["extra_levels"] = levels


def _render(p: dict, seed: int, sample_rate: int, choose_gap: bool) -> tuple[np.ndarray, int]:
    """Audio and onset of the note described by ``p``."""
    noise_rng, extras_rng = (np.random.default_rng(s) for s in np.random.SeedSequence([seed, 1]).spawn(2))
    total = int(round(p["duration_s"] * sample_rate))
    onset = int(round(p["lead_in_s"] * sample_rate))
    n = total - onset
    transients = p["knock_level"] * noise.knock(n, p["body"], sample_rate, noise_rng)
    transients += p["attack_level"] * noise.burst(n, 0, p["attack_s"], p["attack_centre"], 1.5, sample_rate, noise_rng)

    def voice(string: np.ndarray) -> np.ndarray:
        """The string (or its beginning) heard through the body, with the pluck's knock and attack noise."""
        body = noise.apply_body(string, p["body"], sample_rate)
        return body / (np.max(np.abs(body)) + 1e-12) + transients[: len(body)]

    note = voice(_string_sound(p, n, sample_rate, voice if choose_gap else None))
    for _ in range(8):  # a muted note the body still carries too long: a firmer touch
        if p["label"] != "muted" or decay_time(note, sample_rate) <= MAX_MUTED_DECAY_S:
            break
        p["kill_s"] *= 0.7
        note = voice(_string_sound(p, n, sample_rate))
    y = np.zeros(total)
    y[onset:] = note
    note_rms = float(np.sqrt(np.mean(note[: int(0.5 * sample_rate)] ** 2)))
    add_extras(y, onset, note_rms, p, sample_rate, extras_rng)
    room = noise.one_pole_lowpass(noise.pink_noise(total, noise_rng), 3000.0, sample_rate)
    y += 10 ** (p["room_db"] / 20) * room / (np.std(room) + 1e-12)
    y *= p["level"] / (np.max(np.abs(y)) + 1e-12)
    return y.astype(np.float32), onset


def generate_note(label: str, seed: int, *, character: str | None = None, sample_rate: int = SAMPLE_RATE,
                  duration_s: float = 2.5, **overrides) -> SynthNote:
    """One note of class ``label``, fully determined by ``seed`` and ``overrides``.

    Any key of ``params`` can be overridden; ``barrier_gap=None`` removes the fret from both
    vibration planes (the clean twin of a buzzy note), ``extras=[]`` removes the hard negatives.
    ``params['redraw']`` tells which draw of the fret a buzzy note kept (see :data:`MAX_REDRAWS`);
    pass it back with the other parameters to reproduce the note.
    """
    choose_gap = label == "buzzy" and "barrier_gap" not in overrides
    for redraw in range(MAX_REDRAWS + 1 if choose_gap else 1):
        params = draw_params(label, seed, character, duration_s, overrides.get("redraw", redraw))
        params["sample_rate"] = sample_rate
        if "barrier_gap" in overrides and "barrier_gap_2" not in overrides:
            gap = overrides["barrier_gap"]
            overrides["barrier_gap_2"] = None if gap is None else gap * params.get("gap_ratio_2", 1.0)
        params.update(overrides)
        audio, onset = _render(params, seed, sample_rate, choose_gap)
        heard = choose_gap and is_audible(params) and params["sustain_s"] >= MIN_BUZZY_DECAY_S
        if not choose_gap or heard or "redraw" in overrides:
            break
    return SynthNote(audio, label, onset, f"model-{params['character']}", params)


def note_seed(seed: int, index: int) -> int:
    """The seed of note ``index`` of a set made with ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _generate_indexed(job: tuple) -> SynthNote:
    seed, i, characters = job
    label = LABELS[i % len(LABELS)]
    return generate_note(label, note_seed(seed, i), character=characters[(i // len(LABELS)) % len(characters)])


def generate_set(n_per_class: int, seed: int, *, characters=("nylon", "steel"), progress: bool = False,
                 workers: int = 1) -> list[SynthNote]:
    """``n_per_class`` notes of each class, interleaved (buzzy, clean, muted, buzzy, ...), characters alternating.

    Note ``i`` depends only on ``(seed, i)``, so the set is the same for any number of ``workers``
    (processes).
    """
    total = n_per_class * len(LABELS)
    jobs = [(seed, i, tuple(characters)) for i in range(total)]
    step = max(1, total // 20)
    notes = []
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        results = pool.map(_generate_indexed, jobs, chunksize=8) if pool else map(_generate_indexed, jobs)
        for note in results:
            notes.append(note)
            if progress and len(notes) % step == 0:
                print(f"synth: {len(notes)}/{total} notes", flush=True)
    return notes
