"""``buzzfinder --self-test``: does this installation (or bundle) work? One line per check.

* ``model``    — the model and its metadata load (name, version, size);
* ``take``     — the built-in take (``assets/selftest/take.json`` + ``take.flac``) reads;
* ``onsets``   — the engine, fed the take block by block as from a file, finds every note within
  :data:`ONSET_TOLERANCE_MS` of where it was played, and nothing else;
* ``verdicts`` — its final verdicts are the labels the notes were made with. The model is
  statistical, so :data:`MAX_DISAGREEMENTS` note may differ (it is printed); more is a failure;
* ``audio``    — PortAudio loads through sounddevice and lists the devices (no input device is a
  warning: files still work);
* ``qt``       — a QApplication comes up on the platform plugin (``offscreen`` when there is no
  display) and a pyqtgraph plot renders; the native platform plugin must be present too.

Exit status 0 when nothing failed. Imports neither TensorFlow nor librosa.

>>> run_self_test()                                    # doctest: +SKIP
ok   model    buzzfinder seed0 (353 KB) assets/buzzfinder.tflite
...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from buzzfinder_app.model.runtime import assets_dir

ONSET_TOLERANCE_MS = 30.0
MAX_DISAGREEMENTS = 1
#: Qt's platform plugin for the windows of each OS.
NATIVE_PLATFORM = {"linux": "xcb", "darwin": "cocoa", "win32": "windows"}


@dataclass
class Result:
    """One check: ``status`` is ``ok``, ``warn`` or ``FAIL``."""

    status: str
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4} {self.name:<8} {self.detail}"


def default_take_path() -> Path:
    """``$BUZZFINDER_SELFTEST_TAKE`` if set, else the shipped take."""
    env = os.environ.get("BUZZFINDER_SELFTEST_TAKE")
    return Path(env) if env else assets_dir() / "selftest" / "take.json"


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1024:.0f} KB"


def check_model(model_path: Path | None):
    """(result, model or None)."""
    from buzzfinder_app.model.metadata import ModelError
    from buzzfinder_app.model.runtime import Model

    try:
        model = Model.load(model_path)
    except ModelError as exc:
        return Result("FAIL", "model", str(exc)), None
    meta = model.metadata
    return Result("ok", "model", f"{meta.name} {meta.version} ({_size(model.path)}) {model.path}"), model


def load_take(take_path: Path):
    """(result, audio path, [(onset_s, label)]); the audio path is None when the take is unusable."""
    from buzzfinder_app.constants import LABELS

    try:
        take = json.loads(take_path.read_text())
        audio = take_path.parent / take["audio"]
        notes = [(float(n["onset_s"]), str(n["label"])) for n in take["notes"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Result("FAIL", "take", f"{take_path} is unusable ({type(exc).__name__}: {exc})"), None, []
    unknown = sorted({label for _, label in notes} - set(LABELS))
    if not notes or unknown:
        return Result("FAIL", "take", f"{take_path} lists no notes or unknown labels {unknown}"), None, []
    if not audio.is_file():
        return Result("FAIL", "take", f"{audio} not found"), None, []
    return Result("ok", "take", f"{len(notes)} notes in {audio.name} ({_size(audio)})"), audio, notes


def analyse_take(model, audio: Path):
    """The engine's notes as (onset_s, final label or None), streamed from the file like the app does."""
    from buzzfinder_app.audio.file import FileSource
    from buzzfinder_app.engine.onsets import OnsetDetector

    source = FileSource(audio, block=1024)
    if model is None:  # onsets still say something about the engine without a model
        detector = OnsetDetector()
        onsets = [o for block in source for o in detector.process(block)] + detector.flush()
        return [(o / source.sample_rate, None) for o in onsets]
    from buzzfinder_app.engine.engine import NoteEngine, analyze_stream

    return [(n.onset_s, n.verdict.label) for n in analyze_stream(NoteEngine(model), source)]


def match_onsets(expected: list[tuple[float, str]], found: list[tuple[float, str | None]]):
    """Pair each expected note with the nearest found one within the tolerance, each used once.

    Returns (pairs [(expected index, found index)], missed expected indices, extra found indices).
    """
    tol = ONSET_TOLERANCE_MS / 1000
    candidates = sorted((abs(f[0] - e[0]), i, j) for i, e in enumerate(expected) for j, f in enumerate(found)
                        if abs(f[0] - e[0]) <= tol)
    pairs, used_e, used_f = [], set(), set()
    for _, i, j in candidates:
        if i not in used_e and j not in used_f:
            pairs.append((i, j))
            used_e.add(i)
            used_f.add(j)
    return sorted(pairs), [i for i in range(len(expected)) if i not in used_e], \
        [j for j in range(len(found)) if j not in used_f]


def check_take(model, audio: Path, expected: list[tuple[float, str]]) -> list[Result]:
    """The ``onsets`` and ``verdicts`` results."""
    from buzzfinder_app.audio.file import AudioFileError

    started = time.perf_counter()
    try:
        found = analyse_take(model, audio)
    except AudioFileError as exc:
        return [Result("FAIL", "onsets", str(exc))]
    took = time.perf_counter() - started
    pairs, missed, extra = match_onsets(expected, found)
    worst = max((abs(found[j][0] - expected[i][0]) for i, j in pairs), default=0.0) * 1000
    problems = [f"note {i + 1} at {expected[i][0]:.3f} s not found" for i in missed]
    problems += [f"extra onset at {found[j][0]:.3f} s" for j in extra]
    if problems:
        onsets = Result("FAIL", "onsets", f"{len(pairs)} of {len(expected)} within {ONSET_TOLERANCE_MS:.0f} ms; "
                                          + "; ".join(problems))
    else:
        onsets = Result("ok", "onsets", f"{len(pairs)} of {len(expected)} within {ONSET_TOLERANCE_MS:.0f} ms "
                                        f"(worst {worst:.0f} ms), none extra")
    if model is None:
        return [onsets, Result("FAIL", "verdicts", "not judged: no model")]
    wrong = [f"note {i + 1} at {expected[i][0]:.3f} s: {found[j][1]}, expected {expected[i][1]}"
             for i, j in pairs if found[j][1] != expected[i][1]]
    agree = len(pairs) - len(wrong)
    detail = f"{agree} of {len(expected)} as labelled in {took:.2f} s"
    if wrong:
        detail += f", {len(wrong)} allowed ({MAX_DISAGREEMENTS} max): " if len(wrong) <= MAX_DISAGREEMENTS else \
            f", {len(wrong)} differ ({MAX_DISAGREEMENTS} allowed): "
        detail += "; ".join(wrong)
    ok = len(wrong) <= MAX_DISAGREEMENTS and agree >= len(expected) - MAX_DISAGREEMENTS
    return [onsets, Result("ok" if ok else "FAIL", "verdicts", detail)]


def _loaded_library(fragment: str) -> str | None:
    """The path of a loaded shared library whose name contains ``fragment`` (Linux only)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(maxsplit=5)[-1].strip()
                if fragment in os.path.basename(path):
                    return path
    except OSError:
        pass
    return None


def check_audio() -> Result:
    """PortAudio loads and lists devices; no input device is only a warning."""
    try:
        import sounddevice as sd

        version = sd.get_portaudio_version()[1].split(",")[0]
        devices = sd.query_devices()
    except Exception as exc:  # OSError when the library is missing, PortAudioError when it fails
        return Result("FAIL", "audio", f"PortAudio unusable ({type(exc).__name__}: {exc})")
    inputs = sum(1 for d in devices if d["max_input_channels"] > 0)
    where = _loaded_library("libportaudio") or sd._libname
    detail = f"{version}, {len(devices)} devices, {inputs} with input ({where})"
    if inputs == 0:
        return Result("warn", "audio", detail + "; no microphone: only files can be played")
    return Result("ok", "audio", detail)


def _platform_plugins(paths: list[str]) -> list[str]:
    """Names of the platform plugins in Qt's library paths (``libqxcb.so`` -> ``xcb``)."""
    names = set()
    for folder in paths:
        platforms = Path(folder) / "platforms"
        if platforms.is_dir():
            for f in platforms.iterdir():
                stem = f.name.split(".")[0]
                names.add(stem[4:] if stem.startswith("libq") else stem[1:] if stem.startswith("q") else stem)
    return sorted(names)


def check_qt() -> Result:
    """A QApplication on the configured (or offscreen) platform, and a pyqtgraph plot drawn on it."""
    if sys.platform.startswith("linux") and not (os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display: Qt would abort on xcb
    try:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        import pyqtgraph as pg

        plot = pg.PlotWidget()
        plot.plot([0, 1, 0.5, 0.8])
        plot.resize(200, 100)
        image = plot.grab().toImage()
        plot.deleteLater()
    except Exception as exc:
        return Result("FAIL", "qt", f"{type(exc).__name__}: {exc}")
    plugins = _platform_plugins(app.libraryPaths())
    native = NATIVE_PLATFORM.get(sys.platform)
    detail = f"platform {app.platformName()}, plot {image.width()}x{image.height()} (plugins: {', '.join(plugins)})"
    if image.isNull():
        return Result("FAIL", "qt", detail + "; the plot did not render")
    if native and native not in plugins:
        return Result("FAIL", "qt", detail + f"; the {native} platform plugin is missing")
    return Result("ok", "qt", detail)


def run_self_test(model_path: Path | str | None = None, take_path: Path | str | None = None, out=None) -> int:
    """Run every check, print one line each to ``out`` (stdout); 0 if none failed, else 1."""
    out = out or sys.stdout
    results = []

    def report(result: Result) -> None:
        results.append(result)
        print(result.line(), file=out, flush=True)

    model_result, model = check_model(Path(model_path) if model_path else None)
    report(model_result)
    take_result, audio, expected = load_take(Path(take_path) if take_path else default_take_path())
    report(take_result)
    if audio is not None:
        for result in check_take(model, audio, expected):
            report(result)
    report(check_audio())
    report(check_qt())
    failed = [r.name for r in results if r.status == "FAIL"]
    warned = [r.name for r in results if r.status == "warn"]
    summary = f"self-test {'FAILED: ' + ', '.join(failed) if failed else 'passed'}"
    print(summary + (f" ({len(warned)} warning{'s' * (len(warned) > 1)})" if warned else ""), file=out, flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m buzzfinder_app.selftest [--model PATH] [--take JSON]``."""
    parser = argparse.ArgumentParser(prog="buzzfinder --self-test", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: $BUZZFINDER_MODEL or the shipped one)")
    parser.add_argument("--take", help="take JSON (default: $BUZZFINDER_SELFTEST_TAKE or the shipped one)")
    args = parser.parse_args(argv)
    return run_self_test(args.model, args.take)


if __name__ == "__main__":
    sys.exit(main())
