"""The recipe's sources: the real Strat strings as notes of every class, and the check that stops
a reproduction which lacks a source (or records one dropped on purpose)."""

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import constants as C

SR = C.SAMPLE_RATE


def dry_string(f0: float, seconds: float = 2.0, sr: int = 44100) -> np.ndarray:
    """A plucked string recorded direct: harmonics decaying, the higher ones faster."""
    t = np.arange(int(seconds * sr)) / sr
    return sum(np.sin(2 * np.pi * f0 * k * t) * np.exp(-(1.5 + 0.8 * k) * t) / k for k in range(1, 20)) * 0.3


@pytest.fixture
def strat_folder(tmp_path):
    for name, f0 in (("E2_A2_mp_1", 110.0), ("E2_C3_mp_2", 130.8), ("A_A3_mp_1", 220.0)):
        sf.write(tmp_path / f"{name}.flac", dry_string(f0), 44100, subtype="PCM_16")
    return tmp_path


def test_each_recording_becomes_a_clean_a_buzzy_and_a_muted_note(strat_folder):
    from training.sources.real_strings import SOURCE, make_notes, recordings
    from training.sources.synth import MIN_BUZZ_DB, decay_time

    assert [p.name for p, _ in recordings(("E2",), strat_folder)] == ["E2_A2_mp_1.flac", "E2_C3_mp_2.flac"]
    assert recordings(("E2",), strat_folder)[0][1] == pytest.approx(110.0)
    notes = make_notes(("E2",), seed=0, folder=strat_folder)
    by = {(n.params["file"], n.label): n for n in notes}
    assert {n.source for n in notes} == {SOURCE} and {n.label for n in notes} == set(C.LABELS)
    clean, buzzy, muted = (by[("E2_A2_mp_1.flac", k)] for k in ("clean", "buzzy", "muted"))
    assert buzzy.params["buzz_db"] >= MIN_BUZZ_DB and buzzy.params["strikes"] > 10  # a rattle one hears
    assert decay_time(muted.audio[muted.onset:].astype(np.float64), SR) <= 0.4
    assert decay_time(clean.audio[clean.onset:].astype(np.float64), SR) > 0.5
    assert all(0.1 * SR <= n.onset <= 0.5 * SR and np.abs(n.audio).max() <= 0.9 + 1e-6 for n in notes)
    # the same seed makes the same notes; the strings of the other split are not used
    again = make_notes(("E2",), seed=0, folder=strat_folder)
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(notes, again))
    assert make_notes(("E2",), seed=0, folder=strat_folder / "absent") == []


def test_a_missing_recipe_source_stops_the_reproduction_in_one_line(tmp_path, monkeypatch, capsys):
    import training.__main__ as M
    from training import provenance as P

    monkeypatch.setitem(P.RECIPE_SOUNDFONTS, "MuseScore", (str(tmp_path / "none.sf3"), "musescore-general-soundfont"))
    with pytest.raises(P.MissingSource) as stop:
        P.check_sources(tmp_path / "no_strat")
    message = str(stop.value)
    assert "MuseScore" in message and "musescore-general-soundfont" in message and "Stratocaster" in message
    assert "\n" not in message and "--drop-source" in message
    P.check_sources(tmp_path / "no_strat", dropped=("MuseScore", "strat"))  # dropped on purpose: no stop
    monkeypatch.setattr(M, "STRAT_DIR", tmp_path / "no_strat")
    with pytest.raises(SystemExit) as stop:
        M.main(["all", "--out", str(tmp_path / "out")])
    assert "MuseScore" in str(stop.value.code) and not (tmp_path / "out").exists()


def test_the_sources_are_recorded_with_versions_and_checksums(tmp_path, monkeypatch, strat_folder):
    from training import provenance as P

    font = tmp_path / "font.sf2"
    font.write_bytes(b"a soundfont")
    monkeypatch.setattr(P, "RECIPE_SOUNDFONTS", {"Tiny": (str(font), "no-such-package-here")})
    described = P.describe_sources(strat_folder, dropped=())
    assert described["Tiny"]["sha256"] == P.sha256_of(font) and described["Tiny"]["version"] is None
    assert described["strat"]["files"] == 3 and len(described["strat"]["sha256_of_files"]) == 64
    assert P.describe_sources(strat_folder, dropped=("strat",))["strat"] == {"dropped": True}
    (strat_folder / "A_A3_mp_1.flac").write_bytes(b"changed")
    assert P.describe_sources(strat_folder)["strat"]["sha256_of_files"] != described["strat"]["sha256_of_files"]
