"""The ``buzzfinder`` command: the desktop app without a subcommand, file analysis with one.

    buzzfinder                                   open the app (options below are passed to it)
    buzzfinder classify FILE... [--json]         one verdict per file (a file holds one note)
    buzzfinder analyze FILE... [--json]          every note of each file
    buzzfinder devices                           input devices, the default marked
    buzzfinder sessions [--json | --csv]         the practice history, oldest session first
    buzzfinder teach --profile NAME --label LABEL FILE...   teach a personal profile (a note a file)
    buzzfinder profiles [--json]                 personal profiles and how well they adapt

Neither TensorFlow nor librosa is imported here: the model runs on ai-edge-litert.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from buzzfinder_app.words import plural

EXIT_OK, EXIT_BAD_FILES, EXIT_SETUP = 0, 1, 2

_FILE_ERRORS_HELP = (
    "A file that cannot be used (missing, empty, corrupt, not audio, NaN samples, silent, shorter "
    "than 0.25 s) is reported on stderr in one line, the other files are still processed, and the "
    "exit status is 1. With --json such a file appears in the array, in argument order, as "
    '{"path": ..., "error": "..."}. A missing or unusable model: exit status 2.'
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buzzfinder",
        description="Hear whether each guitar note is clean, buzzy or muted. "
                    "Without a subcommand the desktop app opens.",
        epilog=_FILE_ERRORS_HELP,
    )
    parser.add_argument("--input-file", metavar="FILE", help="app: listen to FILE instead of the microphone")
    parser.add_argument("--loop", action="store_true", help="app: play --input-file over and over")
    parser.add_argument("--exit-when-done", action="store_true", help="app: quit when --input-file ends")
    parser.add_argument("--model", metavar="PATH", help="model file (.tflite with its .json beside it); "
                        "default: $BUZZFINDER_MODEL or the shipped model")
    parser.add_argument("--event-log", metavar="FILE", help="app: append each note event, with the wall-clock "
                        "time it was known, to FILE as a JSON line (diagnostics, latency)")
    parser.add_argument("--stage", action="store_true", help="app: open in the full-screen stage view, readable "
                        "from the music stand (F11 or Escape leaves it)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the installation: model, built-in take, audio, Qt; one line each, "
                             "exit status 1 on a failure (see docs/BUNDLE.md)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # Subcommands take --model too; SUPPRESS keeps one given before the subcommand.
    model_option = argparse.ArgumentParser(add_help=False)
    model_option.add_argument("--model", metavar="PATH", default=argparse.SUPPRESS, help="model file")
    profile_option = argparse.ArgumentParser(add_help=False)
    profile_option.add_argument("--profile", metavar="NAME", help="judge with what this personal profile was taught")

    classify = commands.add_parser(
        "classify", parents=[model_option, profile_option], help="one verdict per file",
        description="Judge each file as one note (its strongest onset, or its start).",
        epilog='--json prints one array, one object per file: {"path", "label", "confidence", '
               '"probs": {"buzzy", "clean", "muted"}, "onset_s"}. ' + _FILE_ERRORS_HELP)
    classify.add_argument("files", nargs="+", metavar="FILE")
    classify.add_argument("--json", action="store_true", help="print JSON")

    analyze = commands.add_parser(
        "analyze", parents=[model_option, profile_option], help="every note of each file",
        description="Find every note of each file and judge it as the live app does.",
        epilog='--json prints one array, one object per file: {"path", "sample_rate" (the file\'s own), '
               '"duration_s", "notes": [{"onset_s", "label", "confidence", "probs", '
               '"provisional": {"label", "at_s"}, "pitch_hz", "note", "level_dbfs"}]}. ' + _FILE_ERRORS_HELP)
    analyze.add_argument("files", nargs="+", metavar="FILE")
    analyze.add_argument("--json", action="store_true", help="print JSON")

    commands.add_parser("devices", help="list audio input devices")

    teach = commands.add_parser("teach", parents=[model_option], help="teach a personal profile",
                                description="Store one note per file under LABEL and refit the profile.")
    teach.add_argument("--profile", required=True, metavar="NAME", help="the profile (created if new)")
    teach.add_argument("--label", required=True, choices=("buzzy", "clean", "muted"), help="what these notes are")
    teach.add_argument("files", nargs="+", metavar="FILE")

    sessions = commands.add_parser(
        "sessions", help="export the practice history",
        description="Print every stored session with its notes, oldest first. The history is only read "
                    "(a read-only data folder works); a row whose text is damaged is left out and named on "
                    "stderr, and the exit status is 1.",
        epilog='--json: an array of {"id", "started_at", "ended_at", "input", "mode", "notes": [{"created_at", '
               '"onset_s", "label", "confidence", "probs": {"buzzy", "clean", "muted"}, "pitch_hz", "note", '
               '"level_dbfs", "step", "repetition", "target", "outcome"}]} (step, repetition, target '
               '(string:fret, e.g. 3:5) and outcome are empty outside the exercise). '
               '--csv: one row per note with the same fields: session_id, session_started_at, session_ended_at, '
               'input, mode, created_at, onset_s, label, confidence, p_buzzy, p_clean, p_muted, pitch_hz, note, '
               'level_dbfs, step, repetition, target, outcome.')
    fmt = sessions.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV, one row per note")

    profiles = commands.add_parser(
        "profiles", parents=[model_option], help="list personal profiles",
        description="List the personal profiles, their notes and how well they are tuned to your guitar.",
        epilog='--json: {"root", "profiles": [{"name", "guitar", "device", "created_at", "default", "path", '
               '"notes": {"buzzy", "clean", "muted"}, "loo_before", "loo_after", "loo_nested", "fitted_notes", '
               '"blend", "tunes", "fitted_at", "head"}], "damaged": [{"folder", "error"}]}; "head" is there when '
               'the model loads; "tunes": what was taught changes the verdicts.')
    profiles.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test and args.command is None:
        from buzzfinder_app.selftest import run_self_test

        return run_self_test(args.model)
    if args.command is None:
        from buzzfinder_app.ui.app import run

        return run(args)
    from buzzfinder_app.model.metadata import ModelError

    handlers = {"classify": cmd_classify, "analyze": cmd_analyze, "devices": cmd_devices,
                "sessions": cmd_sessions, "teach": cmd_teach, "profiles": cmd_profiles}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except (SetupError, ModelError) as exc:  # ModelError here: the model failed while judging (NaN)
        _error(str(exc))
        return EXIT_SETUP


class SetupError(Exception):
    """The model or profile cannot be used: nothing can be judged."""


def _error(message: str) -> None:
    print(f"buzzfinder: {message}", file=sys.stderr, flush=True)


def _load_model(args):
    from buzzfinder_app.model.runtime import Model, ModelError

    try:
        return Model.load(args.model)
    except ModelError as exc:
        raise SetupError(str(exc)) from None


def _classifier(args, model):
    """``model.predict``, or the personal profile's classifier when ``--profile`` is given."""
    if not getattr(args, "profile", None):
        return model.predict
    from buzzfinder_app.personal.adapt import head_info, profile_classifier, profile_head
    from buzzfinder_app.personal.profiles import ProfileError, ProfileStore

    store = ProfileStore()
    try:
        head = profile_head(store, args.profile, model)
        for problem in (head_info(store, args.profile) or {}).get("skipped") or []:
            _error(f"warning: profile {args.profile!r}: {problem} (left out)")
    except ProfileError as exc:
        raise SetupError(str(exc)) from None
    return profile_classifier(model, head)


def _probs(verdict) -> dict:
    return {label: round(p, 6) for label, p in verdict.probs.items()}


# -- classify ----------------------------------------------------------------------------------

def cmd_classify(args) -> int:
    from buzzfinder_app.audio.file import AudioFileError, FileSource
    from buzzfinder_app.engine.engine import NoNote, classify_clip

    model = _load_model(args)
    classify = _classifier(args, model)
    results, status = [], EXIT_OK
    for path in args.files:
        try:
            onset_s, verdict = classify_clip(model, FileSource(path), classify)  # streamed: flat memory
        except (AudioFileError, NoNote) as exc:
            problem = exc.problem if isinstance(exc, AudioFileError) else str(exc)
            _error(f"{path}: {problem}")
            results.append({"path": str(path), "error": problem})
            status = EXIT_BAD_FILES
            continue
        results.append({"path": str(path), "label": verdict.label, "confidence": round(verdict.confidence, 6),
                        "probs": _probs(verdict), "onset_s": round(onset_s, 4)})
        if not args.json:
            probs = "  ".join(f"{k} {v:.2f}" for k, v in verdict.probs.items())
            print(f"{path}: {verdict.label} ({verdict.confidence:.2f})   {probs}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return status


# -- analyze -----------------------------------------------------------------------------------

def cmd_analyze(args) -> int:
    from buzzfinder_app.audio.file import AudioFileError

    keep_freed_memory()
    model = _load_model(args)
    classify = _classifier(args, model)
    results, status = [], EXIT_OK
    for path in args.files:
        try:
            result = analyze_file(model, path, classify)
        except AudioFileError as exc:
            _error(str(exc))
            results.append({"path": str(path), "error": exc.problem})
            status = EXIT_BAD_FILES
            continue
        results.append(result)
        if not args.json:
            print(format_table(result), flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return status


#: Samples per block that ``analyze`` reads (3 s): large blocks spare per-block overhead, and nothing
#: the engine computes depends on how the stream is split.
ANALYZE_BLOCK = 65536


def keep_freed_memory() -> None:
    """Have glibc's malloc keep the memory that processing a block frees, for the next block.

    Each block allocates and frees arrays of a few hundred KB. By default glibc maps such arrays
    afresh (from 128 KB) or hands the top of its heap back to the kernel, and the next block faults
    the pages in again: 150 000 page faults and a sixth of the time of ``analyze`` on a 5-minute
    take; 1.8 million and 3.6 s of system time on an hour-long one (23 s in all, 18 s with this).
    Allocations from 32 MB still get their own mapping and at most 64 MB of free heap is kept: the
    peak RSS grows by 1 MiB on the 5-minute take and 3 MiB on the hour. Linux with glibc only:
    elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 64 << 20)


def analyze_file(model, path, classify=None) -> dict:
    """One file's analysis as the ``analyze --json`` object (streamed: memory stays flat)."""
    from buzzfinder_app.audio.file import FileSource
    from buzzfinder_app.engine.engine import NoteEngine, analyze_stream

    source = FileSource(path, block=ANALYZE_BLOCK)
    progress = Progress(Path(path).name) if source.duration_s > 20 and sys.stderr.isatty() else None
    try:
        notes = analyze_stream(NoteEngine(model, classify=classify), source,
                               progress=progress.show if progress else None)
    finally:
        if progress:
            progress.done()
    return {
        "path": str(path),
        "sample_rate": source.source_rate,
        "duration_s": round(source.duration_s, 4),
        "notes": [
            {
                "onset_s": round(n.onset_s, 4),
                "label": n.verdict.label,
                "confidence": round(n.verdict.confidence, 6),
                "probs": _probs(n.verdict),
                "provisional": {"label": n.provisional.label, "at_s": round(n.provisional_at_s, 4)},
                "pitch_hz": None if n.pitch_hz is None else round(n.pitch_hz, 2),
                "note": n.note,
                "level_dbfs": round(n.level_dbfs, 1),
            }
            for n in notes
        ],
    }


def summary_line(labels) -> str:
    """``"12 notes: 9 clean, 2 buzzy, 1 muted"`` (most frequent first)."""
    counts = Counter(labels)
    total = sum(counts.values())
    parts = ", ".join(f"{n} {label}" for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return plural(total, "note") + (f": {parts}" if parts else "")


def format_table(result: dict) -> str:
    lines = [f"{result['path']}  ({result['duration_s']:.1f} s, {result['sample_rate']} Hz)"]
    if result["notes"]:
        lines.append(f"  {'#':>3}  {'onset':>8}  {'note':<4}  {'pitch':>8}  {'verdict':<7}  {'conf':>4}  provisional")
    for i, n in enumerate(result["notes"], 1):
        pitch = f"{n['pitch_hz']:.1f} Hz" if n["pitch_hz"] else "-"
        prov = n["provisional"]
        lines.append(f"  {i:>3}  {n['onset_s']:>6.3f} s  {n['note'] or '-':<4}  {pitch:>8}  {n['label']:<7}  "
                     f"{n['confidence']:.2f}  {prov['label']} at {prov['at_s']:.2f} s")
    lines.append(summary_line(n["label"] for n in result["notes"]))
    lines += problem_lines(result["notes"])
    return "\n".join(lines)


def problem_lines(notes) -> list[str]:
    """One line per kind of note to play again, each listing when they came (the take's to-do list).

    >>> problem_lines([{"label": "buzzy", "onset_s": 2.4, "note": "D3"}, {"label": "clean", "onset_s": 3.0, "note": "E3"}])
    ['  buzzy at 2.40 s (D3)']
    """
    lines = []
    for label in ("buzzy", "muted", "unsure"):
        times = [f"{n['onset_s']:.2f} s" + (f" ({n['note']})" if n.get("note") else "") for n in notes
                 if n["label"] == label]
        if times:
            lines.append(f"  {label} at " + ", ".join(times))
    return lines


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, name: str, width: int = 30):
        self.name, self.width, self._last = name, width, -1

    def show(self, fraction: float) -> None:
        percent = min(100, int(100 * fraction))
        if percent != self._last:
            filled = self.width * percent // 100
            sys.stderr.write(f"\r{self.name}  [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%")
            sys.stderr.flush()
            self._last = percent

    def done(self) -> None:
        sys.stderr.write("\r" + " " * (len(self.name) + self.width + 10) + "\r")
        sys.stderr.flush()


# -- devices, profiles ---------------------------------------------------------------------------

def cmd_devices(args) -> int:
    from buzzfinder_app.audio.mic import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("no input devices found")
        return EXIT_OK
    for d in devices:
        mark = "*" if d.is_default else " "
        print(f"{mark} {d.index:>3}  {d.name}  ({d.max_input_channels} ch, {d.default_samplerate:.0f} Hz)")
    print("* default input")
    return EXIT_OK


def cmd_sessions(args) -> int:
    from buzzfinder_app.practice.sessions import SessionStore, StoreError

    try:
        with SessionStore(read_only=True) as store:
            if args.csv:
                store.export_csv(sys.stdout)
            elif args.json:
                print(json.dumps(store.export_json(), indent=2))
            else:
                print(format_sessions(store))
    except StoreError as exc:
        raise SetupError(str(exc)) from None
    for row in store.damaged:
        _error(f"{row} of the practice history is damaged (text that is not UTF-8) and was left out")
    return EXIT_BAD_FILES if store.damaged else EXIT_OK


def format_sessions(store) -> str:
    """One line per session: when, what was heard, and its summary."""
    rows = store.sessions()
    if not rows:
        return "no sessions yet"
    return "\n".join(f"{s.id:>4}  {s.started_at[:16].replace('T', ' ')} UTC  {s.mode:<8}  {s.input}\n      "
                     f"{store.summary(s.id).text}" for s in rows)


def cmd_teach(args) -> int:
    from buzzfinder_app.personal.commands import cmd_teach as teach
    from buzzfinder_app.personal.profiles import ProfileError

    model = _load_model(args)
    try:
        report = teach(args.profile, args.label, args.files, model)
    except ProfileError as exc:
        raise SetupError(str(exc)) from None
    print(report, flush=True)
    for line in report.errors:
        _error(line)
    return EXIT_BAD_FILES if report.errors else EXIT_OK


def cmd_profiles(args) -> int:
    from buzzfinder_app.personal.commands import cmd_profiles as profiles
    from buzzfinder_app.personal.profiles import ProfileError

    try:
        model = _load_model(args)  # only to tell whether each head suits the current model
    except SetupError:
        model = None
    try:
        print(profiles(json=args.json, model=model))
    except ProfileError as exc:
        raise SetupError(str(exc)) from None
    return EXIT_OK
